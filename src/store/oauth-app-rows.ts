/**
 * What the two OAuth app tables share ({@link OAuthAppStore} per connection definition in ./oauth-apps,
 * {@link ProviderOAuthAppStore} per catalog provider in ./provider-oauth-apps): the value columns, the
 * encrypted `secret_fields` cell (the row's identity as associated data), the upsert and the table shape.
 * Each table adds only its own key columns.
 */
import type { CreateTableBuilder, Kysely } from 'kysely';
import { z } from 'zod';
import type { StoreContext } from './context';
import { intColumn, jsonObjectColumn, parseRow } from './rows';
import type { Database } from './schema';
import type { EpochMs, JsonObject } from './types';

/** The tables holding OAuth apps. */
export type OAuthAppTable = 'oauth_apps' | 'provider_oauth_apps';

/** The values of an app, as its `put` input gives them. */
export interface AppValuesInput {
  readonly fields: JsonObject;
  readonly secretFields: JsonObject;
}

/** The values of a stored app, decrypted. `secretFields` holds secrets: never log it or send it anywhere. */
export interface AppValues extends AppValuesInput {
  readonly createdAt: EpochMs;
  readonly updatedAt: EpochMs;
}

/** The columns both tables have. */
type AppColumns = Pick<
  Database[OAuthAppTable],
  'id' | 'fields' | 'secret_fields' | 'created_at' | 'updated_at'
>;

/** The value columns of a new or replaced app `id`, its secrets encrypted, both times set to now. */
export function encodeAppValues(
  ctx: StoreContext,
  table: OAuthAppTable,
  id: string,
  input: AppValuesInput,
): AppColumns {
  const now = ctx.now();
  return {
    id,
    fields: JSON.stringify(input.fields),
    secret_fields: ctx.cells.encrypt(table, id, 'secret_fields', JSON.stringify(input.secretFields)),
    created_at: now,
    updated_at: now,
  };
}

/** The value columns of an app row; the encrypted cell stays ciphertext here (see {@link decodeAppValues}). */
const appRow = z.object({
  id: z.string(),
  fields: jsonObjectColumn,
  secret_fields: z.string(),
  created_at: intColumn,
  updated_at: intColumn,
});

/**
 * The values of a stored app row, its secrets decrypted. A row that does not read back is
 * `KW_STORE_CORRUPT_ROW` naming the table and the row's id (never a cell's contents); a secret cell that does
 * not decrypt is the key ring's typed error (`KW_CRYPTO_*`), as for every encrypted cell.
 */
export function decodeAppValues(ctx: StoreContext, table: OAuthAppTable, row: AppColumns): AppValues {
  const where = `${table} row ${row.id}`;
  const r = parseRow(appRow, row, where);
  const secret = ctx.cells.decrypt(table, r.id, 'secret_fields', r.secret_fields);
  return {
    fields: r.fields,
    secretFields: parseRow(jsonObjectColumn, secret, `${where} secret fields`),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Inserts `row`, or replaces the values (not the creation time) of the row with its id. */
export async function upsertApp<T extends OAuthAppTable>(
  ctx: StoreContext,
  table: T,
  row: Database[T],
): Promise<void> {
  // Both tables have the columns written here; Kysely cannot see that through a generic table name. The
  // insert still writes every column of `row` (Kysely reads the object's keys), the table's key columns too.
  const db = ctx.db as unknown as Kysely<Record<OAuthAppTable, AppColumns>>;
  const name: OAuthAppTable = table;
  const values: AppColumns = row;
  await db
    .insertInto(name)
    .values(values)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        fields: values.fields,
        secret_fields: values.secret_fields,
        updated_at: values.updated_at,
      }),
    )
    .execute();
}

/**
 * Creates an app table: `id` (the primary key), the table's own key columns that `keyColumns` adds, then the
 * value columns.
 */
export async function createAppTable(
  db: Kysely<unknown>,
  table: OAuthAppTable,
  keyColumns: (builder: CreateTableBuilder<OAuthAppTable>) => CreateTableBuilder<OAuthAppTable> = (b) => b,
): Promise<void> {
  await keyColumns(db.schema.createTable(table).addColumn('id', 'text', (c) => c.primaryKey()))
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('secret_fields', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
