// The widget on a host page: loading under a strict CSP, opening and
// closing, keyboard and focus, settings, colours, phones, the Chatwoot
// embed, proactive triggers and sizes. None of these needs a visitor to write.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';

import {
  createWidgetInbox, eventually, frameClasses, launchBrowser, sleep, startDeskwoot,
  startHostSite, waitForWidgetEvent, widgetEvents, widgetFrame,
} from './harness.mjs';

let server;
let site;
let browser;
let inbox;

before(async () => {
  server = await startDeskwoot();
  site = await startHostSite(server.url);
  browser = await launchBrowser();
  inbox = await createWidgetInbox(server, {
    welcome_title: 'Hello from Acme', greeting_enabled: true, greeting_message: 'Ask us anything.',
  });
});

after(async () => {
  await browser?.close();
  await site?.close();
  await server?.stop();
});

/** A new visitor on the host page, once the widget is ready. */
async function visit(options = {}, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  await page.goto(site.page({ token: inbox.website_token, ...options }));
  await waitForWidgetEvent(page, options.flavour === 'chatwoot' ? 'chatwoot:ready' : 'ready');
  const frame = await widgetFrame(page);
  return { context, page, frame };
}

const iframeBox = (page) => page.locator('deskwoot-widget iframe').boundingBox();
const colourOf = (frame, selector, property = 'backgroundColor') =>
  frame.locator(selector).evaluate((el, p) => getComputedStyle(el)[p], property);

test('the widget loads under the strict CSP with no violation, no console error, no inline style', async () => {
  browser.clearProblems();
  for (const csp of [undefined, 'narrow']) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const fetched = [];
    page.on('request', (r) => { if (r.url().startsWith(server.url)) fetched.push(new URL(r.url()).pathname); });
    await page.goto(site.page({ token: inbox.website_token, csp }));
    await waitForWidgetEvent(page, 'ready');
    const frame = await widgetFrame(page);
    await frame.locator('#dw-bubble').waitFor({ state: 'visible' });
    await sleep(500);
    assert.deepEqual(await frameClasses(page), [], 'shown as the bubble');
    // The host's `iframe { display: none !important }` does not reach it.
    assert.deepEqual(await iframeBox(page), { x: 1280 - 96, y: 800 - 96, width: 96, height: 96 });
    assert.equal(await colourOf(frame, '#dw-bubble'), 'rgb(31, 147, 255)');
    assert.equal(await colourOf(frame, '#dw-bubble', 'fontSize'), '14px');
    assert.equal(await page.evaluate(() => document.querySelectorAll('[style]').length
      + document.querySelector('deskwoot-widget').shadowRoot.querySelectorAll('[style]').length), 0);
    assert.equal(await frame.evaluate(() => document.querySelectorAll('[style]').length), 0);
    // A new visitor downloads the loader, the frame page and its two files: nothing else.
    assert.deepEqual(fetched.map((p) => p.replace(/^\/assets\/[0-9a-f]+\//, '/assets/')).sort(),
      ['/assets/widget/frame.css', '/assets/widget/frame.js', '/widget/frame', '/widget/sdk.js']);
    await context.close();
  }
  assert.deepEqual(browser.problems.csp, []);
  assert.deepEqual(browser.problems.console, []);
});

test('$deskwoot.open() from a host button opens the panel; close() and toggle() work', async () => {
  browser.clearProblems();
  const { context, page, frame } = await visit();
  await page.click('#open-chat');
  await waitForWidgetEvent(page, 'opened');
  assert.ok((await frameClasses(page)).includes('open'));
  await frame.locator('#dw-panel').waitFor({ state: 'visible' });
  assert.equal((await iframeBox(page)).width, 432);
  assert.equal(await frame.locator('#dw-panel').getAttribute('role'), 'dialog');
  assert.equal(await frame.locator('#dw-title').textContent(), 'Hello from Acme');
  assert.equal(await frame.locator('.greeting').count(), 1);
  assert.match(await frame.locator('.greeting').textContent(), /Ask us anything\./);
  assert.equal(await page.evaluate(() => window.$deskwoot.isOpen), true);

  await page.evaluate(() => window.$deskwoot.close());
  await waitForWidgetEvent(page, 'closed');
  assert.ok(!(await frameClasses(page)).includes('open'));
  assert.equal(await frame.locator('#dw-panel').isHidden(), true);
  await page.evaluate(() => window.$deskwoot.toggle());
  await waitForWidgetEvent(page, 'opened', 2);
  await page.evaluate(() => window.$deskwoot.toggle());
  await waitForWidgetEvent(page, 'closed', 2);
  assert.deepEqual(browser.problems.csp, []);
  assert.deepEqual(browser.problems.console, []);
  await context.close();
});

test('keyboard: the bubble opens the panel, Tab stays inside it, Escape closes it', async () => {
  const { context, page, frame } = await visit();
  const bubble = frame.locator('#dw-bubble');
  assert.equal(await bubble.getAttribute('aria-label'), 'Open chat');
  assert.equal(await bubble.getAttribute('aria-expanded'), 'false');
  await bubble.focus();
  await page.keyboard.press('Enter');
  await waitForWidgetEvent(page, 'opened');
  assert.equal(await frame.evaluate(() => document.activeElement.id), 'dw-input');
  assert.equal(await bubble.getAttribute('aria-expanded'), 'true');
  assert.equal(await bubble.getAttribute('aria-label'), 'Close chat');
  for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key);
    const where = await frame.evaluate(() => {
      const at = document.activeElement;
      return document.hasFocus() && (document.getElementById('dw-panel').contains(at) || at.id === 'dw-bubble') && at.id;
    });
    assert.ok(where, `focus left the panel after ${key}`);
  }
  for (const id of ['dw-input', 'dw-attach', 'dw-send', 'dw-close']) {
    assert.ok(await frame.locator(`#${id}`).getAttribute('aria-label'), `${id} has a label`);
  }
  await page.keyboard.press('Escape');
  await waitForWidgetEvent(page, 'closed');
  assert.equal(await frame.evaluate(() => document.activeElement.id), 'dw-bubble');
  await context.close();
});

