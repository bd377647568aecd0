/** What a run's caller sees for anything an action throws: 401s, spectral connection errors, anything else. */
import { KeywayError, isKeywayError } from '../errors';
import { redactText } from '../redact';
import type { Connection, Store } from '../store';
import { isPlainRecord, looksLikeError } from './context';
import { connectionEvent } from './events';
import type { BoundConnection } from './run-plan';

/** True for a provider 401: axios-style `response.status`, or `status` / `statusCode` on the error. */
export function isUnauthorized(error: unknown): boolean {
  if (!isPlainRecord(error)) return false;
  const record = error;
  const response = record.response;
  if (isPlainRecord(response) && response.status === 401) return true;
  return record.status === 401 || record.statusCode === 401;
}

/** True for spectral's `ConnectionError` (`isSpectralError === true` with a `connection`), from any copy of spectral. */
export function isSpectralConnectionError(
  error: unknown,
): error is { connection: unknown; message?: unknown } {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<string, unknown>).isSpectralError === true &&
    'connection' in error
  );
}

/** A message safe to show for anything an action may throw. */
export function thrownMessage(thrown: unknown, secrets: Iterable<string>): string {
  let text: string;
  if (looksLikeError(thrown)) text = thrown.message;
  else if (typeof thrown === 'string') text = thrown;
  else if (isPlainRecord(thrown) && typeof thrown.message === 'string') text = thrown.message;
  else if (isPlainRecord(thrown) && typeof thrown.error === 'string') text = thrown.error;
  else {
    try {
      text = JSON.stringify(thrown) ?? String(thrown);
    } catch {
      text = String(thrown);
    }
  }
  const redacted = redactText(text || 'the action failed without a message', secrets);
  return redacted.length > 500 ? `${redacted.slice(0, 500)}…` : redacted;
}

/**
 * What a run's caller sees for anything `perform` threw: a KeywayError as it is; a spectral `ConnectionError` as
 * KW_CONNECTION_ERROR (the connection marked `error`, with its event); anything else KW_ACTION_FAILED.
 */
export async function surface(
  deps: { readonly store: Store },
  thrown: unknown,
  bound: readonly BoundConnection[],
  secrets: Iterable<string>,
  now: () => number,
): Promise<KeywayError> {
  if (isKeywayError(thrown)) return thrown;
  const message = thrownMessage(thrown, secrets);
  if (isSpectralConnectionError(thrown)) {
    const target = findConnection(thrown.connection, bound);
    if (target) await markConnectionError(deps.store, target.connection, message, now());
    return new KeywayError('KW_CONNECTION_ERROR', {
      message,
      details: target ? { connectionId: target.connection.id } : {},
    });
  }
  const status = httpStatusOf(thrown);
  return new KeywayError('KW_ACTION_FAILED', {
    message,
    ...(status !== undefined ? { provider: { status }, details: { status } } : {}),
  });
}

/**
 * Marks the connection `error` with the component's message, by compare-and-set: a disconnect or a reauthorization
 * demanded during the run stands (the status already says more), while a refresh or a field edit meanwhile does
 * not hide the fault. Never throws: the run's own error is what its caller must see.
 */
async function markConnectionError(
  store: Store,
  connection: Connection,
  message: string,
  at: number,
): Promise<void> {
  const lastError = { code: 'KW_CONNECTION_ERROR', message, at };
  const events = [
    connectionEvent('connection.error', connection, {
      now: at,
      status: 'error',
      error: { code: lastError.code, message },
    }),
  ];
  let expected = connection;
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await store.compareAndSetConnectionTokens(
        connection.id,
        expected.version,
        { status: 'error', lastError },
        { events },
      );
      if (result.ok) return;
      const current = result.current;
      if (!MARKABLE.has(current.status)) return;
      expected = current;
    }
  } catch {
    // The store is failing too; the run's error is still returned.
  }
}

/** Statuses a component's connection error may replace; any other was set by someone after the run began. */
const MARKABLE: ReadonlySet<string> = new Set(['connected', 'error']);

function findConnection(reported: unknown, bound: readonly BoundConnection[]): BoundConnection | undefined {
  const byIdentity = bound.find((item) => item.value === reported);
  if (byIdentity) return byIdentity;
  if (isPlainRecord(reported)) {
    const match = bound.find(
      (item) =>
        (reported.configVarKey !== undefined && reported.configVarKey === item.connection.name) ||
        (reported.configVarKey === undefined && reported.key === item.connection.definitionKey),
    );
    if (match) return match;
  }
  return bound.length === 1 ? bound[0] : undefined;
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as Record<string, unknown>;
  const response = record.response;
  if (isPlainRecord(response) && typeof response.status === 'number') return response.status;
  return typeof record.status === 'number' ? record.status : undefined;
}
