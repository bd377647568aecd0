/**
 * The snapshot cache on its own, with the engines' change tracking replaced by a feed and a version counter
 * this test drives, so the order of reads and changes can be set exactly. The engines' own tracking, with real
 * rows, is in the store contract (cached instance snapshots).
 */
import { ALL_INSTANCES } from '../../src/store/engine';
import type { ChangeListener, ChangeTracking } from '../../src/store/engine';
import { SnapshotCache } from '../../src/store/snapshot-cache';
import type { VersionedRead } from '../../src/store/snapshot-cache';

interface Snapshot {
  readonly token: string;
}

/** A read that waits until the test releases it, and returns the token current when it was started. */
function controlledReads(current: () => string): {
  read: () => Promise<VersionedRead<Snapshot>>;
  started: () => number;
  releaseAll: () => void;
} {
  let count = 0;
  const gates: (() => void)[] = [];
  return {
    read: async () => {
      count += 1;
      const token = current();
      await new Promise<void>((resolve) => gates.push(resolve));
      return { value: { token }, version: 1 };
    },
    started: () => count,
    releaseAll: () => {
      for (const open of gates.splice(0)) open();
    },
  };
}

/** Lets pending promise callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SnapshotCache, change feed', () => {
  function feed(): { tracking: ChangeTracking; emit: ChangeListener } {
    let listener: ChangeListener = () => undefined;
    return {
      tracking: {
        kind: 'feed',
        subscribe: (l) => {
          listener = l;
          return { live: true, close: () => Promise.resolve() };
        },
      },
      emit: (id) => listener(id),
    };
  }

  it('shares one read among concurrent misses of the same snapshot', async () => {
    const { tracking } = feed();
    const cache = new SnapshotCache<Snapshot>(tracking);
    const reads = controlledReads(() => 'at-1');
    const callers = Array.from({ length: 100 }, () => cache.get('inst', 'k', reads.read));
    await settle();
    reads.releaseAll();
    const results = await Promise.all(callers);
    expect(reads.started()).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(Object.isFrozen(results[0])).toBe(true);
  });

  it.each([
    ['a change of its instance', 'inst'],
    ['"everything changed"', ALL_INSTANCES],
  ])('never lets a caller join a read older than %s it has heard of', async (_what, changed) => {
    const { tracking, emit } = feed();
    const cache = new SnapshotCache<Snapshot>(tracking);
    let token = 'at-old';
    const reads = controlledReads(() => token);
    const before = cache.get('inst', 'k', reads.read);
    await settle();
    token = 'at-new';
    emit(changed);
    const after = cache.get('inst', 'k', reads.read);
    await settle();
    reads.releaseAll();
    expect((await before)?.token).toBe('at-old');
    expect((await after)?.token).toBe('at-new');
    expect(reads.started()).toBe(2);
  });

  it("joins a read despite another instance's change", async () => {
    const { tracking, emit } = feed();
    const cache = new SnapshotCache<Snapshot>(tracking);
    const reads = controlledReads(() => 'at-1');
    const first = cache.get('inst', 'k', reads.read);
    await settle();
    emit('other-instance');
    const second = cache.get('inst', 'k', reads.read);
    await settle();
    reads.releaseAll();
    expect(await second).toBe(await first);
    expect(reads.started()).toBe(1);
  });

  it('hands a failed read to every caller that joined it, and reads afresh afterwards', async () => {
    const { tracking } = feed();
    const cache = new SnapshotCache<Snapshot>(tracking);
    let fail = true;
    let count = 0;
    let open = (): void => undefined;
    const read = async (): Promise<VersionedRead<Snapshot>> => {
      count += 1;
      await new Promise<void>((resolve) => (open = resolve));
      if (fail) throw new Error('connection reset');
      return { value: { token: 'at-1' }, version: undefined };
    };
    const callers = [cache.get('inst', 'k', read), cache.get('inst', 'k', read)];
    await settle();
    open();
    const outcomes = await Promise.allSettled(callers);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(count).toBe(1);
    fail = false;
    const later = cache.get('inst', 'k', read);
    await settle();
    open();
    expect((await later)?.token).toBe('at-1');
    expect(count).toBe(2);
  });
});

describe('SnapshotCache, version counter', () => {
  it('joins a read started in the same epoch, not one from before a local write', async () => {
    let local: () => void = () => undefined;
    const tracking: ChangeTracking = {
      kind: 'version',
      version: () => 1,
      globalVersion: () => 1,
      onLocalChange: (listener) => {
        local = listener;
        return () => undefined;
      },
    };
    const cache = new SnapshotCache<Snapshot>(tracking);
    let token = 'at-old';
    const reads = controlledReads(() => token);
    const a = cache.get('inst', 'k', reads.read);
    const b = cache.get('inst', 'k', reads.read);
    await settle();
    token = 'at-new';
    local();
    const c = cache.get('inst', 'k', reads.read);
    await settle();
    reads.releaseAll();
    expect(await b).toBe(await a);
    expect((await c)?.token).toBe('at-new');
    expect(reads.started()).toBe(2);
  });
});

describe('SnapshotCache, selections of one instance', () => {
  it('keeps one snapshot per selection of an instance, and a change of the instance drops them all', async () => {
    let listener: ChangeListener = () => undefined;
    const tracking: ChangeTracking = {
      kind: 'feed',
      subscribe: (l) => {
        listener = l;
        return { live: true, close: () => Promise.resolve() };
      },
    };
    const same = (a: readonly string[], b: readonly string[]): boolean =>
      a.length === b.length && a.every((item, n) => item === b[n]);
    const cache = new SnapshotCache<Snapshot, readonly string[]>(tracking, 10, same);
    const reads: string[] = [];
    const read = (id: string, selector: readonly string[]): Promise<VersionedRead<Snapshot>> => {
      reads.push(`${id}:${selector.join(',')}`);
      return Promise.resolve({ value: { token: selector.join(',') }, version: undefined });
    };
    const flowA = ['instance', 'a'];
    expect((await cache.get('inst', flowA, read))?.token).toBe('instance,a');
    expect((await cache.get('inst', ['instance', 'b'], read))?.token).toBe('instance,b');
    // A selector changed after the call does not change what its snapshot was read for.
    flowA[1] = 'b';
    expect((await cache.get('inst', ['instance', 'a'], read))?.token).toBe('instance,a');
    expect((await cache.get('inst', ['instance', 'b'], read))?.token).toBe('instance,b');
    expect(reads).toEqual(['inst:instance,a', 'inst:instance,b']);
    expect(cache.size).toBe(2);
    listener('inst');
    expect(cache.size).toBe(0);
    expect((await cache.get('inst', ['instance', 'a'], read))?.token).toBe('instance,a');
    expect(reads).toHaveLength(3);
  });
});

describe('SnapshotCache, eviction', () => {
  const tracking: ChangeTracking = {
    kind: 'version',
    version: () => 1,
    globalVersion: () => 1,
    onLocalChange: () => () => undefined,
  };

  /** A cache of `capacity` snapshots and a count of reads per instance. */
  function counted(capacity: number): {
    cache: SnapshotCache<Snapshot>;
    get: (id: string) => Promise<void>;
    reads: Map<string, number>;
  } {
    const cache = new SnapshotCache<Snapshot>(tracking, capacity);
    const reads = new Map<string, number>();
    const get = async (id: string): Promise<void> => {
      await cache.get(id, id, () => {
        reads.set(id, (reads.get(id) ?? 0) + 1);
        return Promise.resolve({ value: { token: id }, version: 1 });
      });
    };
    return { cache, get, reads };
  }

  it('drops the least recently read snapshot when full', async () => {
    const { cache, get, reads } = counted(3);
    for (const id of ['a', 'b', 'c']) await get(id);
    await get('a');
    await get('d'); // full: 'a' was read again, so 'b' goes
    expect(cache.size).toBe(3);
    for (const id of ['a', 'c', 'd']) await get(id);
    expect(Object.fromEntries(reads)).toEqual({ a: 1, b: 1, c: 1, d: 1 });
    await get('b');
    expect(reads.get('b')).toBe(2);
  });

  it('drops the least recently read snapshot, not the first one cached', async () => {
    const { cache, get, reads } = counted(2);
    await get('a');
    await get('b');
    await get('b');
    await get('a');
    await get('c'); // 'a' was cached first but read last: 'b' goes
    expect(cache.size).toBe(2);
    await get('a');
    await get('c');
    expect(reads.get('a')).toBe(1);
    await get('b');
    expect(reads.get('b')).toBe(2);
  });

  it('moves the snapshot that was the newest when it is read again after another one', async () => {
    const { get, reads } = counted(2);
    await get('a');
    await get('b'); // the newest
    await get('b'); // still the newest: nothing moves
    await get('a'); // now 'a' is
    await get('b'); // and 'b' again, so 'a' is the least recently read
    await get('c');
    await get('b');
    expect(reads.get('b')).toBe(1);
    await get('a');
    expect(reads.get('a')).toBe(2);
  });
});
