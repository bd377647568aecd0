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

/** How many snapshots (instance × selection) are kept; least recently used instances go first. */
export const SNAPSHOT_CACHE_SIZE = 10_000;

/** SQLite: how often the database-wide change counter is read, i.e. how stale another process's change may be. */
export const CROSS_PROCESS_CHECK_MS = 10;

interface Entry<V, S> {
  /** What the read selected besides the instance (e.g. its state keys). */
  readonly selector: S;
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

/** A read in flight, which callers of the same selection may join while nothing it covers has changed since. */
interface Pending<V, S> {
  readonly selector: S;
  readonly promise: Promise<VersionedRead<V> | undefined>;
  /** {@link SnapshotCache} `#changeCount` when the read started (feed). */
  readonly startedAt: number;
  /** The epoch the read started in (version). */
  readonly epoch: number;
}

/** Reads one instance's snapshot for a selection; `undefined` for a missing instance. */
export type SnapshotRead<V, S> = (instanceId: string, selector: S) => Promise<VersionedRead<V> | undefined>;

/**
 * Snapshots by instance, each instance holding one per selection (`same` tells two selections apart), so a
 * lookup builds no key: the instance id finds the list, and the list is as long as the selections the instance
 * is called with (one per flow).
 */
export class SnapshotCache<V, S = string> {
  readonly #tracking: ChangeTracking;
  readonly #capacity: number;
  readonly #same: (a: S, b: S) => boolean;
  /** Snapshots by instance; the map's order is the eviction order (least recently used instance first). */
  readonly #entries = new Map<string, Entry<V, S>[]>();
  /** How many snapshots {@link #entries} holds in all. */
  #count = 0;
  /** The instance last put or re-inserted: while it is held, its entries are the last of {@link #entries}. */
  #newest: string | undefined;
  /** Reads in flight by instance; see {@link Pending}. */
  readonly #pending = new Map<string, Pending<V, S>[]>();
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

  constructor(
    tracking: ChangeTracking,
    capacity = SNAPSHOT_CACHE_SIZE,
    same: (a: S, b: S) => boolean = Object.is,
  ) {
    this.#tracking = tracking;
    this.#capacity = capacity;
    this.#same = same;
  }

  /**
   * The snapshot of `instanceId` for `selector` if it is still current, else what `read` returns (cached when
   * that is safe). `read` must return `undefined` for a missing instance; that is never cached.
   */
  async get(instanceId: string, selector: S, read: SnapshotRead<V, S>): Promise<V | undefined> {
    if (this.#tracking.kind === 'none') return (await read(instanceId, selector))?.value;
    const hit = this.peek(instanceId, selector);
    if (hit !== undefined) return hit;
    let pendings = this.#pending.get(instanceId);
    const joined = pendings?.find((p) => this.#same(p.selector, selector));
    if (joined !== undefined && this.#fresh(joined, instanceId)) return (await joined.promise)?.value;
    const startedAt = this.#changeCount;
    const epoch = this.#epoch;
    const pending: Pending<V, S> = {
      selector,
      promise: this.#read(instanceId, selector, read, startedAt, epoch),
      startedAt,
      epoch,
    };
    if (pendings === undefined) {
      pendings = [];
      this.#pending.set(instanceId, pendings);
    }
    if (joined !== undefined) pendings.splice(pendings.indexOf(joined), 1);
    pendings.push(pending);
    try {
      return (await pending.promise)?.value;
    } finally {
      const index = pendings.indexOf(pending);
      if (index >= 0) pendings.splice(index, 1);
      if (pendings.length === 0 && this.#pending.get(instanceId) === pendings)
        this.#pending.delete(instanceId);
    }
  }

  /**
   * The snapshot of `instanceId` for `selector` if it is still current, at once (no read, no promise);
   * `undefined` when {@link SnapshotCache.get} would have to read. A snapshot found out of date is dropped.
   */
  peek(instanceId: string, selector: S): V | undefined {
    const tracking = this.#tracking;
    if (tracking.kind === 'none') return undefined;
    if (tracking.kind === 'feed') this.#subscription ??= tracking.subscribe((id) => this.#changed(id));
    if (tracking.kind === 'version') this.#syncEpoch(tracking);
    const entries = this.#entries.get(instanceId);
    if (entries === undefined) return undefined;
    const entry = this.#find(entries, selector);
    if (entry === undefined) return undefined;
    if (this.#current(instanceId, entry)) {
      // Re-inserting moves it to the end: Map iteration order is the eviction order (least recently used first).
      // The newest needs no move (the commonest hit: one instance called again and again).
      if (instanceId !== this.#newest) {
        this.#entries.delete(instanceId);
        this.#entries.set(instanceId, entries);
        this.#newest = instanceId;
      }
      return entry.value;
    }
    this.#drop(instanceId);
    return undefined;
  }

  #find(entries: readonly Entry<V, S>[], selector: S): Entry<V, S> | undefined {
    for (const entry of entries) if (this.#same(entry.selector, selector)) return entry;
    return undefined;
  }

  /** Runs `read`, caches its result when that is safe, and freezes it: the callers who joined share it. */
  async #read(
    instanceId: string,
    selector: S,
    read: SnapshotRead<V, S>,
    startedAt: number,
    epoch: number,
  ): Promise<VersionedRead<V> | undefined> {
    const result = await read(instanceId, selector);
    if (result === undefined) return undefined;
    deepFreeze(result.value);
    if (this.#cacheable(instanceId, startedAt, result.version))
      this.#put(instanceId, selector, result, epoch);
    return result;
  }

  /** True when no change this cache has heard of since `pending` started could be missing from its result. */
  #fresh(pending: Pending<V, S>, instanceId: string): boolean {
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
    return this.#count;
  }

  #current(instanceId: string, entry: Entry<V, S>): boolean {
    if (this.#tracking.kind === 'version') {
      if (entry.epoch === this.#epoch) return true;
      if (entry.version === undefined || this.#tracking.version(instanceId) !== entry.version) return false;
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

  #put(instanceId: string, selector: S, result: VersionedRead<V>, epoch: number): void {
    // A copy: the caller may reuse or change its selector after the call.
    const kept = deepFreeze(structuredClone(selector));
    const entry: Entry<V, S> = { selector: kept, value: result.value, version: result.version, epoch };
    let entries = this.#entries.get(instanceId);
    // Deleted first so that an instance read again goes to the end, where the newest is.
    this.#entries.delete(instanceId);
    if (entries === undefined) {
      if (this.#count >= this.#capacity) this.#evictOne();
      entries = [];
    }
    this.#entries.set(instanceId, entries);
    this.#newest = instanceId;
    const old = this.#find(entries, selector);
    if (old !== undefined) entries[entries.indexOf(old)] = entry;
    else {
      entries.push(entry);
      this.#count += 1;
    }
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

  /** Drops the snapshots of the least recently used instance (the first in the map). */
  #evictOne(): void {
    const oldest = this.#entries.keys().next();
    if (oldest.done !== true) this.#drop(oldest.value);
  }

  #drop(instanceId: string): void {
    const entries = this.#entries.get(instanceId);
    if (entries === undefined) return;
    this.#count -= entries.length;
    this.#entries.delete(instanceId);
  }

  #clear(): void {
    this.#entries.clear();
    this.#count = 0;
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
