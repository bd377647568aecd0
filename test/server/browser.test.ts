/**
 * Browser tests: Debian's chromium, driven by playwright-core, clicks through the connect page served by a
 * listening Keyway against the sandbox authorization server (automatic login and consent).
 */
import type { BrowserContext, Page } from 'playwright-core';
import { isKeywayError } from '../../src/errors';
import { card as cardIn, launchChromium, startHarnessAtItsUrl, status as statusIn } from './browser-support';
import type { Harness } from './harness';

jest.setTimeout(120_000);

let h: Harness;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;

beforeAll(async () => {
  h = await startHarnessAtItsUrl();
  browser = await launchChromium();
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

function card(name: string) {
  return cardIn(page, name);
}

async function status(name: string): Promise<string | null> {
  return statusIn(page, name);
}

describe('the connect page in a browser', () => {
  let link: string;

  beforeAll(() => {
    link = `${h.baseUrl}${h.linkPath(h.instanceA)}`;
  });

  it('renders a non-empty page and connects with code + PKCE', async () => {
    await page.goto(link);
    await page.setViewportSize({ width: 390, height: 844 });
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.length).toBeGreaterThan(5_000);
    expect(shot.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(await status('crm')).toBe('pending');

    await card('crm').getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL(/notice=connected/);
    expect(await status('crm')).toBe('connected');
    expect(await page.getByRole('status').textContent()).toContain('Connected');
    const crm = await h.connection(h.instanceA, 'crm');
    expect(crm.status).toBe('connected');
  });

  it('reconnects after the provider revoked the grant', async () => {
    await h.sandbox.revokeAll();
    const crm = await h.connection(h.instanceA, 'crm');
    // The next refresh finds the grant gone: invalid_grant marks the connection for reauthorization.
    const refreshed = await h.credentials.getToken(crm.id, { forceRefresh: true }).then(
      () => 'refreshed',
      (error: unknown) => (isKeywayError(error) ? error.code : 'other'),
    );
    expect(refreshed).not.toBe('refreshed');
    expect((await h.connection(h.instanceA, 'crm')).status).toBe('needs_reauthorization');

    await page.goto(link);
    expect(await status('crm')).toBe('needs_reauthorization');
    await card('crm').getByRole('button', { name: 'Reconnect' }).click();
    await page.waitForURL(/notice=connected/);
    expect(await status('crm')).toBe('connected');
  });

  it('disconnects (CSRF-protected form) and shows the connection as not connected', async () => {
    await page.goto(link);
    await card('crm').getByRole('button', { name: 'Disconnect' }).click();
    await page.waitForURL(/notice=disconnected/);
    expect(await status('crm')).toBe('disconnected');
    expect((await h.connection(h.instanceA, 'crm')).tokenSet).toBeNull();
  });

  it('shows a clear page when the user denies access, and changes nothing', async () => {
    h.sandbox.behaviour.denyConsent = true;
    try {
      await page.goto(link);
      await card('crm').getByRole('button', { name: 'Connect' }).click();
      await page.getByRole('heading', { name: 'Access was not granted' }).waitFor();
    } finally {
      h.sandbox.behaviour.denyConsent = false;
    }
    expect((await h.connection(h.instanceA, 'crm')).status).toBe('disconnected');
    await page.getByRole('link', { name: 'Back to your connections' }).click();
    expect(await status('crm')).toBe('disconnected');
  });

  it('connects client credentials from the form', async () => {
    await page.goto(link);
    const service = card('service');
    await service.getByLabel('Client ID').fill(h.sandbox.clients.service.clientId);
    await service.getByLabel('Client secret').fill(h.sandbox.clients.service.clientSecret ?? '');
    await service.getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL(/notice=connected/);
    expect(await status('service')).toBe('connected');
  });

  it('shows the device code and updates itself once the provider approves', async () => {
    await page.goto(link);
    await card('tv')
      .getByRole('button', { name: /Connect with a code/ })
      .click();
    const code = await page.locator('[data-user-code]').getAttribute('data-user-code');
    expect(code).toBeTruthy();
    expect(await page.locator('[data-qr-link]').count()).toBe(1);
    await h.sandbox.approveDevice(code ?? '');
    // No clicks: the page reloads itself and lands on the connect page once Keyway's poll succeeds.
    await page.waitForURL(/notice=connected/, { timeout: 60_000 });
    expect(await status('tv')).toBe('connected');
  });
});
