// A visitor and an agent talk through the widget, end to end: the widget
// uses the public Client API and the visitor websocket; the agent uses the
// REST API and the agent websocket.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';

import {
  createWidgetInbox, eventually, launchBrowser, startDeskwoot, startHostSite,
  visitorRecord, waitForWidgetEvent, widgetEvents, widgetFrame,
} from './harness.mjs';

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64',
);
const MAX_ATTACHMENT = 1024 * 1024;

const server = await startDeskwoot({ DESKWOOT__STORAGE__MAX_ATTACHMENT_SIZE: String(MAX_ATTACHMENT) });
const inbox = await createWidgetInbox(server, { welcome_title: 'Acme support' });
let site;
let browser;

before(async () => {
  site = await startHostSite(server.url);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await server.stop();
});

/** A new visitor on the host page with the chat open. */
async function visitAndOpen(options = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(site.page({ token: inbox.website_token, ...options }));
  await waitForWidgetEvent(page, 'ready');
  await page.click('#open-chat');
  await waitForWidgetEvent(page, 'opened');
  const frame = await widgetFrame(page);
  return { context, page, frame };
}

async function say(frame, text) {
  await frame.fill('#dw-input', text);
  await frame.press('#dw-input', 'Enter');
  await frame.locator('.msg.in:not(.pending)', { hasText: text }).waitFor();
}

/** The visitor's conversations, through the Client API with their source_id. */
async function conversationsOf(page) {
  const { source_id: sourceId } = await visitorRecord(page, inbox.website_token);
  const res = await fetch(`${server.url}/public/api/v1/inboxes/${inbox.website_token}/contacts/${sourceId}/conversations`);
  assert.equal(res.status, 200);
  return res.json();
}

/** The conversation as agents see it, and its messages. */
async function agentView(displayId) {
  const conversation = await server.api('GET', server.account(`/conversations/${displayId}`));
  const messages = await server.api('GET', server.account(`/conversations/${displayId}/messages`));
  return { conversation: conversation.body, messages: messages.body.payload };
}

const reply = (displayId, content) =>
  server.api('POST', server.account(`/conversations/${displayId}/messages`), { content, message_type: 'outgoing' });

test('a visitor message reaches the agents over the API, with the page it was sent from', async () => {
  browser.clearProblems();
  const { context, page, frame } = await visitAndOpen({ path: '/orders/1234' });
  await say(frame, 'Hello, where is my order?');
  const [conversation] = await conversationsOf(page);
  const { conversation: seen, messages } = await agentView(conversation.id);
  const incoming = messages.filter((m) => m.message_type === 0).map((m) => m.content);
  assert.deepEqual(incoming, ['Hello, where is my order?']);
  const context0 = seen.additional_attributes.page_context;
  assert.equal(context0.url, page.url());
  assert.equal(context0.title, 'Acme shop');
  // A second message goes to the same conversation.
  await say(frame, 'It was order 1234.');
  assert.equal((await conversationsOf(page)).length, 1);
  assert.equal((await agentView(conversation.id)).messages.filter((m) => m.message_type === 0).length, 2);
  assert.deepEqual(browser.problems.csp, []);
  assert.deepEqual(browser.problems.console, []);
  await context.close();
});

test('an agent reply over the API appears in the widget within a second, without a reload', async () => {
  browser.clearProblems();
  const { context, page, frame } = await visitAndOpen();
  await say(frame, 'Do you ship to Norway?');
  const [conversation] = await conversationsOf(page);
  const started = Date.now();
  assert.equal((await reply(conversation.id, 'Yes, in three days.')).status, 200);
  await frame.locator('.msg.out', { hasText: 'Yes, in three days.' }).waitFor({ timeout: 1000 });
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 1000, `shown after ${elapsed} ms`);
  const [message] = await waitForWidgetEvent(page, 'message');
  assert.equal(message.detail.content, 'Yes, in three days.');
  const [compat] = await waitForWidgetEvent(page, 'chatwoot:on-message');
  assert.equal(compat.detail.content, 'Yes, in three days.');

  // Closed, a reply shows as an unread badge; opening clears it.
  await page.evaluate(() => window.$deskwoot.close());
  await waitForWidgetEvent(page, 'closed');
  await reply(conversation.id, 'Anything else?');
  await frame.locator('#dw-badge').waitFor({ state: 'visible', timeout: 1000 });
  assert.equal(await frame.locator('#dw-badge').textContent(), '1');
  assert.match(await frame.locator('#dw-bubble').getAttribute('aria-label'), /1 unread/);
  await page.evaluate(() => window.$deskwoot.open());
  await waitForWidgetEvent(page, 'opened', 2);
  assert.equal(await frame.locator('#dw-badge').isHidden(), true);

  // The next page of the site picks the conversation up again.
  await page.goto(site.page({ path: '/checkout', token: inbox.website_token }));
  await waitForWidgetEvent(page, 'ready');
  const next = await widgetFrame(page);
  await page.evaluate(() => window.$deskwoot.open());
  for (const text of ['Do you ship to Norway?', 'Yes, in three days.', 'Anything else?']) {
    await next.locator('.msg', { hasText: text }).waitFor();
  }
  await eventually(async () => {
    const view = await agentView(conversation.id);
    return view.conversation.additional_attributes.page_context.url.includes('/checkout');
  }, { what: 'the page context to follow the visitor' });
  assert.deepEqual(browser.problems.csp, []);
  assert.deepEqual(browser.problems.console, []);
  await context.close();
});

