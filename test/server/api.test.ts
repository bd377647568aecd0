/**
 * The REST API over real HTTP: API-key authentication and scopes, validated bodies with the one error shape,
 * connect links with checked completion URLs, and the OpenAPI document.
 */
import { verifyConnectLink } from '../../src/server';
import { ALLOWED_ORIGIN, startHarness } from './harness';
import type { Harness } from './harness';

let h: Harness;
let adminKey: string;
let readOnlyKey: string;

beforeAll(async () => {
  h = await startHarness();
  adminKey = (await h.store.createApiKey({ name: 'admin', scopes: ['*'] })).key;
  readOnlyKey = (await h.store.createApiKey({ name: 'reader', scopes: ['customers:read', 'instances:read'] }))
    .key;
});
afterAll(async () => {
  await h.close();
});

function api(method: 'GET' | 'POST', url: string, key?: string, body?: unknown) {
  return h.inject({
    method,
    url,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

describe('API authentication', () => {
  it('refuses requests without a key, with a wrong key, or without the scope, and changes nothing', async () => {
    const before = (await h.store.listCustomers()).length;
    const none = await api('POST', '/api/customers', undefined, { name: 'Mallory' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'KW_API_UNAUTHORIZED' } });
    const wrong = await api('POST', '/api/customers', `${adminKey}x`, { name: 'Mallory' });
    expect(wrong.statusCode).toBe(401);
    const scoped = await api('POST', '/api/customers', readOnlyKey, { name: 'Mallory' });
    expect(scoped.statusCode).toBe(403);
    expect(scoped.json()).toMatchObject({
      error: { code: 'KW_API_FORBIDDEN', details: { required: 'customers:write' } },
    });
    expect((await h.store.listCustomers()).length).toBe(before);
  });

  it('refuses a revoked key', async () => {
    const created = await h.store.createApiKey({ name: 'temp', scopes: ['*'] });
    expect((await api('GET', '/api/customers', created.key)).statusCode).toBe(200);
    await h.store.revokeApiKey(created.apiKey.id);
    expect((await api('GET', '/api/customers', created.key)).statusCode).toBe(401);
  });
});

describe('API resources', () => {
  it('creates and reads customers, with clear 400s for bad bodies', async () => {
    const bad = await api('POST', '/api/customers', adminKey, { name: '', extra: 1 });
    expect(bad.statusCode).toBe(400);
    const body = bad.json() as { error: { code: string; details: { issues: { path: string }[] } } };
    expect(body.error.code).toBe('KW_REQUEST_INVALID');
    expect(body.error.details.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['body.name']));
    const malformed = await h.inject({
      method: 'POST',
      url: '/api/customers',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: { code: 'KW_REQUEST_INVALID' } });

    const created = await api('POST', '/api/customers', adminKey, { name: 'Globex', externalId: 'globex-1' });
    expect(created.statusCode).toBe(201);
    const { customer } = created.json() as { customer: { id: string } };
    const read = await api('GET', `/api/customers/${customer.id}`, readOnlyKey);
    expect(read.json()).toMatchObject({ customer: { name: 'Globex', externalId: 'globex-1' } });
    const missing = await api('GET', '/api/customers/nope', readOnlyKey);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'KW_API_NOT_FOUND' } });
  });

  it('creates an instance and reports its connections’ status without secrets', async () => {
    const customerId = (
      (await api('POST', '/api/customers', adminKey, { name: 'Initech' })).json() as {
        customer: { id: string };
      }
    ).customer.id;
    const res = await api('POST', '/api/instances', adminKey, {
      customerId,
      name: 'Initech prod',
      components: ['serverTest'],
      connections: [
        {
          name: 'crm',
          componentKey: 'serverTest',
          definitionKey: 'sandboxOAuth',
          fields: { issuer: h.sandbox.url, clientId: 'id', clientSecret: 'very-secret-value' },
        },
      ],
    });
    expect(res.statusCode).toBe(201);
    expect(res.body).not.toContain('very-secret-value');
    const { instance } = res.json() as {
      instance: { id: string; connections: { id: string; status: string }[] };
    };
    expect(instance.connections).toHaveLength(1);
    expect(instance.connections[0]?.status).toBe('pending');
    const status = await api('GET', `/api/instances/${instance.id}/connections`, adminKey);
    expect(status.json()).toMatchObject({ connections: [{ name: 'crm', status: 'pending' }] });

    const invalid = await api('POST', '/api/instances', adminKey, {
      customerId,
      name: 'x',
      components: ['nope'],
    });
    expect(invalid.statusCode).toBe(404);
    expect(invalid.json()).toMatchObject({ error: { code: 'KW_COMPONENT_NOT_FOUND' } });
  });

  it('creates connect links scoped to an instance, refusing completion URLs off the allowed origins', async () => {
    const crm = await h.connection(h.instanceA, 'crm');
    const url = `/api/instances/${h.instanceA}/connect-links`;
    for (const successUrl of [
      'https://evil.test/done',
      `${ALLOWED_ORIGIN}.evil.test/done`,
      '//evil.test/done',
      'javascript:alert(1)',
      `https://user:pw@app.example.com/done`,
      '/relative',
    ]) {
      const res = await api('POST', url, adminKey, { successUrl });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'KW_REDIRECT_NOT_ALLOWED' } });
    }
    const foreign = await api('POST', url, adminKey, {
      connectionIds: [(await h.connection(h.instanceB, 'crm')).id],
    });
    expect(foreign.statusCode).toBe(400);

    const ok = await api('POST', url, adminKey, {
      connectionIds: [crm.id],
      successUrl: `${ALLOWED_ORIGIN}/done`,
    });
    expect(ok.statusCode).toBe(201);
    const { link } = ok.json() as { link: { url: string; expiresAt: number } };
    expect(link.url.startsWith(`${h.baseUrl}/connect/`)).toBe(true);
    const claims = verifyConnectLink(link.url.slice(`${h.baseUrl}/connect/`.length), {
      secret: h.linkSecret,
      now: h.now(),
    });
    expect(claims).toMatchObject({ iid: h.instanceA, cids: [crm.id], ok: `${ALLOWED_ORIGIN}/done` });
  });

  it('shows an instance’s connections only to a key that may read connections', async () => {
    const reader = await api('GET', `/api/instances/${h.instanceA}`, readOnlyKey);
    expect(reader.statusCode).toBe(200);
    const { instance } = reader.json() as { instance: Record<string, unknown> };
    expect(instance['id']).toBe(h.instanceA);
    expect(instance).not.toHaveProperty('connections');
    const listed = (await api('GET', '/api/instances', readOnlyKey)).json() as {
      instances: Record<string, unknown>[];
    };
    expect(listed.instances.length).toBeGreaterThan(0);
    for (const item of listed.instances) expect(item).not.toHaveProperty('connections');
    expect((await api('GET', `/api/instances/${h.instanceA}/connections`, readOnlyKey)).statusCode).toBe(403);
    const admin = (await api('GET', `/api/instances/${h.instanceA}`, adminKey)).json() as {
      instance: { connections: unknown[] };
    };
    expect(admin.instance.connections.length).toBeGreaterThan(0);
  });

  it('serves an OpenAPI document without a key', async () => {
    const res = await api('GET', '/api/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/instances/{id}/connect-links']));
  });

  it('answers unknown routes in the one error shape', async () => {
    const res = await api('GET', '/api/nothing-here', adminKey);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'KW_API_NOT_FOUND' } });
  });
});
