// Deskwoot chat frame: the launcher and the chat panel inside the widget's
// iframe, or alone as the pop-out window. It hears the loader (sdk.js) over
// postMessage and talks to the server through the Client API
// (/public/api/v1/inboxes/{token}) and the visitor websocket. Plain ES
// module, no framework, no build step; it never sets a style attribute.

const cfg = JSON.parse(document.getElementById('dw-config').textContent);
const TOKEN = cfg.identifier;
const BASE = `/public/api/v1/inboxes/${encodeURIComponent(TOKEN)}`;
const STORE_KEY = `deskwoot:${TOKEN}`;
const standalone = window.parent === window;
const root = document.documentElement;
const body = document.body;
const $ = (id) => document.getElementById(`dw-${id}`);
const el = {
  panel: $('panel'), title: $('title'), tagline: $('tagline'), status: $('status'), statusText: $('status-text'),
  away: $('away'), log: $('log'), typing: $('typing'), error: $('error'), composer: $('composer'),
  files: $('files'), input: $('input'), file: $('file'), attach: $('attach'), send: $('send'),
  close: $('close'), popout: $('popout'), drop: $('drop'), bubble: $('bubble'), badge: $('badge'),
  launcherTitle: $('launcher-title'),
};

const STRINGS = {
  en: {
    chat: 'Chat', title: 'Hi there!', online: "We're online", away: "We're away right now",
    placeholder: 'Type your message…', send: 'Send', attach: 'Attach files', open: 'Open chat',
    close: 'Close chat', popout: 'Open in a new window', remove: 'Remove {0}', typing: '{0} is typing…',
    unread: '{0} unread', notSent: 'Not sent', error: 'Something went wrong. Please try again.',
    tooLarge: '{0} is larger than {1}.', drop: 'Drop files to attach', support: 'Support',
  },
  fr: {
    chat: 'Discussion', title: 'Bonjour !', online: 'Nous sommes en ligne', away: 'Nous sommes absents pour le moment',
    placeholder: 'Écrivez votre message…', send: 'Envoyer', attach: 'Joindre des fichiers', open: 'Ouvrir la discussion',
    close: 'Fermer la discussion', popout: 'Ouvrir dans une nouvelle fenêtre', remove: 'Retirer {0}', typing: '{0} écrit…',
    unread: '{0} non lus', notSent: 'Non envoyé', error: 'Une erreur est survenue. Veuillez réessayer.',
    tooLarge: '{0} dépasse {1}.', drop: 'Déposez les fichiers ici', support: 'Support',
  },
  de: {
    chat: 'Chat', title: 'Hallo!', online: 'Wir sind online', away: 'Wir sind gerade nicht da',
    placeholder: 'Nachricht schreiben…', send: 'Senden', attach: 'Dateien anhängen', open: 'Chat öffnen',
    close: 'Chat schließen', popout: 'In neuem Fenster öffnen', remove: '{0} entfernen', typing: '{0} schreibt…',
    unread: '{0} ungelesen', notSent: 'Nicht gesendet', error: 'Etwas ist schiefgelaufen. Bitte erneut versuchen.',
    tooLarge: '{0} ist größer als {1}.', drop: 'Dateien hier ablegen', support: 'Support',
  },
  es: {
    chat: 'Chat', title: '¡Hola!', online: 'Estamos en línea', away: 'Ahora no estamos disponibles',
    placeholder: 'Escribe tu mensaje…', send: 'Enviar', attach: 'Adjuntar archivos', open: 'Abrir chat',
    close: 'Cerrar chat', popout: 'Abrir en una ventana nueva', remove: 'Quitar {0}', typing: '{0} está escribiendo…',
    unread: '{0} sin leer', notSent: 'No enviado', error: 'Algo salió mal. Inténtalo de nuevo.',
    tooLarge: '{0} supera {1}.', drop: 'Suelta los archivos aquí', support: 'Soporte',
  },
  pt: {
    chat: 'Chat', title: 'Olá!', online: 'Estamos online', away: 'Estamos ausentes no momento',
    placeholder: 'Escreva sua mensagem…', send: 'Enviar', attach: 'Anexar arquivos', open: 'Abrir chat',
    close: 'Fechar chat', popout: 'Abrir em nova janela', remove: 'Remover {0}', typing: '{0} está digitando…',
    unread: '{0} não lidas', notSent: 'Não enviado', error: 'Algo deu errado. Tente novamente.',
    tooLarge: '{0} é maior que {1}.', drop: 'Solte os arquivos aqui', support: 'Suporte',
  },
};

