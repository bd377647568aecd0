/**
 * The shared engine: PostgreSQL through a `pg.Pool`, for several replicas. Locks are session advisory
 * locks on a dedicated client, so a crashed holder's lock is released with its connection.
 *
 * Every connection survives being terminated (`pg_terminate_backend`, a server restart, a failover,
 * `idle_session_timeout`): each has an error listener for its whole life (a client checked out of the pool has
 * none of pg-pool's), a dead client is dropped by the pool on release, and queries on it fail with
 * `KW_STORE_UNAVAILABLE` (./unavailable).
 */
import { Kysely, PostgresDialect, PostgresDriver, sql } from 'kysely';
import type { DatabaseIntrospector, TableMetadata } from 'kysely';
import type pg from 'pg';
import { KeywayError } from '../errors';
import { reportingChanges } from './changes';
import type { ChangeListener, ChangeSubscription, EngineHandle } from './engine';
import { ALL_INSTANCES, pollUntil, sleep } from './engine';
import { lockLease } from './engine';
import { CHANGE_CHANNEL } from './migrations';
import type { Database } from './schema';
import type { LockLease, LockOptions } from './types';
import { reportingUnavailable, translatingUnavailable } from './unavailable';

/** How long opening a connection may take before the query fails as unavailable (pg's default: forever). */
const CONNECT_TIMEOUT_MS = 5_000;

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
}

/** Opens a pool to `databaseUrl`. Connection errors surface on first use as `KW_STORE_UNAVAILABLE`. */
export function openPostgresEngine(options: PostgresEngineOptions): EngineHandle {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `PostgreSQL schema "${options.schema}" must be lowercase letters, digits and "_".`,
    });
  }
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
  const dialect = {
    // This process's own commits drop every snapshot at once; other replicas hear of them by NOTIFY.
    createDriver: () =>
      reportingChanges(reportingUnavailable(new PostgresDriver({ pool })), () => emit(ALL_INSTANCES)),
    createAdapter: () => base.createAdapter(),
    createQueryCompiler: () => base.createQueryCompiler(),
    createIntrospector: (kysely: Kysely<unknown>) => currentSchemaIntrospector(kysely),
  };
  const db = new Kysely<Database>({ dialect });
  let feed: NotificationFeed | undefined;

  return {
    engine: 'postgres',
    db,
    lock: (name, lockOptions, fn) => withAdvisoryLock(pool, name, lockOptions, fn),
    preparedWrite: async (name, text, values) => {
      await translatingUnavailable(() => pool.query({ name, text, values: [...values] }));
    },
    changes: {
      kind: 'feed',
      subscribe: (listener) => {
        listeners.add(listener);
        // One LISTEN connection per store, opened on first use: short-lived CLI commands never open it.
        feed ??= new NotificationFeed(options, emit);
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
 * missed) and it reconnects with backoff.
 */
class NotificationFeed {
  readonly #options: PostgresEngineOptions;
  readonly #emit: ChangeListener;
  #client: pg.Client | undefined;
  #live = false;
  #closed = false;

  constructor(options: PostgresEngineOptions, emit: ChangeListener) {
    this.#options = options;
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
        ...(this.#options.schema !== undefined ? { options: `-c search_path=${this.#options.schema}` } : {}),
      });
      client.on('error', () => this.#lost(client));
      client.on('end', () => this.#lost(client));
      client.on('notification', (message) => {
        if (message.channel === CHANGE_CHANNEL) this.#emit(message.payload ?? ALL_INSTANCES);
      });
      try {
        await client.connect();
        await client.query(`listen ${CHANGE_CHANNEL}`);
        if (this.#closed) {
          await client.end();
          return;
        }
        this.#client = client;
        // Whatever changed before the LISTEN took effect was not heard: start from nothing.
        this.#emit(ALL_INSTANCES);
        this.#live = true;
        return;
      } catch {
        await client.end().catch(() => undefined);
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#live = false;
    this.#emit(ALL_INSTANCES);
    if (!this.#closed) void this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#live = false;
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
  name: string,
  options: LockOptions,
  fn: (lease: LockLease) => Promise<T>,
): Promise<T> {
  const client = await translatingUnavailable(() => pool.connect());
  // The session answering proves the lock is still ours: a session lock ends only with an unlock or the session.
  const lease = lockLease(name, async () => (await client.query('select 1')).rowCount === 1);
  const lose = (): void => lease.lose();
  client.on('error', lose);
  client.on('end', lose);
  let broken = false;
  try {
    await pollUntil(
      async () => {
        const result = await translatingUnavailable(() =>
          client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as ok', [name]),
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
        if (lease.held) await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [name]);
        else broken = true;
      } catch {
        // Destroying the session is the other way to drop a session lock.
        broken = true;
      }
    }
  } finally {
    client.off('error', lose);
    client.off('end', lose);
    client.release(broken);
  }
}
