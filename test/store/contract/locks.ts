/** The store contract: the connection lock and claims of due refreshes. */
import type { Store } from '../../../src/store';
import { expectCode, keyA, multiProcess, runWorker } from './context';
import type { ContractContext, ContractEnv } from './context';

/** The per-connection lock. */
export function connectionLockContract(ctx: ContractContext): void {
  let store: Store;
  let env: ContractEnv;
  const { fixture, open } = ctx;
  beforeAll(() => {
    store = ctx.store;
    env = ctx.env;
  });

  describe('connection lock', () => {
    it('times out with KW_STORE_LOCK_TIMEOUT while another holder has the lock, and frees it afterwards', async () => {
      const { connection } = await fixture();
      const other = await open();
      let release: () => void = () => undefined;
      let entered: () => void = () => undefined;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const held = store.withConnectionLock(connection.id, { timeoutMs: 1000 }, () => {
        entered();
        return new Promise<string>((resolve) => {
          release = () => resolve('first');
        });
      });
      // The first holder is inside its critical section: the lock is taken.
      await inside;
      await expectCode(
        other.withConnectionLock(connection.id, { timeoutMs: 150 }, () => Promise.resolve('second')),
        'KW_STORE_LOCK_TIMEOUT',
      );
      release();
      expect(await held).toBe('first');
      expect(
        await other.withConnectionLock(connection.id, { timeoutMs: 1000 }, () => Promise.resolve('second')),
      ).toBe('second');
    });

    it('releases the lock when the function throws', async () => {
      const { connection } = await fixture();
      await expect(
        store.withConnectionLock(connection.id, { timeoutMs: 500 }, () => Promise.reject(new Error('boom'))),
      ).rejects.toThrow('boom');
      expect(
        await store.withConnectionLock(connection.id, { timeoutMs: 500 }, () => Promise.resolve(1)),
      ).toBe(1);
    });

    it('confirms with the database that a held lock is still held', async () => {
      const { connection } = await fixture();
      await store.withConnectionLock(connection.id, { timeoutMs: 500 }, async (lease) => {
        await lease.confirm();
        expect(lease.held).toBe(true);
      });
    });

    it('does not block locks on other connections', async () => {
      const a = (await fixture()).connection;
      const b = (await fixture()).connection;
      const result = await store.withConnectionLock(a.id, { timeoutMs: 500 }, () =>
        store.withConnectionLock(b.id, { timeoutMs: 500 }, () => Promise.resolve('both')),
      );
      expect(result).toBe('both');
    });

    multiProcess(
      'excludes other processes: read-modify-write under the lock loses no update',
      async () => {
        const { connection } = await fixture();
        await store.updateConnection(connection.id, { fields: { counter: 0 } });
        await Promise.all(
          Array.from({ length: 3 }, () =>
            runWorker({
              config: { ...env.config, keys: keyA },
              mode: 'lock',
              connectionId: connection.id,
              count: 15,
            }),
          ),
        );
        expect((await store.getConnection(connection.id))?.fields).toEqual({ counter: 45 });
      },
      120_000,
    );
  });
}

/** Claiming due refreshes under a lease. */
export function refreshClaimsContract(ctx: ContractContext): void {
  let store: Store;
  let env: ContractEnv;
  const { fixture } = ctx;
  beforeAll(() => {
    store = ctx.store;
    env = ctx.env;
  });

  describe('claiming due refreshes', () => {
    // Claims use an explicit `now` far in the future of other tests' rows, so each test claims its own.
    async function dueConnections(count: number, refreshAt: number): Promise<string[]> {
      const { instanceId } = await fixture();
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const c = await store.createConnection({
          instanceId,
          name: `due-${i}`,
          componentKey: 'c',
          definitionKey: 'd',
          grantType: 'authorization_code',
          status: 'connected',
          refreshAt,
        });
        ids.push(c.id);
      }
      return ids;
    }

    it('claims only connected, due connections outside cooldown, and never the same one twice while leased', async () => {
      const base = 5_000_000_000_000 + Math.floor(Math.random() * 1e9);
      const [due, cooling, later] = await dueConnections(3, base);
      await store.updateConnection(cooling ?? '', { cooldownUntil: base + 10_000 });
      await store.updateConnection(later ?? '', { refreshAt: base + 10_000 });
      const { connection: pending } = await fixture();
      await store.updateConnection(pending.id, { refreshAt: base });

      const first = await store.claimDueRefreshes({ now: base + 1, limit: 10, leaseMs: 60_000, owner: 'a' });
      const claimedIds = first.map((c) => c.id);
      expect(claimedIds).toContain(due);
      expect(claimedIds).not.toContain(cooling);
      expect(claimedIds).not.toContain(later);
      expect(claimedIds).not.toContain(pending.id);

      const second = await store.claimDueRefreshes({ now: base + 2, limit: 10, leaseMs: 60_000, owner: 'b' });
      expect(second.map((c) => c.id)).not.toContain(due);

      // After the lease runs out another replica may take it over.
      const third = await store.claimDueRefreshes({
        now: base + 60_002,
        limit: 1000,
        leaseMs: 60_000,
        owner: 'c',
      });
      expect(third.map((c) => c.id)).toContain(due);
    });

    it('does not change the version when claiming, so the claimer can compare-and-set', async () => {
      const base = 6_000_000_000_000 + Math.floor(Math.random() * 1e9);
      const [id] = await dueConnections(1, base);
      const [claimed] = (
        await store.claimDueRefreshes({ now: base, limit: 100, leaseMs: 1000, owner: 'x' })
      ).filter((c) => c.id === id);
      expect(claimed?.version).toBe(1);
      const cas = await store.compareAndSetConnectionTokens(id ?? '', 1, { refreshAt: base + 3_600_000 });
      expect(cas.ok).toBe(true);
    });

    it('lets the owner release a claim early', async () => {
      const base = 7_000_000_000_000 + Math.floor(Math.random() * 1e9);
      const [id] = await dueConnections(1, base);
      await store.claimDueRefreshes({ now: base, limit: 100, leaseMs: 60_000, owner: 'owner-1' });
      await store.releaseRefreshClaim(id ?? '', 'someone-else');
      expect(
        (await store.claimDueRefreshes({ now: base, limit: 100, leaseMs: 60_000, owner: 'o2' })).map(
          (c) => c.id,
        ),
      ).not.toContain(id);
      await store.releaseRefreshClaim(id ?? '', 'owner-1');
      expect(
        (await store.claimDueRefreshes({ now: base, limit: 100, leaseMs: 60_000, owner: 'o3' })).map(
          (c) => c.id,
        ),
      ).toContain(id);
    });

    multiProcess(
      'never hands the same connection to two processes claiming at once',
      async () => {
        // Everything else in this database is due before `now` too, so compare against all claimable ids.
        const now = 8_000_000_000_000;
        const ids = await dueConnections(30, now - 1);
        const results = await Promise.all(
          ['p1', 'p2', 'p3'].map((owner) =>
            runWorker({
              config: { ...env.config, keys: keyA },
              mode: 'claim',
              owner,
              limit: 2,
              leaseMs: 1e12,
              now,
            }),
          ),
        );
        const all = results.flatMap((r) => r['claimed'] as string[]);
        expect(new Set(all).size).toBe(all.length);
        for (const id of ids) expect(all).toContain(id);
      },
      120_000,
    );
  });
}
