/**
 * The shared engine: PostgreSQL through a `pg.Pool`, for several replicas. Locks are session advisory
 * locks on a dedicated client, so a crashed holder's lock is released with its connection.
 *
 * Every connection survives being terminated (`pg_terminate_backend`, a server restart, a failover,
 * `idle_session_timeout`): each has an error listener for its whole life (a client checked out of the pool has
 * none of pg-pool's), a dead client is dropped by the pool on release, and queries on it fail with
 * `KW_STORE_UNAVAILABLE` (./unavailable). Every connection also has TCP keepalive (a silently dropped peer is
 * noticed), and every statement but a migration's has a client-side deadline (./statement-deadline), so a database
 * that hangs fails calls after `statementTimeoutMs` instead of holding them.
 */
import { Kysely, PostgresDialect, PostgresDriver, sql } from 'kysely';
import type { DatabaseIntrospector, PostgresPool, TableMetadata } from 'kysely';
import type pg from 'pg';
import { KeywayError } from '../errors';
import { reportingChanges } from './changes';
import type { ChangeListener, ChangeSubscription, EngineHandle } from './engine';
import { ALL_INSTANCES, pollUntil, sleep } from './engine';
import { lockLease } from './engine';
import { CHANGE_CHANNEL } from './migrations';
import type { Database } from './schema';
import { DEFAULT_STATEMENT_TIMEOUT_MS, StatementDeadline, destroySocket } from './statement-deadline';
import type { LockLease, LockOptions } from './types';
import { reportingUnavailable, translatingUnavailable } from './unavailable';

/** How long opening a connection may take before the query fails as unavailable (pg's default: forever). */
const CONNECT_TIMEOUT_MS = 5_000;
/** TCP keepalive's first probe after this much silence, so a peer that vanished without a FIN is noticed. */
const KEEPALIVE_DELAY_MS = 10_000;
/** How often the LISTEN connection is asked `select 1`: it only ever waits, so a partition is otherwise silent. */
const FEED_CHECK_INTERVAL_MS = 10_000;

/**
 * The `pg` driver, loaded when a PostgreSQL store is first opened rather than with this module, so a process
 * on SQLite never loads it (about 60 ms to require here).
 */
function loadPg(): typeof pg {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return require('pg') as typeof pg;
}

/**
 * What the migrator asks of introspection: which tables exist, by name, in the store's own schema. kysely's own
 * introspector reads every column of every schema in the database and names each schema in
 * `has_schema_privilege()`, so a schema that another tenant, replica or test drops meanwhile fails the migration
 * with `schema "…" does not exist` (seen with parallel tests); it also grows with every schema in the database.
 */
function currentSchemaIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
  const getTables = async (): Promise<TableMetadata[]> => {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')`.execute(db);
    return rows.map((row) => ({ name: row.name, schema: row.schema, isView: row.kind === 'v', columns: [] }));
  };
  return {
    getSchemas: async () => {
      const { rows } = await sql<{ name: string }>`select current_schema() as name`.execute(db);
      return rows;
    },
    getTables,
    getMetadata: async () => ({ tables: await getTables() }),
  };
}

/** Options for {@link openPostgresEngine}. */
export interface PostgresEngineOptions {
  readonly databaseUrl: string;
  /** Use this schema (set as the connection's search_path) instead of the default. */
  readonly schema?: string;
  readonly poolMax?: number;
  /** How long a statement may go unanswered before its connection is closed (default 15 s). */
  readonly statementTimeoutMs?: number;
  /** How often the LISTEN connection checks that the database still answers (default 10 s). */
  readonly feedCheckIntervalMs?: number;
}