const state = {
  settings: {
    position: 'right', type: 'standard', launcherTitle: '', hideMessageBubble: false,
    darkMode: 'light', showPopoutButton: false, sound: false, locale: '', useBrowserLanguage: false,
  },
  strings: STRINGS.en,
  locale: 'en',
  open: false,
  contact: null, // {source_id, pubsub_token, identifier, user_key}
  conversation: null, // the public conversation, without its messages
  messages: [], // sorted by `t`, then id
  more: false, // older messages may exist
  unread: 0,
  online: null, // agents online, once known
  page: {},
  proactive: [], // triggers shown, recorded on the conversation
  files: [], // {file, url}
  lastEvent: null,
  pending: freshPending(),
};
const nodes = new Map(); // message key -> element

function freshPending() {
  return { attrs: {}, convAttrs: {}, add: [], remove: [], events: [] };
}

// ---------- small helpers

function t(key, ...args) {
  return (state.strings[key] || STRINGS.en[key] || key).replace(/\{(\d)\}/g, (_, i) => args[i]);
}

function h(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function label(node, text) {
  node.setAttribute('aria-label', text);
  node.title = text;
}

function size(bytes) {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

// The visitor's record (source_id, pubsub_token, last event id). Browsers
// that block storage in third-party frames would forget it on every page, so
// the loader keeps it in the host page's storage and hands it over at init;
// the pop-out window, a first-party page, keeps its own.
const store = {
  value: null,
  get() {
    if (!standalone) return this.value || {};
    try { return JSON.parse(localStorage.getItem(STORE_KEY)) || {}; } catch { return {}; }
  },
  set(value) {
    this.value = value;
    if (!standalone) return tell({ type: 'store', data: value });
    try {
      if (value) localStorage.setItem(STORE_KEY, JSON.stringify(value));
      else localStorage.removeItem(STORE_KEY);
    } catch { /* memory only */ }
    return undefined;
  },
  clear() {
    this.set(null);
  },
};

function persist() {
  if (state.contact) store.set({ ...state.contact, last_event: state.lastEvent });
}

// ---------- the loader

let parentOrigin = null;

function tell(msg) {
  if (standalone || !parentOrigin) return;
  window.parent.postMessage({ ...msg, deskwoot: 1 }, parentOrigin);
}

function emit(name, data) {
  tell({ type: 'event', name, data });
}

function fail(error, visible) {
  const data = { code: error.code || 'error', message: error.message, status: error.status };
  emit('error', data);
  if (visible) {
    el.error.textContent = error.status && error.status < 500 && error.message ? error.message : t('error');
    el.error.hidden = false;
  }
}

const commands = {
  init, open: () => setOpen(true, true), close: () => setOpen(false, false), toggle: () => setOpen(!state.open, true),
  bubble: (show) => body.classList.toggle('bubble-hidden', !show),
  full: (on) => body.classList.toggle('full', on || standalone),
  setUser, setCustomAttributes, deleteCustomAttribute, setConversationCustomAttributes,
  deleteConversationCustomAttribute, setLabel: (l) => changeLabels(l, true), removeLabel: (l) => changeLabels(l, false),
  setLocale: (locale) => { applyLocale(locale); render(); },
  setTheme: applyTheme, page: setPage, event: sendEvent, proactive: showProactive, reset, popout,
  focus: () => state.open && el.input.focus(),
};

window.addEventListener('message', (e) => {
  const m = e.data;
  if (standalone || e.source !== window.parent || !m || m.deskwoot !== 1 || !Object.hasOwn(commands, m.cmd)) return;
  if (m.cmd === 'init') {
    if (parentOrigin) return;
    parentOrigin = e.origin;
  } else if (e.origin !== parentOrigin) {
    return;
  }
  Promise.resolve()
    .then(() => commands[m.cmd](...(Array.isArray(m.args) ? m.args : [])))
    .catch((error) => fail(error, false));
});

function init(settings, page, saved) {
  store.value = saved && typeof saved === 'object' ? saved : null;
  for (const key of Object.keys(state.settings)) {
    if (settings && settings[key] !== undefined) state.settings[key] = settings[key];
  }
  const s = state.settings;
  state.page = page || {};
  applyLocale(s.locale || (s.useBrowserLanguage || standalone ? navigator.language : 'en'));
  applyTheme({ color: cfg.widget_color, darkMode: s.darkMode === true ? 'dark' : s.darkMode });
  body.classList.toggle('left', s.position === 'left');
  body.classList.toggle('wide', s.type === 'expanded_bubble');
  body.classList.toggle('bubble-hidden', !!s.hideMessageBubble || standalone);
  body.classList.toggle('full', standalone);
  render();
  tell({ type: 'ready', triggers: cfg.triggers || [], wide: s.type === 'expanded_bubble' });
  resume();
  if (standalone) setOpen(true, true);
}

// ---------- look: locale, colours, the chrome

const theme = new CSSStyleSheet();
document.adoptedStyleSheets = [...document.adoptedStyleSheets, theme];

function applyLocale(locale) {
  const base = String(locale || 'en').toLowerCase().split(/[-_]/)[0];
  state.locale = STRINGS[base] ? base : 'en';
  state.strings = STRINGS[state.locale];
  root.lang = state.locale;
}

// The text colour on the accent: dark on light colours, white on the rest.
function onAccent(hex) {
  const full = hex.length === 4 ? hex.replace(/[0-9a-f]/gi, '$&$&') : hex;
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(full.slice(i, i + 2), 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.6 ? '#1f2d3d' : '#fff';
}

// setColor / setTheme: only #rgb and #rrggbb, so nothing else reaches the sheet.
function applyTheme(themeSettings) {
  const { color, darkMode } = themeSettings || {};
  if (color !== undefined) {
    if (!/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(String(color))) {
      throw Object.assign(new Error('colours are written #rgb or #rrggbb'), { code: 'invalid_color' });
    }
    theme.replaceSync(`:root{--dw-accent:${color};--dw-on-accent:${onAccent(color)}}`);
  }
  if (darkMode !== undefined) {
    root.classList.toggle('dark', darkMode === 'dark');
    root.classList.toggle('auto', darkMode === 'auto');
  }
}

// Whether now is within the inbox's working hours, in its time zone.
function withinHours() {
  if (!cfg.working_hours_enabled) return true;
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: cfg.timezone, weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23',
    }).formatToParts(new Date());
  } catch {
    return true;
  }
  const part = (type) => parts.find((p) => p.type === type)?.value;
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday'));
  const minutes = (Number(part('hour')) % 24) * 60 + Number(part('minute'));
  const hours = (cfg.working_hours || []).find((w) => w.day_of_week === day);
  if (!hours || hours.closed_all_day) return false;
  if (hours.open_all_day) return true;
  const opens = (hours.open_hour ?? 0) * 60 + (hours.open_minutes ?? 0);
  const closes = (hours.close_hour ?? 24) * 60 + (hours.close_minutes ?? 0);
  return minutes >= opens && minutes < closes;
}

