/**
 * Browser tests of the connect page's other paths, with Debian's chromium (playwright-core): the password form,
 * popup mode with a real opener window and `postMessage`, and Deny on the sandbox's interactive consent page.
 * Each Keyway listens on 127.0.0.1 against its own sandbox (oidc-provider).
 */
import type { BrowserContext, Page } from 'playwright-core';
import { SANDBOX_LOGIN } from '../../src/sandbox';
import type { Connection } from '../../src/store';
import { card, launchChromium, startHarnessAtItsUrl, status } from './browser-support';
import { POPUP_ORIGIN, addPasswordInstance } from './harness';
import type { Harness } from './harness';

jest.setTimeout(120_000);

let browser: { context: BrowserContext; close(): Promise<void> };
const harnesses: Harness[] = [];
const pages: Page[] = [];

async function harness(options: Parameters<typeof startHarnessAtItsUrl>[0] = {}): Promise<Harness> {
  const h = await startHarnessAtItsUrl(options);
  harnesses.push(h);
  return h;
}

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  pages.push(page);
  return page;
}

beforeAll(async () => {
  browser = await launchChromium();
});

afterEach(async () => {
  for (const page of pages.splice(0)) await page.close();
});

afterAll(async () => {
  await browser?.close();
  for (const h of harnesses) await h.close();
});

/** What a flow that did not succeed must leave exactly as it was. */
function snapshot(c: Connection) {
  return { status: c.status, version: c.version, tokenSet: c.tokenSet, secretFields: c.secretFields };
}

describe('the password form in a browser', () => {
  it("shows the provider's error for a wrong password, then connects with the right one", async () => {
    const h = await harness();
    const p = await addPasswordInstance(h);
    const page = await newPage();
    const before = await h.connection(p.instanceId, p.connectionName);
    const link = `${h.baseUrl}${h.linkPath(p.instanceId)}`;

    await page.goto(link);
    expect(await status(page, 'account')).toBe('pending');
    const form = card(page, 'account');
    await form.getByLabel('Username').fill(SANDBOX_LOGIN.username);
    await form.getByLabel('Password').fill('not-the-password-42');
    await form.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('The provider said: The username or password is not correct.').waitFor();
    expect(await page.content()).not.toContain('not-the-password-42');
    expect(snapshot(await h.connection(p.instanceId, p.connectionName))).toEqual(snapshot(before));

    await page.getByRole('link', { name: 'Back to your connections' }).click();
    await form.getByLabel('Username').fill(SANDBOX_LOGIN.username);
    await form.getByLabel('Password').fill(SANDBOX_LOGIN.password);
    await form.getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL(/notice=connected/);
    expect(await status(page, 'account')).toBe('connected');
    expect(await page.getByRole('status').textContent()).toContain('Connected');
    expect(await page.content()).not.toContain(SANDBOX_LOGIN.password);
    expect((await h.connection(p.instanceId, p.connectionName)).status).toBe('connected');
  });
});

