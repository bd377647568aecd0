/**
 * A client-side deadline on every statement sent to PostgreSQL on a pooled connection, so that a database that
 * accepts connections but never answers (frozen, overloaded, a half-open proxy, a one-sided partition) fails a
 * call with `KW_STORE_UNAVAILABLE` instead of holding it for as long as the database hangs.
 *
 * When a statement passes its deadline the client's socket is destroyed: the server rolls back whatever that
 * session had open (it is never committed by half), the pool drops the client instead of lending it out again
 * mid-transaction, and nothing more is sent on it. pg's own `query_timeout` only abandons the statement, leaving
 * the session pooled, possibly inside a transaction, with the late answer still on its way.
 *
 * Not bounded: migrations (they wait for another replica's migration lock and may rewrite large tables). Lock
 * waits are not one statement: advisory locks are taken by polling `pg_try_advisory_lock`, each poll bounded.
 */
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { KeywayError } from '../errors';
import { UNAVAILABLE_RETRY_AFTER_MS } from './unavailable';

/** How long a statement may go unanswered by default (`statementTimeoutMs`). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

/** The error of a statement that passed its deadline: where to look, never the address or the statement. */
export function deadlineError(timeoutMs: number): KeywayError {
  return new KeywayError('KW_STORE_UNAVAILABLE', {
    message: `The database did not answer within ${timeoutMs} ms, so the connection was closed and any transaction still open on it is rolled back: check that the PostgreSQL server is up and not overloaded, and the network or any proxy in between. The deadline is the store's statementTimeoutMs (KEYWAY_DATABASE_STATEMENT_TIMEOUT_MS).`,
    retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS,
    details: { timeoutMs },
  });
}

/** Closes `client`'s socket at once; pg then fails its queries and emits `end`. */
export function destroySocket(client: pg.ClientBase): void {
  // pg does not type its connection; `end()` would wait for a goodbye a hung server never sends.
  const connection = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection;
  connection?.stream?.destroy();
}

/** Bounds statements on pg clients, and remembers the clients it had to cut so they are never reused. */
export class StatementDeadline {
  readonly timeoutMs: number;
  readonly #cut = new WeakSet<pg.ClientBase>();

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  /** True once a statement on `client` passed the deadline: release it with an error so the pool drops it. */
  cut(client: pg.ClientBase): boolean {
    return this.#cut.has(client);
  }

  /**
   * Runs `statement` (one round trip on `client`); past the deadline, destroys the client's socket and rejects
   * with {@link deadlineError}. A client already cut rejects at once, without sending anything.
   */
  async run<T>(client: pg.ClientBase, statement: () => Promise<T>): Promise<T> {
    if (this.#cut.has(client)) throw deadlineError(this.timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#cut.add(client);
        destroySocket(client);
        reject(deadlineError(this.timeoutMs));
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([statement(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * `pool` as kysely's driver sees it, with every statement bounded and a cut client released as broken. Only
   * plain queries: streaming (a cursor) is not configured for this store.
   */
  pool(pool: pg.Pool): PostgresPool {
    return {
      connect: async () => new BoundedClient(await pool.connect(), this),
      end: () => pool.end(),
    };
  }
}

/** A checked-out pool client whose statements are bounded by a {@link StatementDeadline}. */
class BoundedClient implements PostgresPoolClient {
  readonly #client: pg.PoolClient;
  readonly #deadline: StatementDeadline;

  constructor(client: pg.PoolClient, deadline: StatementDeadline) {
    this.#client = client;
    this.#deadline = deadline;
  }

  query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: readonly unknown[],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== 'string')
      throw new Error('Streaming queries are not configured for this store.');
    const client = this.#client;
    return this.#deadline.run(client, async () => {
      const result = await client.query(sqlOrCursor, [...(parameters ?? [])]);
      return result as unknown as PostgresQueryResult<R>;
    });
  }

  release(): void {
    // A cut client may not have noticed its closed socket yet: pg-pool would lend it out again.
    this.#client.release(this.#deadline.cut(this.#client));
  }
}
