/**
 * A database that stops answering is a typed, retryable `KW_STORE_UNAVAILABLE`, never a crash: PostgreSQL
 * backends terminated under the store (the lock session included), and a SQLite file locked beyond its busy
 * timeout. Only this test's own sessions are terminated (found by their application_name).
 */
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { isKeywayError } from '../../src/errors';
import { openStore, sqliteFile, type Store, type StoreConfig } from '../../src/store';
import { dropPostgresSchema, postgresConfig, sqliteConfig } from '../runtime/workers/fixture';
import { until } from '../support/until';

/** The store's kysely handle (KyselyStore exposes it for tests and tooling). */
function dbOf(store: Store): Kysely<unknown> {
  return (store as unknown as { db: Kysely<unknown> }).db;
}

describe('PostgreSQL backends terminated under the store', () => {
  const application = `kw_unavail_${randomBytes(4).toString('hex')}`;
  let config: StoreConfig;
  let store: Store;
  let admin: pg.Client;

  const terminate = async (): Promise<number> => {
    const result = await admin.query<{ pid: number }>(
      'select pg_terminate_backend(pid) as ok, pid from pg_stat_activity where application_name = $1',
      [application],
    );
    return result.rowCount ?? 0;
  };

  beforeAll(async () => {
    const base = await postgresConfig();
    config = { ...base, databaseUrl: `${base.databaseUrl ?? ''}?application_name=${application}` };
    store = await openStore(config);
    admin = new pg.Client({ connectionString: base.databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await store.close();
    await admin.end();
    await dropPostgresSchema(config);
  });

  it('keeps the process up when the session holding a lock is terminated, and tells the holder the lock is lost', async () => {
    let heldAfter: boolean | undefined;
    let confirmedAfter: unknown;
    await store.withConnectionLock('chaos', { timeoutMs: 5000 }, async (lease) => {
      expect(lease.held).toBe(true);
      await lease.confirm();
      expect(await terminate()).toBeGreaterThan(0);
      // Asked at once, whether or not the close event has been handled yet: the database says it is gone.
      confirmedAfter = await lease.confirm().catch((err: unknown) => err);
      await until('the lease to be lost', () => !lease.held);
      heldAfter = lease.held;
      let thrown: unknown;
      try {
        lease.assertHeld();
      } catch (err) {
        thrown = err;
      }
      expect(isKeywayError(thrown, 'KW_STORE_UNAVAILABLE')).toBe(true);
    });
    expect(heldAfter).toBe(false);
    expect(isKeywayError(confirmedAfter, 'KW_STORE_UNAVAILABLE')).toBe(true);
    // The lock died with its session: it can be taken again at once, and nothing of ours holds one.
    await store.withConnectionLock('chaos', { timeoutMs: 1000 }, () => Promise.resolve());
    const locks = await admin.query(
      `select 1 from pg_locks l join pg_stat_activity a using (pid)
       where l.locktype = 'advisory' and a.application_name = $1`,
      [application],
    );
    expect(locks.rowCount).toBe(0);
  });

  it('fails a query in flight with KW_STORE_UNAVAILABLE and serves again without a restart', async () => {
    // Long enough to still be running when it is terminated, however slowly the test sees it start: a query that
    // ended first would resolve, and the test would fail for the database being slow, not for the store.
    const inFlight = sql`select pg_sleep(20)`.execute(dbOf(store)).then(
      () => undefined,
      (err: unknown) => err,
    );
    await until('the query to be running', async () => {
      const running = await admin.query(
        `select 1 from pg_stat_activity where application_name = $1 and query like '%pg_sleep%'`,
        [application],
      );
      return (running.rowCount ?? 0) > 0;
    });
    await terminate();
    const error = await inFlight;
    expect(isKeywayError(error, 'KW_STORE_UNAVAILABLE')).toBe(true);
    expect(isKeywayError(error) && error.retryAfterMs).toBeGreaterThan(0);
    expect(isKeywayError(error) && error.transient).toBe(true);
    // Pooled connections whose backends were terminated may still be handed out once each; every such failure
    // is the same retryable error, and the pool replaces them by itself.
    const codes = new Set<string>();
    await until('the store to serve again', () =>
      store.listCustomers().then(
        () => true,
        (err: unknown) => {
          codes.add(isKeywayError(err) ? err.code : String(err));
          return false;
        },
      ),
    );
    expect([...codes].filter((code) => code !== 'KW_STORE_UNAVAILABLE')).toEqual([]);
  }, 60_000);
});

describe('SQLite locked beyond its busy timeout', () => {
  it('answers KW_STORE_UNAVAILABLE rather than a raw SQLITE_BUSY, and serves again once the lock is gone', async () => {
    const config = sqliteConfig();
    const store = await openStore(config);
    await sql`pragma busy_timeout = 50`.execute(dbOf(store));
    const other = new BetterSqlite3(sqliteFile(config));
    try {
      other.exec('begin exclusive');
      const error = await store.createCustomer({ name: 'Blocked' }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isKeywayError(error, 'KW_STORE_UNAVAILABLE')).toBe(true);
      expect(isKeywayError(error) && error.status).toBe(503);
      other.exec('rollback');
      await expect(store.createCustomer({ name: 'Unblocked' })).resolves.toMatchObject({ name: 'Unblocked' });
    } finally {
      other.close();
      await store.close();
    }
  });
});
