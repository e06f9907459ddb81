// The dashboard's entry: decides between first-run setup, sign-in and the
// app, lays out the navigation, and routes `/app/...` URLs to the views.
// Contacts, settings and the profile load on first visit.
import { html, render, useEffect, useState } from './html.js';
import { api, setAccount, setSession, whenSessionLost } from './api.js';
import { AVAILABILITY, refresh, saveProfile, session, useSession, toast } from './store.js';
import { Link, navigate, useRoute } from './router.js';
import { startLive, stopLive } from './live.js';
import { ShortcutSheet, useShortcuts } from './keyboard.js';
import { Avatar, ErrorNote, Loading, Toasts, useLoad } from './ui.js';
import { SignIn, Setup } from './views/signin.js';
import { Inbox } from './views/inbox.js';
import { applyTheme, ThemeToggle } from './theme.js';

applyTheme();

const ACCOUNT_KEY = 'deskwoot.account';

async function enter(profile) {
  setSession(profile.csrf_token);
  const wanted = Number(localStorage.getItem(ACCOUNT_KEY));
  const account = profile.accounts.find((a) => a.id === wanted) || profile.accounts[0];
  if (!account) throw new Error('This user belongs to no workspace; ask an administrator to add you.');
  setAccount(account.id);
  session.set({ profile, account });
  await refresh();
  startLive(account.id);
}

function App() {
  const [boot, setBoot] = useState({ state: 'loading' });
  const start = async () => {
    try {
      const { needs_setup: needsSetup } = await api.get('/api/v1/setup');
      if (needsSetup) return setBoot({ state: 'setup' });
      await enter(await api.get('/api/v1/profile'));
      setBoot({ state: 'ready' });
    } catch (error) {
      setBoot(error.status === 401 ? { state: 'signin' } : { state: 'error', error });
    }
    return undefined;
  };
  useEffect(() => {
    start();
    whenSessionLost(() => {
      stopLive();
      setSession(null);
      setBoot({ state: 'signin', notice: 'Your session ended; sign in again.' });
    });
  }, []);
  const signedIn = async (profile) => {
    await enter(profile);
    if (!location.pathname.startsWith('/app/')) navigate('/app/inbox', { replace: true });
    setBoot({ state: 'ready' });
  };
  switch (boot.state) {
    case 'loading': return html`<${Loading} label="Loading Deskwoot…" />`;
    case 'setup': return html`<${Setup} onSignedIn=${signedIn} />`;
    case 'signin': return html`<${SignIn} onSignedIn=${signedIn} notice=${boot.notice} />`;
    case 'error': return html`<main class="welcome" id="main"><div class="welcome-card"><h1>Deskwoot is not answering</h1>
      <${ErrorNote} error=${boot.error} onRetry=${() => { setBoot({ state: 'loading' }); start(); }} /></div></main>`;
    default: return html`<${Shell} />`;
  }
}

/** A view from a module loaded on first use. */
function Lazy({ load, name, ...props }) {
  const mod = useLoad(load, [load]);
  if (mod.error) return html`<${ErrorNote} error=${mod.error} onRetry=${mod.reload} />`;
  if (!mod.data) return html`<${Loading} />`;
  const View = mod.data[name];
  return html`<${View} ...${props} />`;
}

const loadContacts = () => import('./views/contacts.js');
const loadSettings = () => import('./views/settings/index.js');
const loadProfile = () => import('./views/profile.js');

const NAV = [
  ['inbox', 'Inbox'],
  ['contacts', 'Contacts'],
  ['settings', 'Settings'],
];

function Shell() {
  const { parts } = useRoute();
  const { profile, account } = useSession();
  const [sheet, setSheet] = useState(false);
  useShortcuts({ '?': () => setSheet(true) });
  const [section, ...rest] = parts;
  useEffect(() => {
    if (!NAV.some(([key]) => key === section) && section !== 'profile') navigate('/app/inbox', { replace: true });
  }, [section]);
  let view;
  if (section === 'contacts') view = html`<${Lazy} load=${loadContacts} name="Contacts" id=${rest[0]} />`;
  else if (section === 'settings') view = html`<${Lazy} load=${loadSettings} name="Settings" parts=${rest} />`;
  else if (section === 'profile') view = html`<${Lazy} load=${loadProfile} name="Profile" />`;
  else view = html`<${Inbox} id=${rest[0]} />`;
  return html`<div class="app">
    <a class="skip" href="#main">Skip to content</a>
    <nav class="rail" aria-label="Main">
      <div class="rail-brand" title=${account.name}>${account.name}</div>
      <ul>
        ${NAV.map(([key, label]) => html`<li key=${key}>
          <${Link} href=${`/app/${key}`} aria-current=${section === key ? 'page' : null}>${label}</${Link}>
        </li>`)}
      </ul>
      <div class="rail-foot">
        <${ThemeToggle} />
        <button type="button" class="ghost" onClick=${() => setSheet(true)}>Shortcuts <kbd>?</kbd></button>
        <${Link} href="/app/profile" class="me" aria-current=${section === 'profile' ? 'page' : null}>
          <${Avatar} name=${profile.available_name} size="sm" />
          <span class=${`presence ${profile.availability}`} aria-hidden="true"></span>
          <span class="me-name">${profile.available_name}</span>
        </${Link}>
        <label class="visually-hidden" for="availability">Your availability</label>
        <select id="availability" value=${profile.availability}
          onChange=${(e) => saveProfile({ availability: e.target.value }).catch((error) => toast(error.message, 'error'))}>
          ${AVAILABILITY.map(([v, label]) => html`<option value=${v}>${label}</option>`)}
        </select>
        <button type="button" class="ghost" onClick=${signOut}>Sign out</button>
      </div>
    </nav>
    <main id="main" class="view" tabindex="-1">${view}</main>
    ${sheet ? html`<${ShortcutSheet} onClose=${() => setSheet(false)} />` : null}
  </div>`;
}

async function signOut() {
  try {
    await api.del('/auth/sign_out');
    stopLive();
    location.assign('/app');
  } catch (error) {
    toast(error.message, 'error');
  }
}

function Root() {
  return html`<${App} /><${Toasts} />`;
}

render(html`<${Root} />`, document.getElementById('app'));