function render() {
  const s = state.settings;
  document.title = cfg.name || t('chat');
  el.title.textContent = cfg.welcome_title || t('title');
  el.tagline.textContent = cfg.welcome_tagline || '';
  el.launcherTitle.textContent = s.launcherTitle || t('chat');
  const open = withinHours();
  const online = open && state.online !== 0;
  el.status.classList.toggle('online', online);
  el.statusText.textContent = online ? t('online') : t('away');
  el.away.textContent = cfg.out_of_office_message || '';
  el.away.hidden = open || !cfg.out_of_office_message;
  el.popout.hidden = !s.showPopoutButton || standalone;
  el.attach.hidden = !cfg.attachments_enabled;
  el.close.hidden = standalone;
  el.input.placeholder = t('placeholder');
  label(el.input, t('placeholder'));
  label(el.send, t('send'));
  label(el.attach, t('attach'));
  label(el.close, t('close'));
  label(el.popout, t('popout'));
  el.log.setAttribute('aria-label', cfg.name || t('chat'));
  el.drop.textContent = t('drop');
  renderBadge();
  renderGreeting();
}

function renderBadge() {
  el.badge.hidden = state.unread === 0 || state.open;
  el.badge.textContent = state.unread > 99 ? '99+' : String(state.unread);
  const text = t(state.open ? 'close' : 'open');
  label(el.bubble, state.unread && !state.open ? `${text}, ${t('unread', state.unread)}` : text);
}

let greeting = null;
function renderGreeting() {
  if (!cfg.greeting_enabled || !cfg.greeting_message) return;
  greeting = greeting || el.log.insertBefore(h('div', 'msg out greeting'), el.log.firstChild);
  greeting.replaceChildren(h('span', 'who', cfg.name || t('support')), cfg.greeting_message);
}

// ---------- opening and closing

function setOpen(open, focus) {
  if (state.open === open) return;
  state.open = open;
  body.classList.toggle('open', open);
  el.panel.hidden = !open;
  el.bubble.setAttribute('aria-expanded', String(open));
  tell({ type: 'state', open, focus: open && focus });
  if (open) {
    state.unread = 0;
    el.error.hidden = true;
    render();
    loadHistory();
    markSeen();
    refreshInbox();
    if (focus) el.input.focus();
    scrollDown(true);
  } else {
    renderBadge();
    if (focus) el.bubble.focus();
  }
}

