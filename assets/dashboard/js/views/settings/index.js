// Settings: a section menu and each section's page. Administrators see every
// section; agents see what they may change (canned responses) and their
// profile. The webhooks section hides itself when the server has no
// webhooks API.
import { html, useEffect, useState } from '../../html.js';
import { api, acct } from '../../api.js';
import { isAdmin, refresh, useSession } from '../../store.js';
import { Link, navigate } from '../../router.js';
import { CopyButton, ErrorNote, Loading, useLoad } from '../../ui.js';
import { MembersDialog } from './members.js';
import { ResourceSettings } from './resource.js';
import { WorkspaceSettings } from './workspace.js';
import { InboxSettings } from './inboxes.js';
import { ApiTokens } from './tokens.js';
import { Webhooks } from './webhooks.js';

const TYPES = ['text', 'number', 'currency', 'percent', 'link', 'date', 'list', 'checkbox'];

const specs = {
  agents: () => ({
    title: 'Agents', noun: 'Agent', path: '/agents', key: 'agents', canWrite: true, after: () => refresh('agents'),
    intro: 'People who work in this workspace. Administrators change settings; agents answer conversations in their inboxes.',
    columns: [['Name', (a) => a.available_name || a.name], ['Email', (a) => a.email], ['Role', (a) => a.role],
      ['Availability', (a) => a.availability_status || a.availability]],
    blank: { name: '', email: '', role: 'agent' },
    fields: (item) => [
      { name: 'name', label: 'Name', required: true },
      ...(item ? [] : [{ name: 'email', label: 'Email', type: 'email', required: true }]),
      { name: 'role', label: 'Role', type: 'select', options: [['agent', 'Agent'], ['administrator', 'Administrator']] },
    ],
    toBody: (v, item) => (item ? { name: v.name, role: v.role } : { name: v.name, email: v.email, role: v.role }),
    reveal: (saved) => saved.initial_password && html`<div role="status">
      <p>${saved.name} can now sign in as <strong>${saved.email}</strong> with this password, shown only now:</p>
      <p class="secret"><code>${saved.initial_password}</code> <${CopyButton} text=${saved.initial_password} /></p>
      <p class="hint">Hand it over privately; they change it from their profile.</p></div>`,
  }),
  teams: () => ({
    title: 'Teams', noun: 'Team', path: '/teams', key: 'teams', canWrite: true, after: () => refresh('teams'),
    intro: 'Groups of agents that conversations can be assigned to.',
    columns: [['Name', (t) => t.name], ['Description', (t) => t.description || '—'], ['Auto-assign', (t) => (t.allow_auto_assign ? 'yes' : 'no')]],
    blank: { name: '', description: '', allow_auto_assign: true },
    fields: () => [
      { name: 'name', label: 'Name', required: true },
      { name: 'description', label: 'Description', type: 'textarea', rows: 2 },
      { name: 'allow_auto_assign', label: 'Assign new conversations to its members automatically', type: 'checkbox' },
    ],
    toBody: (v) => ({ name: v.name, description: v.description || '', allow_auto_assign: !!v.allow_auto_assign }),
    extra: (team) => html`<${TeamMembersButton} team=${team} />`,
  }),
  labels: () => ({
    title: 'Labels', noun: 'Label', path: '/labels', key: 'labels', canWrite: true, after: () => refresh('labels'),
    intro: 'Tags for conversations. Titles are lower case: letters, digits, - and _.',
    columns: [['Title', (l) => html`<span class="swatch" style=${{ '--swatch': l.color }}></span>${l.title}`], ['Description', (l) => l.description || '—']],
    blank: { title: '', description: '', color: '#1f93ff', show_on_sidebar: true },
    fields: () => [
      { name: 'title', label: 'Title', required: true },
      { name: 'description', label: 'Description' },
      { name: 'color', label: 'Colour', type: 'color' },
      { name: 'show_on_sidebar', label: 'Show in the sidebar', type: 'checkbox' },
    ],
    toBody: (v) => ({ title: v.title, description: v.description || '', color: v.color, show_on_sidebar: !!v.show_on_sidebar }),
  }),
  attributes: () => ({
    title: 'Custom attributes', noun: 'Attribute', path: '/custom_attribute_definitions', key: 'definitions', canWrite: true,
    after: () => refresh('definitions'),
    intro: 'Typed fields on contacts and conversations, edited in the conversation\u2019s side panel and on contact pages.',
    columns: [['Name', (d) => d.attribute_display_name], ['Key', (d) => html`<code>${d.attribute_key}</code>`],
      ['Applies to', (d) => (d.attribute_model === 'contact_attribute' ? 'Contacts' : 'Conversations')], ['Type', (d) => d.attribute_display_type]],
    fromItem: (d) => ({ ...d, values_text: d.attribute_values.join(', ') }),
    blank: { attribute_display_name: '', attribute_key: '', attribute_model: 'conversation_attribute', attribute_display_type: 'text', attribute_description: '', values_text: '' },
    fields: (item) => [
      { name: 'attribute_display_name', label: 'Name', required: true },
      { name: 'attribute_key', label: 'Key', required: true, disabled: !!item, hint: 'Fixed once created' },
      { name: 'attribute_model', label: 'Applies to', type: 'select', disabled: !!item, options: [['conversation_attribute', 'Conversations'], ['contact_attribute', 'Contacts']] },
      { name: 'attribute_display_type', label: 'Type', type: 'select', options: TYPES.map((t) => [t, t]) },
      { name: 'values_text', label: 'List values', hint: 'For the list type: the choices, separated by commas' },
      { name: 'attribute_description', label: 'Description' },
    ],
    toBody: (v, item) => ({
      attribute_display_name: v.attribute_display_name,
      attribute_display_type: v.attribute_display_type,
      attribute_description: v.attribute_description || '',
      attribute_values: v.values_text.split(',').map((s) => s.trim()).filter(Boolean),
      ...(item ? {} : { attribute_key: v.attribute_key, attribute_model: v.attribute_model }),
    }),
  }),
  canned: () => ({
    title: 'Canned responses', noun: 'Canned response', path: '/canned_responses', key: 'canned_responses', canWrite: true,
    intro: 'Saved replies: type / and the short code in the reply box to insert one.',
    columns: [['Short code', (c) => html`<code>/${c.short_code}</code>`], ['Content', (c) => c.content]],
    blank: { short_code: '', content: '' },
    fields: () => [
      { name: 'short_code', label: 'Short code', required: true },
      { name: 'content', label: 'Content', type: 'textarea', required: true },
    ],
    toBody: (v) => ({ short_code: v.short_code, content: v.content }),
  }),
};

