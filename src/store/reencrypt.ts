/** Key rotation's store side: counting and rewriting cells not yet under the primary key. */
import { sql } from 'kysely';
import { KeywayError } from '../errors';
import type { ErrorCode } from '../errors';
import type { EncryptedColumn } from './cells';
import type { StoreContext } from './context';
import { cellAad } from './crypto';

/** One batch's outcome: the last id seen (to resume from), cells rewritten and cells that did not decrypt. */
export interface ReencryptResult {
  lastId: string;
  rewritten: number;
  seen: number;
  failures: { id: string; code: ErrorCode }[];
}

/**
 * How many cells of `target` are not yet under the primary key. Used by `rotateKeys` for its progress
 * total.
 */
export async function countStale(ctx: StoreContext, target: EncryptedColumn): Promise<number> {
  const prefix = `v1.${ctx.cells.keys.primaryId}.`;
  const row = await ctx.db
    .selectFrom(target.table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where(sql.ref(target.column), 'is not', null)
    .where(sql`substr(${sql.ref(target.column)}, 1, ${sql.lit(prefix.length)})`, '<>', prefix)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Re-encrypts up to `limit` cells of `target` whose id sorts after `afterId` and that are not under the
 * primary key, in one transaction. Each update is conditional on the old ciphertext, so a concurrent
 * writer (who always writes under the primary key) wins and nothing is lost. Returns `undefined` when there
 * is nothing left.
 */
export function reencryptBatch(
  ctx: StoreContext,
  target: EncryptedColumn,
  afterId: string,
  limit: number,
): Promise<ReencryptResult | undefined> {
  const keys = ctx.cells.keys;
  const prefix = `v1.${keys.primaryId}.`;
  const idRef = sql.ref(target.idColumn);
  const colRef = sql.ref(target.column);
  return ctx.db.transaction().execute(async (trx) => {
    const result = await sql<{ id: string; value: string }>`
      select ${idRef} as id, ${colRef} as value from ${sql.table(target.table)}
      where ${colRef} is not null
        and substr(${colRef}, 1, ${sql.lit(prefix.length)}) <> ${prefix}
        and ${idRef} > ${afterId}
      order by ${idRef}
      limit ${sql.lit(limit)}`.execute(trx);
    const rows = result.rows;
    const last = rows[rows.length - 1];
    if (!last) return undefined;
    let rewritten = 0;
    const failures: { id: string; code: ErrorCode }[] = [];
    for (const row of rows) {
      const aad = cellAad(target.table, row.id, target.column);
      let plaintext: string;
      try {
        plaintext = keys.decrypt(row.value, aad);
      } catch (err) {
        // A cell that does not decrypt stays as it is (and keeps failing on read); rotation goes on
        // and reports it rather than leaving every later row on the old key.
        if (!(err instanceof KeywayError)) throw err;
        failures.push({ id: row.id, code: err.code });
        continue;
      }
      const fresh = keys.encrypt(plaintext, aad);
      const updated = await sql`
        update ${sql.table(target.table)} set ${colRef} = ${fresh}
        where ${idRef} = ${row.id} and ${colRef} = ${row.value}`.execute(trx);
      rewritten += Number(updated.numAffectedRows ?? 0);
    }
    return { lastId: last.id, rewritten, seen: rows.length, failures };
  });
}