el.bubble.addEventListener('click', () => setOpen(!state.open, true));
el.close.addEventListener('click', () => setOpen(false, true));
el.popout.addEventListener('click', popout);

// The focus stays in the open panel; Escape closes it.
function focusables() {
  const items = [...el.panel.querySelectorAll('button, textarea, a[href], [tabindex="0"]'), el.bubble];
  return items.filter((x) => !x.disabled && !x.closest('[hidden]') && x.getClientRects().length > 0);
}

document.addEventListener('keydown', (e) => {
  if (!state.open) return;
  if (e.key === 'Escape' && !standalone) {
    e.preventDefault();
    setOpen(false, true);
  } else if (e.key === 'Tab') {
    const items = focusables();
    const first = items[0];
    const last = items[items.length - 1];
    const at = document.activeElement;
    if (e.shiftKey && (at === first || !items.includes(at))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (at === last || !items.includes(at))) {
      e.preventDefault();
      first.focus();
    }
  }
});

// ---------- the Client API

async function api(method, path, data) {
  const init = { method, headers: { Accept: 'application/json' } };
  if (data instanceof FormData) {
    init.body = data;
  } else if (data !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(data);
  }
  const res = await fetch(BASE + path, init);
  const json = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const error = new Error((json && json.message) || res.statusText);
    error.status = res.status;
    error.code = (json && json.error) || `http_${res.status}`;
    throw error;
  }
  return json;
}

const contactPath = (rest = '') => `/contacts/${encodeURIComponent(state.contact.source_id)}${rest}`;
const conversationPath = (rest = '') => contactPath(`/conversations/${state.conversation.id}${rest}`);

function adoptContact(contact, userKey) {
  const same = state.contact && state.contact.source_id === contact.source_id;
  state.contact = {
    source_id: contact.source_id,
    pubsub_token: contact.pubsub_token,
    identifier: contact.identifier || null,
    user_key: userKey || (same ? state.contact.user_key : null),
  };
  if (!same) state.lastEvent = null;
  persist();
  connect();
  for (const e of state.pending.events.splice(0)) sendEvent(e.name, e.data).catch((error) => fail(error, false));
  return state.contact;
}

let creatingContact = null;
async function ensureContact() {
  if (state.contact) return state.contact;
  if (!creatingContact) {
    const attrs = state.pending.attrs;
    state.pending.attrs = {};
    creatingContact = api('POST', '/contacts', Object.keys(attrs).length ? { custom_attributes: attrs } : {})
      .then((c) => adoptContact(c))
      .catch((e) => { Object.assign(state.pending.attrs, attrs); throw e; })
      .finally(() => { creatingContact = null; });
  }
  return creatingContact;
}

// Picks up where this browser left off: its contact, its latest conversation.
async function resume() {
  const saved = store.get();
  if (!saved.source_id) return;
  state.contact = { source_id: saved.source_id, pubsub_token: saved.pubsub_token, identifier: saved.identifier, user_key: saved.user_key };
  state.lastEvent = saved.last_event || null;
  connect();
  await loadConversations();
  // A new page of the site: agents see where the visitor is now.
  if (state.conversation) setPage(state.page);
}

async function loadConversations() {
  try {
    const list = await api('GET', contactPath('/conversations'));
    const latest = (list || []).reduce((a, c) => (!a || c.id > a.id ? c : a), null);
    if (latest && (!state.conversation || latest.id !== state.conversation.id)) adoptConversation(latest);
  } catch (e) {
    if (e.status === 401 || e.status === 404) forget();
    else fail(e, false);
  }
}

function adoptConversation(conversation) {
  if (state.conversation && state.conversation.id !== conversation.id) clearMessages();
  const { messages, ...rest } = conversation;
  state.conversation = rest;
  state.more = true;
  historyLoad = null;
  const seenAt = rest.contact_last_seen_at || 0;
  for (const m of messages || []) {
    if (upsert(m) && !state.open && m.message_type !== 0 && m.created_at > seenAt) state.unread += 1;
  }
  renderBadge();
  if (state.open) loadHistory();
}

let historyLoad = null;
function loadHistory() {
  if (!state.conversation || historyLoad) return;
  historyLoad = api('GET', conversationPath('/messages'))
    .then((list) => {
      (list || []).forEach(upsert);
      state.more = (list || []).length >= 20;
      scrollDown(true);
    })
    .catch((e) => { historyLoad = null; fail(e, false); });
}

