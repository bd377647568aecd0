/**
 * The customer's environment choice on the cards of the grants without a provider sign-in page, in Debian's
 * chromium (playwright-core), on both engines. Two real sandboxes (oidc-provider) stand for a provider's two
 * environments; the platform's OAuth apps (registered per provider through the API) fix the clients. A
 * client-credentials card and a device-code card each ask only for the environment, never show a platform secret
 * or client id, and connect at the chosen environment's endpoints; a forged environment is refused with nothing
 * saved.
 */
import { component } from '@prismatic-io/spectral';
import type { BrowserContext, Page } from 'playwright-core';
import { defineProvider, toSpectralConnection } from '../../connections';
import type { ProviderDefinition } from '../../connections';
import { startSandbox } from '../../src/sandbox';
import type { Sandbox } from '../../src/sandbox';
import { platformApi } from '../support/platform-api';
import type { ApiCall } from '../support/platform-api';
import { storeEngines } from '../support/runtime-stores';
import { card, launchChromium, startHarnessAtItsUrl, status } from './browser-support';
import { cookieFrom, csrfFrom } from './harness';
import type { Harness, TestResponse } from './harness';

jest.setTimeout(120_000);

const CC_GRANT = 'client_credentials';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** A client-credentials provider and a device-code one, each with `us` (the default) and `eu` environments. */
function regionalProviders(hosts: { us: string; eu: string }): Record<string, ProviderDefinition> {
  const environments = {
    default: 'us',
    options: {
      us: { label: 'United States', hosts: { authHost: hosts.us } },
      eu: { label: 'Europe', hosts: { authHost: hosts.eu } },
    },
  };
  const docsUrl = 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md';
  return {
    regionalService: defineProvider({
      key: 'regionalService',
      displayName: 'Regional service',
      docsUrl,
      grantTypes: ['client_credentials'],
      tokenUrl: '{{#authHost}}/token',
      environments,
      defaultScopes: ['api:read'],
      clientAuthMethod: 'client_secret_basic',
    }),
    regionalDevice: defineProvider({
      key: 'regionalDevice',
      displayName: 'Regional device',
      docsUrl,
      grantTypes: ['device_code'],
      deviceAuthorizationUrl: '{{#authHost}}/device/auth',
      tokenUrl: '{{#authHost}}/token',
      environments,
      defaultScopes: ['openid', 'api:read'],
      clientAuthMethod: 'none',
      pkce: false,
    }),
  };
}

