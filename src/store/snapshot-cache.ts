/**
 * Instance snapshots kept in memory between action calls. An action call needs the instance, its customer, its
 * connections (tokens decrypted) and its state; reading and decrypting them is most of what a cached-token call
 * costs. A snapshot is served again only while the engine's change tracking says nothing in it changed:
 *
 * - SQLite (`version`): triggers bump the instance's `change_seq` and a database-wide counter in every writing
 *   transaction of every process. This process's own commits are reported at once; the counter is read at most
 *   once per {@link CROSS_PROCESS_CHECK_MS} (each read costs file-lock system calls), so another process's
 *   change is seen within that time. After any change, each snapshot re-reads its own `change_seq` once before
 *   it is served again, so only the instances that changed are read again.
 * - PostgreSQL (`feed`): a change notification for the instance (NOTIFY from the triggers, or this process's
 *   own commit) drops its snapshots; while the feed is not live nothing is served from memory. A change
 *   committed by another replica is seen once its notification arrives (normally well under a millisecond).
 *
 * Concurrent misses of one snapshot share one read, as long as nothing in it changed since that read started:
 * after any write, a thousand calls arriving together cost one query, not a thousand (a refresh storm drops
 * the snapshot in the middle of its calls). A caller never joins a read older than a change it has heard of.
 *
 * Snapshots are deep-frozen: every caller shares them.
 */
import type { ChangeSubscription, ChangeTracking } from './engine';
import { ALL_INSTANCES } from './engine';

/** How many snapshots (instance × state keys) are kept; least recently used ones go first. */
export const SNAPSHOT_CACHE_SIZE = 10_000;

/** SQLite: how often the database-wide change counter is read, i.e. how stale another process's change may be. */
export const CROSS_PROCESS_CHECK_MS = 10;

interface Entry<V> {
  readonly instanceId: string;
  readonly value: V;
  /** `change_seq` the value was read at (SQLite). */
  readonly version: number | undefined;
  /** The change epoch at which `version` was last confirmed (SQLite). */
  epoch: number;
}

/** A read's result together with the `change_seq` it was read at (`undefined` on PostgreSQL). */
export interface VersionedRead<V> {
  readonly value: V;
  readonly version: number | undefined;
}

/** A read in flight, which callers of the same key may join while nothing it covers has changed since. */
interface Pending<V> {
  readonly promise: Promise<VersionedRead<V> | undefined>;
  /** {@link SnapshotCache} `#changeCount` when the read started (feed). */
  readonly startedAt: number;
  /** The epoch the read started in (version). */
  readonly epoch: number;
}

/** Snapshots by key, each belonging to one instance. */
export class SnapshotCache<V> {
  readonly #tracking: ChangeTracking;
  readonly #capacity: number;
  readonly #entries = new Map<string, Entry<V>>();
  /** The key last put or re-inserted: while it is held, its entry is the last of {@link #entries}. */
  #newest: string | undefined;
  /** Keys per instance, so a change drops every snapshot of that instance. */
  readonly #keysByInstance = new Map<string, Set<string>>();
  /** Reads in flight by key; see {@link Pending}. */
  readonly #pending = new Map<string, Pending<V>>();
  #subscription: ChangeSubscription | undefined;
  /** Bumped by every change heard; a read started before a change of its instance is not cached. */
  #changeCount = 0;
  #changedAt = new Map<string, number>();
  #everythingChangedAt = 0;
  /** SQLite: bumped by every change this process hears of; an entry confirmed in an older epoch is re-checked. */
  #epoch = 0;
  #lastGlobal: number | undefined;
  #lastGlobalCheck = -Infinity;
  #unsubscribeLocal: (() => void) | undefined;

  constructor(tracking: ChangeTracking, capacity = SNAPSHOT_CACHE_SIZE) {
    this.#tracking = tracking;
    this.#capacity = capacity;
  }

