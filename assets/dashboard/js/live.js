// Live updates. Views subscribe with `onLive(fn)` and get the agent
// websocket's frames, `{id, event, data}`, or `{event: 'poll'}` every few
// seconds while the socket is down (and when the server asks for a resync),
// on which they reload what they show. After a drop the socket resumes from
// the last event id it saw (`?since=`), so nothing is missed.
const POLL_MS = 4000;
const PING_MS = 25000;

const listeners = new Set();
let socket = null;
let connected = false;
let lastEventId = null;
let retryDelay = 1000;
let timers = [];
let running = false;
let accountId = null;

export function onLive(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(frame) {
  listeners.forEach((fn) => {
    try {
      fn(frame);
    } catch (error) {
      console.warn('live update handler failed', error);
    }
  });
}

function poll() {
  if (!connected && document.visibilityState === 'visible') emit({ event: 'poll' });
}

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const since = lastEventId === null ? '' : `&since=${lastEventId}`;
  socket = new WebSocket(`${scheme}://${location.host}/ws/agent?account_id=${accountId}${since}`);
  socket.addEventListener('open', () => {
    connected = true;
    retryDelay = 1000;
  });
  socket.addEventListener('message', (message) => {
    let frame;
    try {
      frame = JSON.parse(message.data);
    } catch {
      return;
    }
    if (frame.id !== null && frame.id !== undefined) lastEventId = frame.id;
    if (frame.event === 'resync') emit({ event: 'poll' });
    else if (frame.event !== 'pong') emit(frame);
  });
  socket.addEventListener('close', () => {
    connected = false;
    socket = null;
    if (!running) return;
    // Catch up by polling once, then try again a little later each time.
    emit({ event: 'poll' });
    timers.push(setTimeout(connect, retryDelay));
    retryDelay = Math.min(retryDelay * 2, 30000);
  });
}

/** Starts live updates for workspace `account`. */
export function startLive(account) {
  if (running) return;
  running = true;
  accountId = account;
  timers.push(setInterval(poll, POLL_MS));
  timers.push(setInterval(() => send({ type: 'ping' }), PING_MS));
  connect();
}

export function stopLive() {
  running = false;
  timers.forEach((t) => clearTimeout(t));
  timers = [];
  if (socket) socket.close();
}

function send(frame) {
  if (connected) socket.send(JSON.stringify(frame));
}

/** Tells the others in the conversation that this agent is typing (or stopped). */
export function sendTyping(conversationId, on, isPrivate) {
  send({ type: 'typing', conversation_id: conversationId, status: on ? 'on' : 'off', is_private: isPrivate });
}
