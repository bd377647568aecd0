/**
 * Connections that need no person: a client-credentials connection created with every value it needs runs an
 * action straight away (its token fetched on first use) and can be activated explicitly through the API, which
 * answers what the provider granted or its typed refusal. Instances are named by id or name.
 */
import { startHarness } from './harness';
import type { Harness } from './harness';

let h: Harness;
let adminKey: string;
let customerId: string;

beforeAll(async () => {
  h = await startHarness();
  adminKey = (await h.store.createApiKey({ name: 'admin', scopes: ['*'] })).key;
  customerId = (await h.store.createCustomer({ name: 'Hooli' })).id;
});
afterAll(async () => {
  await h.close();
});

function api(url: string, body?: unknown) {
  return h.inject({
    method: 'POST',
    url,
    headers: {
      authorization: `Bearer ${adminKey}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

async function serviceInstance(name: string, clientSecret: string): Promise<string> {
  const service = h.sandbox.clients.service;
  const res = await api('/api/instances', {
    customerId,
    name,
    components: ['serverTest'],
    connections: [
      {
        name: 'service',
        componentKey: 'serverTest',
        definitionKey: 'sandboxCc',
        fields: { issuer: h.sandbox.url, clientId: service.clientId, clientSecret },
      },
    ],
  });
  expect(res.statusCode).toBe(201);
  return (res.json() as { instance: { id: string } }).instance.id;
}

const grants = (): number => h.sandbox.tokenRequests()['client_credentials'] ?? 0;

describe('client-credentials connections with every value', () => {
  it('run an action with no one connecting them: the token is fetched on first use', async () => {
    const id = await serviceInstance('Hooli nightly', h.sandbox.clients.service.clientSecret ?? '');
    const before = grants();
    const run = await api(`/api/instances/${id}/actions/serverTest/whoami`, {});
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ result: { data: { key: 'sandboxCc' } } });
    expect(grants()).toBe(before + 1);
    expect((await h.store.listConnections({ instanceId: id }))[0]?.status).toBe('connected');
  });

  it('are activated through the API by instance name, answering what the provider granted but never the token', async () => {
    const id = await serviceInstance('Hooli activate', h.sandbox.clients.service.clientSecret ?? '');
    const res = await api('/api/instances/Hooli%20activate/connections/service/activate');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      connection: { name: 'service', status: 'connected' },
      token: {
        tokenType: 'bearer',
        scopes: ['api:read'],
        expiresAt: expect.any(Number),
        refreshToken: false,
      },
    });
    const [row] = await h.store.listConnections({ instanceId: id });
    expect(res.body).not.toContain(String(row?.tokenSet?.['accessToken']));
    expect(res.body).not.toContain(h.sandbox.clients.service.clientSecret ?? '-');
  });

  it('report the provider’s refusal as its typed error and stay pending', async () => {
    const id = await serviceInstance('Hooli wrong secret', 'not-the-secret');
    const res = await api(`/api/instances/${id}/connections/service/activate`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { code: 'KW_OAUTH_INVALID_CLIENT', details: { provider: { error: 'invalid_client' } } },
    });
    expect(res.body).not.toContain('not-the-secret');
    expect((await h.store.listConnections({ instanceId: id }))[0]).toMatchObject({
      status: 'pending',
      tokenSet: null,
    });
  });

  it('refuses to activate a connection that needs a person to sign in', async () => {
    const res = await api(`/api/instances/${h.instanceB}/connections/crm/activate`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'KW_CONNECT_GRANT_UNSUPPORTED' } });
  });

  it('refuses an instance name that several instances carry, naming them', async () => {
    await serviceInstance('Hooli twin', 'x');
    await serviceInstance('Hooli twin', 'x');
    const res = await api('/api/instances/Hooli%20twin/connections/service/activate');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'KW_INSTANCE_AMBIGUOUS' } });
    expect((res.json() as { error: { details: { matches: string[] } } }).error.details.matches).toHaveLength(
      2,
    );
    const unknown = await api('/api/instances/nobody/connections/service/activate');
    expect(unknown.statusCode).toBe(404);
  });
});