describe.each(storeEngines)(
  'environment choice on client-credentials and device cards on %s',
  (_engine, open) => {
    let h: Harness;
    let us: Sandbox;
    let browser: { context: BrowserContext; close(): Promise<void> };
    let page: Page;
    let api: ApiCall<TestResponse>;
    let instanceId: string;

    beforeAll(async () => {
      // The harness's sandbox (Europe here) is only known once it starts: the lookup reads the definitions after.
      let providers: Record<string, ProviderDefinition> = {};
      h = await startHarnessAtItsUrl({ openStore: open, providers: (k) => providers[k] });
      us = await startSandbox({ redirectUris: [`${h.baseUrl}/oauth/callback`] });
      providers = regionalProviders({ us: us.url, eu: h.sandbox.url });
      h.components.registerExports(
        {
          default: component({
            key: 'regionalGrants',
            public: false,
            display: { label: 'Regional grants', description: 'Environment choices.', iconPath: 'icon.png' },
            connections: [
              toSpectralConnection(providers.regionalService as ProviderDefinition, { key: 'serviceCc' }),
              toSpectralConnection(providers.regionalDevice as ProviderDefinition, { key: 'tvDevice' }),
            ],
            actions: {},
          }),
        },
        'regional-grants-bundle',
      );
      api = await platformApi(h);
      // The platform's apps: the European sandbox's clients. Only Europe accepts the service client's secret.
      const { service, device } = h.sandbox.clients;
      for (const [providerKey, fields] of [
        ['regionalService', { clientId: service.clientId, clientSecret: service.clientSecret ?? '' }],
        ['regionalDevice', { clientId: device.clientId }],
      ] as const) {
        expect((await api('POST', '/api/provider-oauth-apps', { providerKey, fields })).statusCode).toBe(200);
      }
      const customer = await api('POST', '/api/customers', { name: 'Umbrella' });
      const { id: customerId } = (customer.json() as { customer: { id: string } }).customer;
      const created = await api('POST', '/api/instances', {
        customerId,
        name: 'Umbrella EU',
        components: ['regionalGrants'],
        connections: [
          { name: 'service', componentKey: 'regionalGrants', definitionKey: 'serviceCc' },
          { name: 'tv', componentKey: 'regionalGrants', definitionKey: 'tvDevice' },
        ],
      });
      expect(created.statusCode).toBe(201);
      instanceId = (created.json() as { instance: { id: string } }).instance.id;
      browser = await launchChromium();
      page = await browser.context.newPage();
    });

    afterAll(async () => {
      await browser?.close();
      await h?.close();
      await us?.close();
    });

    /** Nothing of the platform's apps is on the page: no secret, no client id, no field asking for either. */
    async function expectNoPlatformValues(): Promise<void> {
      const html = await page.content();
      const { service, device } = h.sandbox.clients;
      for (const value of [service.clientSecret ?? '', us.clients.service.clientSecret ?? '']) {
        expect(value.length).toBeGreaterThan(0);
        expect(html).not.toContain(value);
      }
      for (const id of [service.clientId, device.clientId]) expect(html).not.toContain(id);
      expect(html).not.toMatch(/Client (ID|secret)|Token URL/i);
    }

    async function environmentSelect(name: string) {
      const select = card(page, name).getByLabel('Environment');
      expect((await select.locator('option').allTextContents()).map((text) => text.trim())).toEqual([
        'United States',
        'Europe',
      ]);
      expect(await select.inputValue()).toBe('us');
      // The environment is all the customer is asked.
      expect(await card(page, name).locator('input:not([type="hidden"])').count()).toBe(0);
      return select;
    }

    it('connects a client-credentials card at the token URL of the environment the customer chose', async () => {
      await page.goto(`${h.baseUrl}${h.linkPath(instanceId)}`);
      const select = await environmentSelect('service');
      await expectNoPlatformValues();

      us.resetCounts();
      h.sandbox.resetCounts();
      await select.selectOption('eu');
      await card(page, 'service').getByRole('button', { name: 'Connect' }).click();
      await page.waitForURL(/notice=connected/);
      expect(await status(page, 'service')).toBe('connected');
      expect(h.sandbox.tokenRequests()[CC_GRANT]).toBe(1);
      expect(us.tokenRequests()[CC_GRANT] ?? 0).toBe(0);
      const stored = await h.connection(instanceId, 'service');
      expect(stored.fields).toEqual({ environment: 'eu' });
      // The token is the European sandbox's: its API accepts it.
      const me = await fetch(h.sandbox.apiUrl, {
        headers: { authorization: `Bearer ${String(stored.tokenSet?.accessToken)}` },
      });
      expect(me.status).toBe(200);
      await expectNoPlatformValues();
    });

    it('refuses a forged environment on a device card, with nothing started or saved', async () => {
      const link = h.linkPath(instanceId);
      const first = await h.inject({ method: 'GET', url: link });
      const tv = await h.connection(instanceId, 'tv');
      const forged = await h.inject({
        method: 'POST',
        url: `${link}/c/${tv.id}/device`,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: cookieFrom(first.headers['set-cookie']),
        },
        payload: new URLSearchParams({ _csrf: csrfFrom(first.body), environment: 'mars' }).toString(),
      });
      expect(forged.statusCode).toBe(400);
      expect(forged.body).toContain('KW_CONNECT_CHOICE_INVALID');
      expect(forged.body).toContain('Environment: choose one of United States, Europe');
      expect(await h.store.listPendingDeviceSessions({ connectionId: tv.id })).toEqual([]);
      expect((await h.connection(instanceId, 'tv')).fields).toEqual(tv.fields);
    });

    it('connects a device card at the environment the customer chose', async () => {
      await page.goto(`${h.baseUrl}${h.linkPath(instanceId)}`);
      const select = await environmentSelect('tv');
      await expectNoPlatformValues();

      us.resetCounts();
      h.sandbox.resetCounts();
      await select.selectOption('eu');
      await card(page, 'tv').getByRole('button', { name: 'Connect with a code' }).click();
      const code = page.locator('[data-user-code]');
      await code.waitFor();
      const userCode = (await code.getAttribute('data-user-code')) ?? '';
      const verification = await page
        .getByRole('link', { name: /\/device/ })
        .first()
        .getAttribute('href');
      expect(verification?.startsWith(`${h.sandbox.url}/`)).toBe(true);

      await h.sandbox.approveDevice(userCode);
      // Past the polling interval on the server's clock, so the next load of the page polls.
      h.advance(60_000);
      await page.reload();
      await page.waitForURL(/notice=connected/);
      expect(await status(page, 'tv')).toBe('connected');
      expect(h.sandbox.tokenRequests()[DEVICE_GRANT]).toBeGreaterThan(0);
      expect(us.tokenRequests()[DEVICE_GRANT] ?? 0).toBe(0);
      expect((await h.connection(instanceId, 'tv')).fields).toEqual({ environment: 'eu' });
      expect(await card(page, 'tv').getByLabel('Environment').inputValue()).toBe('eu');
    });
  },
);
