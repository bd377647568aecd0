/**
 * `/readyz` on the store: not ready while the database does not answer, and not ready while stored secrets or
 * live replicas use an encryption key this process does not hold (it would fail every read of them). Ready
 * again by itself once both hold; nothing is cached across a failure.
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
}

/** A {@link ReadinessPort} that pings the store and checks that every key in use is held here. */
export function storeReadiness(store: Store, options: StoreReadinessOptions = {}): ReadinessPort {
  const now = options.now ?? Date.now;
  const every = options.keyCheckEveryMs ?? 15_000;
  let keys: { readonly at: number; readonly missing: readonly string[] } | undefined;
  return {
    async check(): Promise<ReadinessResult> {
      try {
        await store.ping();
        if (keys === undefined || now() - keys.at >= every) {
          keys = { at: now(), missing: await store.missingKeyIds() };
        }
      } catch (error) {
        return {
          ready: false,
          reason: isKeywayError(error) ? error.code : 'KW_STORE_UNAVAILABLE',
          message: 'The database does not answer.',
        };
      }
      if (keys.missing.length === 0) return { ready: true };
      return {
        ready: false,
        reason: 'KW_CRYPTO_KEY_UNKNOWN',
        message: `Stored secrets or live replicas use encryption key(s) ${keys.missing.join(', ')} that this process does not hold; add them to KEYWAY_ENCRYPTION_KEYS.`,
      };
    },
  };
}
