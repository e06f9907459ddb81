// Shared state: who is signed in, the workspace, and the lists that every view
// needs (inboxes, agents, teams, labels, attribute definitions), loaded once
// and refreshed when settings change them.
import { useEffect, useState } from './html.js';
import { api, acct, listOf } from './api.js';

function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  return {
    get: () => state,
    set(patch) {
      state = { ...state, ...patch };
      listeners.forEach((fn) => fn(state));
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

export const session = createStore({
  profile: null,
  account: null,
  inboxes: [],
  agents: [],
  teams: [],
  labels: [],
  definitions: [],
});

/** The session's state in a component, re-rendered when it changes. */
export function useSession() {
  const [state, setState] = useState(session.get());
  useEffect(() => session.subscribe(setState), []);
  return state;
}

/** Changes the signed-in person's profile and keeps the session's copy current. */
export async function saveProfile(body) {
  const profile = await api.put('/api/v1/profile', body);
  session.set({ profile: { ...session.get().profile, ...profile } });
  return profile;
}

export const AVAILABILITY = [['online', 'Online'], ['busy', 'Busy'], ['offline', 'Offline']];

export function isAdmin() {
  return session.get().account?.role === 'administrator';
}

const loaders = {
  inboxes: () => api.get(acct('/inboxes')).then((b) => listOf(b, 'inboxes')),
  agents: () => api.get(acct('/agents')).then((b) => listOf(b, 'agents')),
  teams: () => api.get(acct('/teams')).then((b) => listOf(b, 'teams')),
  labels: () => api.get(acct('/labels')).then((b) => listOf(b, 'labels')),
  definitions: () => api.get(acct('/custom_attribute_definitions')).then((b) => listOf(b, 'definitions')),
};

/** Reloads the named lists (all of them when none is named). */
export async function refresh(...names) {
  const wanted = names.length ? names : Object.keys(loaders);
  const values = await Promise.all(wanted.map((name) => loaders[name]()));
  session.set(Object.fromEntries(wanted.map((name, i) => [name, values[i]])));
}

/** The toasts shown at the bottom of the screen. */
export const toasts = createStore({ items: [] });
let toastId = 0;

export function toast(message, kind = 'info') {
  const id = ++toastId;
  toasts.set({ items: [...toasts.get().items, { id, message, kind }] });
  setTimeout(() => dismissToast(id), kind === 'error' ? 8000 : 4000);
}

export function dismissToast(id) {
  toasts.set({ items: toasts.get().items.filter((t) => t.id !== id) });
}
