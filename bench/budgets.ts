/**
 * The per-call budgets of a warm cached-token action call (issue #25), measured where this host's wake-up noise
 * does not dominate: `runAction` of the bench action that makes no request (echoItem), in a loop of its own at 16
 * callers, on each engine, each in a process of its own (bench/workers/action-worker.ts with `rows: 'budgets'`).
 *
 * - Keyway's own CPU per call ≤ 15 µs: `runAction`'s CPU per call (this process, every thread) less that of the
 *   same action's spectral `perform` called directly with a context built once (paired, same run).
 * - Keyway's own allocation per call ≤ 10 KB: the bytes `runAction` allocates on the JavaScript heap less those
 *   of the same action's spectral `perform` called directly, as for CPU, each counted with V8's GC profiler
 *   (heap growth plus what each collection in the window freed). `KEYWAY_BENCH_HEAP_PROFILE=<dir>` also writes
 *   a sampling heap profile of the loop, to see where the bytes come from.
 * - Store round trips per call = 0: statements sent to the database while the calls run, counted at the driver
 *   (better-sqlite3's statements, pg's `Client#query`), other than the execution records' group commits and the
 *   freshness checks made on a timer whoever is calling (SQLite's change counters at most every 10 ms, a newer
 *   component version at most once a second): those are counted apart and reported in the row's note.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { CredentialManager } from '../src/runtime';
import type { Store } from '../src/store';
import { compareThroughput, drive, knob, verdict, warmUp } from './run';
import type { BenchRow, BenchSection } from './run';
import { connectedBenchInstance } from './support/common';
import type { ApiServer, BenchEngine } from './support/common';
import { directEcho, echoRun } from './support/direct';
import { measureLowCode } from './lowcode';
import { countStatements } from './support/statements';
import { actionWorkerSection } from './support/workers';

/** The budgets, per warm cached-token call of an action making no request. */
export const BUDGET = { cpuMicros: 15, allocatedKb: 10, roundTrips: 0 } as const;

/** Bytes allocated on the JavaScript heap while `work` runs: heap growth plus what collections freed. */
async function allocatedBytes(work: () => Promise<void>): Promise<number> {
  const profiler = new GCProfiler();
  const before = getHeapStatistics().used_heap_size;
  profiler.start();
  await work();
  const after = getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  let freed = 0;
  for (const gc of statistics)
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  return after - before + freed;
}

/**
 * With `KEYWAY_BENCH_HEAP_PROFILE=<dir>`: a sampling heap profile of `work` (every allocation sampled, also
 * what collections freed since), written to `<dir>/<name>.heapprofile` for Chrome DevTools' memory tab. Shows
 * where a MISS on the allocation row comes from.
 */
async function heapProfile(name: string, work: () => Promise<void>): Promise<void> {
  const dir = process.env['KEYWAY_BENCH_HEAP_PROFILE'];
  if (dir === undefined || dir === '') return;
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await work();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(join(dir, `${name}.heapprofile`), JSON.stringify(profile));
  } finally {
    session.disconnect();
  }
}

/** The budget rows of one engine. */
export async function measureBudgets(
  engine: BenchEngine,
  server: ApiServer,
  store: Store,
): Promise<BenchRow[]> {
  const { components, instanceId } = await connectedBenchInstance(store, server.url);
  const deps = { store, components, credentials: new CredentialManager({ store, components }) };
  const subject = echoRun(deps, instanceId);
  const iterations = knob('BUDGET_CALLS', 20_000, 3000);
  const variant = engine.variant;

  const cpu = await compareThroughput({
    subject,
    baseline: await directEcho(components, server),
    iterations,
  });
  const ownMicros = (cpu.subject.cpuMsPerOp.median - cpu.baseline.cpuMsPerOp.median) * 1000;

  await warmUp(subject);
  const bytes = await allocatedBytes(() => drive(subject, iterations));
  const spectralBytes = await allocatedBytes(async () =>
    drive(await directEcho(components, server), iterations),
  );
  const perCallKb = bytes / iterations / 1024;
  const spectralKb = spectralBytes / iterations / 1024;
  // Keyway's own, as for CPU: spectral's wrapper runs the component's published code, which Keyway no longer
  // rewrites (7.1 KB of a call's 15-16 KB once components are built as spectral publishes them).
  const ownKb = perCallKb - spectralKb;
  await heapProfile(variant, () => drive(subject, iterations));

  const counted = await countStatements(() => drive(subject, iterations));
  const trips = counted.other / iterations;
  const lowCode = await measureLowCode(components, server, variant, BUDGET.cpuMicros);

  return [
    {
      section: 'budgets',
      name: "Keyway's own CPU per warm cached-token runAction (no request; runAction's CPU less its spectral perform's), 16 callers",
      variant,
      unit: 'µs',
      value: { median: ownMicros, min: ownMicros, max: ownMicros },
      target: `≤ ${BUDGET.cpuMicros} µs`,
      verdict: verdict(ownMicros <= BUDGET.cpuMicros),
      note: `${iterations} calls per run; runAction ${(cpu.subject.cpuMsPerOp.median * 1000).toFixed(1)} µs of CPU per call (${(cpu.subject.cpuMsPerOp.min * 1000).toFixed(1)}–${(cpu.subject.cpuMsPerOp.max * 1000).toFixed(1)}), its spectral perform called directly ${(cpu.baseline.cpuMsPerOp.median * 1000).toFixed(1)} µs; medians of three paired runs`,
    },
    {
      section: 'budgets',
      name: "Keyway's own allocation per warm cached-token runAction (no request; runAction's JS heap bytes less its spectral perform's), 16 callers",
      variant,
      unit: 'KB',
      value: { median: ownKb, min: ownKb, max: ownKb },
      target: `≤ ${BUDGET.allocatedKb} KB`,
      verdict: verdict(ownKb <= BUDGET.allocatedKb),
      note: `${iterations} calls; runAction allocates ${perCallKb.toFixed(1)} KB per call, its spectral perform called directly ${spectralKb.toFixed(1)} KB`,
    },
    {
      section: 'budgets',
      name: 'store round trips per warm cached-token runAction (no request), 16 callers',
      variant,
      unit: 'trips',
      value: { median: trips, min: trips, max: trips },
      target: `= ${BUDGET.roundTrips}`,
      verdict: verdict(counted.other === 0),
      note: `${iterations} calls: ${counted.other} statements on the calls' path, ${counted.executionBatches} group commits of execution records (${(iterations / Math.max(1, counted.executionBatches)).toFixed(0)} records each), ${counted.freshnessChecks} freshness checks on a timer (change counters, a newer component version)`,
    },
    lowCode,
  ];
}

/** How long one engine's budget rows may take in their worker. */
const ENGINE_TIMEOUT_MS = 10 * 60_000;

/** `npm run bench -- --only budgets` (or `budgets` as a section name) runs these rows alone. */
export const section: BenchSection = actionWorkerSection(
  'budgets',
  ['each engine in a process of its own; the action makes no request'],
  ENGINE_TIMEOUT_MS,
);
