// The inbox: the conversation list with its tabs, filters, sort, search and
// bulk actions on the left, the open conversation on the right. The list
// reloads on live updates.
import { html, useEffect, useRef, useState } from '../html.js';
import { api, acct } from '../api.js';
import { useSession, toast } from '../store.js';
import { Link, navigate } from '../router.js';
import { onLive } from '../live.js';
import { useShortcuts } from '../keyboard.js';
import { Avatar, Empty, ErrorNote, Loading, ago } from '../ui.js';
import { Conversation, PRIORITIES } from './conversation.js';

const FILTERS_KEY = 'deskwoot.inbox.filters';
const DEFAULT_FILTERS = {
  tab: 'me', status: 'open', inbox_id: '', team_id: '', label: '', priority: '', sort_by: 'last_activity_at_desc', q: '',
};
const TABS = [['me', 'Mine', 'mine_count'], ['unassigned', 'Unassigned', 'unassigned_count'], ['all', 'All', 'all_count']];
const STATUSES = [['open', 'Open'], ['pending', 'Pending'], ['snoozed', 'Snoozed'], ['resolved', 'Resolved']];
const SORTS = [
  ['last_activity_at_desc', 'Latest activity'],
  ['last_activity_at_asc', 'Oldest activity'],
  ['created_at_desc', 'Newest first'],
  ['created_at_asc', 'Oldest first'],
  ['priority_desc', 'Priority: highest first'],
  ['waiting_since_asc', 'Waiting longest'],
];

function savedFilters() {
  try {
    return { ...DEFAULT_FILTERS, ...JSON.parse(localStorage.getItem(FILTERS_KEY) || '{}'), q: '' };
  } catch {
    return DEFAULT_FILTERS;
  }
}

/** One page of the list for `filters`: `{meta, payload}`. */
async function fetchPage(filters, page) {
  const query = {
    assignee_type: filters.tab,
    status: filters.status,
    inbox_id: filters.inbox_id,
    team_id: filters.team_id,
    labels: filters.label ? [filters.label] : undefined,
    sort_by: filters.sort_by,
    q: filters.q.trim(),
    page,
  };
  if (!filters.priority) return (await api.get(acct('/conversations'), query)).data;
  // Priority is not a list parameter: it goes through the filter payload.
  const payload = [{ attribute_key: 'priority', filter_operator: 'equal_to', values: [filters.priority] }];
  return api.post(acct('/conversations/filter'), { payload }, query);
}

