/**
 * The customer's choices on the connect page, in Debian's chromium: a provider with two environments, each a
 * real sandbox (oidc-provider), and a provider whose URLs take the customer's subdomain. The platform's OAuth app
 * (registered per provider) fixes the client; the page asks only for the environment and the subdomain, never
 * shows a platform secret, and the flow goes to the chosen environment's authorize and token URLs.
 */
import { component } from '@prismatic-io/spectral';
import type { BrowserContext, Page } from 'playwright-core';
import { defineProvider, toSpectralConnection } from '../../connections';
import type { ProviderDefinition } from '../../connections';
import { startSandbox } from '../../src/sandbox';
import type { Sandbox } from '../../src/sandbox';
import { platformApi } from '../support/platform-api';
import type { ApiCall } from '../support/platform-api';
import { card, launchChromium, startHarnessAtItsUrl, status } from './browser-support';
import { cookieFrom, csrfFrom } from './harness';
import type { Harness, TestResponse } from './harness';

jest.setTimeout(120_000);

const TENANT_SECRET = 'tenant-platform-secret-5d1e';

let h: Harness;
let other: Sandbox;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;
let api: ApiCall<TestResponse>;
let instanceId: string;

function testProviders(regionalHosts: { us: string; eu: string }): Record<string, ProviderDefinition> {
  const regional = defineProvider({
    key: 'regional',
    displayName: 'Regional sandbox',
    docsUrl: 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md',
    grantTypes: ['authorization_code'],
    authorizeUrl: '{{#authHost}}/auth',
    tokenUrl: '{{#authHost}}/token',
    environments: {
      default: 'us',
      options: {
        us: { label: 'United States', hosts: { authHost: regionalHosts.us } },
        eu: { label: 'Europe', hosts: { authHost: regionalHosts.eu } },
      },
    },
    defaultScopes: ['openid', 'api:read'],
    clientAuthMethod: 'client_secret_basic',
    pkce: 'S256',
  });
  const tenanted = defineProvider({
    key: 'tenanted',
    displayName: 'Tenanted vendor',
    docsUrl: 'https://tenant.example/docs/oauth',
    grantTypes: ['authorization_code'],
    authorizeUrl: 'https://{{#subdomain}}.tenant.example/oauth/authorize',
    tokenUrl: 'https://{{#subdomain}}.tenant.example/oauth/token',
    fields: { subdomain: { label: 'Your subdomain', example: 'acme' } },
    clientAuthMethod: 'client_secret_post',
  });
  return { regional, tenanted };
}

beforeAll(async () => {
  // The harness's sandbox is only known once it starts: the lookup reads the definitions built after that.
  let providers: Record<string, ProviderDefinition> = {};
  h = await startHarnessAtItsUrl({ providers: (k) => providers[k] });
  other = await startSandbox({ redirectUris: [`${h.baseUrl}/oauth/callback`] });
  providers = testProviders({ us: other.url, eu: h.sandbox.url });
  const regionalComponent = component({
    key: 'regionalTest',
    public: false,
    display: { label: 'Regional sync', description: 'Choices on the connect page.', iconPath: 'icon.png' },
    connections: [
      toSpectralConnection(providers.regional as ProviderDefinition, { key: 'regionalOAuth' }),
      toSpectralConnection(providers.tenanted as ProviderDefinition, { key: 'tenantOAuth' }),
    ],
    actions: {},
  });
  h.components.registerExports({ default: regionalComponent }, 'regional-test-bundle');
  api = await platformApi(h);
  browser = await launchChromium();
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await other?.close();
});

function platformSecrets(): string[] {
  return [h.sandbox.clients.basic.clientSecret ?? '', TENANT_SECRET];
}