test('calls made before the widget is ready are queued, not lost', async () => {
  const { context, page, frame } = await visit({ early: true });
  assert.equal(await page.evaluate(() => window.earlyHasLoaded), false, 'called before ready');
  await waitForWidgetEvent(page, 'opened');
  assert.equal(await colourOf(frame, '#dw-bubble'), 'rgb(225, 29, 72)');
  await context.close();
});

test('setColor and setTheme change the colours at run time; a bad colour is an error', async () => {
  browser.clearProblems();
  const { context, page, frame } = await visit();
  await page.evaluate(() => window.$deskwoot.setColor('#0a7d33'));
  await eventually(async () => (await colourOf(frame, '#dw-bubble')) === 'rgb(10, 125, 51)', { what: 'the new colour' });
  await page.evaluate(() => window.$deskwoot.open());
  await waitForWidgetEvent(page, 'opened');
  assert.equal(await colourOf(frame, 'header'), 'rgb(10, 125, 51)');
  await page.evaluate(() => window.$deskwoot.setColor('red; background: url(//evil.test)'));
  const [error] = await waitForWidgetEvent(page, 'error');
  assert.equal(error.detail.code, 'invalid_color');
  assert.equal(await colourOf(frame, 'header'), 'rgb(10, 125, 51)');
  await page.evaluate(() => window.$deskwoot.setTheme({ color: '#ffd400', darkMode: 'dark' }));
  await eventually(async () => (await colourOf(frame, '#dw-panel')) === 'rgb(28, 31, 36)', { what: 'dark mode' });
  assert.equal(await colourOf(frame, 'header'), 'rgb(255, 212, 0)');
  assert.equal(await colourOf(frame, 'header', 'color'), 'rgb(31, 45, 61)', 'dark text on a light accent');
  assert.deepEqual(browser.problems.csp, []);
  await context.close();
});