export function Inbox({ id }) {
  const openId = id ? Number(id) : null;
  const [filters, setFilters] = useState(savedFilters);
  const [list, setList] = useState({ items: [], meta: null, loading: true, error: null, page: 1, more: false });
  const [selected, setSelected] = useState(new Set());
  const searchRef = useRef(null);
  const latest = useRef(0);

  const load = async (page = 1, { quiet = false } = {}) => {
    const ticket = ++latest.current;
    if (!quiet) setList((l) => ({ ...l, loading: true, error: null }));
    try {
      const body = await fetchPage(filters, page);
      if (ticket !== latest.current) return;
      setList((l) => {
        const items = page === 1 ? body.payload : [...l.items, ...body.payload.filter((c) => !l.items.some((o) => o.id === c.id))];
        return { items, meta: body.meta, loading: false, error: null, page, more: body.payload.length >= (body.meta.per_page || 25) };
      });
    } catch (error) {
      if (ticket === latest.current) setList((l) => ({ ...l, loading: false, error }));
    }
  };

  useEffect(() => {
    const { q, ...kept } = filters;
    localStorage.setItem(FILTERS_KEY, JSON.stringify(kept));
    setSelected(new Set());
    const timer = setTimeout(() => load(1), q ? 300 : 0);
    return () => clearTimeout(timer);
  }, [JSON.stringify(filters)]);

  // Live updates: reload the first page quietly, at most every half second.
  const reload = useRef(null);
  reload.current = () => load(1, { quiet: true });
  useEffect(() => {
    let timer = null;
    return onLive((frame) => {
      if (frame.event === 'poll' || frame.event?.startsWith('conversation.') || frame.event?.startsWith('message.')) {
        clearTimeout(timer);
        timer = setTimeout(() => reload.current(), 500);
      }
    });
  }, []);

  useEffect(() => {
    const unread = list.items.filter((c) => c.unread_count > 0).length;
    document.title = unread ? `(${unread}) Deskwoot` : 'Deskwoot';
  }, [list.items]);

  const step = (delta) => {
    if (!list.items.length) return;
    const index = list.items.findIndex((c) => c.id === openId);
    const next = list.items[Math.min(list.items.length - 1, Math.max(0, index + delta))];
    if (index === -1) navigate(`/app/inbox/${list.items[0].id}`);
    else navigate(`/app/inbox/${next.id}`);
  };
  useShortcuts({ j: () => step(1), k: () => step(-1), '/': () => searchRef.current?.focus() });

  const set = (patch) => setFilters((f) => ({ ...f, ...patch }));
  return html`<div class=${openId ? 'inbox has-open' : 'inbox'}>
    <section class="list-pane" aria-label="Conversations">
      <${ListHeader} filters=${filters} set=${set} meta=${list.meta} searchRef=${searchRef} />
      ${selected.size ? html`<${BulkBar} ids=${[...selected]} onDone=${() => { setSelected(new Set()); load(1, { quiet: true }); }} onClear=${() => setSelected(new Set())} />` : null}
      <${ErrorNote} error=${list.error} onRetry=${() => load(1)} />
      ${list.loading && !list.items.length ? html`<${Loading} label="Loading conversations…" />` : null}
      ${!list.loading && !list.error && !list.items.length ? html`<${Empty} title=${filters.q ? 'Nothing matches this search' : 'No conversations here'}>
        ${filters.q ? 'Try other words, or clear the search.' : 'New conversations appear here as they arrive.'}</${Empty}>` : null}
      <ul class="conv-list">
        ${list.items.map((c) => html`<${ListItem} key=${c.id} c=${c} open=${c.id === openId}
          checked=${selected.has(c.id)}
          onCheck=${(on) => setSelected((s) => { const n = new Set(s); if (on) n.add(c.id); else n.delete(c.id); return n; })} />`)}
      </ul>
      ${list.more ? html`<button type="button" class="secondary more" onClick=${() => load(list.page + 1)} disabled=${list.loading}>Load more</button>` : null}
    </section>
    ${openId
      ? html`<${Conversation} key=${openId} id=${openId} onChanged=${() => load(1, { quiet: true })} />`
      : html`<section class="conversation-pane empty-pane"><${Empty} title="No conversation open">Pick one from the list, or press <kbd>j</kbd>.</${Empty}></section>`}
  </div>`;
}

function ListHeader({ filters, set, meta, searchRef }) {
  const { inboxes, teams, labels } = useSession();
  const select = (name, label, options, all) => html`<label class="compact">
    <span class="visually-hidden">${label}</span>
    <select aria-label=${label} value=${filters[name]} onChange=${(e) => set({ [name]: e.target.value })}>
      ${all ? html`<option value="">${all}</option>` : null}
      ${options.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
    </select>
  </label>`;
  return html`<header class="list-head">
    <form role="search" onSubmit=${(e) => e.preventDefault()}>
      <label class="visually-hidden" for="conversation-search">Search messages</label>
      <input id="conversation-search" ref=${searchRef} type="search" placeholder="Search messages (press /)"
        value=${filters.q} onInput=${(e) => set({ q: e.target.value })}
        onKeyDown=${(e) => e.key === 'Escape' && (set({ q: '' }), e.target.blur())} />
    </form>
    <div class="tabs" role="tablist" aria-label="Assignee">
      ${TABS.map(([key, label, count]) => html`<button type="button" role="tab" key=${key} aria-selected=${filters.tab === key}
        class=${filters.tab === key ? 'tab active' : 'tab'} onClick=${() => set({ tab: key })}>
        ${label} <span class="count">${meta ? meta[count] : ''}</span>
      </button>`)}
    </div>
    <div class="filters">
      ${select('status', 'Status', [...STATUSES, ['all', 'All statuses']])}
      ${select('inbox_id', 'Inbox', inboxes.map((i) => [i.id, i.name]), 'All inboxes')}
      ${select('team_id', 'Team', teams.map((t) => [t.id, t.name]), 'All teams')}
      ${select('label', 'Label', labels.map((l) => [l.title, l.title]), 'All labels')}
      ${select('priority', 'Priority', PRIORITIES, 'Any priority')}
      ${select('sort_by', 'Sort', SORTS)}
    </div>
  </header>`;
}