let loadingOlder = false;
el.log.addEventListener('scroll', async () => {
  const first = state.messages.find((m) => m.id);
  if (el.log.scrollTop > 40 || !state.more || loadingOlder || !first || !state.conversation) return;
  loadingOlder = true;
  try {
    const height = el.log.scrollHeight;
    const list = await api('GET', conversationPath(`/messages?before=${first.id}`));
    (list || []).forEach(upsert);
    state.more = (list || []).length >= 20;
    el.log.scrollTop += el.log.scrollHeight - height;
  } catch (e) {
    fail(e, false);
  } finally {
    loadingOlder = false;
  }
});

let seenTimer = null;
function markSeen() {
  if (!state.conversation || !state.open) return;
  clearTimeout(seenTimer);
  seenTimer = setTimeout(() => api('POST', conversationPath('/update_last_seen')).catch(() => {}), 500);
}

// The number of agents online, fetched when the panel first opens.
let inboxFetched = false;
function refreshInbox() {
  if (inboxFetched) return;
  inboxFetched = true;
  api('GET', '')
    .then((inbox) => {
      if (typeof inbox.online_agents === 'number') state.online = inbox.online_agents;
      render();
    })
    .catch(() => {});
}

// ---------- the visitor websocket

let socket = null;
let retries = 0;
let pinger = null;

function connect() {
  if (socket || !state.contact || !state.contact.pubsub_token) return;
  const url = new URL('/ws/visitor', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('pubsub_token', state.contact.pubsub_token);
  const resuming = !!state.lastEvent;
  if (resuming) url.searchParams.set('since', state.lastEvent);
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => {
    retries = 0;
    pinger = setInterval(() => ws.send('{"type":"ping"}'), 25000);
    // Without a `since` nothing is replayed: read what came before the socket.
    if (!resuming && state.conversation) {
      api('GET', conversationPath('/messages')).then((list) => (list || []).forEach(upsert)).catch(() => {});
    }
  };
  ws.onmessage = (e) => {
    let frame;
    try { frame = JSON.parse(e.data); } catch { return; }
    if (frame.id) {
      state.lastEvent = frame.id;
      persist();
    }
    onFrame(frame);
  };
  ws.onclose = () => {
    clearInterval(pinger);
    if (socket !== ws) return;
    socket = null;
    if (state.contact) setTimeout(connect, Math.min(30000, 1000 * 2 ** retries++));
  };
}

function disconnect() {
  const ws = socket;
  socket = null;
  clearInterval(pinger);
  if (ws) ws.close();
}

let typingTimer = null;
function onFrame({ event, data }) {
  if (!data || typeof data !== 'object') return;
  const current = state.conversation && state.conversation.id;
  switch (event) {
    case 'message.created':
    case 'message.updated':
      if (current && data.conversation_id !== current) {
        if (data.conversation_id > current) loadConversations();
        return;
      }
      if (!current) {
        loadConversations();
        return;
      }
      if (upsert(data) && event === 'message.created' && data.message_type !== 0) agentMessage(data);
      break;
    case 'conversation.created':
    case 'conversation.updated':
      if (current === data.id) Object.assign(state.conversation, data);
      else if (!current || data.id > current) loadConversations();
      break;
    case 'conversation.typing_on':
    case 'conversation.typing_off': {
      if (data.conversation_id !== current) return;
      const on = event === 'conversation.typing_on';
      const who = (data.user && (data.user.available_name || data.user.name)) || t('support');
      el.typing.textContent = on ? t('typing', who) : '';
      clearTimeout(typingTimer);
      if (on) typingTimer = setTimeout(() => { el.typing.textContent = ''; }, 30000);
      break;
    }
    case 'resync':
      // Too much was missed to replay: read the conversation afresh.
      historyLoad = null;
      loadConversations().then(() => state.open && loadHistory());
      break;
    case 'presence.update':
      if (typeof data.online_agents === 'number') {
        state.online = data.online_agents;
        render();
      }
      break;
    default:
  }
}

function agentMessage(m) {
  el.typing.textContent = '';
  if (!state.open || document.hidden) {
    if (!state.open) state.unread += 1;
    renderBadge();
    ding();
  }
  markSeen();
  emit('message', m);
}

// An optional chime for agents' messages (settings.sound; off by default).
let audio = null;
document.addEventListener('pointerdown', () => {
  if (state.settings.sound && !audio && window.AudioContext) audio = new AudioContext();
}, { passive: true });

function ding() {
  if (!state.settings.sound || !audio) return;
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.frequency.value = 880;
  gain.gain.setValueAtTime(0.08, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.3);
  osc.connect(gain).connect(audio.destination);
  osc.start();
  osc.stop(audio.currentTime + 0.3);
}

// ---------- messages

const keyOf = (m) => (m.id ? `m${m.id}` : `e${m.echo_id}`);
const order = (a, b) => a.t - b.t || (a.id || Infinity) - (b.id || Infinity);

// Adds or replaces a message (matched by id or echo_id); true if it is new.
function upsert(m) {
  if (m.private || (m.message_type !== 0 && m.message_type !== 1 && m.message_type !== 3)) return false;
  const i = state.messages.findIndex((x) => (m.id && x.id === m.id) || (m.echo_id && x.echo_id === m.echo_id));
  const old = i >= 0 ? state.messages.splice(i, 1)[0] : null;
  const message = { ...old, ...m, t: m.t || (m.created_at ? m.created_at * 1000 : Date.now()) };
  if (m.id) message.pending = message.failed = false;
  let j = state.messages.length;
  while (j > 0 && order(message, state.messages[j - 1]) < 0) j -= 1;
  state.messages.splice(j, 0, message);
  const node = renderMessage(message);
  if (old) {
    nodes.get(keyOf(old))?.remove();
    nodes.delete(keyOf(old));
  }
  nodes.set(keyOf(message), node);
  const next = state.messages[j + 1];
  el.log.insertBefore(node, next ? nodes.get(keyOf(next)) : null);
  scrollDown(false);
  return !old;
}

function clearMessages() {
  state.messages = [];
  nodes.forEach((node) => node.remove());
  nodes.clear();
}

const URL_RE = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]])/;

