/**
 * `/readyz` on the store: not ready while the database does not answer, and not ready while stored secrets or
 * live replicas use an encryption key this process does not hold (it would fail every read of them). Ready
 * again by itself once both hold; nothing is cached across a failure.
 *
 * A database that hangs (a frozen server, a half-open proxy, a partition) makes a probe answer "not ready" once
 * `pingTimeoutMs` has passed instead of hanging with it; the probe that hangs goes on, and the next probes wait
 * for it rather than stack more queries on the stuck pool.
 */
import { isKeywayError } from '../errors';
import type { Store } from '../store';
import type { ReadinessPort, ReadinessResult } from './ports';

/** Options for {@link storeReadiness}. */
export interface StoreReadinessOptions {
  readonly now?: () => number;
  /**
   * How long a key check's answer is reused: it scans the encrypted columns, which is too much for every
   * probe. The database ping runs on every probe. Default 15 s.
   */
  readonly keyCheckEveryMs?: number;
  /**
   * How long a probe waits for the database before answering not ready. Default 2 s: below the 1 s…10 s
   * timeouts load balancers and Kubernetes probes use, so the answer is Keyway's own, with a reason.
   */
  readonly pingTimeoutMs?: number;
}

/** What the database said to one probe. */
type Probe =
  | { readonly ok: true; readonly missing: readonly string[] }
  | { readonly ok: false; readonly error: unknown };

/** A {@link ReadinessPort} that pings the store and checks that every key in use is held here. */
export function storeReadiness(store: Store, options: StoreReadinessOptions = {}): ReadinessPort {
  const now = options.now ?? Date.now;
  const every = options.keyCheckEveryMs ?? 15_000;
  const pingTimeoutMs = options.pingTimeoutMs ?? 2_000;
  let keys: { readonly at: number; readonly missing: readonly string[] } | undefined;
  let inFlight: Promise<Probe> | undefined;

  async function probe(): Promise<Probe> {
    try {
      await store.ping();
      if (keys === undefined || now() - keys.at >= every) {
        keys = { at: now(), missing: await store.missingKeyIds() };
      }
      return { ok: true, missing: keys.missing };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** The probe in flight, or a new one; resolves undefined once `pingTimeoutMs` has passed without an answer. */
  async function answer(): Promise<Probe | undefined> {
    const current = (inFlight ??= probe().finally(() => {
      inFlight = undefined;
    }));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), pingTimeoutMs);
    });
    try {
      return await Promise.race([current, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async check(): Promise<ReadinessResult> {
      const result = await answer();
      if (result === undefined) {
        return {
          ready: false,
          reason: 'KW_STORE_UNAVAILABLE',
          message: `The database did not answer within ${pingTimeoutMs} ms.`,
        };
      }
      if (!result.ok) {
        return {
          ready: false,
          reason: isKeywayError(result.error) ? result.error.code : 'KW_STORE_UNAVAILABLE',
          message: 'The database does not answer.',
        };
      }
      if (result.missing.length === 0) return { ready: true };
      return {
        ready: false,
        reason: 'KW_CRYPTO_KEY_UNKNOWN',
        message: `Stored secrets or live replicas use encryption key(s) ${result.missing.join(', ')} that this process does not hold; add them to KEYWAY_ENCRYPTION_KEYS.`,
      };
    },
  };
}
