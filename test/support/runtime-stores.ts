/**
 * Real stores for the runtime tests: SQLite in a fresh temp dir, PostgreSQL in a fresh schema of database `test`
 * (dropped on close). PostgreSQL is never skipped: unreachable means the test fails, with a message saying how to
 * start it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../src/store';
import type { Store } from '../../src/store';

/** A store and how to dispose of it. */
export interface TestStore {
  readonly store: Store;
  readonly close: () => Promise<void>;
  /** Opens another store on the same database, as a second replica would (the caller closes it). */
  readonly openReplica: () => Promise<Store>;
  /** Runs SQL statements on the same database outside the store (to inject a fault, e.g. a trigger). */
  readonly rawExec: (sqlText: string) => Promise<void>;
}

/** SQLite in a fresh temporary data directory (key generated there). */
export async function openSqliteTestStore(): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyway-runtime-'));
  const store = await openStore({ dataDir, notice: () => undefined });
  return {
    store,
    close: () => store.close(),
    openReplica: () => openStore({ dataDir, notice: () => undefined }),
    rawExec: (sqlText) => {
      const db = new BetterSqlite3(join(dataDir, 'keyway.sqlite'));
      try {
        db.pragma('busy_timeout = 5000');
        db.exec(sqlText);
        return Promise.resolve();
      } finally {
        db.close();
      }
    },
  };
}

const databaseUrl = process.env['KEYWAY_TEST_DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';

/** PostgreSQL in a fresh schema; fails (never skips) when the server is unreachable. */
export async function openPostgresTestStore(): Promise<TestStore> {
  const schema = `kw_rt_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  admin.on('error', () => undefined);
  try {
    await admin.query(`create schema ${schema}`);
  } catch (error) {
    await admin.end();
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `PostgreSQL is unreachable at ${databaseUrl.replace(/:[^:@/]*@/, ':***@')} (${why}). Start it (.ci/run does) or set KEYWAY_TEST_DATABASE_URL.${process.env['CI'] === 'true' ? ' CI=true: this is a failure.' : ''}`,
    );
  }
  const keys = `rt1:${randomBytes(32).toString('base64')}`;
  const store = await openStore({ databaseUrl, postgresSchema: schema, keys, poolMax: 4 });
  return {
    store,
    openReplica: () => openStore({ databaseUrl, postgresSchema: schema, keys, poolMax: 2 }),
    rawExec: async (sqlText) => {
      // One simple-protocol query: the statements run in one implicit transaction, on the test's schema.
      await admin.query(`set search_path to ${schema}; ${sqlText}`);
    },
    close: async () => {
      await store.close();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    },
  };
}

/** Both engines, for `describe.each(storeEngines)`: the runtime suites run against each. */
export const storeEngines: [string, () => Promise<TestStore>][] = [
  ['SQLite', openSqliteTestStore],
  ['PostgreSQL', openPostgresTestStore],
];
