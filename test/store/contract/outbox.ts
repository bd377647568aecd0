/** The store contract: the events outbox. */
import type { Store } from '../../../src/store';
import { keyA, multiProcess, runWorker } from './context';
import type { ContractContext, ContractEnv } from './context';

/** The events outbox: claims, retries and deliveries. */
export function outboxContract(ctx: ContractContext): void {
  let store: Store;
  let env: ContractEnv;
  beforeAll(() => {
    store = ctx.store;
    env = ctx.env;
  });

  describe('events outbox', () => {
    it('claims due events once, reschedules failures and finishes deliveries', async () => {
      const now = 9_000_000_000_000 + Math.floor(Math.random() * 1e9);
      const e1 = await store.enqueueEvent({
        type: 'connection.connected',
        payload: { n: 1 },
        nextAttemptAt: now,
      });
      const e2 = await store.enqueueEvent({
        type: 'connection.connected',
        payload: { n: 2 },
        nextAttemptAt: now + 5000,
      });
      const first = (await store.claimOutboxEvents({ now, limit: 1000, leaseMs: 1000, owner: 'a' })).map(
        (e) => e.id,
      );
      expect(first).toContain(e1.id);
      expect(first).not.toContain(e2.id);
      expect(
        (await store.claimOutboxEvents({ now, limit: 1000, leaseMs: 1000, owner: 'b' })).map((e) => e.id),
      ).not.toContain(e1.id);

      await store.markEventFailed(e1.id, { nextAttemptAt: now + 100, error: 'HTTP 500' });
      expect(await store.getEvent(e1.id)).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'HTTP 500',
      });
      const retried = await store.claimOutboxEvents({
        now: now + 100,
        limit: 1000,
        leaseMs: 1000,
        owner: 'c',
      });
      expect(retried.map((e) => e.id)).toContain(e1.id);
      await store.markEventDelivered(e1.id, now + 101);
      expect(await store.getEvent(e1.id)).toMatchObject({
        status: 'delivered',
        deliveredAt: now + 101,
        attempts: 2,
      });

      await store.markEventFailed(e2.id, { nextAttemptAt: null, error: 'gave up' });
      expect((await store.getEvent(e2.id))?.status).toBe('failed');
      expect(
        (await store.claimOutboxEvents({ now: now + 1e9, limit: 1000, leaseMs: 1000, owner: 'd' })).map(
          (e) => e.id,
        ),
      ).not.toContain(e2.id);
    });

    multiProcess(
      'never hands the same event to two processes claiming at once',
      async () => {
        const now = 9_500_000_000_000;
        for (let i = 0; i < 30; i++)
          await store.enqueueEvent({ type: 't', payload: { i }, nextAttemptAt: now - 1 });
        const results = await Promise.all(
          ['q1', 'q2', 'q3'].map((owner) =>
            runWorker({
              config: { ...env.config, keys: keyA },
              mode: 'claim-events',
              owner,
              limit: 2,
              leaseMs: 1e12,
              now,
            }),
          ),
        );
        const all = results.flatMap((r) => r['claimed'] as string[]);
        expect(new Set(all).size).toBe(all.length);
        expect(all.length).toBeGreaterThanOrEqual(30);
      },
      120_000,
    );
  });
}