function renderText(text) {
  return String(text).split(URL_RE).map((part, i) => {
    if (i % 2 === 0) return part;
    const a = h('a', '', part);
    a.href = part;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  });
}

function renderAttachment(a) {
  const link = h('a', a.file_type === 'image' ? '' : 'file');
  if (/^(https?:|blob:)/.test(a.data_url || '')) {
    link.href = a.data_url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
  }
  if (a.file_type === 'image' || /^image\//.test(a.content_type || '')) {
    const img = h('img');
    img.src = a.thumb_url || a.data_url;
    img.alt = a.file_name || '';
    link.append(img);
  } else {
    link.textContent = `${a.file_name || 'file'}${a.file_size ? ` (${size(a.file_size)})` : ''}`;
  }
  return link;
}

function renderMessage(m) {
  const mine = m.message_type === 0;
  const node = h('div', `msg ${mine ? 'in' : 'out'}${m.pending ? ' pending' : ''}`);
  if (!mine) {
    const sender = m.sender || {};
    node.append(h('span', 'who', sender.available_name || sender.name || cfg.name || t('support')));
  }
  if (m.content) node.append(...renderText(m.content));
  for (const a of m.attachments || []) node.append(renderAttachment(a));
  if (m.failed) node.append(h('span', 'note', t('notSent')));
  if (m.created_at) {
    node.title = new Intl.DateTimeFormat(state.locale, { dateStyle: 'medium', timeStyle: 'short' })
      .format(new Date(m.created_at * 1000));
  }
  return node;
}

function scrollDown(force) {
  const log = el.log;
  if (force || log.scrollHeight - log.scrollTop - log.clientHeight < 120) log.scrollTop = log.scrollHeight;
}

function showProactive(trigger) {
  if (!trigger || !trigger.message) return;
  state.proactive.push({ id: trigger.id, message: trigger.message });
  upsert({ echo_id: `trigger-${trigger.id}`, message_type: 1, content: trigger.message, local: true });
  setOpen(true, false);
}

// ---------- sending

const echoId = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

el.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  submit();
});

el.input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    submit();
  }
});

async function submit() {
  const content = el.input.value.trim();
  const files = state.files.splice(0);
  if (!content && !files.length) return;
  el.input.value = '';
  el.error.hidden = true;
  renderFiles();
  stopTyping();
  const local = {
    echo_id: echoId(), content, message_type: 0, pending: true,
    attachments: files.map((f) => ({
      file_type: f.file.type.startsWith('image/') ? 'image' : 'file',
      data_url: f.url, file_name: f.file.name, file_size: f.file.size,
    })),
  };
  upsert(local);
  try {
    const sent = await deliver(content, files, local.echo_id);
    if (sent) upsert({ ...sent, echo_id: local.echo_id, pending: false });
    setTimeout(() => files.forEach((f) => URL.revokeObjectURL(f.url)), 60000);
  } catch (e) {
    upsert({ ...local, pending: false, failed: true });
    fail(e, true);
  }
}

