/**
 * The legacy implicit grant completed from the customer's connect page in Debian's chromium (playwright-core):
 * the shipped Smartenit component's opt-in implicit connection, against the in-process Smartenit fake, whose
 * authorize endpoint answers `302 <callback>#access_token=…&state=…`. The fragment never reaches a server: the
 * callback page reads it in the browser, strips it from the address bar and posts it to Keyway, which checks the
 * state against this browser's session. Every log line of the server (pino at `trace`, no redaction) is kept, and
 * the token must be in none of them, nor in any URL or page Keyway sent.
 */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { createInstance } from '../../src/runtime';
import { card, launchChromium, startHarnessAtItsUrl, status } from './browser-support';
import type { Harness } from './harness';
import { startSmartenitFake, type SmartenitFake } from '../support/vendors/smartenit';

jest.setTimeout(120_000);

let browser: { context: BrowserContext; close(): Promise<void> };
let h: Harness;
let fake: SmartenitFake;
const logs: string[] = [];
const pages: Page[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  [browser, fake, h] = await Promise.all([
    launchChromium(),
    startSmartenitFake(),
    startHarnessAtItsUrl({ logger: pino({ level: 'trace' }, sink) }),
  ]);
  await h.components.publish(join(__dirname, '..', '..', 'components', 'smartenit', 'dist', 'index.js'));
});

afterEach(async () => {
  for (const page of pages.splice(0)) await page.close();
  await browser.context.clearCookies();
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await fake?.close();
});

/** An instance with one opt-in implicit Smartenit connection, `home`, pointed at the fake; its link path. */
async function implicitInstance(): Promise<{ instanceId: string; link: string }> {
  const customer = await h.store.createCustomer({ name: 'Smart home owner' });
  const { instance } = await createInstance(
    { store: h.store, components: h.components },
    {
      customerId: customer.id,
      name: 'Home',
      components: ['smartenit'],
      connections: [
        {
          name: 'home',
          componentKey: 'smartenit',
          definitionKey: 'smartenitImplicit',
          fields: {
            authorizeUrl: `${fake.baseUrl}/v2/oauth2/authorize`,
            apiBaseUrl: `${fake.baseUrl}/v2`,
            clientId: fake.clientId,
            clientSecret: fake.clientSecret,
          },
        },
      ],
    },
  );
  return { instanceId: instance.id, link: `${h.baseUrl}${h.linkPath(instance.id)}` };
}

/** A page that records every response Keyway sent it (URL, Location header, body). */
async function recordingPage(): Promise<{ page: Page; keyway: string[] }> {
  const page = await browser.context.newPage();
  pages.push(page);
  const keyway: string[] = [];
  page.on('response', (response: Response) => {
    if (!response.url().startsWith(h.baseUrl)) return;
    keyway.push(`${response.url()} ${response.headers()['location'] ?? ''}`);
    void response.text().then(
      (body) => keyway.push(body),
      () => undefined,
    );
  });
  return { page, keyway };
}

describe('the implicit grant on the connect page', () => {
  it('connects from the fragment posted by the callback page, and the token is in no log, URL or page of Keyway', async () => {
    const { instanceId, link } = await implicitInstance();
    const { page, keyway } = await recordingPage();
    await page.goto(link);
    expect(await status(page, 'home')).toBe('pending');

    await card(page, 'home').getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL(/notice=connected/);
    expect(await status(page, 'home')).toBe('connected');

    const authorize = fake.requests.find((r) => r.path === '/v2/oauth2/authorize');
    expect(authorize?.query.get('response_type')).toBe('token');
    const saved = await h.connection(instanceId, 'home');
    expect(saved.status).toBe('connected');
    const token = String(saved.tokenSet?.['accessToken']);
    expect(token.length).toBeGreaterThan(10);
    // The fake issued exactly this token, and only in the fragment of its redirect.
    expect(fake.book.checkAccessToken(token).ok).toBe(true);

    const serverLog = logs.join('');
    expect(serverLog).toContain('/oauth/callback/fragment');
    expect(serverLog).not.toContain(token);
    expect(keyway.join('\n')).not.toContain(token);
    expect(page.url()).not.toContain(token);
  });

  it('refuses the fragment in a browser other than the one that started, and the connection stays pending', async () => {
    const { instanceId, link } = await implicitInstance();
    // Browser A (plain HTTP) opens the link and clicks Connect: a session bound to A's cookie.
    const linkPath = new URL(link).pathname;
    const opened = await h.inject({ method: 'GET', url: linkPath });
    const cookie = (opened.headers['set-cookie'] ?? '').split(';')[0] ?? '';
    const csrf = /name="_csrf" value="([^"]+)"/.exec(opened.body)?.[1] ?? '';
    const connection = await h.connection(instanceId, 'home');
    const started = await h.inject({
      method: 'POST',
      url: `${linkPath}/c/${connection.id}/authorize`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(started.statusCode).toBe(303);
    // Browser B (chromium, without A's cookie) is the one the provider sends back with the token.
    const { page } = await recordingPage();
    await page.goto(started.headers['location'] ?? '');
    await page.getByText('KW_AUTH_SESSION_BROWSER_MISMATCH').waitFor();
    expect(page.url()).toBe(`${h.baseUrl}/oauth/callback/fragment`);
    expect((await h.connection(instanceId, 'home')).status).toBe('pending');
  });

  it('says the answer is missing when the callback page is opened without a fragment', async () => {
    const { page } = await recordingPage();
    await page.goto(`${h.baseUrl}/oauth/callback`);
    await page.getByText("The provider's answer did not reach this page.").waitFor();
  });

  it('refuses a posted fragment whose state no session has, without a page that echoes the token', async () => {
    const res = await h.inject({
      method: 'POST',
      url: '/oauth/callback/fragment',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ fragment: 'access_token=forged-token-123456&state=nobody' }).toString(),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('KW_AUTH_SESSION_NOT_FOUND');
    expect(res.body).not.toContain('forged-token-123456');
    expect(logs.join('')).not.toContain('forged-token-123456');
  });
});
