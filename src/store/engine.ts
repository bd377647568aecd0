/**
 * What differs between the two engines, behind one small shape: a kysely handle, write transactions and a
 * cross-process lock. Everything else is one query layer in ./kysely-store.
 */
import type { Kysely } from 'kysely';
import { KeywayError } from '../errors';
import type { Database } from './schema';
import type { LockOptions, StoreEngine } from './types';

/** An open database behind the store. */
export interface EngineHandle {
  readonly engine: StoreEngine;
  readonly db: Kysely<Database>;
  /** Runs `fn` while holding the named lock, excluding every process on the same database. */
  lock<T>(name: string, options: LockOptions, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Polls `attempt` with capped, jittered backoff until it returns true or `timeoutMs` passes. */
export async function pollUntil(
  attempt: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    if (await attempt()) return;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new KeywayError('KW_STORE_LOCK_TIMEOUT', {
        message: `Timed out after ${timeoutMs} ms waiting for the lock on ${what}; another process holds it.`,
        details: { lock: what, timeoutMs },
      });
    }
    // Jitter keeps several waiting processes from retrying in lockstep.
    await sleep(Math.min(left, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 100);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
