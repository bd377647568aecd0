/**
 * Request and response helpers shared by the page routes and the API: the one JSON error shape, zod
 * validation of request parts, and the headers every HTML page gets.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { z } from 'zod';
import { KeywayError, isKeywayError } from '../errors';
import type { ErrorCode } from '../errors';
import { contentSecurityPolicy } from './pages/layout';

/** The one JSON error shape of the API. */
export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

/** The error body for a {@link KeywayError}. Provider fields are passed on (they are not secrets). */
export function errorBody(error: KeywayError): ErrorBody {
  const details: Record<string, unknown> = { ...(error.details ?? {}) };
  if (error.provider) details['provider'] = { ...error.provider };
  if (error.retryAfterMs !== undefined) details['retryAfterMs'] = error.retryAfterMs;
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(Object.keys(details).length > 0 ? { details } : {}),
    },
  };
}

/**
 * Sets `Retry-After` (whole seconds, at least 1) on a retryable refusal (503, 429): from the error's
 * `retryAfterMs` when it has one, 1 s otherwise, so clients and load balancers back off instead of hammering.
 */
export function setRetryAfter(reply: FastifyReply, error: KeywayError, status: number): void {
  if (status !== 503 && status !== 429) return;
  reply.header('retry-after', String(Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000))));
}

/**
 * Logs a request that failed with a 5xx. A database outage (`KW_STORE_UNAVAILABLE`) is expected and the same for
 * every request meanwhile: a warning with its code and reason, without a stack. Anything else is an error with
 * its cause.
 */
export function logServerError(
  log: FastifyBaseLogger,
  thrown: unknown,
  error: KeywayError,
  message: string,
): void {
  if (error.code === 'KW_STORE_UNAVAILABLE') {
    log.warn({ code: error.code, reason: error.message }, `${message}: the database is unavailable`);
  } else {
    log.error({ err: thrown, code: error.code }, message);
  }
}

/**
 * Turns anything thrown into a {@link KeywayError}: fastify's own request errors (bad JSON, wrong content
 * type, body too large) become `KW_REQUEST_INVALID` with their status, anything unknown `KW_INTERNAL_ERROR`
 * with a generic message (the cause goes to the log only).
 */
export function toKeywayError(error: unknown): { error: KeywayError; status: number } {
  if (isKeywayError(error)) return { error, status: error.status };
  const status =
    typeof error === 'object' &&
    error !== null &&
    'statusCode' in error &&
    typeof error.statusCode === 'number'
      ? error.statusCode
      : 500;
  if (status === 413) {
    // One code for every too-large body, whichever limit refused it (fastify's, or a bundle's after gzip).
    return {
      error: new KeywayError('KW_BODY_TOO_LARGE', {
        message:
          'The request body is larger than this endpoint accepts (component bundles: KEYWAY_MAX_BUNDLE_BYTES, measured after gzip is inflated; other bodies: 1 MiB)',
        cause: error,
      }),
      status,
    };
  }
  if (status >= 400 && status < 500) {
    const code: ErrorCode = status === 404 ? 'KW_API_NOT_FOUND' : 'KW_REQUEST_INVALID';
    const message =
      error instanceof Error && typeof (error as { code?: unknown }).code === 'string'
        ? `The request was refused: ${error.message}`
        : 'The request is malformed';
    return { error: new KeywayError(code, { message, cause: error }), status };
  }
  return {
    error: new KeywayError('KW_INTERNAL_ERROR', {
      message: 'Something went wrong inside Keyway',
      cause: error,
    }),
    status: 500,
  };
}

/** A validation issue, as `details.issues` lists it. */
export interface RequestIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Parses one part of a request (`body`, `query`, `params`) with `schema`; throws `KW_REQUEST_INVALID` whose
 * message and `details.issues` name every bad field. Values are never echoed (they may be secrets).
 */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues: RequestIssue[] = parsed.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new KeywayError('KW_REQUEST_INVALID', {
    message: `Invalid request ${where}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    details: { issues },
  });
}

/** A fresh CSP nonce. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Sends an HTML page with the security headers every page needs. */
export function sendHtml(reply: FastifyReply, status: number, nonce: string, body: string): FastifyReply {
  return (
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', contentSecurityPolicy(nonce))
      // The connect-link token is in the page URL: never send it to the provider as a Referer.
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('cache-control', 'no-store')
      .send(body)
  );
}