function ListItem({ c, open, checked, onCheck }) {
  const { inboxes } = useSession();
  const contact = c.meta.sender;
  const last = c.last_non_activity_message || c.messages[0];
  const inbox = inboxes.find((i) => i.id === c.inbox_id);
  let preview = last?.content || (last?.attachments?.length ? `📎 ${last.attachments[0].file_name}` : 'No messages yet');
  if (last?.private) preview = `Note: ${preview}`;
  return html`<li class=${`conv-item${open ? ' open' : ''}${c.unread_count ? ' unread' : ''}`}>
    <input type="checkbox" class="select" checked=${checked} onChange=${(e) => onCheck(e.target.checked)}
      aria-label=${`Select the conversation with ${contact.name}`} />
    <${Link} href=${`/app/inbox/${c.id}`} class="conv-link" aria-current=${open ? 'true' : null}>
      <${Avatar} name=${contact.name} />
      <span class="conv-main">
        <span class="conv-top">
          <strong class="conv-name">${contact.name}</strong>
          <time datetime=${new Date(c.last_activity_at * 1000).toISOString()} title=${new Date(c.last_activity_at * 1000).toLocaleString()}>${ago(c.last_activity_at)}</time>
        </span>
        <span class="conv-sub">#${c.id} · ${inbox?.name || 'Inbox'}${c.meta.assignee ? ` · ${c.meta.assignee.available_name}` : ''}</span>
        <span class="conv-preview">${preview}</span>
        <span class="conv-tags">
          ${c.status !== 'open' ? html`<span class=${`badge status-${c.status}`}>${c.status}</span>` : null}
          ${c.priority ? html`<span class=${`badge priority-${c.priority}`}>${c.priority}</span>` : null}
          ${c.labels.map((l) => html`<span class="chip" key=${l}>${l}</span>`)}
        </span>
      </span>
      ${c.unread_count ? html`<span class="unread-count" aria-label=${`${c.unread_count} unread`}>${c.unread_count}</span>` : null}
    </${Link}>
  </li>`;
}

function BulkBar({ ids, onDone, onClear }) {
  const { agents, labels } = useSession();
  const [busy, setBusy] = useState(false);
  const apply = async (body, what) => {
    setBusy(true);
    try {
      const result = await api.post(acct('/bulk_actions'), { type: 'Conversation', ids, ...body });
      toast(`${what}: ${result?.count ?? ids.length} conversation(s)`, 'success');
      onDone();
    } catch (error) {
      toast(error.message, 'error');
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="bulk-bar" role="toolbar" aria-label="Bulk actions">
    <span>${ids.length} selected</span>
    <button type="button" class="primary" disabled=${busy} onClick=${() => apply({ fields: { status: 'resolved' } }, 'Resolved')}>Resolve</button>
    <select aria-label="Assign the selected conversations" disabled=${busy}
      onChange=${(e) => { const v = e.target.value; e.target.value = ''; if (v) apply({ fields: { assignee_id: v === 'none' ? null : Number(v) } }, 'Assigned'); }}>
      <option value="">Assign…</option>
      <option value="none">Nobody</option>
      ${agents.map((a) => html`<option value=${a.id}>${a.available_name || a.name}</option>`)}
    </select>
    <select aria-label="Label the selected conversations" disabled=${busy}
      onChange=${(e) => { const v = e.target.value; e.target.value = ''; if (v) apply({ labels: { add: [v] } }, `Labelled ${v}`); }}>
      <option value="">Add label…</option>
      ${labels.map((l) => html`<option value=${l.title}>${l.title}</option>`)}
    </select>
    <button type="button" class="ghost" onClick=${onClear}>Clear</button>
  </div>`;
}
