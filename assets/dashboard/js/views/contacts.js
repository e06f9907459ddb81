// Contacts: the list with search, filters, paging, creation, CSV import and
// export; one contact's page with its details, attributes, notes,
// conversations, merge and deletion.
import { html, useState } from '../html.js';
import { api, acct, listOf } from '../api.js';
import { isAdmin, toast, useSession } from '../store.js';
import { Link, navigate } from '../router.js';
import {
  Avatar, ConfirmButton, Empty, ErrorNote, Form, FormFields, Loading, Modal, ago, useAction, useLoad, when,
} from '../ui.js';
import { Attributes } from './attributes.js';

export function Contacts({ id }) {
  return id ? html`<${ContactPage} key=${id} id=${Number(id)} />` : html`<${ContactList} />`;
}

const SORTS = [['-last_activity_at', 'Latest activity'], ['name', 'Name'], ['email', 'Email'], ['-created_at', 'Newest'], ['created_at', 'Oldest']];

function ContactList() {
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState('-last_activity_at');
  const [conditions, setConditions] = useState([]);
  const [dialog, setDialog] = useState(null);
  const list = useLoad(() => {
    if (conditions.length) return api.post(acct('/contacts/filter'), { payload: conditions }, { page, sort });
    if (q.trim()) return api.get(acct('/contacts/search'), { q: q.trim(), page, sort });
    return api.get(acct('/contacts'), { page, sort });
  }, [q, page, sort, JSON.stringify(conditions)]);
  const meta = list.data?.meta;
  const pages = meta ? Math.max(1, Math.ceil(meta.count / (meta.per_page || 15))) : 1;
  const admin = isAdmin();
  return html`<div class="page">
    <header class="page-head">
      <h1>Contacts</h1>
      <button type="button" class="primary" onClick=${() => setDialog('create')}>New contact</button>
      ${admin ? html`<button type="button" class="secondary" onClick=${() => setDialog('import')}>Import CSV</button>
        <a class="button secondary" href=${acct('/contacts/export')} download="contacts.csv">Export CSV</a>` : null}
    </header>
    <div class="toolbar">
      <label class="visually-hidden" for="contact-search">Search contacts</label>
      <input id="contact-search" type="search" placeholder="Search by name, email, phone…" value=${q}
        onInput=${(e) => { setQ(e.target.value); setPage(1); }} disabled=${conditions.length > 0} />
      <label class="visually-hidden" for="contact-sort">Sort</label>
      <select id="contact-sort" value=${sort} onChange=${(e) => setSort(e.target.value)}>
        ${SORTS.map(([v, label]) => html`<option value=${v}>${label}</option>`)}
      </select>
      <button type="button" class="secondary" onClick=${() => setDialog('filter')}>
        ${conditions.length ? `Filters (${conditions.length})` : 'Filter'}
      </button>
      ${conditions.length ? html`<button type="button" class="ghost" onClick=${() => { setConditions([]); setPage(1); }}>Clear filters</button>` : null}
    </div>
    <${ErrorNote} error=${list.error} onRetry=${list.reload} />
    ${list.loading && !list.data ? html`<${Loading} label="Loading contacts…" />` : null}
    ${list.data && !list.data.payload.length ? html`<${Empty} title="No contacts found">
      ${q || conditions.length ? 'Nothing matches; change the search or the filters.' : 'Contacts appear as visitors write in, or add one.'}</${Empty}>` : null}
    ${list.data?.payload.length ? html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Phone</th><th scope="col">Company</th><th scope="col">Last activity</th></tr></thead>
      <tbody>${list.data.payload.map((c) => html`<tr key=${c.id}>
        <td><${Link} href=${`/app/contacts/${c.id}`}>${c.name}</${Link}></td>
        <td>${c.email || '—'}</td><td>${c.phone_number || '—'}</td>
        <td>${c.additional_attributes?.company_name || '—'}</td>
        <td title=${when(c.last_activity_at)}>${c.last_activity_at ? ago(c.last_activity_at) : '—'}</td>
      </tr>`)}</tbody>
    </table></div>
    <nav class="pager" aria-label="Pages">
      <span>Page ${page} of ${pages} · ${meta.count} contacts</span>
      <button type="button" class="secondary" disabled=${page <= 1} onClick=${() => setPage(page - 1)}>Previous</button>
      <button type="button" class="secondary" disabled=${page >= pages} onClick=${() => setPage(page + 1)}>Next</button>
    </nav>` : null}
    ${dialog === 'create' ? html`<${Modal} title="New contact" onClose=${() => setDialog(null)}>
      <${ContactForm} onSaved=${(c) => navigate(`/app/contacts/${c.id}`)} onCancel=${() => setDialog(null)} />
    </${Modal}>` : null}
    ${dialog === 'import' ? html`<${ImportDialog} onClose=${() => { setDialog(null); list.reload(); }} />` : null}
    ${dialog === 'filter' ? html`<${FilterDialog} initial=${conditions}
      onApply=${(next) => { setConditions(next); setPage(1); setDialog(null); }} onClose=${() => setDialog(null)} />` : null}
  </div>`;
}

const CONTACT_FIELDS = [
  { name: 'name', label: 'Name', required: true },
  { name: 'email', label: 'Email', type: 'email' },
  { name: 'phone_number', label: 'Phone', type: 'tel', hint: 'In international form, e.g. +4915112345678' },
  { name: 'identifier', label: 'Identifier', hint: 'Your system\u2019s id for this person' },
  { name: 'company_name', label: 'Company' },
  { name: 'city', label: 'City' },
  { name: 'blocked', label: 'Blocked (new conversations start resolved)', type: 'checkbox' },
];
const EXTRA = ['company_name', 'city'];

/** Creates a contact, or edits `contact`; empty fields clear. */
function ContactForm({ contact, onSaved, onCancel }) {
  const start = contact
    ? { ...contact, ...Object.fromEntries(EXTRA.map((k) => [k, contact.additional_attributes?.[k] ?? ''])) }
    : { name: '', blocked: false };
  const [values, setValues] = useState(start);
  const { busy, error, run } = useAction();
  const submit = () => run(async () => {
    const body = { name: values.name, blocked: !!values.blocked, additional_attributes: {} };
    for (const key of ['email', 'phone_number', 'identifier']) {
      const value = (values[key] || '').trim();
      if (value || contact) body[key] = value || null;
    }
    for (const key of EXTRA) {
      const value = (values[key] || '').trim();
      if (value || contact) body.additional_attributes[key] = value || null;
    }
    const saved = contact
      ? (await api.patch(acct(`/contacts/${contact.id}`), body)).payload
      : (await api.post(acct('/contacts'), body)).payload.contact;
    toast(contact ? 'Contact saved' : 'Contact created', 'success');
    onSaved(saved);
  });
  return html`<${Form} onSubmit=${submit} busy=${busy} error=${error} onCancel=${onCancel} submitLabel=${contact ? 'Save' : 'Create contact'}>
    <${FormFields} fields=${CONTACT_FIELDS} values=${values} onChange=${setValues} error=${error} />
  </${Form}>`;
}

function ImportDialog({ onClose }) {
  const [file, setFile] = useState(null);
  const [report, setReport] = useState(null);
  const { busy, error, run, setError } = useAction();
  const submit = () => {
    if (!file) {
      setError(new Error('Choose a CSV file first.'));
      return;
    }
    run(async () => {
      const form = new FormData();
      form.append('import_file', file, file.name);
      setReport(await api.upload(acct('/contacts/import'), form));
    });
  };
  return html`<${Modal} title="Import contacts from CSV" onClose=${onClose}>
    <p class="hint">The first line names the columns: name, email, phone_number, identifier, and your contact attributes' keys.
      Rows whose email, phone or identifier match an existing contact update it.</p>
    ${report ? html`<div role="status">
      <p><strong>${report.created}</strong> created, <strong>${report.updated}</strong> updated, <strong>${report.errors.length}</strong> skipped.</p>
      ${report.errors.length ? html`<ul>${report.errors.map((e) => html`<li key=${e.row}>Line ${e.row}: ${e.message}</li>`)}</ul>` : null}
      <div class="form-actions"><button type="button" class="primary" onClick=${onClose}>Done</button></div>
    </div>` : html`<${Form} onSubmit=${submit} busy=${busy} error=${error} onCancel=${onClose} submitLabel="Import">
      <div class="field"><label for="import-file">CSV file</label>
        <input id="import-file" type="file" accept=".csv,text/csv" onChange=${(e) => setFile(e.target.files[0] || null)} /></div>
    </${Form}>`}
  </${Modal}>`;
}

const TEXT_OPS = [['contains', 'contains'], ['equal_to', 'is'], ['not_equal_to', 'is not'], ['does_not_contain', 'does not contain'], ['is_present', 'is present'], ['is_not_present', 'is missing']];
const DATE_OPS = [['is_greater_than', 'after'], ['is_less_than', 'before'], ['days_before', 'more than N days ago']];
const BOOL_OPS = [['equal_to', 'is'], ['not_equal_to', 'is not']];

function filterAttributes(definitions) {
  const standard = [
    ['name', 'Name', 'text'], ['email', 'Email', 'text'], ['phone_number', 'Phone', 'text'], ['identifier', 'Identifier', 'text'],
    ['company', 'Company', 'text'], ['city', 'City', 'text'], ['country_code', 'Country code', 'text'],
    ['created_at', 'Created', 'date'], ['last_activity_at', 'Last activity', 'date'], ['blocked', 'Blocked', 'checkbox'],
  ];
  const custom = definitions.filter((d) => d.attribute_model === 'contact_attribute')
    .map((d) => [d.attribute_key, d.attribute_display_name, d.attribute_display_type]);
  return [...standard, ...custom];
}

function operatorsFor(type) {
  if (type === 'date') return DATE_OPS;
  if (type === 'checkbox') return BOOL_OPS;
  return TEXT_OPS;
}

function FilterDialog({ initial, onApply, onClose }) {
  const { definitions } = useSession();
  const attributes = filterAttributes(definitions);
  const blank = { attribute_key: 'name', filter_operator: 'contains', value: '', query_operator: 'AND' };
  const [rows, setRows] = useState(initial.length
    ? initial.map((c) => ({ ...c, value: c.values?.[0] ?? '', query_operator: c.query_operator || 'AND' }))
    : [blank]);
  const typeOf = (key) => attributes.find(([k]) => k === key)?.[2] || 'text';
  const set = (i, patch) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const apply = (e) => {
    e.preventDefault();
    onApply(rows.map((r, i) => ({
      attribute_key: r.attribute_key,
      filter_operator: r.filter_operator,
      values: r.filter_operator.startsWith('is_') && r.filter_operator.endsWith('present') ? [] : [r.value],
      query_operator: i < rows.length - 1 ? r.query_operator : null,
    })));
  };
  return html`<${Modal} title="Filter contacts" onClose=${onClose} wide>
    <form onSubmit=${apply}>
      ${rows.map((r, i) => {
        const type = typeOf(r.attribute_key);
        const needsValue = !(r.filter_operator.startsWith('is_') && r.filter_operator.endsWith('present'));
        return html`<div class="filter-row" key=${i} role="group" aria-label=${`Condition ${i + 1}`}>
          <select aria-label="Attribute" value=${r.attribute_key}
            onChange=${(e) => set(i, { attribute_key: e.target.value, filter_operator: operatorsFor(typeOf(e.target.value))[0][0], value: '' })}>
            ${attributes.map(([k, label]) => html`<option value=${k}>${label}</option>`)}
          </select>
          <select aria-label="Operator" value=${r.filter_operator} onChange=${(e) => set(i, { filter_operator: e.target.value })}>
            ${operatorsFor(type).map(([v, label]) => html`<option value=${v}>${label}</option>`)}
          </select>
          ${needsValue ? (type === 'checkbox'
            ? html`<select aria-label="Value" value=${r.value} onChange=${(e) => set(i, { value: e.target.value })}>
                <option value="">—</option><option value="true">yes</option><option value="false">no</option></select>`
            : html`<input aria-label="Value" type=${type === 'date' && r.filter_operator !== 'days_before' ? 'date' : 'text'}
                value=${r.value} onInput=${(e) => set(i, { value: e.target.value })} />`) : null}
          ${i < rows.length - 1 ? html`<select aria-label="Join with the next condition" value=${r.query_operator} onChange=${(e) => set(i, { query_operator: e.target.value })}>
            <option value="AND">and</option><option value="OR">or</option></select>` : null}
          ${rows.length > 1 ? html`<button type="button" class="icon-button" aria-label=${`Remove condition ${i + 1}`} onClick=${() => setRows(rows.filter((_, j) => j !== i))}>×</button>` : null}
        </div>`;
      })}
      <button type="button" class="link" onClick=${() => setRows([...rows, blank])}>Add a condition</button>
      <div class="form-actions">
        <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary">Apply filters</button>
      </div>
    </form>
  </${Modal}>`;
}

function ContactPage({ id }) {
  const { definitions } = useSession();
  const contact = useLoad(() => api.get(acct(`/contacts/${id}`)).then((b) => b.payload), [id]);
  const [merging, setMerging] = useState(false);
  // Bumped by a merge, which moves the other contact's conversations and notes here.
  const [merges, setMerges] = useState(0);
  if (contact.error) return html`<div class="page"><${ErrorNote} error=${contact.error} onRetry=${contact.reload} /></div>`;
  if (!contact.data) return html`<${Loading} label="Loading the contact…" />`;
  const c = contact.data;
  const remove = async () => {
    try {
      await api.del(acct(`/contacts/${id}`));
      toast(`${c.name} deleted`, 'success');
      navigate('/app/contacts');
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  const saveAttribute = async (key, value) => {
    const body = await api.patch(acct(`/contacts/${id}`), { custom_attributes: { [key]: value } });
    contact.setData(body.payload);
  };
  return html`<div class="page">
    <header class="page-head">
      <${Link} href="/app/contacts">‹ Contacts</${Link}>
      <${Avatar} name=${c.name} size="lg" />
      <h1>${c.name}</h1>
      <button type="button" class="secondary" onClick=${() => setMerging(true)}>Merge…</button>
      <${ConfirmButton} label="Delete contact" confirmLabel="Delete" onConfirm=${remove} />
    </header>
    <div class="columns">
      <div>
        <section class="card"><h2>Details</h2>
          <${ContactForm} key=${c.id} contact=${c} onSaved=${(saved) => contact.setData(saved)} />
        </section>
        <section class="card"><h2>Attributes</h2>
          <${Attributes} definitions=${definitions.filter((d) => d.attribute_model === 'contact_attribute')}
            values=${c.custom_attributes} onSave=${saveAttribute} />
        </section>
      </div>
      <div>
        <${ContactConversations} key=${`c${merges}`} id=${id} />
        <${Notes} key=${`n${merges}`} id=${id} />
      </div>
    </div>
    ${merging ? html`<${MergeDialog} base=${c} onClose=${() => setMerging(false)} onMerged=${(merged) => { setMerging(false); setMerges(merges + 1); contact.setData(merged); }} />` : null}
  </div>`;
}

function ContactConversations({ id }) {
  const list = useLoad(() => api.get(acct(`/contacts/${id}/conversations`)).then((b) => listOf(b, 'conversations')), [id]);
  return html`<section class="card"><h2>Conversations</h2>
    ${list.loading ? html`<${Loading} />` : null}
    <${ErrorNote} error=${list.error} onRetry=${list.reload} />
    ${list.data && !list.data.length ? html`<p class="hint">No conversations yet.</p>` : null}
    <ul class="history">${(list.data || []).map((o) => html`<li key=${o.id}><${Link} href=${`/app/inbox/${o.id}`}>
      #${o.id} <span class=${`badge status-${o.status}`}>${o.status}</span>
      <span class="hint">${o.last_non_activity_message?.content?.slice(0, 80) || ''}</span> <small>${ago(o.last_activity_at)}</small>
    </${Link}></li>`)}</ul>
  </section>`;
}

function Notes({ id }) {
  const notes = useLoad(() => api.get(acct(`/contacts/${id}/notes`)).then((b) => listOf(b, 'notes')), [id]);
  const [text, setText] = useState('');
  const { busy, error, run } = useAction();
  const add = () => run(async () => {
    const note = await api.post(acct(`/contacts/${id}/notes`), { content: text });
    notes.setData((list) => [note, ...(list || [])]);
    setText('');
  });
  const remove = async (noteId) => {
    try {
      await api.del(acct(`/contacts/${id}/notes/${noteId}`));
      notes.setData((list) => list.filter((n) => n.id !== noteId));
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  return html`<section class="card"><h2>Notes</h2>
    <${Form} onSubmit=${add} busy=${busy} error=${error} submitLabel="Add note">
      <label class="visually-hidden" for="new-note">New note</label>
      <textarea id="new-note" rows="3" placeholder="Write a note about this contact…" value=${text} onInput=${(e) => setText(e.target.value)}></textarea>
    </${Form}>
    <${ErrorNote} error=${notes.error} onRetry=${notes.reload} />
    <ul class="notes">${(notes.data || []).map((n) => html`<li key=${n.id}>
      <p class="content">${n.content}</p>
      <div class="note-meta"><span>${n.user?.available_name || n.user?.name || 'Someone'} · ${when(n.created_at)}</span>
        <${ConfirmButton} label="Delete" confirmLabel="Delete note" className="link" onConfirm=${() => remove(n.id)} /></div>
    </li>`)}</ul>
  </section>`;
}

function MergeDialog({ base, onClose, onMerged }) {
  const [q, setQ] = useState('');
  const [chosen, setChosen] = useState(null);
  const found = useLoad(() => (q.trim() ? api.get(acct('/contacts/search'), { q: q.trim() }).then((b) => listOf(b, 'contacts')) : Promise.resolve([])), [q]);
  const { busy, error, run } = useAction();
  const merge = () => run(async () => {
    const merged = await api.post(acct('/actions/contact_merge'), { base_contact_id: base.id, mergee_contact_id: chosen.id });
    toast(`${chosen.name} merged into ${base.name}`, 'success');
    onMerged(merged);
  });
  return html`<${Modal} title=${`Merge a contact into ${base.name}`} onClose=${onClose}>
    <p class="hint">The contact you pick is folded into ${base.name}: its conversations and notes move here, its missing details fill in, and it is deleted.</p>
    <div class="field"><label for="merge-search">Find the duplicate</label>
      <input id="merge-search" type="search" value=${q} onInput=${(e) => { setQ(e.target.value); setChosen(null); }} /></div>
    <${ErrorNote} error=${found.error} />
    <ul class="history">${(found.data || []).filter((c) => c.id !== base.id).map((c) => html`<li key=${c.id}>
      <label class="check"><input type="radio" name="mergee" checked=${chosen?.id === c.id} onChange=${() => setChosen(c)} />
        ${c.name} <span class="hint">${c.email || c.phone_number || c.identifier || ''}</span></label>
    </li>`)}</ul>
    ${chosen ? html`<${Form} onSubmit=${merge} busy=${busy} error=${error} onCancel=${onClose} submitLabel=${`Merge ${chosen.name} into ${base.name}`} />` : null}
  </${Modal}>`;
}
