// The whole way round, in two pages of one browser: a visitor writes in the
// real widget on a host site (127.0.0.2, strict CSP), the message shows up
// live in the agents' dashboard, and the agent's answer from the dashboard's
// reply box shows up live in the widget. Neither page is reloaded.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createWidgetInbox, launchBrowser, startDeskwoot, startHostSite, waitForWidgetEvent, widgetFrame } from './harness.mjs';
import { openPage, signIn } from './dashboard/server.mjs';

// "Live": well under the dashboard's 4 s fallback poll, which runs only while
// its socket is down anyway.
const LIVE_MS = 3000;

let server;
let site;
let browser;

before(async () => {
  server = await startDeskwoot();
  site = await startHostSite(server.url);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await server?.stop();
});

/** Waits for `locator` for at most LIVE_MS after `since`; returns how long it took. */
async function shownLive(locator, since, what) {
  await locator.waitFor({ timeout: LIVE_MS }).catch((e) => {
    throw new Error(`${what} did not show within ${LIVE_MS} ms without a reload: ${e.message}`);
  });
  return Date.now() - since;
}

test('a visitor message sent through the widget appears live in the dashboard, and the agent\'s reply live in the widget', async (t) => {
  const inbox = await createWidgetInbox(server, { welcome_title: 'Acme support' });

  // The agent: signed in through the form (the widget kit's server has the
  // dashboard kit's Alice), on the list of all open conversations.
  const dashboard = await openPage(browser.browser);
  await signIn(dashboard, server);
  await dashboard.getByRole('tab', { name: /All/ }).click();
  await dashboard.getByText('No conversations here').waitFor();
  // Gone after any reload or full navigation.
  await dashboard.evaluate(() => { window.e2eSameDocument = true; });

  // The visitor: the host page, the chat opened from the widget's bubble.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(site.page({ path: '/orders/1234', token: inbox.website_token }));
  await waitForWidgetEvent(visitor, 'ready');
  const widget = await widgetFrame(visitor);
  await widget.click('#dw-bubble');
  await waitForWidgetEvent(visitor, 'opened');
  await widget.fill('#dw-input', 'Hi from the widget');
  await widget.press('#dw-input', 'Enter');
  const sentAt = Date.now();
  await widget.locator('.msg.in:not(.pending)', { hasText: 'Hi from the widget' }).waitFor();

  // The dashboard's list gains the conversation, unread, with the message as its preview.
  const item = dashboard.locator('.conv-item.unread', { hasText: 'Hi from the widget' });
  const listMs = await shownLive(item, sentAt, 'the new conversation');
  assert.match(await item.textContent(), new RegExp(`#\\d+ · ${inbox.name}`));

  // Opened, the thread holds the message and the side panel the page it came from.
  await item.getByRole('link').click();
  const thread = dashboard.getByRole('list', { name: 'Messages' });
  await thread.locator('.message.incoming', { hasText: 'Hi from the widget' }).waitFor();
  await dashboard.getByRole('complementary', { name: 'Conversation details' }).getByText('/orders/1234').waitFor();

  // The agent replies from the reply box; the widget shows it.
  const box = dashboard.getByLabel('Reply to the contact');
  await box.fill('Hello! How can we help?');
  await dashboard.getByRole('button', { name: 'Send' }).click();
  const repliedAt = Date.now();
  await thread.locator('.message.outgoing', { hasText: 'Hello! How can we help?' }).getByText('Sent').waitFor();
  const widgetMs = await shownLive(widget.locator('.msg.out', { hasText: 'Hello! How can we help?' }), repliedAt, 'the agent\'s reply in the widget');

  // And the visitor's answer reaches the open thread.
  await widget.fill('#dw-input', 'Where is order 1234?');
  await widget.press('#dw-input', 'Enter');
  const threadMs = await shownLive(thread.locator('.message.incoming', { hasText: 'Where is order 1234?' }), Date.now(), 'the visitor\'s answer in the thread');

  t.diagnostic(`shown after: list ${listMs} ms, widget ${widgetMs} ms, thread ${threadMs} ms`);
  assert.equal(await dashboard.evaluate(() => window.e2eSameDocument), true, 'the dashboard was not reloaded');
  assert.equal(await widget.locator('.msg', { hasText: 'Hi from the widget' }).count(), 1);
  assert.deepEqual(dashboard.problems, [], 'the dashboard saw no CSP violation or error');
  assert.deepEqual(browser.problems.csp, [], 'the host page and widget saw no CSP violation');
  assert.deepEqual(browser.problems.console, [], 'the host page and widget saw no console error');
});