test('deskwootSettings: position, expanded launcher, locale and a hidden bubble', async () => {
  const { context, page, frame } = await visit({
    settings: { position: 'left', type: 'expanded_bubble', launcherTitle: 'Talk to us', locale: 'fr', darkMode: 'auto' },
  });
  assert.deepEqual((await frameClasses(page)).sort(), ['left', 'wide']);
  const box = await iframeBox(page);
  assert.equal(box.x, 0);
  assert.equal(box.width, 320);
  assert.equal(await frame.locator('#dw-launcher-title').textContent(), 'Talk to us');
  assert.equal(await frame.locator('#dw-launcher-title').isVisible(), true);
  assert.equal(await frame.evaluate(() => document.documentElement.lang), 'fr');
  assert.equal(await frame.locator('#dw-bubble').getAttribute('aria-label'), 'Ouvrir la discussion');
  assert.ok(await frame.evaluate(() => document.documentElement.classList.contains('auto')));
  await page.evaluate(() => window.$deskwoot.setLocale('de'));
  await eventually(async () => (await frame.locator('#dw-bubble').getAttribute('aria-label')) === 'Chat öffnen');
  await context.close();

  const hidden = await visit({ settings: { hideMessageBubble: true } });
  assert.ok((await frameClasses(hidden.page)).includes('hidden'));
  await hidden.page.evaluate(() => window.$deskwoot.open());
  await waitForWidgetEvent(hidden.page, 'opened');
  assert.deepEqual(await frameClasses(hidden.page), ['open']);
  assert.equal(await hidden.frame.locator('#dw-bubble').isHidden(), true);
  await hidden.page.evaluate(() => window.$deskwoot.close());
  await waitForWidgetEvent(hidden.page, 'closed');
  assert.ok((await frameClasses(hidden.page)).includes('hidden'));
  await hidden.page.evaluate(() => window.$deskwoot.toggleBubbleVisibility('show'));
  await eventually(async () => (await frameClasses(hidden.page)).length === 0, { what: 'the bubble' });
  await hidden.frame.locator('#dw-bubble').waitFor({ state: 'visible' });
  await hidden.context.close();
});

test('on a phone the open chat fills the screen', async () => {
  const { context, page, frame } = await visit({}, { viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true });
  assert.deepEqual(await iframeBox(page), { x: 390 - 96, y: 760 - 96, width: 96, height: 96 });
  await frame.locator('#dw-bubble').tap();
  await waitForWidgetEvent(page, 'opened');
  assert.deepEqual(await iframeBox(page), { x: 0, y: 0, width: 390, height: 760 });
  assert.ok(await frame.evaluate(() => document.body.classList.contains('full')));
  assert.deepEqual(await frame.locator('#dw-panel').boundingBox(), { x: 0, y: 0, width: 390, height: 760 });
  await frame.locator('#dw-close').tap();
  await waitForWidgetEvent(page, 'closed');
  await context.close();
});

test('a Chatwoot embed works with only the URL and the token changed', async () => {
  browser.clearProblems();
  const { context, page } = await visit({
    flavour: 'chatwoot', settings: { position: 'left', type: 'expanded_bubble', launcherTitle: 'Chat with Acme' },
  });
  assert.ok(await page.evaluate(() => window.$chatwoot === window.$deskwoot && window.chatwootSDK === window.deskwootSDK));
  assert.equal((await widgetEvents(page, 'ready')).length, 1, 'deskwoot:ready fires too');
  assert.deepEqual((await frameClasses(page)).sort(), ['left', 'wide']);
  await page.evaluate(() => window.$chatwoot.toggle('open'));
  await waitForWidgetEvent(page, 'chatwoot:opened');
  await page.evaluate(() => window.$chatwoot.toggle('close'));
  await waitForWidgetEvent(page, 'chatwoot:closed');
  assert.deepEqual(browser.problems.csp, []);
  await context.close();
});