// Sends a message, creating the contact and the conversation as needed;
// returns the message, or null when the new conversation already holds it.
async function deliver(content, files, echo) {
  await ensureContact();
  if (!state.conversation) {
    const created = await createConversation(files.length ? null : content);
    const first = (created.messages || []).filter((m) => m.message_type === 0).pop();
    if (!files.length) {
      if (first) upsert({ ...first, echo_id: echo, pending: false });
      return null;
    }
  }
  try {
    return await postMessage(content, files, echo);
  } catch (e) {
    // A resolved conversation that takes no more messages: start a new one.
    if (state.conversation.status !== 'resolved' || !(e.status === 403 || e.status === 409 || e.status === 422)) throw e;
    state.conversation = null;
    return deliver(content, files, echo);
  }
}

function postMessage(content, files, echo) {
  if (!files.length) return api('POST', conversationPath('/messages'), { content, echo_id: echo });
  const form = new FormData();
  form.append('content', content);
  form.append('echo_id', echo);
  for (const f of files) form.append('attachments[]', f.file, f.file.name);
  return api('POST', conversationPath('/messages'), form);
}

async function createConversation(content) {
  const p = state.pending;
  const additional = { page_context: state.page };
  if (state.proactive.length) additional.proactive_triggers = state.proactive;
  const data = { custom_attributes: p.convAttrs, additional_attributes: additional };
  if (content) data.message = { content };
  const conversation = await api('POST', contactPath('/conversations'), data);
  p.convAttrs = {};
  const { messages, ...rest } = conversation;
  if (state.conversation && state.conversation.id !== rest.id) clearMessages();
  state.conversation = rest;
  historyLoad = Promise.resolve();
  if (p.add.length || p.remove.length) {
    const labels = { add: p.add.splice(0), remove: p.remove.splice(0) };
    api('PATCH', conversationPath(), { labels }).catch((e) => fail(e, false));
  }
  lastContext = JSON.stringify(state.page);
  return { ...rest, messages };
}

let typingOn = false;
let typingIdle = null;
el.input.addEventListener('input', () => {
  if (!state.conversation) return;
  clearTimeout(typingIdle);
  typingIdle = setTimeout(stopTyping, 4000);
  if (!typingOn) {
    typingOn = true;
    api('POST', conversationPath('/toggle_typing'), { typing_status: 'on' }).catch(() => {});
  }
});

function stopTyping() {
  clearTimeout(typingIdle);
  if (!typingOn || !state.conversation) return;
  typingOn = false;
  api('POST', conversationPath('/toggle_typing'), { typing_status: 'off' }).catch(() => {});
}

// ---------- attachments: picker, drag and drop, paste

el.attach.addEventListener('click', () => el.file.click());
el.file.addEventListener('change', () => {
  addFiles(el.file.files);
  el.file.value = '';
});

function addFiles(list) {
  if (!cfg.attachments_enabled) return;
  for (const file of list) {
    if (cfg.max_attachment_size && file.size > cfg.max_attachment_size) {
      el.error.textContent = t('tooLarge', file.name, size(cfg.max_attachment_size));
      el.error.hidden = false;
    } else if (state.files.length < 10) {
      state.files.push({ file, url: URL.createObjectURL(file) });
    }
  }
  renderFiles();
}

function renderFiles() {
  el.files.replaceChildren(...state.files.map((f) => {
    const li = h('li');
    if (f.file.type.startsWith('image/')) {
      const img = h('img');
      img.src = f.url;
      img.alt = '';
      li.append(img);
    }
    li.append(h('span', '', f.file.name));
    const remove = h('button', 'icon', '×');
    remove.type = 'button';
    label(remove, t('remove', f.file.name));
    remove.addEventListener('click', () => {
      state.files = state.files.filter((x) => x !== f);
      URL.revokeObjectURL(f.url);
      renderFiles();
      el.input.focus();
    });
    li.append(remove);
    return li;
  }));
}

const carriesFiles = (e) => cfg.attachments_enabled && state.open && [...(e.dataTransfer?.types || [])].includes('Files');
let dragDepth = 0;
document.addEventListener('dragenter', (e) => {
  if (!carriesFiles(e)) return;
  dragDepth += 1;
  el.drop.hidden = false;
});
document.addEventListener('dragover', (e) => {
  if (carriesFiles(e)) e.preventDefault();
});
document.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) el.drop.hidden = true;
});
document.addEventListener('drop', (e) => {
  dragDepth = 0;
  el.drop.hidden = true;
  if (!carriesFiles(e)) return;
  e.preventDefault();
  addFiles(e.dataTransfer.files);
});
el.input.addEventListener('paste', (e) => {
  const files = [...(e.clipboardData?.files || [])];
  if (!files.length || !cfg.attachments_enabled) return;
  if (!e.clipboardData.getData('text')) e.preventDefault();
  addFiles(files);
});

