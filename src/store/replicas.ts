/**
 * Replicas' heartbeats and the encryption keys they hold. Every serving process publishes the key ids of its
 * ring every few seconds with an expiry; `keys rotate` refuses a key some live replica lacks, and a process
 * reports itself not ready when stored secrets or other replicas' primary keys use a key it does not hold.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { KeywayError } from '../errors';
import { envelopeKeyId } from './crypto';
import type { KeyRing } from './crypto';
import type { EncryptedColumn } from './cells';
import type { Database, ReplicasTable } from './schema';
import type { Replica, ReplicaHeartbeat } from './types';

/** Encrypted cells, as `table.column` pairs: kysely-store's `encryptedColumns`. */
export type EncryptedCell = Pick<EncryptedColumn, 'table' | 'column'>;

/** At most this many unknown key ids are looked for: one is enough to be not ready, a few help the operator. */
const MAX_UNKNOWN_KEYS = 5;

function toReplica(row: ReplicasTable): Replica {
  const keyIds = JSON.parse(row.key_ids) as unknown;
  if (!Array.isArray(keyIds) || !keyIds.every((id): id is string => typeof id === 'string')) {
    throw new KeywayError('KW_STORE_CORRUPT_ROW', {
      message: `Stored key ids of replica ${row.id} are malformed.`,
    });
  }
  return {
    id: row.id,
    label: row.label,
    keyIds,
    primaryKeyId: row.primary_key_id,
    seenAt: Number(row.seen_at),
    expiresAt: Number(row.expires_at),
  };
}

/** The replica table and key-usage questions, over one store's database and key ring. */
export class Replicas {
  readonly #db: Kysely<Database>;
  readonly #ring: KeyRing;
  readonly #now: () => number;
  readonly #cells: readonly EncryptedCell[];

  constructor(db: Kysely<Database>, ring: KeyRing, now: () => number, cells: readonly EncryptedCell[]) {
    this.#db = db;
    this.#ring = ring;
    this.#now = now;
    this.#cells = cells;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db);
  }

  async publish(heartbeat: ReplicaHeartbeat): Promise<Replica> {
    if (!Number.isSafeInteger(heartbeat.ttlMs) || heartbeat.ttlMs < 1) {
      throw new KeywayError('KW_STORE_INVALID_INPUT', {
        message: 'A heartbeat ttlMs must be a positive integer.',
      });
    }
    const now = this.#now();
    const row: ReplicasTable = {
      id: heartbeat.id,
      label: heartbeat.label,
      key_ids: JSON.stringify(this.#ring.ids),
      primary_key_id: this.#ring.primaryId,
      seen_at: now,
      expires_at: now + heartbeat.ttlMs,
    };
    await this.#db
      .insertInto('replicas')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          label: row.label,
          key_ids: row.key_ids,
          primary_key_id: row.primary_key_id,
          seen_at: row.seen_at,
          expires_at: row.expires_at,
        }),
      )
      .execute();
    // Expired heartbeats of processes that died without withdrawing: whoever publishes cleans up.
    await this.#db.deleteFrom('replicas').where('expires_at', '<', now).execute();
    return toReplica(row);
  }

  async withdraw(id: string): Promise<void> {
    await this.#db.deleteFrom('replicas').where('id', '=', id).execute();
  }

  async live(): Promise<Replica[]> {
    const rows = await this.#db
      .selectFrom('replicas')
      .selectAll()
      .where('expires_at', '>=', this.#now())
      .orderBy('id')
      .execute();
    return rows.map(toReplica);
  }

  /** See `Store.missingKeyIds`. */
  async missingKeyIds(): Promise<string[]> {
    const held = new Set(this.#ring.ids);
    const missing = new Set<string>();
    for (const replica of await this.live()) {
      if (!held.has(replica.primaryKeyId)) missing.add(replica.primaryKeyId);
    }
    for (const cell of this.#cells) {
      while (missing.size < MAX_UNKNOWN_KEYS) {
        const found = await this.#cellUnderKeyOtherThan(cell, [...held, ...missing]);
        if (found === undefined) break;
        missing.add(found);
      }
    }
    return [...missing].sort();
  }

  /** The key id of one cell not encrypted under any of `keyIds`, or `undefined` when there is none. */
  async #cellUnderKeyOtherThan(cell: EncryptedCell, keyIds: readonly string[]): Promise<string | undefined> {
    const column = sql.ref(cell.column);
    const prefixes = keyIds.map((id) => `v1.${id}.`);
    const row = await this.#db
      .selectFrom(cell.table)
      .select(sql<string>`${column}`.as('value'))
      .where(column, 'is not', null)
      .where((eb) =>
        eb.and(
          prefixes.map((prefix) => eb(sql`substr(${column}, 1, ${sql.lit(prefix.length)})`, '<>', prefix)),
        ),
      )
      .limit(1)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    try {
      return envelopeKeyId(row.value);
    } catch {
      // A malformed cell is rotation's business (it lists it); it names no key.
      return undefined;
    }
  }
}
