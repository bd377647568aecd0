/**
 * The plain data the protocol functions exchange: requests they build, responses they validate, and
 * the I/O (transport, clock, sleep) a caller injects.
 */

/** A request a protocol function built; nothing has been sent yet. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body of a POST request: form-urlencoded, or JSON where a provider demands it (see `content-type`). */
  readonly body?: string;
}

/** A response as received; protocol functions validate it. */
export interface HttpResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Per-request options a transport must honour. */
export interface TransportOptions {
  /** Abort and fail with `KW_OAUTH_TIMEOUT` after this many milliseconds. */
  readonly timeoutMs: number;
  /** Abort and fail with `KW_OAUTH_ABORTED` when this fires. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Sends one request. Must fail with a {@link KeywayError} coded `KW_OAUTH_TIMEOUT`, `KW_OAUTH_NETWORK`
 * (with `details.requestSent === false` when the request provably never left) or `KW_OAUTH_ABORTED`.
 * Must not follow redirects.
 */
export type Transport = (request: HttpRequest, options: TransportOptions) => Promise<HttpResponse>;

/** Milliseconds since the epoch. */
export type Clock = () => number;

/** Waits `ms` milliseconds; rejects with `KW_OAUTH_ABORTED` when `signal` fires. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The I/O every convenience function takes. Everything has a default except where noted. */
export interface IoOptions {
  readonly transport?: Transport;
  readonly now?: Clock;
  /** Per-request timeout; defaults to {@link DEFAULT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Every request gets a timeout; this one unless the caller sets another. */
export const DEFAULT_TIMEOUT_MS = 10_000;
