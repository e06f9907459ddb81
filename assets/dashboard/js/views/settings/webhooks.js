// Settings → Webhooks: subscriptions with their events and inbox, the
// signing secret shown once, a test send, and each webhook's delivery log
// with its attempts and a replay button.
import { html, useState } from '../../html.js';
import { api, acct, itemOf, listOf } from '../../api.js';
import { toast, useSession } from '../../store.js';
import { Link } from '../../router.js';
import {
  ConfirmButton, CopyButton, Empty, ErrorNote, Form, FormFields, Loading, Modal, ago, useAction, useLoad, when,
} from '../../ui.js';

const EVENTS = [
  ['conversation_created', 'Conversation created'],
  ['conversation_status_changed', 'Conversation status changed'],
  ['conversation_updated', 'Conversation updated (assigned, labelled…)'],
  ['conversation_assigned', 'Conversation assigned'],
  ['conversation_resolved', 'Conversation resolved'],
  ['message_created', 'Message created'],
  ['message_updated', 'Message updated'],
  ['contact_created', 'Contact created'],
  ['contact_updated', 'Contact updated'],
  ['conversation_typing_on', 'Typing started'],
  ['conversation_typing_off', 'Typing stopped'],
  ['webwidget_triggered', 'Widget opened'],
  ['inbox_created', 'Inbox created'],
  ['inbox_updated', 'Inbox updated'],
  ['webhook_disabled', 'This webhook disabled after failing'],
];
const MESSAGE_KINDS = [['incoming', 'From contacts'], ['outgoing', 'Agents\u2019 replies'], ['private_note', 'Private notes']];

const paths = {
  webhooks: () => acct('/webhooks'),
  webhook: (id) => acct(`/webhooks/${id}`),
  test: (id) => acct(`/webhooks/${id}/test`),
  deliveries: (id) => acct(`/webhooks/${id}/deliveries`),
  rotate: (id) => acct(`/webhooks/${id}/rotate_secret`),
  delivery: (hookId, id) => acct(`/webhooks/${hookId}/deliveries/${id}`),
  replay: (hookId, id) => acct(`/webhooks/${hookId}/deliveries/${id}/replay`),
};

export function Webhooks({ parts }) {
  return parts[0] ? html`<${Deliveries} key=${parts[0]} id=${Number(parts[0])} />` : html`<${WebhookList} />`;
}

