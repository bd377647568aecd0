/**
 * `GET`, `PATCH` and `DELETE /api/customers/:id` name the customer as `POST /api/instances` and
 * `keyway customers show|delete` do: `:id` is the customer's id or, failing that, its external id. An id wins over
 * an external id equal to it; a value known by neither is a 404 that changes nothing.
 */
import { adminHarness } from './harness';

const ctx = adminHarness();

function call(method: 'GET' | 'PATCH' | 'DELETE', ref: string, body?: unknown) {
  return ctx.h.inject({
    method,
    url: `/api/customers/${encodeURIComponent(ref)}`,
    headers: {
      authorization: `Bearer ${ctx.admin}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}

interface CustomerBody {
  readonly customer: { readonly id: string; readonly name: string; readonly externalId: string | null };
}

describe('/api/customers/:id by external id', () => {
  it('reads, updates and deletes a customer named by its external id', async () => {
    const customer = await ctx.h.store.createCustomer({ name: 'Hooli', externalId: 'hooli-9' });

    const read = await call('GET', 'hooli-9');
    expect(read.statusCode).toBe(200);
    expect((read.json() as CustomerBody).customer).toMatchObject({ id: customer.id, name: 'Hooli' });

    const renamed = await call('PATCH', 'hooli-9', { name: 'Hooli XYZ' });
    expect(renamed.statusCode).toBe(200);
    expect((renamed.json() as CustomerBody).customer).toMatchObject({ id: customer.id, name: 'Hooli XYZ' });
    expect((await ctx.h.store.getCustomer(customer.id))?.name).toBe('Hooli XYZ');

    // The audit log names the customer by its id, whatever the path called it.
    const audit = await ctx.h.inject({
      method: 'GET',
      url: '/api/audit',
      headers: { authorization: `Bearer ${ctx.admin}` },
    });
    const entries = (audit.json() as { entries: { action: string; target: string | null }[] }).entries;
    expect(entries.filter((e) => e.action === 'PATCH /api/customers/:id').map((e) => e.target)).toEqual([
      customer.id,
    ]);

    const deleted = await call('DELETE', 'hooli-9');
    expect(deleted.statusCode).toBe(204);
    expect(await ctx.h.store.getCustomer(customer.id)).toBeUndefined();
    expect((await call('GET', 'hooli-9')).statusCode).toBe(404);
  });

  it("resolves an external id equal to another customer's id to that id's customer", async () => {
    const owner = await ctx.h.store.createCustomer({ name: 'Owner of the id' });
    const twin = await ctx.h.store.createCustomer({ name: 'Twin', externalId: owner.id });

    const read = await call('GET', owner.id);
    expect((read.json() as CustomerBody).customer).toMatchObject({ id: owner.id, name: 'Owner of the id' });

    expect((await call('PATCH', owner.id, { name: 'Owner renamed' })).statusCode).toBe(200);
    expect((await ctx.h.store.getCustomer(owner.id))?.name).toBe('Owner renamed');
    expect((await ctx.h.store.getCustomer(twin.id))?.name).toBe('Twin');

    expect((await call('DELETE', owner.id)).statusCode).toBe(204);
    expect(await ctx.h.store.getCustomer(owner.id)).toBeUndefined();
    expect(await ctx.h.store.getCustomer(twin.id)).toMatchObject({ name: 'Twin' });
    // With the id's customer gone, the same value now names the twin by its external id.
    expect((await call('GET', owner.id)).json()).toMatchObject({ customer: { id: twin.id } });
  });

  it('answers 404 KW_API_NOT_FOUND for a customer known by neither, and changes nothing', async () => {
    const before = await ctx.h.store.listCustomers();
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { name: 'Nobody' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await call(method, 'no-such-customer', body);
      expect(res.statusCode).toBe(404);
      const { error } = res.json() as { error: { code: string; message: string } };
      expect(error.code).toBe('KW_API_NOT_FOUND');
      expect(error.message).toContain('"no-such-customer"');
      // The message says how the reference was tried: as an id, then as an external id.
      expect(error.message).toMatch(/\bid\b.*\bexternal id\b/);
    }
    expect(await ctx.h.store.listCustomers()).toEqual(before);
  });
});

describe('the OpenAPI document', () => {
  it('says that every /api/customers/{id} operation takes the id or the external id, the id first', async () => {
    const res = await ctx.h.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = res.json() as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; in: string; description?: string }[] }>
      >;
    };
    const operations = Object.values(doc.paths['/api/customers/{id}'] ?? {});
    expect(operations).toHaveLength(3);
    for (const op of operations) {
      const id = (op.parameters ?? []).find((p) => p.in === 'path' && p.name === 'id');
      expect(id?.description).toMatch(/external id/);
      expect(id?.description).toMatch(/id wins/);
    }
  });
});
