// The dashboard tests' kit: a real `deskwoot serve` on a free loopback port
// with a temporary data directory (set up with `deskwoot setup` and a
// full-scope token), headless Chromium, and pages that record every
// Content-Security-Policy violation, script error and console error.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const PASSWORD = 'correct horse battery';
export const ADMIN = { name: 'Alice Admin', email: 'alice@acme.test' };
export const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');

/** The debug binary: $DESKWOOT_BIN, else under $CARGO_TARGET_DIR or ./target. */
function binary() {
  if (process.env.DESKWOOT_BIN) return process.env.DESKWOOT_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
  return path.join(path.resolve(ROOT, target), 'debug', 'deskwoot');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a server. With `setup` (the default) it has the workspace "Acme",
 * its administrator Alice and `token`, a full-scope API token.
 */
export async function startServer({ setup = true } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'deskwoot-dashboard-'));
  mkdirSync(path.join(dir, 'data'));
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DESKWOOT')));
  Object.assign(env, {
    RUST_LOG: 'warn',
    DESKWOOT__SERVER__BIND: `127.0.0.1:${port}`,
    DESKWOOT__SERVER__WORKERS: '2',
    DESKWOOT__STORAGE__DATA_DIR: path.join(dir, 'data'),
    // The tests measure behaviour, not the limiter.
    DESKWOOT__RATE_LIMIT__PER_MINUTE: '100000',
    DESKWOOT__RATE_LIMIT__SESSION_PER_MINUTE: '100000',
    DESKWOOT__RATE_LIMIT__UNAUTHENTICATED_PER_MINUTE: '100000',
    // The webhook test's receiver listens on loopback.
    DESKWOOT__WEBHOOKS__ALLOW_PRIVATE_TARGETS: 'true',
  });
  const run = (...args) => execFileSync(binary(), args, { env, cwd: dir, encoding: 'utf8' }).trim();
  let token = null;
  if (setup) {
    run('setup', '--workspace', 'Acme', '--name', ADMIN.name, '--email', ADMIN.email, '--password', PASSWORD);
    token = run('token', 'create', '--email', ADMIN.email, '--name', 'browser tests', '--scopes', 'full');
  }
  const child = spawn(binary(), ['serve'], { env, cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`deskwoot did not start at ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const server = {
    url,
    token,
    dir,
    /** A JSON request with the full-scope token: `{status, body}`. */
    async api(method, route, body) {
      const response = await fetch(url + route, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = text;
      }
      return { status: response.status, body: json };
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (setup) server.accountId = (await server.api('GET', '/api/v1/profile')).body.accounts[0].id;
  server.account = (rest) => `/api/v1/accounts/${server.accountId}${rest}`;
  return server;
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * A page that records CSP violations, uncaught errors and console errors
 * (other than the browser's own note of an HTTP error answer, which the app
 * shows to the person instead).
 */
export async function openPage(browser, { viewport = { width: 1440, height: 900 }, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const problems = [];
  await context.exposeFunction('__reportCsp', (text) => problems.push(`CSP violation: ${text}`));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCsp(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.problems = problems;
  return page;
}

/** Signs in as Alice through the form and waits for the inbox. */
export async function signIn(page, server) {
  await page.goto(`${server.url}/`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}