function WebhookList() {
  const { inboxes } = useSession();
  const hooks = useLoad(() => api.get(paths.webhooks()).then((b) => listOf(b, 'webhooks')), []);
  const [editing, setEditing] = useState(null);
  const [secret, setSecret] = useState(null);
  const test = async (hook) => {
    try {
      const result = await api.post(paths.test(hook.id));
      if (result.succeeded) toast(`Test delivered: your URL answered ${result.status_code}`, 'success');
      else toast(`Test failed: ${result.error || `your URL answered ${result.status_code}`}`, 'error');
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  const rotate = async (hook) => {
    try {
      setSecret(itemOf(await api.post(paths.rotate(hook.id)), 'webhook').secret);
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  const remove = async (hook) => {
    try {
      await api.del(paths.webhook(hook.id));
      hooks.reload();
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  return html`<section>
    <header class="page-head"><h1>Webhooks</h1>
      <button type="button" class="primary" onClick=${() => setEditing({})}>Add webhook</button></header>
    <p class="hint">Deskwoot POSTs the events you pick to your URL, signed with the webhook's secret, and retries failed deliveries.</p>
    <${ErrorNote} error=${hooks.error} onRetry=${hooks.reload} />
    ${hooks.loading && !hooks.data ? html`<${Loading} />` : null}
    ${hooks.data && !hooks.data.length ? html`<${Empty} title="No webhooks yet" />` : null}
    ${hooks.data?.length ? html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Inbox</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${hooks.data.map((h) => html`<tr key=${h.id}>
        <td>${h.name ? html`<strong>${h.name}</strong><br />` : null}<code>${h.url}</code>
          ${!h.active ? html`<br /><span class="bad">Disabled${h.disabled_reason ? `: ${h.disabled_reason}` : ''}</span>` : null}
          ${h.active && h.failing_since ? html`<br /><span class="bad">Failing since ${when(h.failing_since)}</span>` : null}</td>
        <td>${(h.subscriptions || []).join(', ')}</td>
        <td>${h.inbox?.name || inboxes.find((i) => i.id === h.inbox_id)?.name || 'All inboxes'}</td>
        <td class="actions">
          <button type="button" class="secondary" onClick=${() => test(h)}>Send test</button>
          <${Link} class="button secondary" href=${`/app/settings/webhooks/${h.id}`}>Deliveries</${Link}>
          <button type="button" class="secondary" onClick=${() => setEditing(h)}>Edit</button>
          <${ConfirmButton} label="Rotate secret" className="secondary" confirmLabel="Make a new secret" onConfirm=${() => rotate(h)} />
          <${ConfirmButton} label="Delete" confirmLabel="Delete webhook" onConfirm=${() => remove(h)} />
        </td>
      </tr>`)}</tbody>
    </table></div>` : null}
    ${editing ? html`<${WebhookDialog} hook=${editing.id ? editing : null} onClose=${() => { setEditing(null); hooks.reload(); }} />` : null}
    ${secret ? html`<${SecretDialog} title="New signing secret" secret=${secret}
      note="The previous secret keeps signing beside it for a day, so your receiver can switch over." onClose=${() => setSecret(null)} />` : null}
  </section>`;
}

function SecretDialog({ title, secret, note, onClose }) {
  return html`<${Modal} title=${title} onClose=${onClose}>
    <p role="status"><strong>Copy the signing secret now:</strong> it is shown only this once. ${note}</p>
    <p class="secret"><code data-testid="webhook-secret">${secret}</code> <${CopyButton} text=${secret} label="Copy secret" /></p>
    <div class="form-actions"><button type="button" class="primary" onClick=${onClose}>Done</button></div>
  </${Modal}>`;
}

function WebhookDialog({ hook, onClose }) {
  const { inboxes } = useSession();
  const [values, setValues] = useState({ url: hook?.url || '', name: hook?.name || '', inbox_id: String(hook?.inbox?.id ?? hook?.inbox_id ?? '') });
  const [events, setEvents] = useState(new Set(hook?.subscriptions || ['conversation_created', 'message_created']));
  const [kinds, setKinds] = useState(new Set(hook?.message_kinds || ['incoming', 'outgoing']));
  const [secret, setSecret] = useState(null);
  const { busy, error, run, setError } = useAction();
  const submit = () => {
    if (!events.size) {
      setError(new Error('Pick at least one event.'));
      return;
    }
    run(async () => {
      const body = {
        url: values.url, name: values.name, subscriptions: [...events], message_kinds: [...kinds], inbox_id: values.inbox_id ? Number(values.inbox_id) : null,
      };
      const saved = itemOf(hook ? await api.patch(paths.webhook(hook.id), body) : await api.post(paths.webhooks(), body), 'webhook');
      toast('Webhook saved', 'success');
      if (!hook && saved?.secret) setSecret(saved.secret);
      else onClose();
    });
  };
  if (secret) {
    return html`<${SecretDialog} title="Webhook created" secret=${secret}
      note="Deliveries carry Standard Webhooks signature headers made with it." onClose=${onClose} />`;
  }
  const toggle = (set, setter) => (key, on) => {
    const next = new Set(set);
    if (on) next.add(key);
    else next.delete(key);
    setter(next);
  };
  return html`<${Modal} title=${hook ? 'Edit webhook' : 'Add a webhook'} onClose=${onClose} wide>
    <${Form} onSubmit=${submit} busy=${busy} error=${error} onCancel=${onClose}>
      <${FormFields} values=${values} onChange=${setValues} error=${error} fields=${[
        { name: 'url', label: 'URL', type: 'url', required: true, hint: 'https:// address that receives the POSTs' },
        { name: 'name', label: 'Name' },
        { name: 'inbox_id', label: 'Inbox', type: 'select', options: [['', 'All inboxes'], ...inboxes.map((i) => [String(i.id), i.name])] },
      ]} />
      <fieldset class="events"><legend>Events</legend>
        ${EVENTS.map(([key, label]) => html`<label class="check" key=${key}>
          <input type="checkbox" checked=${events.has(key)} onChange=${(e) => toggle(events, setEvents)(key, e.target.checked)} /> ${label}</label>`)}
      </fieldset>
      <fieldset class="events"><legend>Messages to send</legend>
        ${MESSAGE_KINDS.map(([key, label]) => html`<label class="check" key=${key}>
          <input type="checkbox" checked=${kinds.has(key)} onChange=${(e) => toggle(kinds, setKinds)(key, e.target.checked)} /> ${label}</label>`)}
      </fieldset>
    </${Form}>
  </${Modal}>`;
}

function Deliveries({ id }) {
  const log = useLoad(() => api.get(paths.deliveries(id)).then((b) => listOf(b, 'deliveries')), [id]);
  const [open, setOpen] = useState(null);
  const replay = async (delivery) => {
    try {
      await api.post(paths.replay(id, delivery.id));
      toast('Delivery replayed', 'success');
      log.reload();
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  return html`<section>
    <header class="page-head">
      <${Link} href="/app/settings/webhooks">‹ Webhooks</${Link}>
      <h1>Delivery log</h1>
      <button type="button" class="secondary" onClick=${log.reload}>Refresh</button>
    </header>
    <${ErrorNote} error=${log.error} onRetry=${log.reload} />
    ${log.loading && !log.data ? html`<${Loading} />` : null}
    ${log.data && !log.data.length ? html`<${Empty} title="No deliveries yet">Send a test from the list, or wait for an event.</${Empty}>` : null}
    ${log.data?.length ? html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">When</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${log.data.map((d) => html`<tr key=${d.id} class="delivery">
        <td>${d.event}</td>
        <td class=${{ succeeded: 'ok', failed: 'bad' }[d.status] || ''}>${d.status}${d.next_attempt_at ? html`<br /><small>next try ${when(d.next_attempt_at)}</small>` : null}</td>
        <td>${d.attempt_count}</td><td>${d.last_error || '—'}</td>
        <td title=${when(d.created_at)}>${ago(d.created_at)}</td>
        <td class="actions">
          <button type="button" class="secondary" onClick=${() => setOpen(d.id)}>Details</button>
          ${d.status !== 'pending' ? html`<button type="button" class="secondary" onClick=${() => replay(d)}>Replay</button>` : null}
        </td>
      </tr>`)}</tbody>
    </table></div>` : null}
    ${open ? html`<${DeliveryDialog} hookId=${id} id=${open} onClose=${() => setOpen(null)} />` : null}
  </section>`;
}

function Value({ value }) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object') return html`<pre class="snippet">${JSON.stringify(value, null, 2)}</pre>`;
  return String(value);
}

function DeliveryDialog({ hookId, id, onClose }) {
  const delivery = useLoad(() => api.get(paths.delivery(hookId, id)), [id]);
  const d = delivery.data;
  return html`<${Modal} title="Delivery" onClose=${onClose} wide>
    <${ErrorNote} error=${delivery.error} onRetry=${delivery.reload} />
    ${!d ? html`<${Loading} />` : html`<div>
      <dl class="kv">${Object.entries(d).filter(([k]) => k !== 'attempts').map(([k, v]) => html`<div key=${k}><dt>${k}</dt><dd><${Value} value=${v} /></dd></div>`)}</dl>
      <h3>Attempts</h3>
      <ol>${(d.attempts || []).map((a) => html`<li key=${a.id}><dl class="kv">
        <div><dt>When</dt><dd>${when(a.at)}</dd></div>
        <div><dt>Answer</dt><dd class=${a.status_code >= 200 && a.status_code < 300 ? 'ok' : 'bad'}>${a.status_code ?? a.error}</dd></div>
        <div><dt>Took</dt><dd>${a.latency_ms} ms</dd></div>
        ${a.response_body ? html`<div><dt>Response</dt><dd><pre class="snippet">${a.response_body}</pre></dd></div>` : null}
      </dl></li>`)}</ol>
    </div>`}
  </${Modal}>`;
}
