/**
 * A separate OS process hammering a shared store, for the multi-process contract tests.
 * Usage: node --require tsx/cjs test/store/worker.ts '<json>' where json is
 *   { config, mode: 'cas', connectionId, count }            CAS-increment tokenSet.counter `count` times
 *   { config, mode: 'lock', connectionId, count }           read-modify-write fields.counter under the lock
 *   { config, mode: 'claim', owner, limit, leaseMs, now }   claim due refreshes until none are left
 *   { config, mode: 'claim-events', owner, limit, leaseMs, now }
 * Prints one JSON line with the result on stdout.
 */
import { openStore } from '../../src/store';
import type { StoreConfig } from '../../src/store';

interface Job {
  config: StoreConfig;
  mode: 'cas' | 'lock' | 'claim' | 'claim-events';
  connectionId?: string;
  count?: number;
  owner?: string;
  limit?: number;
  leaseMs?: number;
  now?: number;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const store = await openStore({ ...job.config, migrate: false });
  try {
    if (job.mode === 'cas') {
      let retries = 0;
      for (let i = 0; i < (job.count ?? 0); i++) {
        for (;;) {
          const current = await store.getConnection(job.connectionId ?? '');
          if (!current) throw new Error('connection vanished');
          const counter = Number(current.tokenSet?.['counter'] ?? 0);
          const result = await store.compareAndSetConnectionTokens(current.id, current.version, {
            tokenSet: { ...current.tokenSet, counter: counter + 1 },
          });
          if (result.ok) break;
          retries++;
        }
      }
      process.stdout.write(`${JSON.stringify({ retries })}\n`);
    } else if (job.mode === 'lock') {
      for (let i = 0; i < (job.count ?? 0); i++) {
        await store.withConnectionLock(job.connectionId ?? '', { timeoutMs: 20_000 }, async () => {
          const current = await store.getConnection(job.connectionId ?? '');
          const counter = Number(current?.fields['counter'] ?? 0);
          // Yield so that a broken lock would let another process interleave here.
          await new Promise((resolve) => setTimeout(resolve, 2));
          await store.updateConnection(job.connectionId ?? '', { fields: { counter: counter + 1 } });
        });
      }
      process.stdout.write(`${JSON.stringify({ done: true })}\n`);
    } else {
      const claimed: string[] = [];
      const options = {
        now: job.now ?? Date.now(),
        limit: job.limit ?? 3,
        leaseMs: job.leaseMs ?? 600_000,
        owner: job.owner ?? 'worker',
      };
      for (;;) {
        const batch =
          job.mode === 'claim'
            ? await store.claimDueRefreshes(options)
            : await store.claimOutboxEvents(options);
        if (batch.length === 0) break;
        claimed.push(...batch.map((item) => item.id));
      }
      process.stdout.write(`${JSON.stringify({ claimed })}\n`);
    }
  } finally {
    await store.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