function TeamMembersButton({ team }) {
  const [open, setOpen] = useState(false);
  return html`<button type="button" class="secondary" onClick=${() => setOpen(true)}>Members</button>
    ${open ? html`<${MembersDialog} title=${`Members of ${team.name}`} path=${`/teams/${team.id}/team_members`}
      save=${(ids) => api.patch(acct(`/teams/${team.id}/team_members`), { user_ids: ids })} onClose=${() => setOpen(false)} />` : null}`;
}

const SECTIONS = [
  ['workspace', 'Workspace', true],
  ['inboxes', 'Inboxes', true],
  ['agents', 'Agents', true],
  ['teams', 'Teams', true],
  ['labels', 'Labels', true],
  ['attributes', 'Custom attributes', true],
  ['canned', 'Canned responses', false],
  ['api_tokens', 'API tokens', true],
  ['webhooks', 'Webhooks', true],
];

/** Whether the server has the webhooks API (it answers 404 where it has not); null while asking. */
function useWebhooksAvailable(admin) {
  const probe = useLoad(() => (admin ? api.get(acct('/webhooks')).then(() => true, (e) => e.status !== 404) : Promise.resolve(false)), [admin]);
  return probe.loading ? null : probe.data;
}

export function Settings({ parts }) {
  const { account } = useSession();
  const admin = isAdmin();
  const webhooks = useWebhooksAvailable(admin);
  const [section = admin ? 'workspace' : 'canned', ...rest] = parts;
  const visible = SECTIONS.filter(([key, , adminOnly]) => (!adminOnly || admin) && (key !== 'webhooks' || webhooks));
  useEffect(() => {
    if (!parts.length) navigate(`/app/settings/${section}`, { replace: true });
  }, [parts.length]);
  let page;
  if (section === 'workspace') page = html`<${WorkspaceSettings} account=${account} />`;
  else if (section === 'inboxes') page = html`<${InboxSettings} id=${rest[0]} />`;
  else if (section === 'api_tokens') page = html`<${ApiTokens} />`;
  else if (section === 'webhooks') {
    if (webhooks === null) page = html`<${Loading} />`;
    else if (webhooks) page = html`<${Webhooks} parts=${rest} />`;
    else page = html`<${ErrorNote} error=${new Error('This Deskwoot server has no webhooks yet.')} />`;
  }
  else if (specs[section]) {
    const spec = specs[section]();
    if (section === 'canned' || admin) page = html`<${ResourceSettings} key=${section} spec=${spec} />`;
  }
  return html`<div class="settings">
    <nav class="settings-nav" aria-label="Settings">
      <ul>${visible.map(([key, label]) => html`<li key=${key}>
        <${Link} href=${`/app/settings/${key}`} aria-current=${key === section ? 'page' : null}>${label}</${Link}></li>`)}</ul>
    </nav>
    <div class="page">${page || html`<${ErrorNote} error=${new Error('This section is for administrators.')} />`}</div>
  </div>`;
}
