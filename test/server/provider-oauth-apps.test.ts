/**
 * OAuth apps per catalog provider, through the REST API: registered once for `sandbox`, inherited by every
 * component definition built on it (existing and new connections), overridden by a definition's own app, and
 * falling back to the provider's when that app is removed. Secrets are write-only: never in a response, never in
 * clear in the database. The inherited client really works at the sandbox (oidc-provider).
 */
import { providers } from '../../connections/catalog';
import type { KyselyStore } from '../../src/store/kysely-store';
import { platformApi, sandboxClientSecrets } from '../support/platform-api';
import type { ApiCall } from '../support/platform-api';
import { startHarness } from './harness';
import type { Harness, TestResponse } from './harness';

jest.setTimeout(60_000);

let h: Harness;
let api: ApiCall<TestResponse>;

beforeAll(async () => {
  h = await startHarness({ providers: (k) => (Object.hasOwn(providers, k) ? providers[k] : undefined) });
  api = await platformApi(h);
});

afterAll(async () => {
  await h?.close();
});

function expectNoSecret(text: string): void {
  for (const secret of sandboxClientSecrets(h.sandbox)) expect(text).not.toContain(secret);
}

async function clientIdOf(instanceId: string, name: string): Promise<unknown> {
  return (await h.connection(instanceId, name)).secretFields['clientId'];
}

describe('OAuth apps per provider', () => {
  it('refuses an unknown provider and a field a provider app cannot set, writing nothing', async () => {
    const unknown = await api('POST', '/api/provider-oauth-apps', {
      providerKey: 'nosuchvendor',
      fields: { clientId: 'x' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'KW_PROVIDER_UNKNOWN' } });
    const url = await api('POST', '/api/provider-oauth-apps', {
      providerKey: 'sandbox',
      fields: { clientId: 'x', tokenUrl: 'https://evil.example/token' },
    });
    expect(url.statusCode).toBe(400);
    expect(url.json()).toMatchObject({
      error: { code: 'KW_CONNECTION_INVALID', details: { field: 'tokenUrl' } },
    });
    const listed = await api('GET', '/api/provider-oauth-apps');
    expect(listed.json()).toEqual({ providerOAuthApps: [], nextCursor: null });
  });

  it('registers an app for the provider; every definition built on it inherits it, secrets write-only', async () => {
    const { basic } = h.sandbox.clients;
    const put = await api('POST', '/api/provider-oauth-apps', {
      providerKey: 'sandbox',
      fields: { clientId: basic.clientId, clientSecret: basic.clientSecret, issuer: h.sandbox.url },
    });
    expect(put.statusCode).toBe(200);
    // Instance A's crm and service and instance B's crm are built on `sandbox`; A's tv is on `sandboxDevice`.
    expect(put.json()).toMatchObject({
      providerOAuthApp: {
        providerKey: 'sandbox',
        fields: { clientId: basic.clientId, issuer: h.sandbox.url },
        secretFields: ['clientSecret'],
      },
      connectionsUpdated: 3,
    });
    const one = await api('GET', '/api/provider-oauth-apps/sandbox');
    expect(one.json()).toMatchObject({ providerOAuthApp: { providerKey: 'sandbox' } });
    for (const res of [put, one]) expectNoSecret(res.body);
    expect(await clientIdOf(h.instanceA, 'crm')).toBe(basic.clientId);
    expect(await clientIdOf(h.instanceA, 'service')).toBe(basic.clientId);
    expect(await clientIdOf(h.instanceB, 'crm')).toBe(basic.clientId);
    expect(await clientIdOf(h.instanceA, 'tv')).toBeUndefined();

    const cells = await (h.store as KyselyStore).db.selectFrom('provider_oauth_apps').selectAll().execute();
    expect(cells).toHaveLength(1);
    expectNoSecret(JSON.stringify(cells));

    // The inherited client works at the sandbox: the client-credentials connection activates with no input.
    const activated = await api('POST', `/api/instances/${h.instanceA}/connections/service/activate`);
    expect(activated.statusCode).toBe(200);
    expect(activated.json()).toMatchObject({ connection: { status: 'connected' } });
  });

  it("lets a definition's own app win, and falls back to the provider's when it is removed", async () => {
    const { basic, service } = h.sandbox.clients;
    const own = await api('POST', '/api/oauth-apps', {
      componentKey: 'serverTest',
      definitionKey: 'sandboxCc',
      fields: { clientId: service.clientId, clientSecret: service.clientSecret },
    });
    expect(own.statusCode).toBe(200);
    expect(await clientIdOf(h.instanceA, 'service')).toBe(service.clientId);
    // The provider's issuer is gone from the connection too: the definition's app replaces what it inherited.
    expect((await h.connection(h.instanceA, 'service')).secretFields['issuer']).toBeUndefined();
    expect(await clientIdOf(h.instanceA, 'crm')).toBe(basic.clientId);

    const customer = await api('POST', '/api/customers', { name: 'Initech' });
    const { id: customerId } = (customer.json() as { customer: { id: string } }).customer;
    const spec = (fields: Record<string, string>) => ({
      customerId,
      name: 'Initech',
      components: ['serverTest'],
      connections: [
        { name: 'crm', componentKey: 'serverTest', definitionKey: 'sandboxOAuth', fields },
        { name: 'service', componentKey: 'serverTest', definitionKey: 'sandboxCc', fields: {} },
      ],
    });
    const refused = await api('POST', '/api/instances', spec({ clientId: 'mine' }));
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      error: { code: 'KW_CONNECTION_INVALID', details: { field: 'clientId' } },
    });
    const created = await api('POST', '/api/instances', spec({}));
    expect(created.statusCode).toBe(201);
    expectNoSecret(created.body);
    const instanceId = (created.json() as { instance: { id: string } }).instance.id;
    expect(await clientIdOf(instanceId, 'crm')).toBe(basic.clientId);
    expect(await clientIdOf(instanceId, 'service')).toBe(service.clientId);

    const removed = await api('DELETE', '/api/oauth-apps/serverTest/sandboxCc');
    expect(removed.json()).toMatchObject({ connectionsUpdated: 2 });
    expect(await clientIdOf(h.instanceA, 'service')).toBe(basic.clientId);
    expect(await clientIdOf(instanceId, 'service')).toBe(basic.clientId);
  });

  it("removes the provider's app from the connections that inherited it", async () => {
    const removed = await api('DELETE', '/api/provider-oauth-apps/sandbox');
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toMatchObject({ deleted: { providerKey: 'sandbox' }, connectionsUpdated: 5 });
    expect(await clientIdOf(h.instanceA, 'crm')).toBeUndefined();
    expect(await clientIdOf(h.instanceA, 'service')).toBeUndefined();
    const again = await api('DELETE', '/api/provider-oauth-apps/sandbox');
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ error: { code: 'KW_API_NOT_FOUND' } });
  });
});
