// The dashboard driven by headless Chromium against the real server: sign-in,
// live list updates, replying, notes, attachments, assignment, labels,
// resolving, canned responses, API tokens, webhooks and the widget's
// visitors, with no CSP violation or script error along the way.
// Screenshots of the main screens are written to docs/screenshots/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { ADMIN, PASSWORD, SCREENSHOTS, launchBrowser, openPage, signIn, startServer } from './server.mjs';

const LIVE_TIMEOUT = 20000;

describe('the dashboard', () => {
  let server;
  let browser;
  let page;
  let apiInbox;
  let webInbox;
  let conversationId;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await openPage(browser);
    apiInbox = (await server.api('POST', server.account('/inboxes'), { name: 'Mobile app', channel: { type: 'api' } })).body;
    webInbox = (await server.api('POST', server.account('/inboxes'), {
      name: 'Website', channel: { type: 'web_widget', website_url: 'https://shop.example.com' },
    })).body;
    await server.api('POST', server.account('/labels'), { title: 'vip', color: '#d4a017' });
    await server.api('POST', server.account('/labels'), { title: 'billing', color: '#1f93ff' });
    await server.api('POST', server.account('/canned_responses'), { short_code: 'thanks', content: 'Thank you for writing to us!' });
    await server.api('POST', server.account('/custom_attribute_definitions'), {
      attribute_display_name: 'Plan', attribute_key: 'plan', attribute_display_type: 'list',
      attribute_model: 'conversation_attribute', attribute_values: ['free', 'pro', 'enterprise'],
    });
    const people = [['Grace Hopper', 'grace@navy.example', 'Navy'], ['Alan Turing', 'alan@bletchley.example', 'Bletchley'],
      ['Ada Lovelace', 'ada@engine.example', 'Analytical'], ['Linus Torvalds', 'linus@kernel.example', 'Kernel']];
    for (const [name, email, company] of people) {
      const contact = (await server.api('POST', server.account('/contacts'), { name, email, additional_attributes: { company_name: company } })).body;
      const conversation = (await server.api('POST', server.account('/conversations'), {
        inbox_id: apiInbox.id, contact_id: contact.payload.contact.id,
      })).body;
      await server.api('POST', server.account(`/conversations/${conversation.id}/messages`), {
        content: `Hello, this is ${name.split(' ')[0]}: my order has not arrived yet.`, message_type: 'incoming',
      });
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signs in and shows the inbox', async () => {
    await signIn(page, server);
    await page.getByRole('tab', { name: /All/ }).click();
    await page.getByText('Grace Hopper').waitFor();
  });

  it('shows a conversation created over the API without a reload', async () => {
    const contact = (await server.api('POST', server.account('/contacts'), { name: 'Bob Buyer', email: 'bob@example.com' })).body;
    const created = await server.api('POST', server.account('/conversations'), { inbox_id: apiInbox.id, contact_id: contact.payload.contact.id });
    assert.equal(created.status, 200);
    conversationId = created.body.id;
    await server.api('POST', server.account(`/conversations/${conversationId}/messages`), {
      content: 'Where is my parcel? It was due on Monday.', message_type: 'incoming',
    });
    await page.getByRole('link', { name: /Bob Buyer/ }).waitFor({ timeout: LIVE_TIMEOUT });
    await page.locator('.conv-item.unread', { hasText: 'Bob Buyer' }).waitFor({ timeout: LIVE_TIMEOUT });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'inbox.png') });
  });

  it('opens the conversation and replies with Ctrl+Enter', async () => {
    await page.getByRole('link', { name: /Bob Buyer/ }).click();
    await page.getByRole('list', { name: 'Messages' }).getByText('Where is my parcel?').waitFor();
    const box = page.getByLabel('Reply to the contact');
    await box.fill('Sorry about that! Let me check with the courier.');
    await box.press('Control+Enter');
    const sent = page.locator('.message.outgoing', { hasText: 'Let me check with the courier' });
    await sent.getByText('Sent').waitFor();
    const messages = (await server.api('GET', server.account(`/conversations/${conversationId}/messages`))).body.payload;
    assert.ok(messages.some((m) => m.content === 'Sorry about that! Let me check with the courier.' && m.message_type === 1 && !m.private));
  });

  it('adds a private note that looks different', async () => {
    await page.keyboard.press('Escape');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('n');
    const box = page.getByLabel('Private note (only agents see it)');
    await box.fill('Courier says it is stuck in the depot.');
    await page.getByRole('button', { name: 'Add note' }).click();
    const note = page.locator('.message.note', { hasText: 'stuck in the depot' });
    await note.getByText('Private note').waitFor();
    await note.getByText('Sent').waitFor();
    const messages = (await server.api('GET', server.account(`/conversations/${conversationId}/messages`))).body.payload;
    assert.ok(messages.some((m) => m.content === 'Courier says it is stuck in the depot.' && m.private));
  });

  it('sends an attachment picked from disk and previews it', async () => {
    await page.getByRole('button', { name: 'Reply', exact: true }).click();
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC', 'base64');
    const file = path.join(tmpdir(), `label-${process.pid}.png`);
    writeFileSync(file, png);
    await page.locator('.composer input[type="file"]').setInputFiles(file);
    await page.getByRole('list', { name: 'Files to send' }).getByText(path.basename(file)).waitFor();
    await page.getByLabel('Reply to the contact').fill('Here is your shipping label.');
    await page.getByRole('button', { name: 'Send' }).click();
    const sent = page.locator('.message.outgoing', { hasText: 'Here is your shipping label.' });
    await sent.getByText('Sent').waitFor();
    await sent.locator('img').waitFor();
    assert.ok(await sent.locator('img').evaluate((img) => img.complete && img.naturalWidth === 8), 'the image preview loads');
    const messages = (await server.api('GET', server.account(`/conversations/${conversationId}/messages`))).body.payload;
    const withFile = messages.find((m) => m.content === 'Here is your shipping label.');
    assert.equal(withFile.attachments?.[0]?.file_type, 'image');
  });

  it('marks a reply that fails with the server\'s error and sends it again on Retry', async () => {
    const route = `**/conversations/${conversationId}/messages`;
    await page.route(route, (r) => (r.request().method() === 'POST'
      ? r.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'unavailable', message: 'the server is restarting' }) })
      : r.continue()));
    await page.getByLabel('Reply to the contact').fill('Your parcel is on its way.');
    await page.getByRole('button', { name: 'Send' }).click();
    const reply = page.locator('.message.outgoing', { hasText: 'Your parcel is on its way.' });
    await reply.getByText('Failed: the server is restarting').waitFor();
    await page.unroute(route);
    await reply.getByRole('button', { name: 'Retry' }).click();
    await reply.getByText('Sent').waitFor();
    assert.equal(await page.locator('.message', { hasText: 'Your parcel is on its way.' }).count(), 1);
  });

  it('assigns the conversation to me with the keyboard', async () => {
    await page.locator('.thread').click();
    await page.keyboard.press('a');
    await page.waitForFunction(() => document.querySelector('select[aria-label="Assigned agent"]')?.selectedOptions[0]?.textContent.includes('(me)'));
    const conversation = (await server.api('GET', server.account(`/conversations/${conversationId}`))).body;
    assert.equal(conversation.meta.assignee.email, ADMIN.email);
  });

  it('labels the conversation', async () => {
    await page.getByRole('button', { name: /^Labels/ }).click();
    await page.getByRole('group', { name: 'Labels' }).getByLabel('vip').check();
    await page.getByRole('button', { name: 'Labels (1)' }).waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    const conversation = (await server.api('GET', server.account(`/conversations/${conversationId}`))).body;
    assert.deepEqual(conversation.labels, ['vip']);
  });

  it('edits a typed conversation attribute in the side panel', async () => {
    await page.getByLabel('Plan').selectOption('pro');
    await page.waitForFunction(async () => true);
    for (let i = 0; i < 50; i += 1) {
      const conversation = (await server.api('GET', server.account(`/conversations/${conversationId}`))).body;
      if (conversation.custom_attributes.plan === 'pro') break;
      await page.waitForTimeout(100);
    }
    const conversation = (await server.api('GET', server.account(`/conversations/${conversationId}`))).body;
    assert.equal(conversation.custom_attributes.plan, 'pro');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'conversation.png') });
  });

  it('expands a canned response from its /shortcode', async () => {
    const box = page.getByLabel('Reply to the contact');
    await box.click();
    await box.pressSequentially('/than');
    await page.getByRole('option', { name: /thanks/ }).waitFor();
    await box.press('Enter');
    assert.equal(await box.inputValue(), 'Thank you for writing to us!');
    await box.fill('');
  });

  it('resolves the conversation', async () => {
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('button', { name: 'Reopen' }).waitFor();
    const conversation = (await server.api('GET', server.account(`/conversations/${conversationId}`))).body;
    assert.equal(conversation.status, 'resolved');
  });

  it('shows the keyboard shortcuts on ?', async () => {
    await page.locator('.thread').click();
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ state: 'detached' });
  });

  it('resolves several conversations at once', async () => {
    await page.getByRole('checkbox', { name: 'Select the conversation with Grace Hopper' }).check();
    await page.getByRole('checkbox', { name: 'Select the conversation with Alan Turing' }).check();
    await page.getByRole('toolbar', { name: 'Bulk actions' }).getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('link', { name: /Grace Hopper/ }).waitFor({ state: 'detached' });
    const list = (await server.api('GET', server.account('/conversations'), undefined)).body;
    assert.equal(list.data.payload.some((c) => c.meta.sender.name === 'Grace Hopper'), false);
  });

  it('lists, searches and opens contacts', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('cell', { name: 'Ada Lovelace' }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'contacts.png') });
    await page.getByLabel('Search contacts').fill('turing');
    await page.getByRole('cell', { name: 'Grace Hopper' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Alan Turing' }).click();
    await page.getByRole('heading', { name: 'Alan Turing' }).waitFor();
    await page.getByLabel('New note').fill('Prefers email.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('.notes').getByText('Prefers email.').waitFor();
  });

  it('creates a contact, shows the API\'s error on bad input, and merges a duplicate', async () => {
    await page.getByRole('link', { name: '‹ Contacts' }).click();
    await page.getByRole('button', { name: 'New contact' }).click();
    const dialog = page.getByRole('dialog', { name: 'New contact' });
    await dialog.getByLabel('Name').fill('Alan M. Turing');
    await dialog.getByLabel('Email').fill('not an email');
    await dialog.getByRole('button', { name: 'Create contact' }).click();
    await dialog.getByRole('alert').first().waitFor();
    assert.match(await dialog.locator('.field-error').first().textContent(), /email/i);
    await dialog.getByLabel('Email').fill('alan.turing@home.example');
    await dialog.getByRole('button', { name: 'Create contact' }).click();
    await page.getByRole('heading', { name: 'Alan M. Turing' }).waitFor();
    await page.getByRole('button', { name: 'Merge…' }).click();
    const merge = page.getByRole('dialog', { name: /Merge a contact into/ });
    await merge.getByLabel('Find the duplicate').fill('bletchley');
    await merge.getByRole('radio').first().check();
    await merge.getByRole('button', { name: /^Merge Alan Turing into/ }).click();
    await merge.waitFor({ state: 'detached' });
    await page.locator('.history').getByText(/#2/).waitFor();
    const found = (await server.api('GET', server.account('/contacts/search?q=bletchley'))).body;
    assert.equal(found.payload.length, 0, 'the duplicate is gone');
  });

  it('filters contacts and exports and imports them as CSV', async () => {
    await page.getByRole('link', { name: '‹ Contacts' }).click();
    await page.getByRole('button', { name: 'Filter' }).click();
    const dialog = page.getByRole('dialog', { name: 'Filter contacts' });
    await dialog.getByLabel('Attribute').selectOption('company');
    await dialog.getByLabel('Operator').selectOption('equal_to');
    await dialog.getByLabel('Value').fill('Kernel');
    await dialog.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('cell', { name: 'Linus Torvalds' }).waitFor();
    await page.getByRole('cell', { name: 'Ada Lovelace' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Clear filters' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    const csv = await download.createReadStream().then(async (stream) => {
      let text = '';
      for await (const chunk of stream) text += chunk;
      return text;
    });
    assert.match(csv, /ada@engine\.example/);
    const file = path.join(tmpdir(), `contacts-${process.pid}.csv`);
    writeFileSync(file, 'name,email\nKatherine Johnson,katherine@nasa.example\nNo Email,not-an-email\n');
    await page.getByRole('button', { name: 'Import CSV' }).click();
    const importer = page.getByRole('dialog', { name: 'Import contacts from CSV' });
    await importer.getByLabel('CSV file').setInputFiles(file);
    await importer.getByRole('button', { name: 'Import' }).click();
    await importer.getByRole('status').getByText('created').waitFor();
    assert.match(await importer.getByRole('status').textContent(), /1 created, 0 updated, 1 skipped/);
    await importer.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'Katherine Johnson' }).waitFor();
  });

  it('invites an agent, whose generated password is shown once', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('button', { name: 'Add agent' }).click();
    const dialog = page.getByRole('dialog', { name: 'New agent' });
    await dialog.getByLabel('Name').fill('Sam Support');
    await dialog.getByLabel('Email').fill('sam@acme.test');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const password = await dialog.locator('code').textContent();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'sam@acme.test' }).waitFor();
    const signIn = await fetch(`${server.url}/auth/sign_in`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'sam@acme.test', password }),
    });
    assert.equal(signIn.status, 200);
  });

  it('creates an API token, shows it once, and the token works with curl', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'API tokens' }).click();
    await page.getByRole('button', { name: 'Create token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an API token' });
    await dialog.getByLabel('Name').fill('reporting job');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByTestId('new-token').textContent();
    assert.match(token, /^dw_/);
    const profile = JSON.parse(execFileSync('curl', ['-sf', '-H', `Authorization: Bearer ${token}`, `${server.url}/api/v1/profile`], { encoding: 'utf8' }));
    assert.equal(profile.email, ADMIN.email);
    assert.deepEqual(profile.token.scopes.every((s) => s.endsWith(':read')), true);
    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.getByRole('row', { name: /reporting job/ });
    await row.waitFor();
    assert.ok(!(await page.content()).includes(token), 'the secret is gone once the dialog closes');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'settings.png') });
  });

  it('shows an inbox\'s embed snippet with a copy button', async () => {
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Inboxes' }).click();
    await page.getByRole('link', { name: 'Website' }).click();
    await page.getByRole('tab', { name: 'Embed snippet' }).click();
    const snippet = await page.getByTestId('embed-snippet').textContent();
    assert.ok(snippet.includes(webInbox.website_token));
    await page.getByRole('button', { name: 'Copy snippet' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), snippet);
  });

  it('creates a webhook and replays a delivery to a loopback receiver', async (t) => {
    const probe = await server.api('GET', server.account('/webhooks'));
    if (probe.status === 404) {
      t.skip('the webhooks API is not on this branch yet (GET /webhooks answers 404)');
      return;
    }
    const received = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => { received.push(body); res.end('ok'); });
    });
    await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks' }).click();
      await page.getByRole('button', { name: 'Add webhook' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add a webhook' });
      await dialog.getByLabel('URL').fill(`http://127.0.0.1:${receiver.address().port}/hook`);
      await dialog.getByRole('button', { name: 'Save' }).click();
      await page.getByTestId('webhook-secret').waitFor();
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByRole('button', { name: 'Send test' }).click();
      await page.getByRole('link', { name: 'Deliveries' }).click();
      const row = page.locator('tr.delivery').first();
      for (let i = 0; i < 40 && !(await row.count()); i += 1) {
        await page.waitForTimeout(250);
        await page.getByRole('button', { name: 'Refresh' }).click();
      }
      await row.waitFor();
      await row.getByRole('button', { name: 'Replay' }).click();
      for (let i = 0; i < 40 && received.length < 2; i += 1) await page.waitForTimeout(250);
      assert.ok(received.length >= 2, `the receiver got the test and its replay (${received.length})`);
    } finally {
      receiver.close();
    }
  });

  it('shows a visitor\'s widget message live', async (t) => {
    const widget = `/public/api/v1/inboxes/${webInbox.website_token}`;
    const probe = await fetch(server.url + widget);
    if (probe.status === 404) {
      t.skip('the widget\'s client API is not on this branch yet (GET /public/api/v1/inboxes/{token} answers 404)');
      return;
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
    await page.getByRole('tab', { name: /All/ }).click();
    const post = (route, body) => fetch(server.url + route, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    }).then((r) => (r.status === 204 ? null : r.json()));
    const visitor = await post(`${widget}/contacts`, { name: 'Vera Visitor' });
    const base = `${widget}/contacts/${visitor.source_id}/conversations`;
    const conversation = await post(base, { message: { content: 'Do you ship to Norway?' } });
    await page.getByRole('link', { name: /Vera Visitor/ }).waitFor({ timeout: LIVE_TIMEOUT });
    await fetch(`${server.url}${base}/${conversation.id}`, {
      method: 'PATCH', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ additional_attributes: { page_context: { url: 'https://shop.example.com/shipping', title: 'Shipping' } } }),
    });
    await page.getByRole('link', { name: /Vera Visitor/ }).click();
    await page.getByRole('list', { name: 'Messages' }).getByText('Do you ship to Norway?').waitFor();
    await page.getByRole('complementary', { name: 'Conversation details' }).getByText('https://shop.example.com/shipping').waitFor();
    await post(`${base}/${conversation.id}/toggle_typing`, { typing_status: 'on' });
    await page.getByText('Vera Visitor is typing…').waitFor({ timeout: LIVE_TIMEOUT });
    await post(`${base}/${conversation.id}/messages`, { content: 'And to Iceland?' });
    await page.getByRole('list', { name: 'Messages' }).getByText('And to Iceland?').waitFor({ timeout: LIVE_TIMEOUT });
  });

  it('saw no CSP violation, script error or console error', () => {
    assert.deepEqual(page.problems, []);
  });
});

describe('the first run', () => {
  it('offers to create the workspace and its administrator, then signs them in', async () => {
    const server = await startServer({ setup: false });
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, { viewport: { width: 1024, height: 768 }, colorScheme: 'dark' });
      await page.goto(`${server.url}/`);
      await page.getByRole('heading', { name: 'Set up Deskwoot' }).waitFor();
      await page.getByLabel('Workspace name').fill('Acme');
      await page.getByLabel('Your name').fill('Alice Admin');
      await page.getByLabel('Your email').fill(ADMIN.email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Repeat the password').fill('something else');
      await page.getByRole('button', { name: 'Create workspace' }).click();
      await page.getByText('The two passwords differ').waitFor();
      await page.getByLabel('Repeat the password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create workspace' }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      await page.getByText('No conversations here').waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'first-run-dark.png') });
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByLabel('Email').fill(ADMIN.email);
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').getByText('invalid email or password').waitFor();
      assert.deepEqual(page.problems, []);
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});