test('proactive triggers open the widget with their message, each once per session', async () => {
  const triggers = await createWidgetInbox(server, {
    triggers: [
      { kind: 'url', value: '/pricing*', message: 'Questions about pricing?' },
      { kind: 'event', value: 'checkout-help', message: 'Stuck at checkout?' },
      { kind: 'scroll_depth', value: 90, message: 'Found what you were looking for?' },
      { kind: 'time_on_page', value: 2, message: 'Still there?' },
    ],
  }, 'Triggers');
  const messages = ['Questions about pricing?', 'Stuck at checkout?', 'Found what you were looking for?', 'Still there?'];
  const open = async (context, pagePath, tab) => {
    const page = tab || await context.newPage();
    await page.goto(site.page({ path: pagePath, token: triggers.website_token }));
    await waitForWidgetEvent(page, 'ready');
    return { page, frame: await widgetFrame(page) };
  };
  const shown = (frame, text) => frame.locator('.msg', { hasText: text }).count();

  const context = await browser.newContext();
  const { page, frame } = await open(context, '/pricing/plans');
  await waitForWidgetEvent(page, 'opened');
  await eventually(async () => (await shown(frame, messages[0])) === 1, { what: 'the URL trigger' });
  await page.evaluate(() => {
    window.$deskwoot.trigger('checkout-help', { step: 2 });
    window.$deskwoot.trigger('checkout-help');
  });
  await eventually(async () => (await shown(frame, messages[1])) === 1, { what: 'the event trigger' });
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await eventually(async () => (await shown(frame, messages[2])) === 1, { what: 'the scroll trigger' });
  await eventually(async () => (await shown(frame, messages[3])) === 1, { what: 'the time trigger' });
  await sleep(1500);
  for (const text of messages) assert.equal(await shown(frame, text), 1, `${text} once`);

  // The same session (the same tab: sessionStorage): none of them again,
  // even on a page that matches.
  const again = await open(context, '/pricing', page);
  await again.page.evaluate(() => {
    window.$deskwoot.trigger('checkout-help');
    window.scrollTo(0, document.documentElement.scrollHeight);
  });
  await sleep(3000);
  for (const text of messages) assert.equal(await shown(again.frame, text), 0, `${text} not again`);
  assert.equal((await widgetEvents(again.page, 'opened')).length, 0);
  await context.close();

  // A new session on another page: no URL trigger, but the time on page.
  const other = await browser.newContext();
  const elsewhere = await open(other, '/about');
  await sleep(700);
  assert.equal((await widgetEvents(elsewhere.page, 'opened')).length, 0);
  await waitForWidgetEvent(elsewhere.page, 'opened');
  assert.equal(await shown(elsewhere.frame, messages[3]), 1);
  assert.equal(await shown(elsewhere.frame, messages[0]), 0);
  await other.close();
});

test('the frame refuses host pages outside the inbox allowed domains', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const allowed = await createWidgetInbox(server, { allowed_domains: `${site.origin}` }, 'Allowed');
  await page.goto(site.page({ token: allowed.website_token }));
  await waitForWidgetEvent(page, 'ready');
  const elsewhere = await createWidgetInbox(server, { allowed_domains: 'shop.acme.test' }, 'Elsewhere');
  await page.goto(site.page({ token: elsewhere.website_token }));
  await sleep(1500);
  assert.equal((await widgetEvents(page, 'ready')).length, 0);
  assert.ok((await frameClasses(page)).includes('hidden'), 'nothing shown');
  await context.close();
  browser.clearProblems();
});

test('business hours: outside them the away message shows, judged in the inbox time zone', async () => {
  const timezone = 'Pacific/Kiritimati'; // UTC+14: often another day than UTC
  const weekday = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short' }).format(new Date());
  const today = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(weekday);
  const openOn = (day) => [0, 1, 2, 3, 4, 5, 6].map((d) => (d === day
    ? { day_of_week: d, open_all_day: true } : { day_of_week: d, closed_all_day: true }));
  const away = 'We are back tomorrow at 9:00.';
  for (const [day, shown] of [[today, false], [(today + 1) % 7, true]]) {
    const hours = await createWidgetInbox(server, {
      working_hours_enabled: true, timezone, working_hours: openOn(day), out_of_office_message: away,
    }, `Hours ${day}`);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(site.page({ token: hours.website_token }));
    await waitForWidgetEvent(page, 'ready');
    const frame = await widgetFrame(page);
    await page.evaluate(() => window.$deskwoot.open());
    await waitForWidgetEvent(page, 'opened');
    assert.equal(await frame.locator('#dw-away').isVisible(), shown);
    if (shown) {
      assert.equal(await frame.locator('#dw-away').textContent(), away);
      assert.equal(await frame.locator('#dw-status-text').textContent(), "We're away right now");
    }
    await context.close();
  }
});

test('sizes: the loader is under 5 KB gzipped, all a visitor loads before opening under 30 KB', async (t) => {
  const gzipped = (bytes) => zlib.gzipSync(bytes, { level: 9 }).length;
  const get = async (p) => Buffer.from(await (await fetch(server.url + p)).arrayBuffer());
  const sdk = await get('/widget/sdk.js');
  const framePage = await get(`/widget/frame?website_token=${inbox.website_token}`);
  const links = [...framePage.toString().matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  assert.equal(links.length, 2);
  let total = gzipped(sdk) + gzipped(framePage);
  for (const link of links) total += gzipped(await get(link));
  t.diagnostic(`sdk.js: ${sdk.length} B, ${gzipped(sdk)} B gzipped; before opening: ${total} B gzipped`);
  assert.ok(gzipped(sdk) < 5 * 1024, `sdk.js is ${gzipped(sdk)} B gzipped`);
  assert.ok(total < 30 * 1024, `${total} B gzipped before opening`);
});