// ---------- the host page's commands

function pick(source, keys) {
  const out = {};
  for (const k of keys) if (source[k] !== undefined && source[k] !== null) out[k] = source[k];
  return out;
}

async function setUser(identifier, user) {
  const data = {
    identifier,
    ...pick(user || {}, ['name', 'email', 'avatar_url', 'phone_number', 'identifier_hash', 'custom_attributes']),
  };
  const key = JSON.stringify(data);
  if (creatingContact) await creatingContact.catch(() => {});
  if (state.contact && state.contact.user_key === key) return;
  // Another person signed in on this browser without reset(): start afresh.
  if (state.contact && state.contact.identifier && state.contact.identifier !== identifier) reset();
  let contact;
  if (state.contact) {
    contact = await api('PATCH', contactPath(), data);
  } else {
    const attrs = state.pending.attrs;
    state.pending.attrs = {};
    const custom = { ...attrs, ...(data.custom_attributes || {}) };
    contact = await api('POST', '/contacts', Object.keys(custom).length ? { ...data, custom_attributes: custom } : data);
  }
  adoptContact(contact, key);
  emit('user', { identifier: contact.identifier, verified: !!contact.verified });
  // A verified identifier may have linked this browser to an existing
  // contact: their conversations follow them.
  await loadConversations();
}

function setCustomAttributes(attrs) {
  if (!state.contact) return void Object.assign(state.pending.attrs, attrs);
  return api('PATCH', contactPath(), { custom_attributes: attrs });
}

function deleteCustomAttribute(key) {
  if (!state.contact) return void delete state.pending.attrs[key];
  return api('PATCH', contactPath(), { custom_attributes: { [key]: null } });
}

function setConversationCustomAttributes(attrs) {
  if (!state.conversation) return void Object.assign(state.pending.convAttrs, attrs);
  return api('PATCH', conversationPath(), { custom_attributes: attrs });
}

function deleteConversationCustomAttribute(key) {
  if (!state.conversation) return void delete state.pending.convAttrs[key];
  return api('PATCH', conversationPath(), { custom_attributes: { [key]: null } });
}

function changeLabels(name, add) {
  if (state.conversation) return api('PATCH', conversationPath(), { labels: add ? { add: [name] } : { remove: [name] } });
  const p = state.pending;
  p.add = p.add.filter((l) => l !== name);
  p.remove = p.remove.filter((l) => l !== name);
  (add ? p.add : p.remove).push(name);
  return undefined;
}

// Where the visitor is, recorded on the open conversation (debounced).
let lastContext = null;
let contextTimer = null;
function setPage(context) {
  state.page = context && typeof context === 'object' ? context : {};
  if (!state.conversation || state.conversation.status === 'resolved') return;
  clearTimeout(contextTimer);
  contextTimer = setTimeout(() => {
    const json = JSON.stringify(state.page);
    if (json === lastContext || !state.conversation) return;
    lastContext = json;
    api('PATCH', conversationPath(), { additional_attributes: { page_context: state.page } })
      .catch((e) => fail(e, false));
  }, 300);
}

function sendEvent(name, data) {
  if (!state.contact) {
    if (state.pending.events.length < 20) state.pending.events.push({ name, data });
    return undefined;
  }
  const payload = data === null || data === undefined ? { name } : { name, data };
  return api('POST', contactPath('/events'), payload);
}

function forget() {
  disconnect();
  store.clear();
  state.contact = null;
  state.conversation = null;
  state.lastEvent = null;
  historyLoad = null;
  clearMessages();
}

function reset() {
  forget();
  state.pending = freshPending();
  state.proactive = [];
  state.unread = 0;
  renderBadge();
}

// The chat in a window of its own; the contact travels in the fragment,
// which never reaches a server.
function popout() {
  const url = new URL('/widget/frame', location.href);
  url.searchParams.set('website_token', TOKEN);
  if (state.contact) url.hash = new URLSearchParams({ s: state.contact.source_id, p: state.contact.pubsub_token }).toString();
  window.open(url.href, '_blank', 'noopener');
  setOpen(false, false);
}

// ---------- start

if (standalone) {
  const handed = new URLSearchParams(location.hash.slice(1));
  if (handed.get('s') && handed.get('p')) {
    store.set({ source_id: handed.get('s'), pubsub_token: handed.get('p') });
    window.history.replaceState(null, '', location.pathname + location.search);
  }
  init({}, {});
} else {
  window.parent.postMessage({ deskwoot: 1, type: 'loaded' }, '*');
}
