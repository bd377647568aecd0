/** The store contract: the cached instance snapshots. */
import { randomUUID } from 'node:crypto';
import type { Connection, Store } from '../../../src/store';
import type { ContractContext, ContractEnv } from './context';

/** Cached instance snapshots: served frozen, dropped by any write, from any process. */
export function instanceCacheContract(ctx: ContractContext): void {
  let store: Store;
  let env: ContractEnv;
  const { fixture, open } = ctx;
  beforeAll(() => {
    store = ctx.store;
    env = ctx.env;
  });

  describe('cached instance snapshots', () => {
    const states = [{ scope: 'instance', key: 'flow-1' }, { scope: 'crossFlow' }] as const;
    /**
     * Reads until `done` holds (another process's change arrives within milliseconds), or fails. The deadline is
     * for a loaded host (a PostgreSQL round trip took seconds at load 19 on 2 cores); a pass ends at once.
     */
    async function readUntil(
      instanceId: string,
      done: (read: Awaited<ReturnType<Store['getInstanceWithConnections']>>) => boolean,
    ): Promise<void> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const read = await store.getInstanceWithConnections(instanceId, { states });
        if (done(read)) return;
        if (Date.now() > deadline) throw new Error('the change was never seen');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    /**
     * A snapshot the store serves again. PostgreSQL caches only once its LISTEN is in place, a few
     * milliseconds after the first read.
     */
    async function cached(
      instanceId: string,
    ): Promise<Awaited<ReturnType<Store['getInstanceWithConnections']>>> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const first = await store.getInstanceWithConnections(instanceId, { states });
        if ((await store.getInstanceWithConnections(instanceId, { states })) === first) return first;
        if (Date.now() > deadline) throw new Error('the snapshot was never served from memory');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    it('serves the same frozen snapshot while nothing changed', async () => {
      const { instanceId } = await fixture();
      const first = await cached(instanceId);
      expect(await store.getInstanceWithConnections(instanceId, { states })).toBe(first);
      expect(Object.isFrozen(first?.connections[0]?.secretFields)).toBe(true);
      expect(() => {
        (first?.connections as Connection[]).push(first?.connections[0] as Connection);
      }).toThrow(TypeError);
    });

    it("shows this process's own writes on the very next read", async () => {
      const { instanceId, connection } = await fixture();
      await cached(instanceId);
      await store.updateConnection(connection.id, {
        status: 'connected',
        tokenSet: { accessToken: 'at-new', tokenType: 'bearer' },
      });
      let read = await store.getInstanceWithConnections(instanceId, { states });
      expect(read?.connections[0]?.tokenSet).toMatchObject({ accessToken: 'at-new' });
      await store.putState({ instanceId, scope: 'instance', key: 'flow-1' }, { cursor: 7 });
      read = await store.getInstanceWithConnections(instanceId, { states });
      expect(read?.states[0]).toEqual({ cursor: 7 });
      await store.updateInstance(instanceId, { config: { region: 'eu' } });
      read = await store.getInstanceWithConnections(instanceId, { states });
      expect(read?.instance.config).toEqual({ region: 'eu' });
      await store.updateCustomer(read?.instance.customerId ?? '', { name: 'Acme Renamed' });
      read = await store.getInstanceWithConnections(instanceId, { states });
      expect(read?.customer?.name).toBe('Acme Renamed');
      await store.deleteConnection(connection.id);
      read = await store.getInstanceWithConnections(instanceId, { states });
      expect(read?.connections).toEqual([]);
    });

    let markerId: string | undefined;
    /**
     * Returns once the store has heard of every write committed before the call: a hand-written write to another
     * instance, read back. PostgreSQL delivers notifications in commit order, so once this one is heard every
     * earlier one (a fixture's own, arriving late on a busy machine) has been too; on SQLite the read re-checks.
     */
    async function settle(): Promise<void> {
      markerId ??= (await fixture()).instanceId;
      const name = `marker ${randomUUID()}`;
      await env.rawQuery('update instances set name = ? where id = ?', [name, markerId]);
      await readUntil(markerId, (read) => read?.instance.name === name);
    }

    it('reads a snapshot dropped by a write once for many concurrent callers, with the write in it', async () => {
      const { instanceId, connection } = await fixture();
      await cached(instanceId);
      await store.updateConnection(connection.id, {
        status: 'connected',
        tokenSet: { accessToken: 'at-herd', tokenType: 'bearer' },
      });
      // PostgreSQL also hears of its own write by NOTIFY, a moment later; should that land among the reads,
      // the read in flight is (rightly) not joined any more and a second one starts. Waiting until the store
      // has heard of every earlier write makes that rare; the bound below allows it. Without sharing: 50.
      await settle();
      const reads = await Promise.all(
        Array.from({ length: 50 }, () => store.getInstanceWithConnections(instanceId, { states })),
      );
      expect(new Set(reads).size).toBeLessThanOrEqual(2);
      expect(reads[0]?.connections[0]?.tokenSet).toMatchObject({ accessToken: 'at-herd' });
    });

    it('sees a write made by another store on the same database', async () => {
      const { instanceId, connection } = await fixture();
      await cached(instanceId);
      const other = await open();
      await other.updateConnection(connection.id, { status: 'needs_reauthorization' });
      await other.putState({ instanceId, scope: 'crossFlow' }, { from: 'other' });
      await readUntil(
        instanceId,
        (read) =>
          read?.connections[0]?.status === 'needs_reauthorization' && read.states[1]?.['from'] === 'other',
      );
    });

    it('sees hand-written SQL, and ignores lease-only writes', async () => {
      const { instanceId, connection } = await fixture();
      await settle();
      const before = await cached(instanceId);
      // The refresher's claim writes only the lease: the snapshot stays.
      await env.rawQuery('update connections set lease_owner = ?, lease_until = ? where id = ?', [
        'someone',
        Date.now() + 60_000,
        connection.id,
      ]);
      await settle();
      expect(await store.getInstanceWithConnections(instanceId, { states })).toBe(before);
      await env.rawQuery('update instances set name = ? where id = ?', ['Renamed by hand', instanceId]);
      await readUntil(instanceId, (read) => read?.instance.name === 'Renamed by hand');
    });

    it('forgets a deleted instance', async () => {
      const { instanceId } = await fixture();
      expect(await store.getInstanceWithConnections(instanceId, { states })).toBeDefined();
      await store.deleteInstance(instanceId);
      expect(await store.getInstanceWithConnections(instanceId, { states })).toBeUndefined();
    });
  });
}
