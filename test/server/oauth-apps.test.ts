/**
 * Platform-owned OAuth apps, end to end: the platform registers its apps through the REST API, a customer
 * instance created afterwards inherits them, and the customer's connect page — in Debian's chromium — connects a
 * client-credentials connection with no input at all and an authorization-code connection whose client id and
 * secret come from the app, against the real sandbox (oidc-provider). No secret ever reaches a page, an API
 * response or the database in clear.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { KyselyStore } from '../../src/store/kysely-store';
import { platformApi, sandboxClientSecrets } from '../support/platform-api';
import type { ApiCall } from '../support/platform-api';
import { card, launchChromium, startHarnessAtItsUrl, status } from './browser-support';
import type { Harness, TestResponse } from './harness';

jest.setTimeout(120_000);

let h: Harness;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;
let api: ApiCall<TestResponse>;

beforeAll(async () => {
  h = await startHarnessAtItsUrl({ config: { platformLogoUrl: 'https://cdn.acme.example/logo.png' } });
  api = await platformApi(h);
  browser = await launchChromium();
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** Every secret of the sandbox's clients: none may appear anywhere a customer or an API caller can read. */
function expectNoSecret(text: string): void {
  for (const secret of sandboxClientSecrets(h.sandbox)) expect(text).not.toContain(secret);
}

describe('platform-owned OAuth apps', () => {
  let instanceId: string;

  it('registers the apps through the API, never echoing a secret, and keeps them encrypted at rest', async () => {
    const { basic, service } = h.sandbox.clients;
    const cc = await api('POST', '/api/oauth-apps', {
      componentKey: 'serverTest',
      definitionKey: 'sandboxCc',
      fields: { issuer: h.sandbox.url, clientId: service.clientId, clientSecret: service.clientSecret },
    });
    expect(cc.statusCode).toBe(200);
    expect(cc.json()).toMatchObject({
      oauthApp: {
        componentKey: 'serverTest',
        definitionKey: 'sandboxCc',
        fields: { clientId: service.clientId, issuer: h.sandbox.url },
        secretFields: ['clientSecret'],
      },
      // Instance A's `service`, created before the app, inherits it too.
      connectionsUpdated: 1,
    });
    const code = await api('POST', '/api/oauth-apps', {
      componentKey: 'serverTest',
      definitionKey: 'sandboxOAuth',
      fields: { clientId: basic.clientId, clientSecret: basic.clientSecret },
    });
    expect(code.statusCode).toBe(200);
    const listed = await api('GET', '/api/oauth-apps');
    expect((listed.json() as { oauthApps: unknown[] }).oauthApps).toHaveLength(2);
    for (const res of [cc, code, listed]) expectNoSecret(res.body);

    const cells = await (h.store as KyselyStore).db.selectFrom('oauth_apps').selectAll().execute();
    expect(cells).toHaveLength(2);
    expectNoSecret(JSON.stringify(cells));
  });

  it('refuses a customer value for a field the app owns', async () => {
    const customer = await api('POST', '/api/customers', { name: 'Globex' });
    const { id: customerId } = (customer.json() as { customer: { id: string } }).customer;
    const refused = await api('POST', '/api/instances', {
      customerId,
      name: 'Globex production',
      components: ['serverTest'],
      connections: [
        {
          name: 'service',
          componentKey: 'serverTest',
          definitionKey: 'sandboxCc',
          fields: { clientId: 'mine' },
        },
      ],
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      error: { code: 'KW_CONNECTION_INVALID', details: { field: 'clientId' } },
    });

    const created = await api('POST', '/api/instances', {
      customerId,
      name: 'Globex production',
      components: ['serverTest'],
      connections: [
        {
          name: 'crm',
          componentKey: 'serverTest',
          definitionKey: 'sandboxOAuth',
          fields: { issuer: h.sandbox.url },
        },
        { name: 'service', componentKey: 'serverTest', definitionKey: 'sandboxCc' },
      ],
    });
    expect(created.statusCode).toBe(201);
    instanceId = (created.json() as { instance: { id: string } }).instance.id;
    expectNoSecret(created.body);
  });

  it('shows who is asking and connects client credentials with no customer input and no secret on the page', async () => {
    await page.goto(`${h.baseUrl}${h.linkPath(instanceId)}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await page.locator('header').textContent()).toContain('Acme Platform');
    expect(await page.locator('header img').getAttribute('src')).toBe('https://cdn.acme.example/logo.png');
    const service = card(page, 'service');
    expect(await service.locator('input:not([type="hidden"])').count()).toBe(0);
    expect(await page.content()).not.toMatch(/Client (ID|secret)|Token URL/);
    expectNoSecret(await page.content());

    await service.getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL(/notice=connected/);
    expect(await status(page, 'service')).toBe('connected');
    expectNoSecret(await page.content());
    const stored = await h.connection(instanceId, 'service');
    expect(stored.status).toBe('connected');
    expect(stored.fields).toEqual({});
  });

  it("connects an authorization-code connection with the app's client id and secret at the sandbox", async () => {
    await page.goto(`${h.baseUrl}${h.linkPath(instanceId)}`);
    expect(await status(page, 'crm')).toBe('pending');
    await card(page, 'crm').getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL(/notice=connected/);
    expect(await status(page, 'crm')).toBe('connected');
    expectNoSecret(await page.content());
    const crm = await h.connection(instanceId, 'crm');
    expect(crm.fields).toEqual({ issuer: h.sandbox.url });
    // The token the sandbox issued was for the platform's client.
    const token = await h.credentials.getToken(crm.id);
    const me = await fetch(h.sandbox.apiUrl, { headers: { authorization: `Bearer ${token.accessToken}` } });
    expect(me.status).toBe(200);
  });

  it('tells the customer in plain words, not a code, when the platform app is refused', async () => {
    const replaced = await api('POST', '/api/oauth-apps', {
      componentKey: 'serverTest',
      definitionKey: 'sandboxCc',
      fields: {
        issuer: h.sandbox.url,
        clientId: h.sandbox.clients.service.clientId,
        clientSecret: 'wrong-secret-42',
      },
    });
    expect(replaced.statusCode).toBe(200);
    await page.goto(`${h.baseUrl}${h.linkPath(instanceId)}`);
    await card(page, 'service').getByRole('button', { name: 'Reconnect' }).click();
    const heading = page.getByRole('heading', { level: 1 });
    await heading.waitFor();
    expect(await heading.textContent()).toBe('Could not connect');
    expect(await page.getByRole('alert').textContent()).toContain('please tell Acme Platform');
    // The code is there for support, small, never in the headline.
    expect(await page.locator('.muted code').textContent()).toBe('KW_OAUTH_INVALID_CLIENT');
    expect(await page.content()).not.toContain('wrong-secret-42');
  });
});
