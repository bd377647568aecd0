/** Customers: the people or companies instances belong to. */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { StoreContext } from './context';
import { intColumn, nonEmpty, notFound, parseInput, parseRow, translateWriteError } from './rows';
import type { CustomersTable } from './schema';
import type { Customer, CustomerPatch, NewCustomer } from './types';

const newCustomerSchema = z.object({
  id: nonEmpty.optional(),
  externalId: nonEmpty.nullable().optional(),
  name: nonEmpty,
});
const customerPatchSchema = z.object({
  externalId: nonEmpty.nullable().optional(),
  name: nonEmpty.optional(),
});
const customerRow = z
  .object({
    id: z.string(),
    external_id: z.string().nullable(),
    name: z.string(),
    created_at: intColumn,
    updated_at: intColumn,
  })
  .transform((row): Customer => ({
    id: row.id,
    externalId: row.external_id,
    name: row.name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));

/** Reads a row; shared with ./admin and ./instances. */
export function toCustomer(row: Selectable<CustomersTable>): Customer {
  return parseRow(customerRow, row, `customer ${row.id}`);
}

/** The customers table. */
export class Customers {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async create(input: NewCustomer): Promise<Customer> {
    const data = parseInput(newCustomerSchema, input, 'customer');
    const now = this.#ctx.now();
    const row = await this.#ctx.db
      .insertInto('customers')
      .values({
        id: data.id ?? randomUUID(),
        external_id: data.externalId ?? null,
        name: data.name,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => translateWriteError(err, 'A customer with this id or external id'));
    return toCustomer(row);
  }

  async get(id: string): Promise<Customer | undefined> {
    const row = await this.#ctx.db
      .selectFrom('customers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toCustomer(row);
  }

  async getByExternalId(externalId: string): Promise<Customer | undefined> {
    const row = await this.#ctx.db
      .selectFrom('customers')
      .selectAll()
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    return row && toCustomer(row);
  }

  async list(): Promise<Customer[]> {
    const rows = await this.#ctx.db
      .selectFrom('customers')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toCustomer);
  }

  async update(id: string, patch: CustomerPatch): Promise<Customer> {
    const data = parseInput(customerPatchSchema, patch, 'customer update');
    const row = await this.#ctx.db
      .updateTable('customers')
      .set({
        ...(data.externalId !== undefined ? { external_id: data.externalId } : {}),
        ...(data.name !== undefined ? { name: data.name } : {}),
        updated_at: this.#ctx.now(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
      .catch((err: unknown) => translateWriteError(err, 'A customer with this external id'));
    if (!row) throw notFound('customer', id);
    return toCustomer(row);
  }

  async delete(id: string): Promise<void> {
    await this.#ctx.db.deleteFrom('customers').where('id', '=', id).execute();
  }
}
