import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { KeywayError, isKeywayError } from '../errors';
import type { HttpRequest, HttpResponse, Sleep, Transport, TransportOptions } from './types';

/** Error codes (Node and undici) meaning the connection was never established: the request never left. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function errorCode(err: unknown): string | undefined {
  // A socket error carries its code; a wrapped one (fetch, a custom transport) has it on a cause.
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

/** A response body larger than this is refused: a token, device or revocation answer is a few kilobytes. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Idle keep-alive sockets are closed after this long (as undici does), before most servers drop them. */
const IDLE_SOCKET_MS = 4000;

/** A stale pooled socket is retried on another this many times; a fresh socket's failure is final. */
const MAX_STALE_SOCKET_RETRIES = 3;

const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' }),
};

/** The failure of a body past {@link MAX_RESPONSE_BYTES}; a KeywayError, so mapTransportError keeps it as it is. */
function tooLarge(request: HttpRequest): KeywayError {
  return new KeywayError('KW_OAUTH_UNEXPECTED_RESPONSE', {
    message: `${where(request.url)} answered with more than ${MAX_RESPONSE_BYTES} bytes; refusing to read it.`,
    details: { url: where(request.url), maxBytes: MAX_RESPONSE_BYTES },
  });
}

/** Undoes a `content-encoding` the server applied although none was asked for; bounded like the body. */
function decode(body: Buffer, encoding: string | undefined, request: HttpRequest): Buffer {
  const limit = { maxOutputLength: MAX_RESPONSE_BYTES };
  try {
    switch (encoding?.trim().toLowerCase()) {
      case undefined:
      case '':
      case 'identity':
        return body;
      case 'gzip':
      case 'x-gzip':
        return zlib.gunzipSync(body, limit);
      case 'deflate':
        return zlib.inflateSync(body, limit);
      case 'br':
        return zlib.brotliDecompressSync(body, limit);
      default:
        throw new KeywayError('KW_OAUTH_UNEXPECTED_RESPONSE', {
          message: `${where(request.url)} answered with content-encoding "${encoding}", which Keyway cannot read.`,
        });
    }
  } catch (err) {
    if (isKeywayError(err)) throw err;
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(request);
    throw new KeywayError('KW_OAUTH_UNEXPECTED_RESPONSE', {
      message: `${where(request.url)} answered with a body that does not decode as ${encoding}.`,
      cause: err,
    });
  }
}

interface SendOutcome {
  readonly response?: HttpResponse;
  readonly error?: unknown;
  /** The request went out on a pooled socket and failed before any answer: the server had closed it. */
  readonly stale?: boolean;
}

/**
 * Stops the attempt in flight, once: the timeout or the caller's signal. A plain object and one timer cleared
 * when the exchange ends, not `AbortSignal.timeout`, whose timer and signal outlive every request by the whole
 * timeout (ten seconds of garbage per token request on a busy refresher).
 */
interface Stop {
  reason: Error | undefined;
  onStop: ((reason: Error) => void) | undefined;
}

/** One attempt on one socket. Settles, never rejects. */
function send(request: HttpRequest, url: URL, stop: Stop): Promise<SendOutcome> {
  return new Promise((resolve) => {
    if (stop.reason) {
      resolve({ error: stop.reason });
      return;
    }
    const secure = url.protocol === 'https:';
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    const headers: Record<string, string> = { 'user-agent': 'keyway', ...request.headers };
    if (body) headers['content-length'] = String(body.length);
    let answered = false;
    const req = (secure ? https : http).request(url, {
      method: request.method,
      headers,
      agent: secure ? agents['https:'] : agents['http:'],
    });
    stop.onStop = (reason) => req.destroy(reason);
    const settle = (outcome: SendOutcome): void => {
      stop.onStop = undefined;
      resolve(outcome);
    };
    // `on`, not `once`: a request destroyed after it settled may report another error, which must not throw.
    req.on('error', (error) => {
      const code = errorCode(error);
      const stale = !answered && req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
      settle({ error, stale });
    });
    req.once('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy();
          settle({ error: tooLarge(request) });
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (error) => settle({ error }));
      // Closed before its end (the server reset it, or the timeout destroyed it): the first settle wins, so
      // after a normal end this does nothing.
      res.once('close', () =>
        settle({ error: Object.assign(new Error('response cut short'), { code: 'ECONNRESET' }) }),
      );
      res.once('end', () => {
        const responseHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        try {
          const raw = chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
          const text = decode(raw, responseHeaders['content-encoding'], request).toString('utf8');
          settle({ response: { status: res.statusCode ?? 0, headers: responseHeaders, body: text } });
        } catch (error) {
          settle({ error });
        }
      });
    });
    req.end(body);
  });
}

/**
 * The default {@link Transport}: Node's `http`/`https` over keep-alive agents (one pool per process; idle
 * sockets closed after four seconds or the server's `Keep-Alive` hint), no redirects, a hard timeout for the
 * whole exchange (headers and body), bodies over {@link MAX_RESPONSE_BYTES} refused, and failures mapped by
 * {@link mapTransportError}. A request that fails on a pooled socket before any answer (the server closed the
 * idle connection as it was reused: it never read the request) goes again on another socket, as Node's docs
 * advise; any other failure is final, so a code exchange or refresh is never sent twice.
 */
export const httpTransport: Transport = async (request, options) => {
  if (options.signal?.aborted) {
    throw new KeywayError('KW_OAUTH_ABORTED', { message: `Request to ${where(request.url)} was cancelled.` });
  }
  let url: URL;
  try {
    url = new URL(request.url);
  } catch (err) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: 'The request URL is not a valid URL.',
      cause: err,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `Only http and https URLs can be called, not ${url.protocol}`,
    });
  }
  const stop: Stop = { reason: undefined, onStop: undefined };
  const halt = (reason: Error): void => {
    if (stop.reason) return;
    stop.reason = reason;
    stop.onStop?.(reason);
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    halt(new Error(`no answer within ${options.timeoutMs} ms`));
  }, options.timeoutMs);
  const onAbort = (): void => halt(new Error('cancelled'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let outcome = await send(request, url, stop);
    for (let retry = 0; outcome.stale && retry < MAX_STALE_SOCKET_RETRIES && !stop.reason; retry++) {
      outcome = await send(request, url, stop);
    }
    if (outcome.response) return outcome.response;
    throw mapTransportError(outcome.error, request, { ...options, timedOut });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
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