describe('choices on the connect page', () => {
  beforeAll(async () => {
    const { basic } = h.sandbox.clients;
    for (const [providerKey, fields] of [
      ['regional', { clientId: basic.clientId, clientSecret: basic.clientSecret }],
      ['tenanted', { clientId: 'tenant-client', clientSecret: TENANT_SECRET }],
    ] as const) {
      const put = await api('POST', '/api/provider-oauth-apps', { providerKey, fields });
      expect(put.statusCode).toBe(200);
    }
    const customer = await api('POST', '/api/customers', { name: 'Hooli' });
    const { id: customerId } = (customer.json() as { customer: { id: string } }).customer;
    const created = await api('POST', '/api/instances', {
      customerId,
      name: 'Hooli EU',
      components: ['regionalTest'],
      connections: [
        { name: 'crm', componentKey: 'regionalTest', definitionKey: 'regionalOAuth' },
        { name: 'tenant', componentKey: 'regionalTest', definitionKey: 'tenantOAuth' },
      ],
    });
    expect(created.statusCode).toBe(201);
    instanceId = (created.json() as { instance: { id: string } }).instance.id;
  });

  it('asks only for the environment, and connects at the environment the customer picked', async () => {
    await page.goto(`${h.baseUrl}${h.linkPath(instanceId)}`);
    const crm = card(page, 'crm');
    const select = crm.getByLabel('Environment');
    expect((await select.locator('option').allTextContents()).map((text) => text.trim())).toEqual([
      'United States',
      'Europe',
    ]);
    expect(await select.inputValue()).toBe('us');
    expect(await crm.locator('input:not([type="hidden"])').count()).toBe(0);
    const html = await page.content();
    for (const secret of platformSecrets()) expect(html).not.toContain(secret);
    expect(html).not.toMatch(/Client (ID|secret)|tenant-client/);

    const authorizeRequests: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/auth') authorizeRequests.push(request.url());
    });
    await select.selectOption('eu');
    await crm.getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL(/notice=connected/);
    expect(await status(page, 'crm')).toBe('connected');
    expect(authorizeRequests.length).toBeGreaterThan(0);
    for (const url of authorizeRequests) expect(url.startsWith(`${h.sandbox.url}/auth`)).toBe(true);
    const stored = await h.connection(instanceId, 'crm');
    expect(stored.fields).toEqual({ environment: 'eu' });
    // The token came from the European sandbox: its API accepts it.
    const token = await h.credentials.getToken(stored.id);
    const me = await fetch(h.sandbox.apiUrl, { headers: { authorization: `Bearer ${token.accessToken}` } });
    expect(me.status).toBe(200);
    expect(await card(page, 'crm').getByLabel('Environment').inputValue()).toBe('eu');
  });

  it('asks for the subdomain with validation, in the browser and on the server', async () => {
    await page.goto(`${h.baseUrl}${h.linkPath(instanceId)}`);
    const field = card(page, 'tenant').getByLabel('Your subdomain');
    await field.fill('evil.example/steal?');
    expect(
      await field.evaluate(
        (input) => (input as { validity: { patternMismatch: boolean } }).validity.patternMismatch,
      ),
    ).toBe(true);
    await field.fill('acme');
    expect(await field.evaluate((input) => (input as { validity: { valid: boolean } }).validity.valid)).toBe(
      true,
    );

    const link = h.linkPath(instanceId);
    const first = await h.inject({ method: 'GET', url: link });
    const cookie = cookieFrom(first.headers['set-cookie']);
    const csrf = csrfFrom(first.body);
    const tenantId = (await h.connection(instanceId, 'tenant')).id;
    const post = (form: Record<string, string>) =>
      h.inject({
        method: 'POST',
        url: `${link}/c/${tenantId}/authorize`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      });
    const bad = await post({ subdomain: 'evil.example/steal?' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('<h1>Could not connect</h1>');
    expect(bad.body).toContain('Your subdomain: Use letters, digits and hyphens');
    expect(bad.body).toContain('KW_CONNECT_CHOICE_INVALID');
    const missing = await post({});
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Fill in: Your subdomain');

    const good = await post({ subdomain: 'acme' });
    expect(good.statusCode).toBe(303);
    const location = new URL(good.headers.location ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('https://acme.tenant.example/oauth/authorize');
    expect(location.searchParams.get('client_id')).toBe('tenant-client');
    expect(good.headers.location).not.toContain(TENANT_SECRET);
    // Nothing is saved before the provider answers: the choice lives in the flow until it connects.
    expect((await h.connection(instanceId, 'tenant')).fields).toEqual({});
  });
});
