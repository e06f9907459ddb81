// One conversation: its header actions (assign, team, labels, priority,
// snooze, resolve), the message thread, the reply box and the side panel.
// Replies show at once and are confirmed, or marked failed with a retry.
import { html, useEffect, useRef, useState } from '../html.js';
import { api, acct, localUrl } from '../api.js';
import { session, useSession, toast } from '../store.js';
import { onLive } from '../live.js';
import { Link } from '../router.js';
import { useShortcuts } from '../keyboard.js';
import { ErrorNote, Loading, fileSize, when } from '../ui.js';
import { Composer } from './composer.js';
import { SidePanel } from './sidepanel.js';

export const PRIORITIES = [['urgent', 'Urgent'], ['high', 'High'], ['medium', 'Medium'], ['low', 'Low']];
const TYPING_SHOWN_MS = 20000;
const MESSAGE_TYPES = { 0: 'incoming', 1: 'outgoing', 2: 'activity', 3: 'outgoing' };

export function Conversation({ id, onChanged }) {
  const path = acct(`/conversations/${id}`);
  const [conversation, setConversation] = useState(null);
  const [messages, setMessages] = useState([]);
  const [older, setOlder] = useState(false);
  const [error, setError] = useState(null);
  const [typing, setTyping] = useState(null);
  const [panel, setPanel] = useState(false);
  const composer = useRef(null);
  const thread = useRef(null);
  const stickToBottom = useRef(true);
  const typingTimer = useRef(null);

  const upsert = (incoming) => setMessages((list) => {
    const next = [...list];
    for (const m of incoming) {
      const at = next.findIndex((o) => o.id === m.id || (m.echo_id && o.echo_id === m.echo_id));
      if (at === -1) next.push(m);
      else next[at] = m;
    }
    return next.sort((a, b) => (a.created_at - b.created_at) || (typeof a.id === 'number' && typeof b.id === 'number' ? a.id - b.id : 0));
  });

  const reloadConversation = async () => setConversation(await api.get(path));
  const markRead = () => api.post(`${path}/update_last_seen`).then(onChanged, () => {});

  const load = async () => {
    setError(null);
    try {
      const [conv, page] = await Promise.all([api.get(path), api.get(`${path}/messages`)]);
      setConversation(conv);
      setMessages(page.payload);
      setOlder(page.payload.length >= 20);
      markRead();
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => { load(); }, [id]);

  const catchUp = useRef(null);
  catchUp.current = async () => {
    const known = messages.filter((m) => typeof m.id === 'number');
    const after = known.length ? known[known.length - 1].id : undefined;
    try {
      const page = await api.get(`${path}/messages`, { after });
      if (page.payload.length) {
        upsert(page.payload);
        if (page.payload.some((m) => m.message_type === 0)) markRead();
      }
      await reloadConversation();
    } catch {
      // The next poll tries again; the list shows connection trouble.
    }
  };

  useEffect(() => onLive((frame) => {
    const { event, data } = frame;
    if (event === 'poll') catchUp.current();
    else if (event?.startsWith('message.') && data?.conversation_id === id) {
      upsert([data]);
      if (data.message_type === 0) {
        markRead();
        setTyping(null);
      }
    } else if (event === 'conversation.updated' && data?.id === id) setConversation(data);
    else if (event?.startsWith('conversation.typing') && data?.conversation_id === id) {
      // A typist who vanishes without "off" stops showing after a while.
      clearTimeout(typingTimer.current);
      setTyping(event.endsWith('_on') ? data.user : null);
      if (event.endsWith('_on')) typingTimer.current = setTimeout(() => setTyping(null), TYPING_SHOWN_MS);
    }
  }), [id]);

  useEffect(() => {
    const el = thread.current;
    if (el && stickToBottom.current) el.scrollTop = el.scrollHeight;
  }, [messages.length, conversation !== null]);

  const loadOlder = async () => {
    const first = messages.find((m) => typeof m.id === 'number');
    stickToBottom.current = false;
    try {
      const page = await api.get(`${path}/messages`, { before: first?.id });
      upsert(page.payload);
      setOlder(page.payload.length >= 20);
    } catch (e) {
      toast(e.message, 'error');
    }
  };

  const deliver = async (temp) => {
    const { content, isPrivate, files } = temp.outbox;
    try {
      let saved;
      if (files.length) {
        const form = new FormData();
        if (content) form.append('content', content);
        form.append('private', String(isPrivate));
        form.append('echo_id', temp.echo_id);
        files.forEach((f) => form.append('attachments[]', f, f.name));
        saved = await api.upload(`${path}/messages`, form);
      } else {
        saved = await api.post(`${path}/messages`, { content, private: isPrivate, echo_id: temp.echo_id });
      }
      temp.attachments.forEach((a) => URL.revokeObjectURL(a.data_url));
      upsert([{ ...saved, echo_id: temp.echo_id }]);
      onChanged();
    } catch (e) {
      upsert([{ ...temp, status: 'failed', error: e.message }]);
    }
  };

  const send = ({ content, isPrivate, files }) => {
    const echo = `echo-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const { profile } = session.get();
    const temp = {
      id: echo,
      echo_id: echo,
      content,
      private: isPrivate,
      message_type: 1,
      status: 'sending',
      created_at: Math.floor(Date.now() / 1000),
      sender: { name: profile.name, available_name: profile.available_name },
      attachments: files.map((f) => {
        const url = URL.createObjectURL(f);
        const image = f.type.startsWith('image/');
        return { file_type: image ? 'image' : 'file', file_name: f.name, file_size: f.size, data_url: url, thumb_url: image ? url : '' };
      }),
      outbox: { content, isPrivate, files },
    };
    stickToBottom.current = true;
    upsert([temp]);
    deliver(temp);
  };
  const retry = (temp) => {
    upsert([{ ...temp, status: 'sending', error: null }]);
    deliver(temp);
  };

  const act = async (request) => {
    try {
      await request();
      await reloadConversation();
      onChanged();
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  const actions = {
    status: (status, snoozedUntil) => act(() => api.post(`${path}/toggle_status`, { status, snoozed_until: snoozedUntil })),
    assign: (assigneeId) => act(() => api.post(`${path}/assignments`, { assignee_id: assigneeId })),
    team: (teamId) => act(() => api.post(`${path}/assignments`, { team_id: teamId })),
    priority: (priority) => act(() => api.post(`${path}/toggle_priority`, { priority })),
    labels: (labels) => act(() => api.post(`${path}/labels`, { labels })),
  };

  useShortcuts({
    r: () => composer.current?.focus('reply'),
    n: () => composer.current?.focus('note'),
    e: () => conversation && actions.status(conversation.status === 'resolved' ? 'open' : 'resolved'),
    a: () => actions.assign(session.get().profile.id),
  });

  if (error) return html`<section class="conversation-pane"><${ErrorNote} error=${error} onRetry=${load} /></section>`;
  if (!conversation) return html`<section class="conversation-pane"><${Loading} label="Loading the conversation…" /></section>`;
  const contact = conversation.meta.sender;
  return html`<section class=${panel ? 'conversation-pane panel-open' : 'conversation-pane'} aria-label=${`Conversation with ${contact.name}`}>
    <${Header} conversation=${conversation} actions=${actions} onPanel=${() => setPanel((p) => !p)} panel=${panel} />
    <div class="conversation-body">
      <div class="thread-column">
        <ol class="thread" ref=${thread} aria-label="Messages" aria-live="polite"
          onScroll=${(e) => { const el = e.target; stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80; }}>
          ${older ? html`<li class="older"><button type="button" class="link" onClick=${loadOlder}>Load earlier messages</button></li>` : null}
          ${messages.map((m) => html`<${MessageItem} key=${m.echo_id || m.id} m=${m} contact=${contact} onRetry=${retry} />`)}
        </ol>
        ${typing ? html`<p class="typing" role="status">${typing.available_name || typing.name} is typing…</p>` : null}
        <${Composer} handle=${composer} conversation=${conversation} onSend=${send} />
      </div>
      <${SidePanel} conversation=${conversation} onChanged=${reloadConversation} />
    </div>
  </section>`;
}

function Header({ conversation, actions, onPanel, panel }) {
  const { agents, teams, profile } = useSession();
  const c = conversation;
  const resolved = c.status === 'resolved';
  return html`<header class="conv-head">
    <${Link} class="back" href="/app/inbox" aria-label="Back to the list">‹</${Link}>
    <div class="conv-title">
      <h1>${c.meta.sender.name}</h1>
      <span class="conv-sub">#${c.id} · <span class=${`badge status-${c.status}`}>${c.status}</span>
        ${c.status === 'snoozed' && c.snoozed_until ? html` until ${when(c.snoozed_until)}` : null}</span>
    </div>
    <div class="conv-actions" role="toolbar" aria-label="Conversation actions">
      <select aria-label="Assigned agent" value=${c.meta.assignee?.id ?? ''} onChange=${(e) => actions.assign(e.target.value ? Number(e.target.value) : null)}>
        <option value="">Unassigned</option>
        ${agents.map((a) => html`<option value=${a.id}>${a.id === profile.id ? `${a.available_name || a.name} (me)` : a.available_name || a.name}</option>`)}
      </select>
      <select aria-label="Team" value=${c.meta.team?.id ?? ''} onChange=${(e) => actions.team(e.target.value ? Number(e.target.value) : null)}>
        <option value="">No team</option>
        ${teams.map((t) => html`<option value=${t.id}>${t.name}</option>`)}
      </select>
      <select aria-label="Priority" value=${c.priority ?? ''} onChange=${(e) => actions.priority(e.target.value || null)}>
        <option value="">No priority</option>
        ${PRIORITIES.map(([v, label]) => html`<option value=${v}>${label}</option>`)}
      </select>
      <${LabelPicker} selected=${c.labels} onChange=${actions.labels} />
      <${SnoozeMenu} onSnooze=${(until) => actions.status('snoozed', until)} disabled=${resolved} />
      <button type="button" class=${resolved ? 'secondary' : 'primary'} onClick=${() => actions.status(resolved ? 'open' : 'resolved')}>
        ${resolved ? 'Reopen' : 'Resolve'}
      </button>
      <button type="button" class="ghost panel-toggle" aria-expanded=${panel} onClick=${onPanel}>Details</button>
    </div>
  </header>`;
}

/** A popover of checkboxes, one per label; each change saves the whole set. */
function LabelPicker({ selected, onChange }) {
  const { labels } = useSession();
  const [open, setOpen] = useState(false);
  const toggle = (title, on) => onChange(on ? [...selected, title] : selected.filter((t) => t !== title));
  return html`<div class="popover-wrap" onKeyDown=${(e) => e.key === 'Escape' && setOpen(false)}>
    <button type="button" class="secondary" aria-expanded=${open} onClick=${() => setOpen(!open)}>
      Labels${selected.length ? ` (${selected.length})` : ''}
    </button>
    ${open ? html`<div class="popover" role="group" aria-label="Labels">
      ${labels.length ? labels.map((l) => html`<label class="check" key=${l.id}>
        <input type="checkbox" checked=${selected.includes(l.title)} onChange=${(e) => toggle(l.title, e.target.checked)} />
        <span class="swatch" style=${{ '--swatch': l.color }}></span>${l.title}
      </label>`) : html`<p class="hint">No labels yet: an administrator adds them in Settings → Labels.</p>`}
      <button type="button" class="link" onClick=${() => setOpen(false)}>Done</button>
    </div>` : null}
  </div>`;
}

function SnoozeMenu({ onSnooze, disabled }) {
  const [custom, setCustom] = useState(null);
  const choose = (value) => {
    const now = new Date();
    if (value === 'hour') onSnooze(Math.floor(now.getTime() / 1000) + 3600);
    if (value === 'tomorrow' || value === 'week') {
      const at = new Date(now);
      at.setDate(at.getDate() + (value === 'week' ? 7 : 1));
      at.setHours(9, 0, 0, 0);
      onSnooze(Math.floor(at.getTime() / 1000));
    }
    if (value === 'custom') setCustom('');
  };
  const submitCustom = (e) => {
    e.preventDefault();
    const at = new Date(custom).getTime();
    if (!custom || Number.isNaN(at) || at <= Date.now()) {
      toast('Pick a date and time in the future to snooze until.', 'error');
      return;
    }
    setCustom(null);
    onSnooze(Math.floor(at / 1000));
  };
  return html`<span class="snooze">
    <select aria-label="Snooze" disabled=${disabled} value="" onChange=${(e) => { const v = e.target.value; e.target.value = ''; choose(v); }}>
      <option value="">Snooze…</option>
      <option value="hour">For an hour</option>
      <option value="tomorrow">Until tomorrow, 9:00</option>
      <option value="week">For a week</option>
      <option value="custom">Until…</option>
    </select>
    ${custom !== null ? html`<form class="inline-form" onSubmit=${submitCustom}>
      <label class="visually-hidden" for="snooze-until">Snooze until</label>
      <input id="snooze-until" type="datetime-local" value=${custom} onInput=${(e) => setCustom(e.target.value)} />
      <button type="submit" class="primary">Snooze</button>
      <button type="button" class="ghost" onClick=${() => setCustom(null)}>Cancel</button>
    </form>` : null}
  </span>`;
}

const URL_PATTERN = /(https?:\/\/[^\s<]+[^\s<.,;:!?)"'])/g;

/** Text with its web addresses as links; never HTML. */
function Linked({ text }) {
  return text.split(URL_PATTERN).map((part, i) => (i % 2
    ? html`<a href=${part} target="_blank" rel="noopener noreferrer">${part}</a>`
    : part));
}

function MessageItem({ m, contact, onRetry }) {
  const kind = MESSAGE_TYPES[m.message_type] || 'outgoing';
  const time = html`<time datetime=${new Date(m.created_at * 1000).toISOString()} title=${when(m.created_at)}>
    ${new Date(m.created_at * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time>`;
  if (kind === 'activity') return html`<li class="activity"><span>${m.content}</span> ${time}</li>`;
  const sender = kind === 'incoming' ? (m.sender?.name || contact.name) : (m.sender?.available_name || m.sender?.name || 'Bot');
  const classes = ['message', kind, m.private ? 'note' : '', m.status === 'failed' ? 'failed' : '', m.status === 'sending' ? 'sending' : ''];
  const deleted = m.content_attributes?.deleted;
  return html`<li class=${classes.filter(Boolean).join(' ')}>
    <div class="bubble">
      <div class="message-meta">
        ${m.private ? html`<span class="note-tag">Private note</span>` : null}
        <span class="sender">${sender}</span> ${time}
      </div>
      ${m.content ? html`<p class=${deleted ? 'content deleted' : 'content'}><${Linked} text=${m.content} /></p>` : null}
      ${m.attachments?.length ? html`<ul class="attachments">${m.attachments.map((a, i) => html`<${AttachmentItem} key=${a.id || i} a=${a} />`)}</ul>` : null}
      ${kind === 'outgoing' ? html`<${Status} m=${m} onRetry=${onRetry} />` : null}
    </div>
  </li>`;
}

function Status({ m, onRetry }) {
  if (m.status === 'sending') return html`<div class="message-status">Sending…</div>`;
  if (m.status === 'failed') {
    const why = m.error || m.content_attributes?.external_error || 'not delivered';
    return html`<div class="message-status failed" role="alert">Failed: ${why}
      ${m.outbox ? html` <button type="button" class="link" onClick=${() => onRetry(m)}>Retry</button>` : null}</div>`;
  }
  const label = { sent: 'Sent', delivered: 'Delivered', read: 'Read' }[m.status] || m.status;
  return html`<div class="message-status">${label}</div>`;
}

function AttachmentItem({ a }) {
  const url = a.data_url.startsWith('blob:') ? a.data_url : localUrl(a.data_url);
  if (a.file_type === 'image') {
    return html`<li class="attachment image">
      <a href=${url} target="_blank" rel="noopener noreferrer"><img src=${a.thumb_url.startsWith('blob:') ? a.thumb_url : localUrl(a.thumb_url)} alt=${a.file_name} loading="lazy" /></a>
      <a href=${url} download=${a.file_name} class="download">Download ${a.file_name}</a>
    </li>`;
  }
  return html`<li class="attachment file">
    <a href=${url} download=${a.file_name}>📎 ${a.file_name}</a> <small>${fileSize(a.file_size)}</small>
  </li>`;
}
