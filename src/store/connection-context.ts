/**
 * A connection's `context`: what the provider sent on the authorization callback besides the code and state
 * (Intuit's `realmId`, Zoho's `accounts-server`, Shopify's `shop`, …), which spectral hands a component as
 * `connection.context`. Stored in the connection row's `context` cell, encrypted like its tokens (a realm or
 * shop id tells which customer account the tokens open); an empty context is stored as NULL, so connections
 * without one cost no encryption.
 */
import type { Kysely, Migration } from 'kysely';
import type { JsonObject } from './types';

/** The connection column holding the encrypted context. */
export const CONTEXT_COLUMN = 'context';

/** The cell to store for `context`: NULL when empty, else the encrypted JSON. */
export function contextCell(
  context: JsonObject | null | undefined,
  encrypt: (plaintext: string) => string,
): string | null {
  if (context === null || context === undefined || Object.keys(context).length === 0) return null;
  return encrypt(JSON.stringify(context));
}

/** Migration `0004_connection_context`: the nullable `context` cell on connections. */
export function connectionContextMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('connections').addColumn(CONTEXT_COLUMN, 'text').execute();
    },
  };
}
