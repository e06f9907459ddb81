/* Deskwoot website chat: the loader a site embeds with
 *   <script src="https://HOST/widget/sdk.js" data-website-token="TOKEN" async></script>
 * It adds one <deskwoot-widget> element whose shadow root holds the chat
 * iframe (HOST/widget/frame), styled by a constructable stylesheet and sized
 * by classes, so it needs no inline style and no eval under a strict
 * Content-Security-Policy. It exposes window.$deskwoot (and, for sites moving
 * from Chatwoot, window.$chatwoot) and runs the inbox's proactive triggers. */
(function (w, d) {
  'use strict';
  if (w.deskwootSDK && w.deskwootSDK.loaded) return;

  var script = d.currentScript ||
    d.querySelector('script[data-website-token],script[src*="/widget/sdk.js"],script[src*="/packs/js/sdk.js"]');
  var settings = {};
  [w.chatwootSettings, w.deskwootSettings].forEach(function (s) {
    if (s && typeof s === 'object') for (var k in s) settings[k] = s[k];
  });

  // Phones and short windows get the open chat full screen.
  var FULL = '(max-width:640px),(max-height:520px)';
  var CSS =
    ':host{all:initial!important}' +
    'iframe{position:fixed;z-index:2147483000;right:0;bottom:0;width:96px;height:96px;max-width:100%;' +
    'max-height:100%;border:0;margin:0;padding:0;background:transparent;color-scheme:normal;display:block}' +
    'iframe.left{right:auto;left:0}iframe.wide{width:320px}' +
    'iframe.open{width:432px;height:760px}iframe.hidden{display:none}' +
    '@media ' + FULL + '{iframe.open{top:0;left:0;width:100%;height:100%}}';

  var origin, token, frame, host;
  var started = false, ready = false, open = false, bubbleHidden = !!settings.hideMessageBubble, wide = false;
  var queue = [], listeners = {}, triggers = [];
  var chatwootEvents = { ready: 'ready', message: 'on-message', error: 'error', opened: 'opened', closed: 'closed' };

  // Only plain data crosses: a setting or argument holding a function or a
  // DOM node would make postMessage throw in the host page's code.
  function post(msg) {
    msg.deskwoot = 1;
    try {
      msg = JSON.parse(JSON.stringify(msg));
    } catch (e) {
      emit('error', { code: 'invalid_argument', message: String(e) });
      return;
    }
    frame.contentWindow.postMessage(msg, origin);
  }

  // Commands before the frame is ready wait in `queue`, in order.
  function command(name) {
    var msg = { cmd: name, args: [].slice.call(arguments, 1) };
    if (ready) post(msg);
    else queue.push(msg);
  }

  function emit(name, data) {
    (listeners[name] || []).slice().forEach(function (fn) {
      try { fn(data); } catch (e) { console.error(e); }
    });
    w.dispatchEvent(new CustomEvent('deskwoot:' + name, { detail: data }));
    if (chatwootEvents[name]) w.dispatchEvent(new CustomEvent('chatwoot:' + chatwootEvents[name], { detail: data }));
  }

  function layout() {
    if (!frame) return;
    var c = frame.classList;
    c.toggle('open', open);
    c.toggle('hidden', !ready || (!open && bubbleHidden));
    c.toggle('left', settings.position === 'left');
    c.toggle('wide', wide && !open);
  }

  function page() {
    return { url: location.href, title: d.title, referrer: d.referrer };
  }

  // The visitor's record lives in this page's storage, not the frame's:
  // browsers that block third-party storage would forget it on every page.
  var recordKey, seenKey, seen = [], pageStart = Date.now(), lastHref = location.href, scrollWatched = false;

  function load(key, area) {
    try { return JSON.parse(w[area].getItem(key)); } catch (e) { return null; }
  }

  function save(key, value, area) {
    try {
      if (value == null) w[area].removeItem(key);
      else w[area].setItem(key, JSON.stringify(value));
    } catch (e) { /* storage blocked: kept in memory only */ }
  }

  function urlMatches(pattern, href) {
    var url = new URL(href);
    var subject = pattern.charAt(0) === '/' ? url.pathname + url.search : href;
    var re = pattern.split('*').map(function (part) {
      return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }).join('.*');
    return new RegExp('^' + re + '$').test(subject);
  }

  function scrollPercent() {
    var el = d.documentElement;
    var height = Math.max(el.scrollHeight, d.body ? d.body.scrollHeight : 0);
    return height <= w.innerHeight ? 100 : ((w.scrollY + w.innerHeight) / height) * 100;
  }

  function check(kind, name) {
    triggers.forEach(function (t) {
      if (t.kind !== kind || seen.indexOf(t.id) >= 0) return;
      var hit = kind === 'url' ? urlMatches(t.value, location.href)
        : kind === 'time_on_page' ? (Date.now() - pageStart) / 1000 >= +t.value
        : kind === 'scroll_depth' ? scrollPercent() >= +t.value
        : name === t.value;
      if (!hit) return;
      // Proactive triggers: each shown at most once per browser session.
      seen.push(t.id);
      save(seenKey, seen, 'sessionStorage');
      command('proactive', t);
    });
  }

  function watch() {
    if (location.href !== lastHref) {
      lastHref = location.href;
      pageStart = Date.now();
      command('page', page());
      check('url');
    }
    check('time_on_page');
  }

  function onScroll() {
    if (scrollWatched) return;
    scrollWatched = true;
    w.requestAnimationFrame(function () { scrollWatched = false; check('scroll_depth'); });
  }

  function onMessage(e) {
    if (!frame || e.source !== frame.contentWindow || e.origin !== origin) return;
    var m = e.data;
    if (!m || m.deskwoot !== 1) return;
    if (m.type === 'loaded') {
      post({ cmd: 'init', args: [settings, page(), load(recordKey, 'localStorage')] });
    } else if (m.type === 'ready') {
      ready = api.hasLoaded = true;
      triggers = Array.isArray(m.triggers) ? m.triggers : [];
      wide = !!m.wide;
      layout();
      queue.splice(0).forEach(function (msg) { if (msg.check) check('event', msg.check); else post(msg); });
      emit('ready');
      check('url');
      check('scroll_depth');
      setInterval(watch, 1000);
      w.addEventListener('scroll', onScroll, { passive: true });
    } else if (m.type === 'state') {
      var was = open;
      open = api.isOpen = !!m.open;
      layout();
      if (open && !was) {
        // Opened from the host page (a button, the API): move the focus in.
        if (m.focus && d.activeElement !== host) {
          frame.focus();
          post({ cmd: 'focus' });
        }
        emit('opened');
      }
      if (!open && was) emit('closed');
    } else if (m.type === 'store') {
      save(recordKey, m.data, 'localStorage');
    } else if (m.type === 'event') {
      emit(m.name, m.data);
    }
  }

  function start(opts) {
    if (started) return;
    token = opts.websiteToken;
    var base = opts.baseUrl || (script && script.src);
    if (!token || !base) return;
    started = true;
    origin = new URL(base, location.href).origin;
    recordKey = 'deskwoot:' + token;
    seenKey = recordKey + ':triggers';
    seen = load(seenKey, 'sessionStorage') || [];
    host = d.createElement('deskwoot-widget');
    var root = host.attachShadow({ mode: 'open' });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      // Browsers without constructable stylesheets (before 2023): a <style>
      // element, which a strict CSP blocks but every other page accepts.
      var style = d.createElement('style');
      style.textContent = CSS;
      root.appendChild(style);
    }
    frame = d.createElement('iframe');
    frame.title = 'Chat';
    frame.src = origin + '/widget/frame?website_token=' + encodeURIComponent(token);
    layout();
    root.appendChild(frame);
    w.addEventListener('message', onMessage);
    var full = w.matchMedia(FULL);
    var sendFull = function () { command('full', full.matches); };
    if (full.addEventListener) full.addEventListener('change', sendFull);
    sendFull();
    (d.body || d.documentElement).appendChild(host);
  }

  function on(name, fn) {
    (listeners[name] = listeners[name] || []).push(fn);
    // A ready listener added late still hears it.
    if (name === 'ready' && ready) setTimeout(function () { fn(); });
  }

  var api = {
    hasLoaded: false,
    isOpen: false,
    open: function () { command('open'); },
    close: function () { command('close'); },
    // toggle() flips; Chatwoot's toggle('open') and toggle('close') work too.
    toggle: function (state) { command(state === 'open' ? 'open' : state === 'close' ? 'close' : 'toggle'); },
    toggleBubbleVisibility: function (show) {
      bubbleHidden = show === undefined ? !bubbleHidden : !(show === true || show === 'show');
      layout();
      command('bubble', !bubbleHidden);
    },
    setUser: function (identifier, user) { command('setUser', String(identifier), user || {}); },
    setCustomAttributes: function (attrs) { command('setCustomAttributes', attrs || {}); },
    deleteCustomAttribute: function (key) { command('deleteCustomAttribute', String(key)); },
    setConversationCustomAttributes: function (attrs) { command('setConversationCustomAttributes', attrs || {}); },
    deleteConversationCustomAttribute: function (key) { command('deleteConversationCustomAttribute', String(key)); },
    setLabel: function (label) { command('setLabel', String(label)); },
    removeLabel: function (label) { command('removeLabel', String(label)); },
    setLocale: function (locale) { command('setLocale', String(locale)); },
    setColor: function (color) { command('setTheme', { color: color }); },
    setTheme: function (theme) { command('setTheme', theme || {}); },
    setColorScheme: function (scheme) { command('setTheme', { darkMode: scheme }); },
    setPageContext: function (context) { command('page', Object.assign(page(), context || {})); },
    trigger: function (name, data) {
      name = String(name);
      // An event sent before the triggers are known is checked once they are.
      if (ready) check('event', name);
      else queue.push({ check: name });
      command('event', name, data === undefined ? null : data);
    },
    reset: function () { command('reset'); },
    popoutChatWindow: function () { command('popout'); },
    on: on,
    off: function (name, fn) {
      listeners[name] = (listeners[name] || []).filter(function (f) { return f !== fn; });
    }
  };

  // Calls queued by a stub (window.$deskwoot = [['open'], ...]) before this
  // script arrived.
  var stub = w.$deskwoot;
  w.$deskwoot = w.$chatwoot = api;
  if (Array.isArray(stub)) {
    stub.forEach(function (call) {
      if (Array.isArray(call) && typeof api[call[0]] === 'function') api[call[0]].apply(api, call.slice(1));
    });
  }

  var sdk = { loaded: true, run: start };
  w.deskwootSDK = w.chatwootSDK = sdk;

  var tokenAttr = script && script.getAttribute('data-website-token');
  if (tokenAttr || settings.websiteToken) {
    start({ websiteToken: tokenAttr || settings.websiteToken, baseUrl: settings.baseUrl });
  }
})(window, document);
