/**
 * Structured input values through the REST API (issue #24, item 4): `POST /api/instances` and
 * `PATCH /api/instances/:id` take connection fields and config values of every spectral shape (key/value list,
 * value list, object, boolean), the `headers` key/value list travels with the token request of
 * `POST …/connections/:name/activate`, and `POST …/actions/…` hands the values to `perform`. A template input is
 * refused on PATCH as at creation. The component is the plain-spectral platform-compat bundle.
 */
import { buildTestComponent } from '../support/components/build';
import { json, startQuirkServer } from '../support/quirk-server';
import type { QuirkServer } from '../support/quirk-server';
import { startHarness } from './harness';
import type { Harness } from './harness';

let h: Harness;
let vendor: QuirkServer;
let key: string;
let customerId: string;

beforeAll(async () => {
  [h, vendor] = await Promise.all([startHarness(), startQuirkServer()]);
  vendor.handle((_req, res) => json(res, 200, { access_token: 'api-svc-token', token_type: 'Bearer' }));
  await h.components.publish(buildTestComponent('platform-compat'));
  key = (await h.store.createApiKey({ name: 'admin', scopes: ['*'] })).key;
  customerId = (await h.store.createCustomer({ name: 'Initech' })).id;
});
afterAll(async () => {
  await h.close();
  await vendor.close();
});

function call(method: 'POST' | 'PATCH', url: string, body: unknown) {
  return h.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

const headers = [
  { key: 'X-Tenant', value: 'initech' },
  { key: 'X-Api-Version', value: '2' },
];
const config = {
  regions: ['eu', 'us'],
  labels: [{ key: 'team', value: 'ops' }],
  mapping: { object: 'Lead', fields: ['email'] },
  enabled: true,
};

async function createInstance(name: string, fields: Record<string, unknown>): Promise<string> {
  const res = await call('POST', '/api/instances', {
    customerId,
    name,
    components: ['platformCompat'],
    config,
    connections: [
      {
        name: 'svc',
        componentKey: 'platformCompat',
        definitionKey: 'serviceAccount',
        fields: {
          tokenUrl: `${vendor.url}/oauth/token`,
          clientId: 'svc-client',
          clientSecret: 'svc-secret-0042',
          ...fields,
        },
      },
    ],
  });
  expect(res.statusCode).toBe(201);
  return (res.json() as { instance: { id: string } }).instance.id;
}

async function inspect(instanceId: string): Promise<{ fields: unknown; configVars: unknown }> {
  const res = await call('POST', `/api/instances/${instanceId}/actions/platformCompat/inspect`, {});
  expect(res.statusCode).toBe(200);
  return (res.json() as { result: { data: { fields: unknown; configVars: unknown } } }).result.data;
}

describe('structured values through the API', () => {
  it('creates an instance with key/value lists, lists, objects and booleans that reach the token request and perform', async () => {
    const id = await createInstance('Structured', { headers, tags: ['x', 'y'], sandboxMode: true });
    const activated = await call('POST', `/api/instances/${id}/connections/svc/activate`, {});
    expect(activated.statusCode).toBe(200);
    const tokenRequest = vendor.requests.at(-1);
    expect(tokenRequest?.form.get('grant_type')).toBe('client_credentials');
    expect(tokenRequest?.headers).toMatchObject({ 'x-tenant': 'initech', 'x-api-version': '2' });
    const seen = await inspect(id);
    expect(seen.fields).toMatchObject({ headers, tags: ['x', 'y'], sandboxMode: 'true' });
    expect(seen.configVars).toMatchObject(config);
  });

  it('patches connection fields and config with structured values, sent with the next token request', async () => {
    const id = await createInstance('Patched', {});
    const patched = await call('PATCH', `/api/instances/${id}`, {
      config: { regions: ['apac'], extra: { nested: [1, 2] } },
      connections: { svc: { fields: { headers, tags: ['z'], sandboxMode: false } } },
    });
    expect(patched.statusCode).toBe(200);
    const activated = await call('POST', `/api/instances/${id}/connections/svc/activate`, {});
    expect(activated.statusCode).toBe(200);
    expect(vendor.requests.at(-1)?.headers).toMatchObject({ 'x-tenant': 'initech', 'x-api-version': '2' });
    const seen = await inspect(id);
    expect(seen.fields).toMatchObject({ headers, tags: ['z'], sandboxMode: 'false' });
    expect(seen.configVars).toMatchObject({ regions: ['apac'], extra: { nested: [1, 2] }, enabled: true });
  });

  it('refuses a PATCH that sets a template input, changing nothing', async () => {
    const res = await call('POST', '/api/instances', {
      customerId,
      name: 'Templated',
      components: ['platformCompat'],
      connections: [
        {
          name: 'pub',
          componentKey: 'platformCompat',
          definitionKey: 'publicOAuth',
          fields: { issuer: 'https://id.example.com', clientId: 'pub-client' },
        },
      ],
    });
    expect(res.statusCode).toBe(201);
    const id = (res.json() as { instance: { id: string } }).instance.id;
    const before = await h.connection(id, 'pub');
    const refused = await call('PATCH', `/api/instances/${id}`, {
      connections: { pub: { fields: { tokenUrl: 'https://attacker.example.net/token', clientId: 'other' } } },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      error: { code: 'KW_CONNECTION_TEMPLATE_SET', details: { field: 'tokenUrl' } },
    });
    expect((await h.connection(id, 'pub')).fields).toEqual(before.fields);
  });
});
