/**
 * One replica of the scheduler benchmark: the background refresher (`startRefresher`) over a shared store.
 * Usage: node --require tsx/cjs bench/workers/refresher-worker.ts '<json job>' with
 * job = { config: StoreConfig, owner }.
 *
 * Prints `{"event":"ready"}`, waits for `{"cmd":"go"}`, then runs refresher passes back to back until three
 * passes in a row (100 ms apart) claim nothing, and prints `{"event":"done", refreshed, failed, passes,
 * lastRefreshAt, maxRssMb, heapUsedMb, heapTotalMb, externalMb, cpuMs}`. Peak RSS is the process's own
 * high-water mark (`process.resourceUsage().maxRSS`); the heap figures are sampled peaks.
 */
import { createInterface } from 'node:readline';
import { ComponentRegistry, CredentialManager, startRefresher } from '../../src/runtime';
import { openStore, type StoreConfig } from '../../src/store';

interface Job {
  readonly config: StoreConfig;
  readonly owner: string;
}

function emit(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const mb = (kb: number): number => Math.round((kb / 1024) * 10) / 10;

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const store = await openStore({ ...job.config, migrate: false });
  // The parent published the bench component before starting the replicas: load it from the store, as
  // `keyway serve` does (no build and no second copy of the bundle in this process).
  const components = new ComponentRegistry({ store });
  const credentials = new CredentialManager({ store, components });
  let refreshed = 0;
  let failed = 0;
  let lastRefreshAt = 0;
  const failures: Record<string, number> = {};
  const refresher = startRefresher({
    store,
    credentials,
    owner: job.owner,
    // Passes are driven below, back to back; the timer must not add passes of its own.
    intervalMs: 3_600_000,
    onOutcome: (_id, outcome) => {
      if (outcome.outcome === 'refreshed') {
        refreshed++;
        lastRefreshAt = Date.now();
      } else if (outcome.outcome === 'failed') {
        failed++;
        failures[outcome.error.code] = (failures[outcome.error.code] ?? 0) + 1;
      }
    },
    onError: () => {
      failed++;
    },
  });

  const lines = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolvePromise) => {
    lines.on('line', (line) => {
      if ((JSON.parse(line) as { cmd?: string }).cmd === 'go') resolvePromise();
    });
  });
  emit({ event: 'ready', readyRssMb: mb(process.memoryUsage().rss / 1024) });
  await go;
  lines.close();

  // Where the resident memory is: V8's heap (used and reserved) and memory outside it (buffers, native), at
  // their peaks, sampled every 200 ms while refreshing.
  const peaks = { heapUsedMb: 0, heapTotalMb: 0, externalMb: 0 };
  const sample = setInterval(() => {
    const usage = process.memoryUsage();
    peaks.heapUsedMb = Math.max(peaks.heapUsedMb, mb(usage.heapUsed / 1024));
    peaks.heapTotalMb = Math.max(peaks.heapTotalMb, mb(usage.heapTotal / 1024));
    peaks.externalMb = Math.max(peaks.externalMb, mb(usage.external / 1024));
  }, 200);
  const cpu = process.cpuUsage();
  let passes = 0;
  for (let idle = 0; idle < 3;) {
    const pass = await refresher.runOnce();
    passes++;
    if (pass.claimed === 0) {
      idle++;
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
    } else idle = 0;
  }
  const used = process.cpuUsage(cpu);
  clearInterval(sample);
  await refresher.stop();
  emit({
    event: 'done',
    refreshed,
    failed,
    failures,
    passes,
    lastRefreshAt,
    maxRssMb: mb(process.resourceUsage().maxRSS),
    ...peaks,
    cpuMs: Math.round((used.user + used.system) / 1000),
  });
  await store.close();
}

main().catch((err: unknown) => {
  emit({ event: 'crashed', message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});
