/**
 * A connect-page error a customer cannot fix (the connection's setup lacks a value) reads as a sentence saying
 * who can fix it, never as a bare code or an internal field name; the operator gets the field through the API.
 */
import { createInstance } from '../../src/runtime';
import { cookieFrom, csrfFrom, startHarness } from './harness';
import type { Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function instanceWithoutClientId(): Promise<{ instanceId: string; connectionId: string }> {
  const customer = await h.store.createCustomer({ name: 'Umbrella' });
  const created = await createInstance(
    { store: h.store, components: h.components },
    {
      customerId: customer.id,
      name: 'Umbrella prod',
      components: ['serverTest'],
      // The platform forgot the client id of its OAuth app.
      connections: [
        {
          name: 'crm',
          componentKey: 'serverTest',
          definitionKey: 'sandboxOAuth',
          fields: { issuer: h.sandbox.url },
        },
      ],
    },
  );
  return { instanceId: created.instance.id, connectionId: created.connections[0]?.id ?? '' };
}

describe('connect-page errors', () => {
  it('tell the customer in a sentence who can fix a connection whose setup lacks a value', async () => {
    const { instanceId, connectionId } = await instanceWithoutClientId();
    const link = h.linkPath(instanceId);
    const page = await h.inject({ method: 'GET', url: link });
    const cookie = cookieFrom(page.headers['set-cookie']);
    const res = await h.inject({
      method: 'POST',
      url: `${link}/c/${connectionId}/authorize`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: new URLSearchParams({ _csrf: csrfFrom(page.body) }).toString(),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('This connection is not fully set up yet, so it cannot connect.');
    expect(res.body).toContain('Please tell Acme Platform');
    expect(res.body).not.toContain('clientId is required');
  });

  it('give the operator the field that is wrong in the API error', async () => {
    const key = (await h.store.createApiKey({ name: 'ops', scopes: ['*'] })).key;
    const customer = await h.store.createCustomer({ name: 'Soylent' });
    const created = await createInstance(
      { store: h.store, components: h.components },
      {
        customerId: customer.id,
        name: 'Soylent service',
        components: ['serverTest'],
        connections: [
          {
            name: 'service',
            componentKey: 'serverTest',
            definitionKey: 'sandboxCc',
            fields: { issuer: h.sandbox.url },
          },
        ],
      },
    );
    const res = await h.inject({
      method: 'POST',
      url: `/api/instances/${created.instance.id}/connections/service/activate`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { code: 'KW_PROVIDER_FIELD_MISSING', details: { field: 'clientId' } },
    });
  });
});
