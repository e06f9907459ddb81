// Settings → Inboxes: create a website or API inbox; per inbox its settings,
// the widget's look and texts, business hours, identity verification,
// allowed domains, members and the embed snippet.
import { html, useState } from '../../html.js';
import { api, acct, listOf } from '../../api.js';
import { refresh, toast } from '../../store.js';
import { Link, navigate } from '../../router.js';
import {
  ConfirmButton, CopyButton, Empty, ErrorNote, Form, FormFields, Loading, Modal, useAction, useLoad,
} from '../../ui.js';
import { MembersDialog } from './members.js';

const WEB = 'Channel::WebWidget';
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function InboxSettings({ id }) {
  return id ? html`<${InboxPage} key=${id} id=${Number(id)} />` : html`<${InboxList} />`;
}

function InboxList() {
  const inboxes = useLoad(() => api.get(acct('/inboxes')).then((b) => listOf(b, 'inboxes')), []);
  const [creating, setCreating] = useState(false);
  return html`<section>
    <header class="page-head"><h1>Inboxes</h1>
      <button type="button" class="primary" onClick=${() => setCreating(true)}>Add inbox</button></header>
    <p class="hint">An inbox is a channel: the chat widget on a website, or an API channel your own systems feed.</p>
    <${ErrorNote} error=${inboxes.error} onRetry=${inboxes.reload} />
    ${inboxes.loading && !inboxes.data ? html`<${Loading} />` : null}
    ${inboxes.data && !inboxes.data.length ? html`<${Empty} title="No inboxes yet">Add one to start receiving conversations.</${Empty}>` : null}
    ${inboxes.data?.length ? html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">Name</th><th scope="col">Channel</th><th scope="col">Identifier</th></tr></thead>
      <tbody>${inboxes.data.map((i) => html`<tr key=${i.id}>
        <td><${Link} href=${`/app/settings/inboxes/${i.id}`}>${i.name}</${Link}></td>
        <td>${i.channel_type === WEB ? 'Website' : 'API'}</td>
        <td><code>${i.website_token || i.inbox_identifier}</code></td>
      </tr>`)}</tbody>
    </table></div>` : null}
    ${creating ? html`<${CreateInbox} onClose=${() => setCreating(false)} />` : null}
  </section>`;
}

function CreateInbox({ onClose }) {
  const [values, setValues] = useState({ type: 'web_widget', name: '', website_url: '', webhook_url: '' });
  const { busy, error, run } = useAction();
  const web = values.type === 'web_widget';
  const submit = () => run(async () => {
    const channel = web ? { type: 'web_widget', website_url: values.website_url || null } : { type: 'api', webhook_url: values.webhook_url || null };
    const inbox = await api.post(acct('/inboxes'), { name: values.name, channel });
    await refresh('inboxes');
    toast('Inbox created', 'success');
    navigate(`/app/settings/inboxes/${inbox.id}`);
  });
  return html`<${Modal} title="Add an inbox" onClose=${onClose}>
    <${Form} onSubmit=${submit} busy=${busy} error=${error} onCancel=${onClose} submitLabel="Create inbox">
      <${FormFields} values=${values} onChange=${setValues} error=${error} fields=${[
        { name: 'type', label: 'Channel', type: 'select', options: [['web_widget', 'Website (chat widget)'], ['api', 'API (your own channel)']] },
        { name: 'name', label: 'Name', required: true },
        web ? { name: 'website_url', label: 'Website address', type: 'url', hint: 'e.g. https://www.example.com' }
          : { name: 'webhook_url', label: 'Callback URL', type: 'url', hint: 'Where agents\u2019 replies are POSTed; optional' },
      ]} />
    </${Form}>
  </${Modal}>`;
}

function InboxPage({ id }) {
  const inbox = useLoad(() => api.get(acct(`/inboxes/${id}`)), [id]);
  const [tab, setTab] = useState('settings');
  if (inbox.error) return html`<${ErrorNote} error=${inbox.error} onRetry=${inbox.reload} />`;
  if (!inbox.data) return html`<${Loading} />`;
  const i = inbox.data;
  const web = i.channel_type === WEB;
  const tabs = [
    ['settings', 'Settings'],
    ...(web ? [['widget', 'Widget']] : []),
    ['hours', 'Business hours'],
    ['identity', 'Identity verification'],
    ['members', 'Members'],
    ['embed', web ? 'Embed snippet' : 'API details'],
  ];
  const save = (patch) => api.patch(acct(`/inboxes/${id}`), patch).then((saved) => {
    inbox.setData(saved);
    refresh('inboxes');
    toast('Inbox saved', 'success');
  });
  const remove = async () => {
    try {
      await api.del(acct(`/inboxes/${id}`));
      await refresh('inboxes');
      navigate('/app/settings/inboxes');
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  let body;
  if (tab === 'settings') body = html`<${SettingsForm} inbox=${i} save=${save} />`;
  if (tab === 'widget') body = html`<${WidgetForm} inbox=${i} save=${save} />`;
  if (tab === 'hours') body = html`<${HoursForm} inbox=${i} save=${save} />`;
  if (tab === 'identity') body = html`<${Identity} inbox=${i} save=${save} />`;
  if (tab === 'members') body = html`<${Members} inbox=${i} />`;
  if (tab === 'embed') body = html`<${Embed} inbox=${i} />`;
  return html`<section>
    <header class="page-head">
      <${Link} href="/app/settings/inboxes">‹ Inboxes</${Link}>
      <h1>${i.name} <span class="badge">${web ? 'Website' : 'API'}</span></h1>
      <${ConfirmButton} label="Delete inbox" confirmLabel="Delete it and its conversations" onConfirm=${remove} />
    </header>
    <div class="subtabs" role="tablist" aria-label="Inbox settings">
      ${tabs.map(([key, label]) => html`<button type="button" role="tab" key=${key} aria-selected=${tab === key} onClick=${() => setTab(key)}>${label}</button>`)}
    </div>
    <div class="card" role="tabpanel">${body}</div>
  </section>`;
}

/** A form over some of the inbox's settings: `fields` named as the API names them. */
function InboxForm({ inbox, save, fields, children }) {
  const [values, setValues] = useState(Object.fromEntries(fields.map((f) => [f.name, inbox[f.name] ?? ''])));
  const { busy, error, run } = useAction();
  const submit = () => run(() => save(Object.fromEntries(fields.map((f) => [f.name, values[f.name] === '' && f.nullable ? null : values[f.name]]))));
  return html`<${Form} onSubmit=${submit} busy=${busy} error=${error}>
    ${children}
    <${FormFields} fields=${fields} values=${values} onChange=${setValues} error=${error} />
  </${Form}>`;
}

function SettingsForm({ inbox, save }) {
  const web = inbox.channel_type === WEB;
  return html`<${InboxForm} inbox=${inbox} save=${save} fields=${[
    { name: 'name', label: 'Name', required: true },
    ...(web
      ? [{ name: 'website_url', label: 'Website address', type: 'url', nullable: true },
        { name: 'allowed_domains', label: 'Allowed domains', hint: 'Sites that may show the widget, separated by commas (e.g. example.com, *.example.org); empty allows any' },
        { name: 'attachments_enabled', label: 'Visitors may attach files', type: 'checkbox' }]
      : [{ name: 'webhook_url', label: 'Callback URL', type: 'url', nullable: true, hint: 'Where agents\u2019 replies are POSTed, signed' }]),
    { name: 'greeting_enabled', label: 'Greet new conversations', type: 'checkbox' },
    { name: 'greeting_message', label: 'Greeting', type: 'textarea', rows: 2 },
    { name: 'allow_messages_after_resolved', label: 'Contacts may write after a conversation is resolved', type: 'checkbox' },
  ]} />`;
}

function WidgetForm({ inbox, save }) {
  return html`<${InboxForm} inbox=${inbox} save=${save} fields=${[
    { name: 'widget_color', label: 'Colour', type: 'color' },
    { name: 'welcome_title', label: 'Welcome title', hint: 'e.g. Hi there 👋' },
    { name: 'welcome_tagline', label: 'Welcome tagline', type: 'textarea', rows: 2, hint: 'e.g. We usually answer within the hour' },
  ]} />`;
}

function pad(n) {
  return String(n ?? 0).padStart(2, '0');
}

function HoursForm({ inbox, save }) {
  const [enabled, setEnabled] = useState(inbox.working_hours_enabled);
  const [other, setOther] = useState({ timezone: inbox.timezone, out_of_office_message: inbox.out_of_office_message });
  const [days, setDays] = useState(inbox.working_hours);
  const { busy, error, run } = useAction();
  const setDay = (index, patch) => setDays(days.map((d, i) => (i === index ? { ...d, ...patch } : d)));
  const time = (value) => {
    const [h, m] = value.split(':').map(Number);
    return [h, m];
  };
  const submit = () => run(() => save({ working_hours_enabled: enabled, ...other, working_hours: days }));
  return html`<${Form} onSubmit=${submit} busy=${busy} error=${error}>
    <label class="check"><input type="checkbox" checked=${enabled} onChange=${(e) => setEnabled(e.target.checked)} /> Keep business hours</label>
    <${FormFields} values=${other} onChange=${setOther} error=${error} fields=${[
      { name: 'timezone', label: 'Time zone', hint: 'An IANA name, e.g. Europe/Berlin' },
      { name: 'out_of_office_message', label: 'Message outside business hours', type: 'textarea', rows: 2 },
    ]} />
    <fieldset class="hours"><legend class="visually-hidden">Opening hours</legend>
      ${days.map((d, i) => html`<strong key=${`n${i}`}>${DAYS[d.day_of_week]}</strong>
        <label key=${`c${i}`} class="check"><input type="checkbox" checked=${!d.closed_all_day}
          onChange=${(e) => setDay(i, { closed_all_day: !e.target.checked, open_all_day: false, open_hour: d.open_hour ?? 9, open_minutes: d.open_minutes ?? 0, close_hour: d.close_hour ?? 17, close_minutes: d.close_minutes ?? 0 })} /> Open</label>
        <input key=${`o${i}`} type="time" aria-label=${`${DAYS[d.day_of_week]} opens`} disabled=${d.closed_all_day}
          value=${`${pad(d.open_hour)}:${pad(d.open_minutes)}`}
          onInput=${(e) => { const [h, m] = time(e.target.value); setDay(i, { open_hour: h, open_minutes: m }); }} />
        <input key=${`x${i}`} type="time" aria-label=${`${DAYS[d.day_of_week]} closes`} disabled=${d.closed_all_day}
          value=${`${pad(d.close_hour)}:${pad(d.close_minutes)}`}
          onInput=${(e) => { const [h, m] = time(e.target.value); setDay(i, { close_hour: h, close_minutes: m }); }} />`)}
    </fieldset>
  </${Form}>`;
}

function Identity({ inbox, save }) {
  const [mandatory, setMandatory] = useState(inbox.hmac_mandatory);
  const { busy, error, run } = useAction();
  return html`<div>
    <p>Your backend signs each signed-in user's identifier with this secret (HMAC-SHA256, hex) and passes it to the widget as
      <code>identifier_hash</code>, so nobody can pose as one of your users. Conversations of verified visitors show a Verified badge.</p>
    ${inbox.hmac_token ? html`<p class="secret"><code>${inbox.hmac_token}</code> <${CopyButton} text=${inbox.hmac_token} label="Copy secret" />
      <${ConfirmButton} label="Rotate" className="secondary" confirmLabel="Rotate the secret"
        onConfirm=${() => run(() => save({ rotate_hmac_token: true }))} /></p>`
      : html`<p class="hint">Only administrators see the secret.</p>`}
    <${Form} onSubmit=${() => run(() => save({ hmac_mandatory: mandatory }))} busy=${busy} error=${error}>
      <label class="check"><input type="checkbox" checked=${mandatory} onChange=${(e) => setMandatory(e.target.checked)} />
        Require verification: refuse visitors whose identity is not signed</label>
    </${Form}>
  </div>`;
}

function Members({ inbox }) {
  const members = useLoad(() => api.get(acct(`/inbox_members/${inbox.id}`)).then((b) => listOf(b, 'agents')), [inbox.id]);
  const [editing, setEditing] = useState(false);
  return html`<div>
    <p class="hint">Agents see and answer only the conversations of their inboxes; administrators see every inbox.</p>
    <${ErrorNote} error=${members.error} onRetry=${members.reload} />
    ${members.data ? (members.data.length
      ? html`<ul>${members.data.map((a) => html`<li key=${a.id}>${a.available_name || a.name} <span class="hint">${a.email}</span></li>`)}</ul>`
      : html`<p>No members yet.</p>`) : html`<${Loading} />`}
    <button type="button" class="secondary" onClick=${() => setEditing(true)}>Edit members</button>
    ${editing ? html`<${MembersDialog} title=${`Members of ${inbox.name}`} path=${`/inbox_members/${inbox.id}`}
      save=${(ids) => api.patch(acct('/inbox_members'), { inbox_id: inbox.id, user_ids: ids })}
      onClose=${() => { setEditing(false); members.reload(); }} />` : null}
  </div>`;
}

/** What a site owner pastes before `</body>`: the widget's script, told which inbox it is. */
function snippet(inbox) {
  return `<script src="${location.origin}/widget/sdk.js" data-website-token="${inbox.website_token}" async></script>`;
}

function Embed({ inbox }) {
  if (inbox.channel_type !== WEB) {
    const base = `${location.origin}/public/api/v1/inboxes/${inbox.inbox_identifier}`;
    return html`<div>
      <p>Your systems create contacts and post their messages through the public client API of this inbox:</p>
      <pre class="snippet">${base}</pre>
      <p class="secret"><${CopyButton} text=${base} label="Copy address" /></p>
      <p class="hint">Agents' replies are POSTed to the callback URL from the Settings tab.</p>
    </div>`;
  }
  const code = snippet(inbox);
  return html`<div>
    <p>Paste this just before <code>&lt;/body&gt;</code> on every page of your site:</p>
    <pre class="snippet" data-testid="embed-snippet">${code}</pre>
    <${CopyButton} text=${code} label="Copy snippet" />
  </div>`;
}