  /**
   * The snapshot under `key` if it is still current, else what `read` returns (cached when that is safe).
   * `read` must return `undefined` for a missing instance; that is never cached.
   */
  async get(
    key: string,
    instanceId: string,
    read: () => Promise<VersionedRead<V> | undefined>,
  ): Promise<V | undefined> {
    if (this.#tracking.kind === 'none') return (await read())?.value;
    const hit = this.peek(key, instanceId);
    if (hit !== undefined) return hit;
    const joined = this.#pending.get(key);
    if (joined !== undefined && this.#fresh(joined, instanceId)) return (await joined.promise)?.value;
    const startedAt = this.#changeCount;
    const epoch = this.#epoch;
    const pending: Pending<V> = {
      promise: this.#read(key, instanceId, read, startedAt, epoch),
      startedAt,
      epoch,
    };
    this.#pending.set(key, pending);
    try {
      return (await pending.promise)?.value;
    } finally {
      if (this.#pending.get(key) === pending) this.#pending.delete(key);
    }
  }

  /**
   * The snapshot under `key` if it is still current, at once (no read, no promise); `undefined` when
   * {@link SnapshotCache.get} would have to read. A snapshot found out of date is dropped.
   */
  peek(key: string, instanceId: string): V | undefined {
    const tracking = this.#tracking;
    if (tracking.kind === 'none') return undefined;
    if (tracking.kind === 'feed') this.#subscription ??= tracking.subscribe((id) => this.#changed(id));
    if (tracking.kind === 'version') this.#syncEpoch(tracking);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#current(entry)) {
      // Re-inserting moves it to the end: Map iteration order is the eviction order (least recently used first).
      // The newest needs no move (the commonest hit: one instance called again and again).
      if (key !== this.#newest) {
        this.#entries.delete(key);
        this.#entries.set(key, entry);
        this.#newest = key;
      }
      return entry.value;
    }
    this.#drop(instanceId);
    return undefined;
  }

  /** Runs `read`, caches its result when that is safe, and freezes it: the callers who joined share it. */
  async #read(
    key: string,
    instanceId: string,
    read: () => Promise<VersionedRead<V> | undefined>,
    startedAt: number,
    epoch: number,
  ): Promise<VersionedRead<V> | undefined> {
    const result = await read();
    if (result === undefined) return undefined;
    deepFreeze(result.value);
    if (this.#cacheable(instanceId, startedAt, result.version)) this.#put(key, instanceId, result, epoch);
    return result;
  }

  /** True when no change this cache has heard of since `pending` started could be missing from its result. */
  #fresh(pending: Pending<V>, instanceId: string): boolean {
    if (this.#tracking.kind === 'version') return pending.epoch === this.#epoch;
    return this.#cacheable(instanceId, pending.startedAt, undefined);
  }

  /** SQLite: starts a new epoch when this process wrote, or when the database-wide counter moved. */
  #syncEpoch(tracking: Extract<ChangeTracking, { kind: 'version' }>): void {
    this.#unsubscribeLocal ??= tracking.onLocalChange(() => (this.#epoch += 1));
    const now = Date.now();
    if (now - this.#lastGlobalCheck < CROSS_PROCESS_CHECK_MS) return;
    this.#lastGlobalCheck = now;
    const global = tracking.globalVersion();
    if (global === undefined || global !== this.#lastGlobal) this.#epoch += 1;
    this.#lastGlobal = global;
  }

  /** Stops listening for changes and forgets every snapshot. */
  async close(): Promise<void> {
    this.#unsubscribeLocal?.();
    this.#unsubscribeLocal = undefined;
    const subscription = this.#subscription;
    this.#subscription = undefined;
    this.#clear();
    await subscription?.close();
  }

  /** How many snapshots are held (for tests). */
  get size(): number {
    return this.#entries.size;
  }

  #current(entry: Entry<V>): boolean {
    if (this.#tracking.kind === 'version') {
      if (entry.epoch === this.#epoch) return true;
      if (entry.version === undefined || this.#tracking.version(entry.instanceId) !== entry.version)
        return false;
      entry.epoch = this.#epoch;
      return true;
    }
    // A feed entry is dropped when its change arrives; it is current while the feed is live.
    return this.#subscription?.live === true;
  }

  #cacheable(instanceId: string, startedAt: number, version: number | undefined): boolean {
    if (this.#tracking.kind === 'version') return version !== undefined;
    if (this.#subscription?.live !== true) return false;
    // A change heard while the read ran may not be in what it read.
    return this.#everythingChangedAt <= startedAt && (this.#changedAt.get(instanceId) ?? 0) <= startedAt;
  }

  #put(key: string, instanceId: string, result: VersionedRead<V>, epoch: number): void {
    // Deleted first so that a key read again goes to the end, where the newest is.
    this.#entries.delete(key);
    if (this.#entries.size >= this.#capacity) this.#evictOne();
    this.#entries.set(key, { instanceId, value: result.value, version: result.version, epoch });
    this.#newest = key;
    let keys = this.#keysByInstance.get(instanceId);
    if (keys === undefined) {
      keys = new Set();
      this.#keysByInstance.set(instanceId, keys);
    }
    keys.add(key);
  }

  #changed(instanceId: string): void {
    this.#changeCount += 1;
    if (instanceId === ALL_INSTANCES) {
      this.#everythingChangedAt = this.#changeCount;
      // Per-instance marks older than this one no longer matter.
      this.#changedAt = new Map();
      this.#clear();
      return;
    }
    this.#changedAt.set(instanceId, this.#changeCount);
    if (this.#changedAt.size > this.#capacity) {
      // Bounded memory: forgetting the marks means treating everything as changed now.
      this.#changed(ALL_INSTANCES);
      return;
    }
    this.#drop(instanceId);
  }

  /** Drops the least recently used snapshot (the first in the map), with the other snapshots of its instance. */
  #evictOne(): void {
    const oldest = this.#entries.values().next();
    if (oldest.done !== true) this.#drop(oldest.value.instanceId);
  }

  #drop(instanceId: string): void {
    const keys = this.#keysByInstance.get(instanceId);
    if (keys === undefined) return;
    for (const key of keys) this.#entries.delete(key);
    this.#keysByInstance.delete(instanceId);
  }

  #clear(): void {
    this.#entries.clear();
    this.#keysByInstance.clear();
  }
}

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
