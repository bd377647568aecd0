/**
 * What differs between the two engines, behind one small shape: a kysely handle, write transactions and a
 * cross-process lock. Everything else is one query layer: the aggregate modules behind ./kysely-store.
 */
import type { Kysely } from 'kysely';
import { KeywayError } from '../errors';
import type { Database } from './schema';
import type { LockLease, LockOptions, StoreEngine } from './types';

/** An open database behind the store. */
export interface EngineHandle {
  readonly engine: StoreEngine;
  readonly db: Kysely<Database>;
  /**
   * PostgreSQL: the same pool without the statement deadline, for migrations only (they wait for another
   * replica's migration lock and may rewrite large tables). Absent: migrate with `db`.
   */
  readonly migrationDb?: Kysely<Database>;
  /** SQLite: the database file's absolute path; absent for PostgreSQL and in-memory databases. */
  readonly file?: string;
  /**
   * PostgreSQL: runs a write as a named prepared statement, parsed and planned once per pooled connection
   * rather than on every call, outside kysely. For hot writes to tables outside an instance snapshot only:
   * such a write is not reported to the snapshot cache.
   */
  readonly preparedWrite?: (name: string, text: string, values: readonly unknown[]) => Promise<void>;
  /** Runs `fn` while holding the named lock, excluding every process on the same database. */
  lock<T>(name: string, options: LockOptions, fn: (lease: LockLease) => Promise<T>): Promise<T>;
  /** How cached instance snapshots learn that they are stale (see ./snapshot-cache). */
  readonly changes: ChangeTracking;
  close(): Promise<void>;
}

/**
 * How an engine reports changes to what an instance snapshot holds (the instance, its customer, its
 * connections, its state), for every writer: this process, other processes, hand-written SQL.
 *
 * - `version` (SQLite): triggers bump `instances.change_seq` and a database-wide counter in the writing
 *   transaction. Reading either is a synchronous lookup, but each costs file-lock system calls, so the
 *   counter is read at most once per 10 ms and an instance's own `change_seq` only after a change.
 * - `feed` (PostgreSQL): triggers `pg_notify` the instance id on commit and this process's own commits are
 *   reported as they happen; a snapshot is trusted until a change for its instance arrives, and nothing is
 *   trusted while the feed is not live.
 */
export type ChangeTracking =
  | {
      readonly kind: 'version';
      /** The instance's `change_seq`; `undefined` for an unknown instance. */
      version(instanceId: string): number | undefined;
      /** The database-wide change counter, bumped with every `change_seq`. */
      globalVersion(): number | undefined;
      /** Calls `listener` after each of this process's own committed writes to a snapshot table. */
      onLocalChange(listener: () => void): () => void;
    }
  | { readonly kind: 'feed'; subscribe(listener: ChangeListener): ChangeSubscription }
  | { readonly kind: 'none' };

/** Receives changes from a `feed`: an instance id, or `'*'` for "anything may have changed". */
export type ChangeListener = (instanceId: string) => void;

/** A live subscription to a change feed. */
export interface ChangeSubscription {
  /** True while every change is known to reach the listener. */
  readonly live: boolean;
  close(): Promise<void>;
}

/** `'*'`: every snapshot may be stale. */
export const ALL_INSTANCES = '*';

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

/**
 * A {@link LockLease} whose `lose()` marks the lock lost; `stillHeld` asks the database (on the lock's own
 * session for PostgreSQL, the lease row for SQLite) and may reject when it cannot answer.
 */
export function lockLease(name: string, stillHeld: () => Promise<boolean>): LockLease & { lose(): void } {
  let held = true;
  const lost = (): KeywayError =>
    new KeywayError('KW_STORE_UNAVAILABLE', {
      message: `The lock on ${name} was lost with its database session; the work it guarded was stopped.`,
      retryAfterMs: 1000,
    });
  return {
    get held() {
      return held;
    },
    lose: () => {
      held = false;
    },
    assertHeld: () => {
      if (!held) throw lost();
    },
    confirm: async () => {
      if (held && (await stillHeld().catch(() => false))) return;
      held = false;
      throw lost();
    },
  };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
