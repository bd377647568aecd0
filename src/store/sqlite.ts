/**
 * The embedded engine: one SQLite file (better-sqlite3, WAL) that several processes on one machine may
 * share. Transactions are IMMEDIATE so a writer takes the write lock up front and waits (busy_timeout)
 * instead of failing with SQLITE_BUSY when it upgrades from reading.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Dialect, SqliteDatabase } from 'kysely';
import { KeywayError } from '../errors';
import { reportingChanges } from './changes';
import type { EngineHandle } from './engine';
import { lockLease, pollUntil } from './engine';
import type { Database } from './schema';
import type { LockLease, LockOptions } from './types';
import { reportingUnavailable } from './unavailable';

/** How long a connection waits for another's write lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 10_000;
const DEFAULT_LEASE_MS = 30_000;

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

// SQLite does run DDL inside transactions; saying so makes kysely's migrator run each migration (and its
// bookkeeping) in one IMMEDIATE transaction, which also serialises migrators in several processes.
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** How many distinct SQL texts keep their prepared statement; the store issues a few dozen shapes. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The database as kysely's driver sees it, preparing each distinct SQL text once: kysely calls `prepare` for
 * every query, and compiling the same statement again on each call was the largest single cost of a cached
 * token lookup. kysely serialises queries on SQLite's one connection, so a statement is never in use twice at
 * once. Least recently used statements are dropped beyond `capacity` (queries with generated `in (...)`
 * lists would otherwise grow the cache without bound).
 */
export function cachingStatements(
  database: BetterSqlite3.Database,
  capacity = STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare: (sqlText) => {
      let statement = statements.get(sqlText);
      if (statement) {
        // Re-inserting moves it to the end: Map iteration order is the eviction order.
        statements.delete(sqlText);
      } else {
        statement = database.prepare(sqlText);
        if (statements.size >= capacity) {
          const oldest = statements.keys().next();
          if (oldest.done !== true) statements.delete(oldest.value);
        }
      }
      statements.set(sqlText, statement);
      return statement;
    },
  };
}

/** Opens (creating if needed) the SQLite database at `file`. */
export function openSqliteEngine(file: string): EngineHandle {
  let database: BetterSqlite3.Database;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const created = !existsSync(file);
    database = new BetterSqlite3(file);
    // SQLite gives its -wal and -shm files the main file's mode, so this covers all three.
    if (created) chmodSync(file, 0o600);
    database.pragma('journal_mode = WAL');
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    database.pragma('foreign_keys = ON');
    database.pragma('synchronous = NORMAL');
  } catch (cause) {
    throw new KeywayError('KW_STORE_UNAVAILABLE', {
      message: `Cannot open the SQLite database at ${file}: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    });
  }
  const config = { database: cachingStatements(database) };
  const base = new SqliteDialect(config);
  const localListeners = new Set<() => void>();
  const dialect: Dialect = {
    createDriver: () =>
      reportingChanges(reportingUnavailable(new ImmediateSqliteDriver(config)), () => {
        for (const listener of localListeners) listener();
      }),
    createAdapter: () => new TransactionalSqliteAdapter(),
    createQueryCompiler: () => base.createQueryCompiler(),
    createIntrospector: (db) => base.createIntrospector(db),
  };
  const db = new Kysely<Database>({ dialect });

  return {
    engine: 'sqlite',
    db,
    // A file can be opened again by another connection (tests, tools); an in-memory database cannot.
    ...(database.memory ? {} : { file: resolve(file) }),
    lock: (name, options, fn) => withLeaseLock(db, name, options, fn),
    changes: {
      kind: 'version',
      version: pluckReader(database, 'select change_seq from instances where id = ?'),
      globalVersion: pluckReader(database, 'select seq from keyway_changes where id = 1'),
      onLocalChange: (listener) => {
        localListeners.add(listener);
        return () => localListeners.delete(listener);
      },
    },
    close: () => db.destroy(),
  };
}

/**
 * A synchronous one-value read outside kysely (no promise, no query building), for the change counters the
 * snapshot cache checks (see migrations.ts `changeTracking`). `undefined` for no row, or before the migration
 * that adds the counters.
 */
function pluckReader(
  database: BetterSqlite3.Database,
  text: string,
): (...params: string[]) => number | undefined {
  let statement: BetterSqlite3.Statement<string[], number> | undefined;
  return (...params) => {
    try {
      statement ??= database.prepare<string[], number>(text).pluck();
      return statement.get(...params);
    } catch {
      return undefined;
    }
  };
}

/**
 * A lease row in `locks`: taken by an atomic upsert that only overwrites an expired lease, renewed while
 * `fn` runs so a slow holder keeps it, expiring by itself if the holder dies. A renewal that finds the row
 * taken over marks the lease lost.
 */
async function withLeaseLock<T>(
  db: Kysely<Database>,
  name: string,
  options: LockOptions,
  fn: (lease: LockLease) => Promise<T>,
): Promise<T> {
  const owner = randomUUID();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const tryAcquire = async (): Promise<boolean> => {
    const now = Date.now();
    const row = await db
      .insertInto('locks')
      .values({ name, owner, expires_at: now + leaseMs })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ owner, expires_at: now + leaseMs })
          .where('locks.expires_at', '<=', now),
      )
      .returning('owner')
      .executeTakeFirst();
    return row?.owner === owner;
  };
  await pollUntil(tryAcquire, options.timeoutMs, name);
  // Nobody can take over a lease row before it expires.
  const lease = lockLease(name, async () => {
    const row = await db
      .selectFrom('locks')
      .select('owner')
      .where('name', '=', name)
      .where('owner', '=', owner)
      .where('expires_at', '>', Date.now())
      .executeTakeFirst();
    return row !== undefined;
  });

  const renew = setInterval(
    () => {
      db.updateTable('locks')
        .set({ expires_at: Date.now() + leaseMs })
        .where('name', '=', name)
        .where('owner', '=', owner)
        .executeTakeFirst()
        .then((result) => {
          if (result.numUpdatedRows === 0n) lease.lose();
        })
        .catch(() => {
          // A failed renewal only shortens the lease; the next tick tries again.
        });
    },
    Math.max(10, Math.floor(leaseMs / 3)),
  );
  renew.unref();
  try {
    return await fn(lease);
  } finally {
    clearInterval(renew);
    await db
      .deleteFrom('locks')
      .where('name', '=', name)
      .where('owner', '=', owner)
      .execute()
      // A lease left behind expires by itself; failing here would hide what `fn` did (tokens already saved).
      .catch(() => undefined);
  }
}
