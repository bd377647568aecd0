/**
 * Every `/api/instances/:id…` route takes the instance's name as well as its id (issue #24, item 10): read,
 * update, its connections, connect links, action runs, activation, delete. A name two instances carry is
 * `KW_INSTANCE_AMBIGUOUS` (409) listing both ids, and changes nothing; a name none carries is the route's 404.
 */
import { createInstance } from '../../src/runtime';
import { verifyConnectLink } from '../../src/server';
import { platformApi } from '../support/platform-api';
import type { ApiCall } from '../support/platform-api';
import { startHarness } from './harness';
import type { Harness, TestResponse } from './harness';

let h: Harness;
let call: ApiCall<TestResponse>;
let shop: string;
let twins: string[];

async function instanceNamed(name: string, customerId: string): Promise<string> {
  const created = await createInstance(
    { store: h.store, components: h.components },
    {
      customerId,
      name,
      components: ['serverTest'],
      connections: [
        {
          name: 'service',
          componentKey: 'serverTest',
          definitionKey: 'sandboxCc',
          fields: {
            issuer: h.sandbox.url,
            clientId: h.sandbox.clients.service.clientId,
            clientSecret: h.sandbox.clients.service.clientSecret ?? '',
          },
        },
      ],
    },
  );
  return created.instance.id;
}

beforeAll(async () => {
  h = await startHarness();
  call = await platformApi(h, 'admin');
  const acme = (await h.store.createCustomer({ name: 'Acme' })).id;
  const globex = (await h.store.createCustomer({ name: 'Globex' })).id;
  shop = await instanceNamed('Acme shop/eu', acme);
  twins = [await instanceNamed('Twin', acme), await instanceNamed('Twin', globex)];
});
afterAll(async () => {
  await h.close();
});

const byName = (name: string) => `/api/instances/${encodeURIComponent(name)}`;

describe('instance routes by name', () => {
  it('reads, updates, lists connections, signs links and runs actions for an instance named in the path', async () => {
    const got = await call('GET', byName('Acme shop/eu'));
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ instance: { id: shop, name: 'Acme shop/eu' } });

    const patched = await call('PATCH', byName('Acme shop/eu'), { config: { region: 'eu' } });
    expect(patched.statusCode).toBe(200);
    expect((await h.store.getInstance(shop))?.config).toEqual({ region: 'eu' });

    const connections = await call('GET', `${byName('Acme shop/eu')}/connections`);
    expect(connections.statusCode).toBe(200);
    expect(connections.json()).toMatchObject({ connections: [{ name: 'service', instanceId: shop }] });

    const link = await call('POST', `${byName('Acme shop/eu')}/connect-links`, {});
    expect(link.statusCode).toBe(201);
    const url = new URL((link.json() as { link: { url: string } }).link.url);
    const claims = verifyConnectLink(url.pathname.split('/').pop() ?? '', {
      secret: h.linkSecret,
      now: h.now(),
    });
    expect(claims.iid).toBe(shop);

    const run = await call('POST', `${byName('Acme shop/eu')}/actions/serverTest/whoami`, {});
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ result: { data: { key: 'sandboxCc' } } });
  });

  it('records the instance id, not the name, as the target of an audited change', async () => {
    await call('PATCH', byName('Acme shop/eu'), { config: { tier: 'gold' } });
    const audit = await call('GET', '/api/audit');
    const entries = (audit.json() as { entries: { action: string; target: string | null }[] }).entries;
    const patch = entries.filter((entry) => entry.action === 'PATCH /api/instances/:id').at(-1);
    expect(patch?.target).toBe(shop);
  });

  it('refuses a name two instances carry with KW_INSTANCE_AMBIGUOUS listing both ids, on every route, changing nothing', async () => {
    const attempts = [
      call('GET', byName('Twin')),
      call('PATCH', byName('Twin'), { name: 'Renamed' }),
      call('GET', `${byName('Twin')}/connections`),
      call('POST', `${byName('Twin')}/connect-links`, {}),
      call('POST', `${byName('Twin')}/actions/serverTest/whoami`, {}),
      call('POST', `${byName('Twin')}/connections/service/activate`, {}),
      call('DELETE', byName('Twin')),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.statusCode).toBe(409);
      const error = (res.json() as { error: { code: string; details: { matches: string[] } } }).error;
      expect(error.code).toBe('KW_INSTANCE_AMBIGUOUS');
      expect([...error.details.matches].sort()).toEqual([...twins].sort());
    }
    for (const id of twins) expect((await h.store.getInstance(id))?.name).toBe('Twin');
    expect((await call('GET', `/api/instances/${twins[0] ?? ''}`)).statusCode).toBe(200);
  });

  it('answers 404 for a name no instance carries, and deletes an instance by its name', async () => {
    const missing = await call('GET', byName('Nobody here'));
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'KW_API_NOT_FOUND' } });
    const doomed = await instanceNamed('Doomed', (await h.store.createCustomer({ name: 'Initech' })).id);
    expect((await call('DELETE', byName('Doomed'))).statusCode).toBe(204);
    expect(await h.store.getInstance(doomed)).toBeUndefined();
  });
});
