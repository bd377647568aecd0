import { KeywayError, isKeywayError } from '../errors';
import type { HttpRequest, HttpResponse, Sleep, Transport, TransportOptions } from './types';

/** Error codes (Node and undici) meaning the connection was never established: the request never left. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function errorCode(err: unknown): string | undefined {
  // fetch wraps the socket error: TypeError('fetch failed', { cause: { code } }), sometimes nested once more.
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function where(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Maps whatever a failed send threw to a {@link KeywayError}: the caller's abort → `KW_OAUTH_ABORTED`,
 * the timeout → `KW_OAUTH_TIMEOUT`, DNS failures and refused connections → `KW_OAUTH_NETWORK` with
 * `details.requestSent: false`, resets and everything else → `KW_OAUTH_NETWORK` (the request may have
 * reached the server).
 */
export function mapTransportError(
  err: unknown,
  request: HttpRequest,
  options: TransportOptions & { timedOut: boolean },
): KeywayError {
  if (isKeywayError(err)) return err;
  const url = where(request.url);
  if (options.signal?.aborted) {
    return new KeywayError('KW_OAUTH_ABORTED', { message: `Request to ${url} was cancelled.`, cause: err });
  }
  const code = errorCode(err);
  if (options.timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new KeywayError('KW_OAUTH_TIMEOUT', {
      message: `${url} did not answer within ${options.timeoutMs} ms.`,
      cause: err,
      details: { url, timeoutMs: options.timeoutMs },
    });
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new KeywayError('KW_OAUTH_TIMEOUT', {
      message: `Could not connect to ${url} within the timeout.`,
      cause: err,
      details: { url, timeoutMs: options.timeoutMs, requestSent: false },
    });
  }
  const requestSent = !(code !== undefined && NOT_SENT_CODES.has(code));
  return new KeywayError('KW_OAUTH_NETWORK', {
    message: requestSent
      ? `The connection to ${url} failed (${code ?? 'unknown error'}); the request may have reached the server.`
      : `Could not connect to ${url} (${code ?? 'unknown error'}); the request was not sent.`,
    cause: err,
    details: { url, requestSent, ...(code !== undefined ? { errorCode: code } : {}) },
  });
}

/**
 * The default {@link Transport}: Node's built-in `fetch` (undici), no redirects, a hard timeout for
 * the whole exchange (headers and body), and failures mapped by {@link mapTransportError}.
 */
export const fetchTransport: Transport = async (request, options) => {
  if (options.signal?.aborted) {
    throw new KeywayError('KW_OAUTH_ABORTED', { message: `Request to ${where(request.url)} was cancelled.` });
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const res = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      redirect: 'manual',
      signal,
    });
    const body = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    return { status: res.status, headers, body };
  } catch (err) {
    throw mapTransportError(err, request, { ...options, timedOut: timeout.aborted });
  }
};

/** The default {@link Sleep}: a timer that rejects with `KW_OAUTH_ABORTED` when the signal fires. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new KeywayError('KW_OAUTH_ABORTED'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new KeywayError('KW_OAUTH_ABORTED'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Reads a header case-insensitively (responses built by hand may not use lower-case names). */
export function header(response: HttpResponse, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(response.headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * Parses `Retry-After` (delta-seconds or an HTTP date) into milliseconds from `now`.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Builds a form-urlencoded body, leaving out undefined values. */
export function formBody(params: Readonly<Record<string, string | undefined>>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) body.set(key, value);
  return body;
}
