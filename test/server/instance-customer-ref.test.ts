/**
 * `POST /api/instances` names its customer as `keyway instances create` does: `customerId` is the customer's id
 * or, failing that, its external id (the platform's own key for it). An unknown one is a 404 and creates nothing.
 * The list's `?customerId=` filter takes either as well.
 */
import { adminHarness } from './harness';

const ctx = adminHarness();

function createInstance(customerId: string, name: string) {
  return ctx.h.inject({
    method: 'POST',
    url: '/api/instances',
    headers: { authorization: `Bearer ${ctx.admin}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ customerId, name, components: ['serverTest'] }),
  });
}

describe('POST /api/instances, customerId', () => {
  it("takes the customer's external id, and stores the instance under the customer's id", async () => {
    const customer = await ctx.h.store.createCustomer({ name: 'Initech', externalId: 'initech-42' });
    const res = await createInstance('initech-42', 'Initech by external id');
    expect(res.statusCode).toBe(201);
    const { instance } = res.json() as { instance: { id: string; customerId: string } };
    expect(instance.customerId).toBe(customer.id);
    expect((await ctx.h.store.getInstance(instance.id))?.customerId).toBe(customer.id);

    const byId = await createInstance(customer.id, 'Initech by id');
    expect(byId.statusCode).toBe(201);
    expect((byId.json() as { instance: { customerId: string } }).instance.customerId).toBe(customer.id);
  });

  it('answers 404 KW_STORE_NOT_FOUND for a customer known by neither, and creates nothing', async () => {
    const before = (await ctx.h.store.listInstances()).length;
    const res = await createInstance('no-such-customer', 'Nobody’s');
    expect(res.statusCode).toBe(404);
    const { error } = res.json() as { error: { code: string; message: string } };
    expect(error.code).toBe('KW_STORE_NOT_FOUND');
    expect(error.message).toContain('"no-such-customer"');
    expect(error.message).toContain('external id');
    expect(await ctx.h.store.listInstances()).toHaveLength(before);
  });

  it('filters GET /api/instances?customerId= by the external id too', async () => {
    const customer = await ctx.h.store.createCustomer({ name: 'Globex', externalId: 'globex-7' });
    expect((await createInstance('globex-7', 'Globex sync')).statusCode).toBe(201);
    for (const ref of ['globex-7', customer.id]) {
      const res = await ctx.h.inject({
        method: 'GET',
        url: `/api/instances?customerId=${ref}`,
        headers: { authorization: `Bearer ${ctx.admin}` },
      });
      expect(res.statusCode).toBe(200);
      const { instances } = res.json() as { instances: { name: string; customerId: string }[] };
      expect(instances.map((i) => [i.name, i.customerId])).toEqual([['Globex sync', customer.id]]);
    }
  });
});
