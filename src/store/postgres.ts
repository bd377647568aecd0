/**
 * The shared engine: PostgreSQL through a `pg.Pool`, for several replicas. Locks are session advisory
 * locks on a dedicated client, so a crashed holder's lock is released with its connection.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KeywayError } from '../errors';
import type { EngineHandle } from './engine';
import { pollUntil } from './engine';
import type { Database } from './schema';
import type { LockOptions } from './types';

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
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolMax ?? 10,
    ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });

  return {
    engine: 'postgres',
    db,
    lock: (name, lockOptions, fn) => withAdvisoryLock(pool, name, lockOptions, fn),
    close: () => db.destroy(),
  };
}

async function withAdvisoryLock<T>(
  pool: pg.Pool,
  name: string,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await pollUntil(
      async () => {
        const result = await client.query<{ ok: boolean }>(
          'select pg_try_advisory_lock(hashtextextended($1, 0)) as ok',
          [name],
        );
        return result.rows[0]?.ok === true;
      },
      options.timeoutMs,
      name,
    );
    try {
      return await fn();
    } finally {
      try {
        await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [name]);
      } catch {
        // Destroying the session is the other way to drop a session lock.
        broken = true;
      }
    }
  } finally {
    client.release(broken);
  }
}
