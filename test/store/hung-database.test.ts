/**
 * A PostgreSQL server that accepts connections but never answers (a throw-away cluster's processes frozen with
 * SIGSTOP), under a store whose pool connections are already open: calls fail with `KW_STORE_UNAVAILABLE` within
 * the statement deadline instead of hanging with the database, a transaction the deadline cut is never
 * committed, no cut connection is lent out again, and waiting for a lock longer than the deadline still works.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { isKeywayError } from '../../src/errors';
import { openStore, type Store } from '../../src/store';
import {
  startThrowawayPostgres,
  throwawayPostgresAvailable,
  type ThrowawayPostgres,
} from '../support/throwaway-postgres';
import { until } from '../support/until';

const DEADLINE_MS = 1_000;
/** Far above the deadline for a loaded host, far below "as long as the database hangs". */
const BOUND_MS = 8_000;
const PASSWORD = 'hung-db-secret-pw';

/** The store's kysely handle (KyselyStore exposes it for tests and tooling). */
function dbOf(store: Store): Kysely<unknown> {
  return (store as unknown as { db: Kysely<unknown> }).db;
}

/** What `work` settled with and after how long; gives up (as a result, not a hang) after 20 s. */
async function timed(work: () => Promise<unknown>): Promise<{ outcome: unknown; ms: number }> {
  const started = Date.now();
  let guard: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    work().then(
      (value: unknown) => ({ value }),
      (err: unknown) => err,
    ),
    new Promise((resolve) => {
      guard = setTimeout(() => resolve('still waiting after 20 s'), 20_000);
    }),
  ]);
  clearTimeout(guard);
  return { outcome, ms: Date.now() - started };
}

(throwawayPostgresAvailable ? describe : describe.skip)(
  'a PostgreSQL server that hangs under the store',
  () => {
    let cluster: ThrowawayPostgres;
    let store: Store;

    beforeAll(async () => {
      cluster = await startThrowawayPostgres();
      // trust authentication ignores the password: it is there to prove no message carries it.
      const url = cluster.url.replace('postgres://root@', `postgres://root:${PASSWORD}@`);
      store = await openStore({
        databaseUrl: url,
        keys: `k1:${randomBytes(32).toString('base64')}`,
        poolMax: 2,
        statementTimeoutMs: DEADLINE_MS,
      });
    }, 60_000);

    afterAll(async () => {
      cluster?.thaw();
      await store?.close();
      cluster?.destroy();
    });

    /** Both pool connections open and idle, as in a replica that has been serving for a while. */
    async function warmPool(): Promise<void> {
      await Promise.all([store.listCustomers(), sql`select pg_sleep(0.05)`.execute(dbOf(store))]);
    }

    /** Every pool connection answers again (none was lent out cut), and a write commits. */
    async function servingAgain(): Promise<void> {
      await until(
        'the store to answer again',
        () =>
          store.ping().then(
            () => true,
            () => false,
          ),
        30_000,
      );
      const rounds = await Promise.all(Array.from({ length: 6 }, () => store.listCustomers()));
      expect(rounds).toHaveLength(6);
      const customer = await store.createCustomer({ name: `after-${randomBytes(3).toString('hex')}` });
      expect((await store.getCustomer(customer.id))?.name).toBe(customer.name);
    }

    it('fails a call on an open pool connection with KW_STORE_UNAVAILABLE within the deadline, and serves again once the database answers', async () => {
      await warmPool();
      cluster.freeze();
      let call: { outcome: unknown; ms: number };
      let second: { outcome: unknown; ms: number };
      try {
        call = await timed(() => store.listCustomers());
        // The pool now opens a new connection, which the frozen server accepts and never answers either.
        second = await timed(() => store.getCustomer('cus_missing'));
      } finally {
        cluster.thaw();
      }
      expect(isKeywayError(call.outcome, 'KW_STORE_UNAVAILABLE')).toBe(true);
      expect(call.ms).toBeLessThan(BOUND_MS);
      const message = (call.outcome as Error).message;
      expect(message).toContain(`did not answer within ${DEADLINE_MS} ms`);
      expect(message).not.toContain(PASSWORD);
      expect(message).not.toContain('127.0.0.1');
      expect(isKeywayError(second.outcome, 'KW_STORE_UNAVAILABLE')).toBe(true);
      // Connect timeout (5 s) or the deadline, whichever the pool met first.
      expect(second.ms).toBeLessThan(BOUND_MS);
      await servingAgain();
    }, 120_000);

    it('never commits a transaction the deadline cut', async () => {
      const key = `hung-${randomBytes(4).toString('hex')}`;
      await warmPool();
      let cut: { outcome: unknown; ms: number } | undefined;
      try {
        cut = await timed(() =>
          dbOf(store)
            .transaction()
            .execute(async (trx) => {
              await sql`insert into meta (key, value) values (${key}, 'half')`.execute(trx);
              cluster.freeze();
              await sql`update meta set value = 'whole' where key = ${key}`.execute(trx);
            }),
        );
      } finally {
        cluster.thaw();
      }
      expect(isKeywayError(cut.outcome, 'KW_STORE_UNAVAILABLE')).toBe(true);
      expect(cut.ms).toBeLessThan(BOUND_MS);
      await servingAgain();
      // The cut session is gone (its backend saw the closed socket and rolled back), and left nothing behind.
      await until(
        'the cut session to end',
        async () =>
          (
            await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
            where state like 'idle in transaction%' and pid <> pg_backend_pid()`.execute(dbOf(store))
          ).rows[0]?.n === 0,
        30_000,
      );
      const rows = await sql`select value from meta where key = ${key}`.execute(dbOf(store));
      expect(rows.rows).toEqual([]);
    }, 120_000);

    it('fails a lock taken while the database hangs with KW_STORE_UNAVAILABLE, and locks again after', async () => {
      await warmPool();
      cluster.freeze();
      let locking: { outcome: unknown; ms: number };
      try {
        locking = await timed(() =>
          store.withConnectionLock('hung', { timeoutMs: 60_000 }, () => Promise.resolve('ran')),
        );
      } finally {
        cluster.thaw();
      }
      expect(isKeywayError(locking.outcome, 'KW_STORE_UNAVAILABLE')).toBe(true);
      expect(locking.ms).toBeLessThan(BOUND_MS);
      await servingAgain();
      expect(await store.withConnectionLock('hung', { timeoutMs: 5_000 }, () => Promise.resolve('ran'))).toBe(
        'ran',
      );
    }, 120_000);

    it('does not cut a wait for a lock that is held longer than the deadline', async () => {
      let release: () => void = () => undefined;
      let held: () => void = () => undefined;
      const taken = new Promise<void>((resolve) => {
        held = resolve;
      });
      const holder = store.withConnectionLock('long', { timeoutMs: 5_000 }, async () => {
        held();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      });
      await taken;
      const started = Date.now();
      const waiter = store.withConnectionLock('long', { timeoutMs: 20_000 }, () =>
        Promise.resolve(Date.now() - started),
      );
      // Released only once the waiter has waited past the deadline three times over.
      await until('three deadlines to pass', () => Date.now() - started > 3 * DEADLINE_MS, 10_000);
      release();
      await holder;
      expect(await waiter).toBeGreaterThan(3 * DEADLINE_MS);
    }, 60_000);
  },
);
