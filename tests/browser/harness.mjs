// The browser tests' kit: a real `deskwoot serve` on a loopback port with a
// temporary data directory, a host page served from a second loopback origin
// (127.0.0.2) under a strict Content-Security-Policy, and Debian's headless
// Chromium driven by playwright-core, collecting CSP violations and console
// errors from every frame.

import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.DESKWOOT_BIN
  || path.join(path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target'), 'debug', 'deskwoot');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'correct horse battery';

export async function freePort(host = '127.0.0.1') {
  const server = net.createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `fn` until it returns something truthy; fails after `timeout` ms. */
export async function eventually(fn, { timeout = 10000, interval = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last}`);
    await sleep(interval);
  }
}

/** The environment without the caller's DESKWOOT* settings. */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DESKWOOT')));
}

/**
 * Starts `deskwoot serve` with a fresh workspace (and `extraEnv` settings);
 * returns its URL, an admin token and `api(method, path, body)` for REST calls.
 */
export async function startDeskwoot(extraEnv = {}) {
  if (!fs.existsSync(BIN)) throw new Error(`no deskwoot binary at ${BIN}: run cargo build first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskwoot-browser-'));
  const port = await freePort();
  const env = {
    ...cleanEnv(),
    RUST_LOG: 'warn',
    DESKWOOT__SERVER__BIND: `127.0.0.1:${port}`,
    DESKWOOT__SERVER__WORKERS: '2',
    // The tests are the only client; the limits are tested elsewhere.
    DESKWOOT__RATE_LIMIT__PER_MINUTE: '100000',
    DESKWOOT__RATE_LIMIT__UNAUTHENTICATED_PER_MINUTE: '100000',
    DESKWOOT__RATE_LIMIT__SESSION_PER_MINUTE: '100000',
    DESKWOOT__RATE_LIMIT__VISITOR_CONTACTS_PER_MINUTE: '100000',
    DESKWOOT__RATE_LIMIT__VISITOR_CONVERSATIONS_PER_MINUTE: '100000',
    DESKWOOT__RATE_LIMIT__VISITOR_MESSAGES_PER_MINUTE: '100000',
    ...extraEnv,
  };
  const run = (args) => execFileSync(BIN, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
  run(['setup', '--workspace', 'Acme', '--name', 'Alice Admin', '--email', 'alice@acme.test', '--password', PASSWORD]);
  const token = run(['token', 'create', '--email', 'alice@acme.test', '--name', 'browser tests', '--scopes', 'full']);
  const child = spawn(BIN, ['serve'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => { log = (log + chunk).slice(-20000); });
  const url = `http://127.0.0.1:${port}`;

  async function api(method, route, body) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(url + route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = text; }
    return { status: res.status, body: json, headers: res.headers };
  }

  await eventually(async () => (await fetch(`${url}/healthz`)).ok, { timeout: 30000, what: `deskwoot at ${url}` });
  const profile = await api('GET', '/api/v1/profile');
  const accountId = profile.body.accounts?.[0]?.id ?? 1;
  return {
    url,
    token,
    accountId,
    api,
    log: () => log,
    /** `/api/v1/accounts/{id}` + rest */
    account: (rest) => `/api/v1/accounts/${accountId}${rest}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a website inbox with `settings`; returns it with its website_token and hmac_token. */
export async function createWidgetInbox(server, settings = {}, name = 'Website') {
  const res = await server.api('POST', server.account('/inboxes'), { name, channel: { type: 'web_widget' }, ...settings });
  if (res.status !== 200) throw new Error(`inbox not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The host page's policy: the strict one of the issue. */
export const strictCsp = (deskwoot) =>
  `default-src 'self'; script-src 'self' ${deskwoot}; frame-src ${deskwoot}; connect-src ${deskwoot}`;
/** The narrowest policy the widget needs: no connect-src at all. */
export const narrowCsp = (deskwoot) => `default-src 'self'; script-src 'self' ${deskwoot}; frame-src ${deskwoot}`;

// Styles a careless host page might have; none may reach the widget.
const HOST_CSS = `
iframe { display: none !important; }
* { font-size: 40px !important; color: lime !important; box-sizing: content-box !important; }
button { background: #000 !important; }
.tall { height: 4000px; }
`;

// Records the widget's events for the tests to read.
const HOST_JS = `
window.widgetEvents = [];
['ready', 'opened', 'closed', 'message', 'error', 'user'].forEach(function (name) {
  window.addEventListener('deskwoot:' + name, function (e) { window.widgetEvents.push({ name: name, detail: e.detail }); });
});
['ready', 'on-message', 'error', 'opened', 'closed'].forEach(function (name) {
  window.addEventListener('chatwoot:' + name, function (e) { window.widgetEvents.push({ name: 'chatwoot:' + name, detail: e.detail }); });
});
// ?early=1: commands issued the moment the loader has run, before the frame is ready.
if (/[?&]early=1/.test(location.search)) {
  document.addEventListener('load', function (e) {
    if (!e.target.src || e.target.src.indexOf('/sdk.js') < 0) return;
    window.earlyHasLoaded = window.$deskwoot.hasLoaded;
    window.$deskwoot.setColor('#e11d48');
    window.$deskwoot.open();
  }, true);
}
document.addEventListener('DOMContentLoaded', function () {
  document.getElementById('open-chat').addEventListener('click', function () { window.$deskwoot.open(); });
});
`;

// Chatwoot's own embed snippet, as sites have it, with only the base URL and
// the token changed (in a file: the page's CSP forbids inline scripts).
const chatwootSnippet = (base, token) => `
(function(d,t) {
  var BASE_URL=${JSON.stringify(base)};
  var g=d.createElement(t),s=d.getElementsByTagName(t)[0];
  g.src=BASE_URL+"/packs/js/sdk.js";
  g.defer = true;
  g.async = true;
  s.parentNode.insertBefore(g,s);
  g.onload=function(){
    window.chatwootSDK.run({
      websiteToken: ${JSON.stringify(token)},
      baseUrl: BASE_URL
    })
  }
})(document,"script");
`;

/**
 * A host site on 127.0.0.2 (another origin, and another site, than the
 * server). Any path serves the page; `page({token, settings, csp, flavour,
 * early})` builds its URL. `flavour: 'chatwoot'` embeds with Chatwoot's
 * snippet and window.chatwootSettings.
 */
export async function startHostSite(deskwoot) {
  const hostname = '127.0.0.2';
  const port = await freePort(hostname);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://${hostname}:${port}`);
    const q = url.searchParams;
    const send = (type, body, headers = {}) => {
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
      res.end(body);
    };
    if (url.pathname === '/host.css') return send('text/css', HOST_CSS);
    if (url.pathname === '/host.js') return send('text/javascript', HOST_JS);
    if (url.pathname === '/settings.js') {
      const name = q.get('flavour') === 'chatwoot' ? 'chatwootSettings' : 'deskwootSettings';
      return send('text/javascript', `window.${name} = ${q.get('s') || '{}'};`);
    }
    if (url.pathname === '/chatwoot-snippet.js') return send('text/javascript', chatwootSnippet(deskwoot, q.get('token')));
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    const token = q.get('token') || '';
    const settings = q.get('settings');
    const flavour = q.get('flavour') || 'deskwoot';
    const settingsTag = settings
      ? `<script src="/settings.js?flavour=${flavour}&s=${encodeURIComponent(settings)}"></script>` : '';
    const embed = flavour === 'chatwoot'
      ? `<script src="/chatwoot-snippet.js?token=${encodeURIComponent(token)}"></script>`
      : `<script src="${deskwoot}/widget/sdk.js" data-website-token="${token}" async></script>`;
    const csp = q.get('csp') === 'narrow' ? narrowCsp(deskwoot) : strictCsp(deskwoot);
    return send('text/html; charset=utf-8', `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/host.css">
<script src="/host.js${url.search}"></script>
${settingsTag}
${embed}
</head><body><main><h1>Acme shop</h1><p>Everything for your rockets.</p>
<button type="button" id="open-chat">Help</button><div class="tall"></div><p id="end">The end.</p></main></body></html>`,
    { 'Content-Security-Policy': csp });
  });
  server.listen(port, hostname);
  await once(server, 'listening');
  const origin = `http://${hostname}:${port}`;
  return {
    origin,
    page({ path: pagePath = '/', token, settings, csp, flavour, early } = {}) {
      const q = new URLSearchParams({ token });
      if (settings) q.set('settings', JSON.stringify(settings));
      if (csp) q.set('csp', csp);
      if (flavour) q.set('flavour', flavour);
      if (early) q.set('early', '1');
      return `${origin}${pagePath}?${q}`;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Debian's headless Chromium with a fresh profile. `problems.csp` gathers
 * `securitypolicyviolation` events of every frame (listened to before any
 * page script runs), `problems.console` console errors and uncaught errors.
 */
export async function launchBrowser() {
  const problems = { csp: [], console: [] };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
    // playwright gives each launch a fresh temporary profile of its own.
  });

  /** A new browsing context (a new visitor, a new session) with the problem collectors. */
  async function newContext(options = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
    await context.exposeBinding('__reportCspViolation', ({ frame }, v) => problems.csp.push({ frame: frame.url(), ...v }));
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__reportCspViolation({
          directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample,
        });
      });
    });
    context.on('console', (m) => {
      if (m.type() === 'error') problems.console.push(`${m.location().url}: ${m.text()}`);
    });
    context.on('weberror', (e) => problems.console.push(`uncaught: ${e.error().message}`));
    return context;
  }

  return {
    problems,
    newContext,
    /** The playwright Browser itself (for the dashboard kit's `openPage`). */
    browser,
    /** Forgets what was collected so far. */
    clearProblems() {
      problems.csp.length = 0;
      problems.console.length = 0;
    },
    async close() {
      await browser.close();
    },
  };
}

/** The widget's iframe (a Playwright Frame) once it has loaded. */
export async function widgetFrame(page) {
  return eventually(() => page.frames().find((f) => f.url().includes('/widget/frame')), { what: 'the widget frame' });
}

/** The classes of the widget's <iframe> element in the host page. */
export function frameClasses(page) {
  return page.evaluate(() => {
    const host = document.querySelector('deskwoot-widget');
    return host ? [...host.shadowRoot.querySelector('iframe').classList] : null;
  });
}

/** The widget events the host page has heard, by name. */
export function widgetEvents(page, name) {
  return page.evaluate((n) => window.widgetEvents.filter((e) => !n || e.name === n), name);
}

/** Waits until the host page has heard the widget event `name`; returns its details. */
export function waitForWidgetEvent(page, name, count = 1) {
  return eventually(async () => {
    const events = await widgetEvents(page, name);
    return events.length >= count && events;
  }, { what: `the ${name} event` });
}

/**
 * The visitor's record (source_id, pubsub_token, ...), which the loader keeps
 * in the host page's localStorage.
 */
export function visitorRecord(page, websiteToken) {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) || 'null'), `deskwoot:${websiteToken}`);
}
