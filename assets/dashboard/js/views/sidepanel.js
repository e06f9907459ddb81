// The conversation's side panel: the contact (with the verified badge),
// conversation and contact attributes, the page the visitor was on, and
// their previous conversations.
import { html } from '../html.js';
import { api, acct, listOf } from '../api.js';
import { useSession } from '../store.js';
import { Link } from '../router.js';
import { Avatar, ErrorNote, Loading, ago, useLoad } from '../ui.js';
import { Attributes } from './attributes.js';

function Section({ title, children }) {
  return html`<section class="panel-section"><h2>${title}</h2>${children}</section>`;
}

export function SidePanel({ conversation, onChanged }) {
  const { definitions } = useSession();
  const c = conversation;
  const contactId = c.meta.sender.id;
  const contact = useLoad(() => api.get(acct(`/contacts/${contactId}`)).then((b) => b.payload), [contactId]);
  const history = useLoad(
    () => api.get(acct(`/contacts/${contactId}/conversations`)).then((b) => listOf(b, 'conversations')),
    [contactId],
  );
  const saveConversationAttribute = async (key, value) => {
    const next = { ...c.custom_attributes, [key]: value };
    if (value === null) delete next[key];
    await api.post(acct(`/conversations/${c.id}/custom_attributes`), { custom_attributes: next });
    await onChanged();
  };
  const saveContactAttribute = async (key, value) => {
    const body = await api.patch(acct(`/contacts/${contactId}`), { custom_attributes: { [key]: value } });
    contact.setData(body.payload);
  };
  const person = contact.data || c.meta.sender;
  const extra = person.additional_attributes || {};
  const context = c.additional_attributes || {};
  const page = context.page_context;
  const others = (history.data || []).filter((o) => o.id !== c.id);
  return html`<aside class="side-panel" aria-label="Conversation details">
    <${Section} title="Contact">
      <div class="contact-card">
        <${Avatar} name=${person.name} size="lg" />
        <div>
          <strong>${person.name}</strong>
          ${c.meta.hmac_verified ? html`<span class="badge verified" title="The widget proved this visitor's identity with an HMAC">Verified</span>` : null}
          <${Link} href=${`/app/contacts/${contactId}`} class="small">Open contact</${Link}>
        </div>
      </div>
      <dl class="facts">
        ${[['Email', person.email], ['Phone', person.phone_number], ['Identifier', person.identifier],
          ['Company', extra.company_name], ['City', extra.city], ['Country', extra.country]]
          .filter(([, v]) => v).map(([k, v]) => html`<div key=${k}><dt>${k}</dt><dd>${v}</dd></div>`)}
      </dl>
      <${ErrorNote} error=${contact.error} onRetry=${contact.reload} />
    </${Section}>
    <${Section} title="Conversation attributes">
      <${Attributes} definitions=${definitions.filter((d) => d.attribute_model === 'conversation_attribute')}
        values=${c.custom_attributes} onSave=${saveConversationAttribute} />
    </${Section}>
    <${Section} title="Contact attributes">
      <${Attributes} definitions=${definitions.filter((d) => d.attribute_model === 'contact_attribute')}
        values=${person.custom_attributes} onSave=${saveContactAttribute} />
    </${Section}>
    ${page || context.referer || context.browser ? html`<${Section} title="Page context">
      <dl class="facts">
        ${page?.title ? html`<div><dt>Page</dt><dd>${page.title}</dd></div>` : null}
        ${page?.url ? html`<div><dt>URL</dt><dd>${/^https?:\/\//i.test(page.url)
          ? html`<a href=${page.url} target="_blank" rel="noopener noreferrer">${page.url}</a>` : page.url}</dd></div>` : null}
        ${page ? Object.entries(page).filter(([k]) => k !== 'url' && k !== 'title').map(([k, v]) => html`<div key=${k}><dt>${k}</dt><dd>${String(v)}</dd></div>`) : null}
        ${context.referer ? html`<div><dt>Referrer</dt><dd>${context.referer}</dd></div>` : null}
        ${context.browser ? html`<div><dt>Browser</dt><dd>${[context.browser.browser_name, context.browser.browser_version, context.browser.platform_name].filter(Boolean).join(' ')}</dd></div>` : null}
      </dl>
    </${Section}>` : null}
    <${Section} title="Previous conversations">
      ${history.loading ? html`<${Loading} />` : null}
      <${ErrorNote} error=${history.error} onRetry=${history.reload} />
      ${!history.loading && !others.length ? html`<p class="hint">None.</p>` : null}
      <ul class="history">
        ${others.map((o) => html`<li key=${o.id}><${Link} href=${`/app/inbox/${o.id}`}>
          #${o.id} <span class=${`badge status-${o.status}`}>${o.status}</span>
          <span class="hint">${o.last_non_activity_message?.content?.slice(0, 60) || ''}</span> <small>${ago(o.last_activity_at)}</small>
        </${Link}></li>`)}
      </ul>
    </${Section}>
  </aside>`;
}