/** Opens a pool to `databaseUrl`. Connection errors surface on first use as `KW_STORE_UNAVAILABLE`. */
export function openPostgresEngine(options: PostgresEngineOptions): EngineHandle {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `PostgreSQL schema "${options.schema}" must be lowercase letters, digits and "_".`,
    });
  }
  const timeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `The database statement timeout (statementTimeoutMs, KEYWAY_DATABASE_STATEMENT_TIMEOUT_MS) must be a whole number of milliseconds above 0, not ${String(timeoutMs)}.`,
    });
  }
  const deadline = new StatementDeadline(timeoutMs);
  const { Pool, Client } = loadPg();
  // The connect timeout goes on the clients, not the pool: pg-pool would apply it to waiting for a free client
  // too, and a burst of calls queueing behind a busy pool is not a database that is down.
  class TimedClient extends Client {
    constructor(config?: string | pg.ClientConfig) {
      super({
        ...(typeof config === 'object' ? config : { connectionString: config }),
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      });
    }
  }
  const pool = new Pool({
    Client: TimedClient,
    connectionString: options.databaseUrl,
    max: options.poolMax ?? 10,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  // pg-pool listens for errors only while a client is idle: a checked-out client (in a transaction, holding an
  // advisory lock) whose backend is terminated between queries would emit 'error' to nobody and crash the
  // process. This listener stays for the client's life; the pool drops the dead client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const listeners = new Set<ChangeListener>();
  const emit = (instanceId: string): void => {
    for (const listener of listeners) listener(instanceId);
  };
  const base = new PostgresDialect({ pool });
  const dialect = (driverPool: PostgresPool) => ({
    // This process's own commits drop every snapshot at once; other replicas hear of them by NOTIFY.
    createDriver: () =>
      reportingChanges(reportingUnavailable(new PostgresDriver({ pool: driverPool })), () =>
        emit(ALL_INSTANCES),
      ),
    createAdapter: () => base.createAdapter(),
    createQueryCompiler: () => base.createQueryCompiler(),
    createIntrospector: (kysely: Kysely<unknown>) => currentSchemaIntrospector(kysely),
  });
  const db = new Kysely<Database>({ dialect: dialect(deadline.pool(pool)) });
  // The same pool, unbounded; never destroyed by itself (destroying `db` ends the pool).
  const migrationDb = new Kysely<Database>({ dialect: dialect(pool) });
  let feed: NotificationFeed | undefined;

  return {
    engine: 'postgres',
    db,
    migrationDb,
    lock: (name, lockOptions, fn) => withAdvisoryLock(pool, deadline, name, lockOptions, fn),
    preparedWrite: async (name, text, values) => {
      const client = await translatingUnavailable(() => pool.connect());
      try {
        await translatingUnavailable(() =>
          deadline.run(client, () => client.query({ name, text, values: [...values] })),
        );
      } finally {
        client.release(deadline.cut(client));
      }
    },
    changes: {
      kind: 'feed',
      subscribe: (listener) => {
        listeners.add(listener);
        // One LISTEN connection per store, opened on first use: short-lived CLI commands never open it.
        feed ??= new NotificationFeed(options, deadline, emit);
        const shared = feed;
        return {
          get live() {
            return shared.live;
          },
          close: async () => {
            listeners.delete(listener);
            if (listeners.size === 0 && feed === shared) {
              feed = undefined;
              await shared.close();
            }
          },
        } satisfies ChangeSubscription;
      },
    },
    close: async () => {
      await feed?.close();
      feed = undefined;
      await db.destroy();
    },
  };
}

/**
 * `LISTEN keyway_changes` on a connection of its own, passing each notification's instance id on. `live` is
 * true only while the LISTEN is in place; when the connection drops, `'*'` is emitted (changes may have been
 * missed) and it reconnects with backoff. A listening connection only waits, so a database that hangs or a
 * partition that swallows its packets would go unnoticed: every `feedCheckIntervalMs` it is asked `select 1`
 * under the statement deadline, and one that does not answer is closed (and so reconnects).
 */
class NotificationFeed {
  readonly #options: PostgresEngineOptions;
  readonly #deadline: StatementDeadline;
  readonly #emit: ChangeListener;
  #client: pg.Client | undefined;
  #check: NodeJS.Timeout | undefined;
  #live = false;
  #closed = false;

  constructor(options: PostgresEngineOptions, deadline: StatementDeadline, emit: ChangeListener) {
    this.#options = options;
    this.#deadline = deadline;
    this.#emit = emit;
    void this.#connect();
  }

  get live(): boolean {
    return this.#live;
  }

  async #connect(): Promise<void> {
    const { Client } = loadPg();
    let delay = 100;
    while (!this.#closed) {
      const client = new Client({
        connectionString: this.#options.databaseUrl,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        keepAlive: true,
        keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
        ...(this.#options.schema !== undefined ? { options: `-c search_path=${this.#options.schema}` } : {}),
      });
      client.on('error', () => this.#lost(client));
      client.on('end', () => this.#lost(client));
      client.on('notification', (message) => {
        if (message.channel === CHANGE_CHANNEL) this.#emit(message.payload ?? ALL_INSTANCES);
      });
      try {
        await client.connect();
        await this.#deadline.run(client, () => client.query(`listen ${CHANGE_CHANNEL}`));
        if (this.#closed) {
          await client.end();
          return;
        }
        this.#client = client;
        // Whatever changed before the LISTEN took effect was not heard: start from nothing.
        this.#emit(ALL_INSTANCES);
        this.#live = true;
        this.#watch(client);
        return;
      } catch {
        await client.end().catch(() => undefined);
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /** Asks `client` `select 1` every interval, one at a time; closes it when it does not answer. */
  #watch(client: pg.Client): void {
    let checking = false;
    this.#check = setInterval(() => {
      if (checking) return;
      checking = true;
      this.#deadline
        .run(client, () => client.query('select 1'))
        // Past the deadline the socket is closed already; any other failure also means a connection to replace.
        .catch(() => destroySocket(client))
        .finally(() => {
          checking = false;
        });
    }, this.#options.feedCheckIntervalMs ?? FEED_CHECK_INTERVAL_MS);
    this.#check.unref();
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    clearInterval(this.#check);
    this.#client = undefined;
    this.#live = false;
    this.#emit(ALL_INSTANCES);
    if (!this.#closed) void this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#live = false;
    clearInterval(this.#check);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/**
 * Runs `fn` holding a session advisory lock on a client of its own. When that session dies (terminated,
 * server restarted) the lock dies with it: the lease says so at once, so `fn` can check before doing anything
 * that must not happen twice, and the client is destroyed rather than returned to the pool.
 */
async function withAdvisoryLock<T>(
  pool: pg.Pool,
  deadline: StatementDeadline,
  name: string,
  options: LockOptions,
  fn: (lease: LockLease) => Promise<T>,
): Promise<T> {
  const client = await translatingUnavailable(() => pool.connect());
  // The session answering proves the lock is still ours: a session lock ends only with an unlock or the session.
  // Each statement is bounded; waiting for the lock is many short polls, bounded by the caller's timeoutMs.
  const bounded = <R extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> =>
    translatingUnavailable(() => deadline.run(client, () => client.query<R>(text, values)));
  const lease = lockLease(name, async () => (await bounded('select 1')).rowCount === 1);
  const lose = (): void => lease.lose();
  client.on('error', lose);
  client.on('end', lose);
  let broken = false;
  try {
    await pollUntil(
      async () => {
        const result = await bounded<{ ok: boolean }>(
          'select pg_try_advisory_lock(hashtextextended($1, 0)) as ok',
          [name],
        );
        return result.rows[0]?.ok === true;
      },
      options.timeoutMs,
      name,
    );
    try {
      return await fn(lease);
    } finally {
      try {
        if (lease.held) await bounded('select pg_advisory_unlock(hashtextextended($1, 0))', [name]);
        else broken = true;
      } catch {
        // Destroying the session is the other way to drop a session lock.
        broken = true;
      }
    }
  } finally {
    client.off('error', lose);
    client.off('end', lose);
    client.release(broken || deadline.cut(client));
  }
}