describe('popup mode in a browser', () => {
  /**
   * Serves, at `origin`, a page that opens `link` as a popup on click and records every message it gets.
   * playwright answers the request itself, so the page really has that https origin in chromium.
   */
  async function openerAt(origin: string, link: string): Promise<Page> {
    const page = await newPage();
    const body = `<!doctype html><html><head><title>Opener</title></head><body>
<button id="open">Connect your accounts</button>
<script>
window.received = [];
window.addEventListener('message', function (event) {
  window.received.push({ origin: event.origin, data: event.data });
});
document.getElementById('open').addEventListener('click', function () {
  window.open(${JSON.stringify(link)}, 'keyway-connect', 'popup,width=480,height=720');
});
</script></body></html>`;
    await page.route(`${origin}/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body }),
    );
    await page.goto(`${origin}/settings/integrations`);
    return page;
  }

  /** Clicks the opener's button, connects `crm` with code + PKCE in the popup, and waits until it closes. */
  async function connectInPopup(opener: Page): Promise<void> {
    const [popup] = await Promise.all([opener.waitForEvent('popup'), opener.click('#open')]);
    await popup.waitForLoadState();
    const closed = popup.waitForEvent('close', { timeout: 60_000 });
    await card(popup, 'crm').getByRole('button', { name: 'Connect' }).click();
    await closed;
  }

  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });

  it("posts the outcome to the opener on the configured origin, from Keyway's origin, and closes", async () => {
    const crm = await h.connection(h.instanceA, 'crm');
    const opener = await openerAt(POPUP_ORIGIN, `${h.baseUrl}${h.linkPath(h.instanceA, { popup: true })}`);

    await connectInPopup(opener);

    await opener.waitForFunction(
      () => (globalThis as unknown as { received: unknown[] }).received.length > 0,
    );
    const received = await opener.evaluate(() => (globalThis as unknown as { received: unknown[] }).received);
    expect(received).toEqual([
      {
        origin: h.baseUrl,
        data: { type: 'keyway:connect', status: 'connected', instanceId: h.instanceA, connectionId: crm.id },
      },
    ]);
    expect((await h.connection(h.instanceA, 'crm')).status).toBe('connected');
  });

  it('sends nothing to an opener on another origin (the target origin is never *)', async () => {
    const crm = await h.connection(h.instanceB, 'crm');
    const other = 'https://elsewhere.example.net';
    const opener = await openerAt(other, `${h.baseUrl}${h.linkPath(h.instanceB, { popup: true })}`);

    // The popup closes only through its script's window.close(), which runs right after postMessage: the
    // message was posted, to the configured origin only, and chromium did not deliver it here.
    await connectInPopup(opener);

    // A later message from Keyway's origin, posted to any origin by a frame the opener loads now: messages
    // from one origin to one window arrive in order, so once it has arrived, the popup's (posted before the
    // popup closed) would have arrived before it.
    const probeUrl = `${h.baseUrl}/message-probe`;
    await opener.route(probeUrl, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: '<!doctype html><script>parent.postMessage("probe", "*");</script>',
      }),
    );
    await opener.addScriptTag({
      content: `document.body.insertAdjacentHTML('beforeend', '<iframe src=${JSON.stringify(probeUrl)}></iframe>');`,
    });
    await opener.waitForFunction(() =>
      (globalThis as unknown as { received: { data: unknown }[] }).received.some((m) => m.data === 'probe'),
    );
    expect(await opener.evaluate(() => (globalThis as unknown as { received: unknown[] }).received)).toEqual([
      { origin: h.baseUrl, data: 'probe' },
    ]);
    // The flow itself finished: only the message was withheld.
    expect((await h.connection(h.instanceB, 'crm')).id).toBe(crm.id);
    expect((await h.connection(h.instanceB, 'crm')).status).toBe('connected');
  });
});

describe("Deny on the sandbox's consent page in a browser", () => {
  it('shows access denied and leaves a connected connection exactly as it was', async () => {
    const h = await harness({ sandbox: { interactive: true } });
    const page = await newPage();
    const link = `${h.baseUrl}${h.linkPath(h.instanceA)}`;

    // Approve first, on the same page, so there are tokens that a Deny must not touch.
    await page.goto(link);
    await card(page, 'crm').getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/notice=connected/);
    expect(await status(page, 'crm')).toBe('connected');
    const connected = await h.connection(h.instanceA, 'crm');

    await card(page, 'crm').getByRole('button', { name: 'Reconnect' }).click();
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('heading', { name: 'Access was not granted' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('KW_OAUTH_ACCESS_DENIED');
    expect(await page.getByRole('alert').textContent()).toContain('The sandbox user denied consent.');

    expect(snapshot(await h.connection(h.instanceA, 'crm'))).toEqual(snapshot(connected));
    await page.getByRole('link', { name: 'Back to your connections' }).click();
    expect(await status(page, 'crm')).toBe('connected');
  });
});