test('typing shows both ways: the agent sees the visitor type, the visitor sees the agent', async () => {
  const { context, page, frame } = await visitAndOpen();
  await say(frame, 'Can I change my order?');
  const [conversation] = await conversationsOf(page);
  // The agent's side: the agent websocket, from a page of the server.
  const agent = await (await browser.newContext()).newPage();
  await agent.goto(`${server.url}/healthz`);
  await agent.evaluate((url) => new Promise((resolve, reject) => {
    window.frames_ = [];
    window.socket = new WebSocket(url);
    window.socket.onmessage = (e) => window.frames_.push(JSON.parse(e.data));
    window.socket.onopen = resolve;
    window.socket.onerror = reject;
  }), `${server.url.replace('http', 'ws')}/ws/agent?token=${server.token}`);

  await frame.type('#dw-input', 'Yes', { delay: 20 });
  const typing = await eventually(() => agent.evaluate((id) => window.frames_
    .find((f) => f.event === 'conversation.typing_on' && f.data.conversation_id === id), conversation.id),
  { what: 'the visitor typing' });
  assert.equal(typing.data.user.type, 'contact');

  await agent.evaluate((id) => window.socket.send(JSON.stringify({ type: 'typing', conversation_id: id, status: 'on' })),
    conversation.id);
  await frame.locator('#dw-typing', { hasText: 'Alice Admin is typing…' }).waitFor();
  await agent.evaluate((id) => window.socket.send(JSON.stringify({ type: 'typing', conversation_id: id, status: 'off' })),
    conversation.id);
  await eventually(async () => (await frame.locator('#dw-typing').textContent()) === '', { what: 'typing to stop' });
  await agent.context().close();
  await context.close();
});

test('setUser with a valid hash marks the contact verified; a wrong hash is refused', async () => {
  const hash = (identifier) => crypto.createHmac('sha256', inbox.hmac_token).update(identifier).digest('hex');
  const { context, page, frame } = await visitAndOpen();
  await page.evaluate(([id, h]) => window.$deskwoot.setUser(id, { name: 'Vera Visitor', email: 'vera@example.com', identifier_hash: h }),
    ['user-42', hash('user-42')]);
  const [user] = await waitForWidgetEvent(page, 'user');
  assert.deepEqual(user.detail, { identifier: 'user-42', verified: true });
  const { source_id: sourceId } = await visitorRecord(page, inbox.website_token);
  const contact = await (await fetch(`${server.url}/public/api/v1/inboxes/${inbox.website_token}/contacts/${sourceId}`)).json();
  assert.equal(contact.verified, true);
  assert.equal(contact.identifier, 'user-42');
  assert.equal(contact.name, 'Vera Visitor');
  await context.close();

  const stranger = await visitAndOpen();
  await stranger.page.evaluate(() => window.$deskwoot.setUser('user-43', { name: 'Mallory', identifier_hash: 'deadbeef' }));
  const [error] = await waitForWidgetEvent(stranger.page, 'error');
  assert.equal(error.detail.code, 'identity_verification_failed');
  assert.equal(error.detail.status, 401);
  assert.equal((await widgetEvents(stranger.page, 'user')).length, 0);
  assert.equal(await visitorRecord(stranger.page, inbox.website_token), null, 'no contact kept');
  const found = await server.api('GET', server.account('/contacts/search?q=user-43'));
  assert.deepEqual(found.body.payload, []);
  await stranger.context.close();
});

