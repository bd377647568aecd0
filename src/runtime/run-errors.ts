/** What a run's caller sees for anything an action throws: 401s, spectral connection errors, anything else. */
import { KeywayError, isKeywayError } from '../errors';
import { redactText } from '../redact';
import type { Store } from '../store';
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
    if (target) {
      const lastError = { code: 'KW_CONNECTION_ERROR', message, at: now() };
      await deps.store
        .updateConnection(
          target.connection.id,
          { status: 'error', lastError },
          {
            events: [
              connectionEvent('connection.error', target.connection, {
                now: lastError.at,
                status: 'error',
                error: { code: lastError.code, message },
              }),
            ],
          },
        )
        .catch(() => undefined);
    }
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
