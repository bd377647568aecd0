/**
 * A database that does not answer right now — a terminated backend, a restarting PostgreSQL server, a pool
 * that cannot connect, a SQLite file busy beyond its timeout or failing with an I/O error — is one typed,
 * retryable error: `KW_STORE_UNAVAILABLE` (HTTP 503 with `Retry-After`). Every query of both engines passes
 * through {@link reportingUnavailable}, so no raw driver error of that kind reaches a caller.
 */
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely';
import { KeywayError } from '../errors';

/** What callers are told to wait before trying again: long enough for a failover, short enough to notice. */
export const UNAVAILABLE_RETRY_AFTER_MS = 2_000;

/**
 * PostgreSQL SQLSTATEs of a lost or refused session: class 08 (connection exception), 57P01–57P05 (terminated
 * by an administrator, crash or idle timeout; server starting up), 53300 (too many connections).
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const PG_UNAVAILABLE = /^(08...|57P0[1-5]|53300)$/;
/** Socket errors of a server that is gone or not reachable. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLite result codes (extended ones start with these) of a file busy, locked or failing underneath. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL|NOMEM)/;
/**
 * node-postgres reports a dead client and a connect timeout without a code; these are its messages. A client's
 * own connect timeout (a server that accepts the TCP connection and never answers: hung, frozen, a half-open
 * proxy) is a bare `timeout expired`.
 */
const PG_CLIENT_MESSAGES = /Connection terminated|is not queryable|^timeout expired$/;
const PG_CONNECT_TIMEOUT = /timeout/;

/** True when `err` says the database cannot be reached or used right now (rather than that a query is wrong). */
export function isUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = 'code' in err && typeof err.code === 'string' ? err.code : '';
  if (PG_UNAVAILABLE.test(code) || NETWORK_CODES.has(code) || SQLITE_UNAVAILABLE.test(code)) return true;
  return code === '' && err instanceof Error && PG_CLIENT_MESSAGES.test(err.message);
}

/**
 * What went wrong, in a word safe to show: the driver's code (`ECONNREFUSED`, `57P01`), `connect timeout`, or
 * `connection lost`. Never the driver's message, which may quote a query's parameters.
 */
export function unavailableReason(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  if (typeof code === 'string' && code !== '') return code;
  return err instanceof Error && PG_CONNECT_TIMEOUT.test(err.message) ? 'connect timeout' : 'connection lost';
}

/**
 * `err` as `KW_STORE_UNAVAILABLE` when {@link isUnavailable} says so, otherwise unchanged. The message names
 * the driver's code only ({@link unavailableReason}).
 */
export function asUnavailable(err: unknown): unknown {
  if (!isUnavailable(err)) return err;
  return new KeywayError('KW_STORE_UNAVAILABLE', {
    message: `The database is not answering right now (${unavailableReason(err)}); try again shortly.`,
    retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS,
    cause: err,
  });
}

/** Awaits `work`, rethrowing an unavailable database as `KW_STORE_UNAVAILABLE`. */
export async function translatingUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asUnavailable(err);
  }
}

function wrapConnection(connection: DatabaseConnection): DatabaseConnection {
  return {
    executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
      translatingUnavailable(() => connection.executeQuery<R>(query)),
    streamQuery: <R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> =>
      connection.streamQuery<R>(query, chunkSize),
  };
}

/**
 * Wraps a kysely driver so that every step that talks to the database (acquiring a connection, a query, a
 * transaction's begin, commit and rollback) rejects with `KW_STORE_UNAVAILABLE` when the database is not
 * reachable. Other errors (constraint violations, bad SQL) pass unchanged.
 */
export function reportingUnavailable(driver: Driver): Driver {
  const inner = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const unwrap = (connection: DatabaseConnection): DatabaseConnection => inner.get(connection) ?? connection;
  const wrapped: Driver = {
    init: () => translatingUnavailable(() => driver.init()),
    acquireConnection: async () => {
      const connection = await translatingUnavailable(() => driver.acquireConnection());
      const outer = wrapConnection(connection);
      inner.set(outer, connection);
      return outer;
    },
    beginTransaction: (connection, settings) =>
      translatingUnavailable(() => driver.beginTransaction(unwrap(connection), settings)),
    commitTransaction: (connection) =>
      translatingUnavailable(() => driver.commitTransaction(unwrap(connection))),
    rollbackTransaction: (connection) =>
      translatingUnavailable(() => driver.rollbackTransaction(unwrap(connection))),
    releaseConnection: (connection) => driver.releaseConnection(unwrap(connection)),
    destroy: () => driver.destroy(),
  };
  if (driver.savepoint) {
    const savepoint = driver.savepoint.bind(driver);
    wrapped.savepoint = (connection, name, compile) =>
      translatingUnavailable(() => savepoint(unwrap(connection), name, compile));
  }
  if (driver.rollbackToSavepoint) {
    const rollbackTo = driver.rollbackToSavepoint.bind(driver);
    wrapped.rollbackToSavepoint = (connection, name, compile) =>
      translatingUnavailable(() => rollbackTo(unwrap(connection), name, compile));
  }
  if (driver.releaseSavepoint) {
    const release = driver.releaseSavepoint.bind(driver);
    wrapped.releaseSavepoint = (connection, name, compile) =>
      translatingUnavailable(() => release(unwrap(connection), name, compile));
  }
  return wrapped;
}