test('attachments: picked, dropped and pasted files upload with previews', async () => {
  browser.clearProblems();
  const { context, page, frame } = await visitAndOpen();
  await frame.setInputFiles('#dw-file', { name: 'receipt.png', mimeType: 'image/png', buffer: PNG });
  await frame.locator('#dw-log').evaluate((log) => {
    const dt = new DataTransfer();
    dt.items.add(new File(['order 1234, two rockets'], 'notes.txt', { type: 'text/plain' }));
    log.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
    log.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await frame.locator('#dw-input').evaluate((input, b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
    input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, PNG.toString('base64'));
  assert.deepEqual(await frame.locator('#dw-files li span').allTextContents(), ['receipt.png', 'notes.txt', 'pasted.png']);
  assert.equal(await frame.locator('#dw-files li img').count(), 2, 'image previews');
  assert.match(await frame.locator('#dw-files li img').first().getAttribute('src'), /^blob:/);
  assert.equal(await frame.locator('#dw-drop').isHidden(), true);

  // Too large for the server's limit: refused before it is sent.
  await frame.setInputFiles('#dw-file', { name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(MAX_ATTACHMENT + 1) });
  await frame.locator('#dw-error', { hasText: 'huge.bin is larger than 1.0 MB' }).waitFor();
  assert.equal(await frame.locator('#dw-files li').count(), 3);

  await say(frame, 'Here is my receipt');
  const [conversation] = await conversationsOf(page);
  const { messages } = await agentView(conversation.id);
  const sent = messages.find((m) => m.content === 'Here is my receipt');
  assert.deepEqual(sent.attachments.map((a) => [a.file_type, a.file_size]).sort(),
    [['file', 23], ['image', PNG.length], ['image', PNG.length]]);
  const shown = frame.locator('.msg.in', { hasText: 'Here is my receipt' });
  await eventually(async () => (await shown.locator('img').count()) === 2
    && (await shown.locator('img').first().getAttribute('src')).startsWith(server.url), { what: 'server images' });
  assert.match(await shown.locator('a.file').textContent(), /notes\.txt/);
  assert.equal(await frame.locator('#dw-files li').count(), 0);
  assert.deepEqual(browser.problems.csp, []);
  await context.close();
});

test('host page commands reach the contact and the conversation', async () => {
  browser.clearProblems();
  await server.api('POST', server.account('/labels'), { title: 'vip' });
  const { context, page, frame } = await visitAndOpen();
  // Before there is a contact or a conversation: kept until there is one.
  await page.evaluate(() => {
    window.$deskwoot.setCustomAttributes({ plan: 'pro' });
    window.$deskwoot.setConversationCustomAttributes({ order: '1234' });
    window.$deskwoot.setLabel('vip');
    window.$deskwoot.trigger('cart-viewed', { items: 2 });
  });
  await say(frame, 'Question about my plan');
  const [conversation] = await conversationsOf(page);
  await eventually(async () => (await agentView(conversation.id)).conversation.labels?.includes('vip'), { what: 'the label' });
  const { conversation: seen } = await agentView(conversation.id);
  assert.equal(seen.custom_attributes.order, '1234');
  const contactId = seen.meta.sender.id;
  const contact = (await server.api('GET', server.account(`/contacts/${contactId}`))).body.payload;
  assert.equal(contact.custom_attributes.plan, 'pro');

  await page.evaluate(() => {
    window.$deskwoot.setPageContext({ url: 'https://acme.test/checkout', title: 'Checkout', step: 'payment' });
    window.$deskwoot.removeLabel('vip');
    window.$deskwoot.setCustomAttributes({ seats: 5 });
    window.$deskwoot.deleteCustomAttribute('plan');
  });
  await eventually(async () => {
    const view = (await agentView(conversation.id)).conversation;
    return view.additional_attributes.page_context.step === 'payment' && !view.labels.includes('vip');
  }, { what: 'the page context and the label removal' });
  await eventually(async () => {
    const c = (await server.api('GET', server.account(`/contacts/${contactId}`))).body.payload;
    return c.custom_attributes.seats === 5 && !('plan' in c.custom_attributes);
  }, { what: 'the contact attributes' });
  assert.deepEqual(browser.problems.console, []);
  await context.close();
});

test('a conversation started after a proactive trigger records the message the visitor saw', async () => {
  const proactive = await createWidgetInbox(server, {
    triggers: [{ id: 'plans', kind: 'event', value: 'pricing', message: 'Questions about our plans?' }],
  }, 'Proactive');
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(site.page({ token: proactive.website_token }));
  await waitForWidgetEvent(page, 'ready');
  await page.evaluate(() => window.$deskwoot.trigger('pricing'));
  await waitForWidgetEvent(page, 'opened');
  const frame = await widgetFrame(page);
  await say(frame, 'Yes: is there a yearly plan?');
  const { source_id: sourceId } = await visitorRecord(page, proactive.website_token);
  const [conversation] = await (await fetch(
    `${server.url}/public/api/v1/inboxes/${proactive.website_token}/contacts/${sourceId}/conversations`,
  )).json();
  const { conversation: seen } = await agentView(conversation.id);
  assert.deepEqual(seen.additional_attributes.proactive_triggers, [{ id: 'plans', message: 'Questions about our plans?' }]);
  await context.close();
});

test('reset() on logout forgets the visitor: the next message starts afresh', async () => {
  const { context, page, frame } = await visitAndOpen();
  await say(frame, 'Signed in question');
  const before0 = await visitorRecord(page, inbox.website_token);
  await page.evaluate(() => window.$deskwoot.reset());
  await eventually(async () => (await visitorRecord(page, inbox.website_token)) === null, { what: 'the record to go' });
  assert.equal(await frame.locator('.msg.in').count(), 0);
  await say(frame, 'Anonymous question');
  const after0 = await visitorRecord(page, inbox.website_token);
  assert.notEqual(after0.source_id, before0.source_id);
  const conversations = await conversationsOf(page);
  assert.equal(conversations.length, 1);
  assert.equal(conversations[0].messages.find((m) => m.message_type === 0).content, 'Anonymous question');
  await context.close();
});
