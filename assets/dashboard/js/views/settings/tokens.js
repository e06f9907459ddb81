// Settings → API tokens: create one with a scope picker (its secret is shown
// once, with a copy button), list them with when they were last used, and
// revoke them.
import { html, useState } from '../../html.js';
import { api, acct, listOf } from '../../api.js';
import { toast } from '../../store.js';
import {
  ConfirmButton, CopyButton, Empty, ErrorNote, Form, FormFields, Loading, Modal, ago, useAction, useLoad, when,
} from '../../ui.js';

/** The resources that have :read and :write scopes, as the server defines them. */
const RESOURCES = [
  ['conversations', 'Conversations, messages, attachments'],
  ['contacts', 'Contacts, notes, merges'],
  ['inboxes', 'Inboxes and their members'],
  ['teams', 'Teams and their members'],
  ['agents', 'Agents'],
  ['labels', 'Labels'],
  ['custom_attributes', 'Custom attribute definitions'],
  ['canned_responses', 'Canned responses'],
  ['automation', 'Automation rules'],
  ['help_center', 'Help center'],
  ['reports', 'Reports'],
  ['webhooks', 'Webhooks and their deliveries'],
];
const ALL_READ = RESOURCES.map(([r]) => `${r}:read`);
const ALL = [...ALL_READ, ...RESOURCES.map(([r]) => `${r}:write`), 'admin'];

function summary(scopes) {
  if (ALL.every((s) => scopes.includes(s))) return 'full';
  if (scopes.length === ALL_READ.length && ALL_READ.every((s) => scopes.includes(s))) return 'read';
  return scopes.join(', ');
}

export function ApiTokens() {
  const tokens = useLoad(() => api.get(acct('/api_tokens')).then((b) => listOf(b, 'api_tokens')), []);
  const [creating, setCreating] = useState(false);
  const revoke = async (token) => {
    try {
      await api.del(acct(`/api_tokens/${token.id}`));
      toast(`Token "${token.name}" revoked`, 'success');
      tokens.reload();
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  return html`<section>
    <header class="page-head"><h1>API tokens</h1>
      <button type="button" class="primary" onClick=${() => setCreating(true)}>Create token</button></header>
    <p class="hint">Tokens let your own systems use the REST API. Each has scopes, belongs to this workspace, is shown once, and can be revoked on its own.</p>
    <${ErrorNote} error=${tokens.error} onRetry=${tokens.reload} />
    ${tokens.loading && !tokens.data ? html`<${Loading} />` : null}
    ${tokens.data && !tokens.data.length ? html`<${Empty} title="No tokens yet" />` : null}
    ${tokens.data?.length ? html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Starts with</th><th scope="col">Created</th>
        <th scope="col">Last used</th><th scope="col">Expires</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${tokens.data.map((t) => html`<tr key=${t.id}>
        <td>${t.name}<br /><small class="hint">by ${t.created_by.name}</small></td>
        <td>${summary(t.scopes)}</td>
        <td><code>${t.hint}…</code></td>
        <td title=${when(t.created_at)}>${ago(t.created_at)}</td>
        <td title=${t.last_used_at ? when(t.last_used_at) : ''}>${t.last_used_at ? ago(t.last_used_at) : 'never'}</td>
        <td>${t.expires_at ? new Date(t.expires_at * 1000).toLocaleDateString() : 'never'}</td>
        <td class="actions"><${ConfirmButton} label="Revoke" confirmLabel="Revoke token" onConfirm=${() => revoke(t)} /></td>
      </tr>`)}</tbody>
    </table></div>` : null}
    ${creating ? html`<${CreateToken} onClose=${() => { setCreating(false); tokens.reload(); }} />` : null}
  </section>`;
}

function CreateToken({ onClose }) {
  const [values, setValues] = useState({ name: '', expires_in_days: null, preset: 'read' });
  const [custom, setCustom] = useState(new Set(ALL_READ));
  const [created, setCreated] = useState(null);
  const { busy, error, run } = useAction();
  const toggle = (scope, on) => {
    const next = new Set(custom);
    if (on) next.add(scope);
    else next.delete(scope);
    setCustom(next);
  };
  const submit = () => run(async () => {
    const scopes = values.preset === 'custom' ? [...custom] : [values.preset];
    setCreated(await api.post(acct('/api_tokens'), { name: values.name, scopes, expires_in_days: values.expires_in_days || undefined }));
  });
  if (created) {
    const curl = `curl -H "Authorization: Bearer ${created.token}" ${location.origin}/api/v1/profile`;
    return html`<${Modal} title="Token created" onClose=${onClose}>
      <p role="status"><strong>Copy the token now:</strong> it is shown only this once and cannot be read again.</p>
      <p class="secret"><code data-testid="new-token">${created.token}</code> <${CopyButton} text=${created.token} label="Copy token" /></p>
      <p class="hint">Try it:</p>
      <pre class="snippet">${curl}</pre>
      <div class="form-actions"><button type="button" class="primary" onClick=${onClose}>Done</button></div>
    </${Modal}>`;
  }
  return html`<${Modal} title="Create an API token" onClose=${onClose} wide>
    <${Form} onSubmit=${submit} busy=${busy} error=${error} onCancel=${onClose} submitLabel="Create token">
      <${FormFields} values=${values} onChange=${setValues} error=${error} fields=${[
        { name: 'name', label: 'Name', required: true, hint: 'What uses it, e.g. "reporting job"' },
        { name: 'expires_in_days', label: 'Expires after (days)', type: 'number', hint: 'Leave empty for a token that does not expire' },
        { name: 'preset', label: 'Access', type: 'select', options: [['read', 'Read everything'], ['full', 'Full access'], ['custom', 'Choose scopes']] },
      ]} />
      ${values.preset === 'custom' ? html`<fieldset class="scope-grid"><legend class="visually-hidden">Scopes</legend>
        <span class="head">Resource</span><span class="head">Read</span><span class="head">Write</span>
        ${RESOURCES.map(([r, what]) => html`<span key=${r}>${what}</span>
          <input type="checkbox" aria-label=${`${r}:read`} checked=${custom.has(`${r}:read`)} onChange=${(e) => toggle(`${r}:read`, e.target.checked)} />
          <input type="checkbox" aria-label=${`${r}:write`} checked=${custom.has(`${r}:write`)} onChange=${(e) => toggle(`${r}:write`, e.target.checked)} />`)}
        <span>Tokens and workspace settings</span><span></span>
        <input type="checkbox" aria-label="admin" checked=${custom.has('admin')} onChange=${(e) => toggle('admin', e.target.checked)} />
      </fieldset>` : null}
    </${Form}>
  </${Modal}>`;
}
