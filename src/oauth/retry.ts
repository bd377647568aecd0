import { isKeywayError, type KeywayError } from '../errors';
import { realSleep } from './http';
import type { Sleep } from './types';

/**
 * The network steps, named for the retry decision. Idempotent steps may be repeated on transient
 * failures; the code exchange never (a code is single-use, and a repeat can revoke the tokens already
 * issued, RFC 6749 §4.1.2); a refresh only when the request provably never left, because rotating
 * servers revoke the whole grant when a used refresh token is presented again.
 */
export type OAuthStep =
  | 'discovery'
  | 'client_credentials'
  | 'device_authorization'
  | 'device_poll'
  | 'revocation'
  | 'authorization_code'
  | 'refresh'
  | 'password';

const IDEMPOTENT: ReadonlySet<OAuthStep> = new Set([
  'discovery',
  'client_credentials',
  'device_authorization',
  'device_poll',
  'revocation',
]);

/** Why {@link shouldRetry} decided what it decided. */
export type RetryReason =
  | 'transient'
  | 'not_transient'
  | 'never_repeat'
  | 'may_have_reached_server'
  | 'not_sent'
  | 'attempts_exhausted'
  | 'retry_after_too_long';

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retries. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Three attempts, 250 ms doubling, at most 10 s between attempts. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 10_000 };

/** The decision for one failed attempt: whether to try again, after how long, and why. */
export interface RetryDecision {
  readonly retry: boolean;
  readonly reason: RetryReason;
  readonly delayMs: number;
}

function requestNeverLeft(err: KeywayError): boolean {
  return err.details?.requestSent === false;
}

/**
 * Decides whether a failed attempt (`attempt` counts from 1) of `step` may be repeated. Honours
 * `Retry-After` (`err.retryAfterMs`) over the exponential backoff; gives up when the server asks for a
 * longer wait than `maxDelayMs`.
 */
export function shouldRetry(
  step: OAuthStep,
  err: unknown,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): RetryDecision {
  const no = (reason: RetryReason): RetryDecision => ({ retry: false, reason, delayMs: 0 });
  if (!isKeywayError(err) || !err.transient) return no('not_transient');
  if (attempt >= policy.maxAttempts) return no('attempts_exhausted');
  const delay = (): number =>
    err.retryAfterMs ?? Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  if (err.retryAfterMs !== undefined && err.retryAfterMs > policy.maxDelayMs)
    return no('retry_after_too_long');
  if (IDEMPOTENT.has(step)) return { retry: true, reason: 'transient', delayMs: delay() };
  if (step === 'refresh') {
    return requestNeverLeft(err)
      ? { retry: true, reason: 'not_sent', delayMs: delay() }
      : no('may_have_reached_server');
  }
  return no('never_repeat');
}

/** Options for {@link withRetry}. */
export interface WithRetryOptions {
  readonly policy?: RetryPolicy | undefined;
  readonly sleep?: Sleep | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Called before each wait, e.g. to log the decision. */
  readonly onRetry?: ((decision: RetryDecision, attempt: number, err: KeywayError) => void) | undefined;
}

/** Runs `attempt` and repeats it while {@link shouldRetry} allows, sleeping between attempts. */
export async function withRetry<T>(
  step: OAuthStep,
  attempt: () => Promise<T>,
  options: WithRetryOptions = {},
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const decision = shouldRetry(step, err, n, options.policy);
      if (!decision.retry || !isKeywayError(err)) throw err;
      options.onRetry?.(decision, n, err);
      await sleep(decision.delayMs, options.signal);
    }
  }
}
