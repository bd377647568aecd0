/**
 * Scenario 2, refresh storm: 1,000 concurrent `runAction` calls on an expired token, in one process and across
 * 4 processes, against the sandbox (a real oidc-provider with rotating refresh tokens, which counts token
 * requests). Reports token-endpoint refresh requests (target: exactly 1 per storm) and the storm's wall time
 * against a same-run baseline: one refresh alone plus the same 1,000 calls with a valid token
 * (target ≤ 1.2×). Workers warm up before every measurement; the parent times from "go" to the last "done".
 *
 * One storm lasts about a second and single storms spread widely on a small shared machine, so each of the
 * three runs times {@link STORMS_PER_RUN} storms, each right after its own baseline, and the run's ratio is
 * the sum of its storms over the sum of their baselines. The verdict is on the median of those paired ratios.
 */
import { startSandbox } from '../src/sandbox';
import type { Sandbox } from '../src/sandbox';
import { openStore } from '../src/store';
import type { Store } from '../src/store';
import { join } from 'node:path';
import { ComponentRegistry } from '../src/runtime';
import { connectedSandboxConnection, expireStoredToken } from '../test/runtime/workers/fixture';
import { RUNS, formatRatio, knob, spread, verdict } from './run';
import type { BenchRow, BenchSection } from './run';
import { ROOT, benchEngines } from './support/common';
import type { BenchEngine } from './support/common';
import { spawnWorker } from './support/workers';
import type { BenchWorker, WorkerMessage } from './support/workers';

const WORKER = 'workers/storm-worker';
const TARGET_RATIO = 1.2;
/** Storms (each with its baseline) per timed run; `KEYWAY_BENCH_STORMS_PER_RUN` overrides. */
const STORMS_PER_RUN = knob('STORMS_PER_RUN', 3, 1);

/** Sends `command` to every worker and returns the wall seconds until all answered, with their answers. */
async function together(
  workers: readonly BenchWorker[],
  command: (index: number) => Record<string, unknown>,
): Promise<{ seconds: number; answers: WorkerMessage[] }> {
  const start = process.hrtime.bigint();
  workers.forEach((worker, i) => worker.send(command(i)));
  const answers = await Promise.all(workers.map((worker) => worker.next(180_000)));
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, answers };
}

function failures(answers: readonly WorkerMessage[], expectedOk: number): string | undefined {
  const ok = answers.reduce((sum, a) => sum + Number(a['ok'] ?? 0), 0);
  if (ok === expectedOk) return undefined;
  return `${expectedOk - ok} calls failed: ${JSON.stringify(answers.map((a) => a['codes']))}`;
}

async function stormVariant(
  engine: BenchEngine,
  sandbox: Sandbox,
  processes: number,
  calls: number,
): Promise<BenchRow[]> {
  const store: Store = await openStore(engine.config);
  const workers: BenchWorker[] = [];
  try {
    // The built sandbox-demo bundle, found from the repository root (this code may run from the bench bundle).
    const components = new ComponentRegistry({ store });
    components.loadFromPath(join(ROOT, 'components', 'sandbox-demo', 'dist', 'index.js'));
    const { instanceId, connection } = await connectedSandboxConnection(store, components, sandbox);
    const perProcess = Math.ceil(calls / processes);
    const total = perProcess * processes;
    const job = { config: { ...engine.config, notice: undefined }, instanceId, connectionId: connection.id };
    for (let i = 0; i < processes; i++) workers.push(spawnWorker(WORKER, job));
    for (const worker of workers) {
      const ready = await worker.next(120_000);
      if (ready.event !== 'ready') throw new Error(`worker said ${ready.event} before ready`);
    }

    /** Per storm: its wall time and its baseline's, in ms. */
    const storm: number[] = [];
    const baseline: number[] = [];
    /** Per run: the sum of its storms over the sum of their baselines. */
    const ratios: number[] = [];
    const refreshes: number[] = [];
    const problems: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      let stormMs = 0;
      let baselineMs = 0;
      for (let k = 0; k < STORMS_PER_RUN; k++) {
        // Baseline, part 1: the same calls with a valid token.
        const alone = await together(workers, () => ({ cmd: 'calls', n: perProcess }));
        const aloneProblem = failures(alone.answers, total);
        if (aloneProblem) problems.push(`baseline: ${aloneProblem}`);
        // Baseline, part 2: one refresh by itself.
        await expireStoredToken(store, connection.id);
        const one = await together(workers.slice(0, 1), () => ({ cmd: 'refresh' }));
        // The storm.
        await expireStoredToken(store, connection.id);
        sandbox.resetCounts();
        const result = await together(workers, () => ({ cmd: 'calls', n: perProcess }));
        const stormProblem = failures(result.answers, total);
        if (stormProblem) problems.push(`storm: ${stormProblem}`);
        refreshes.push(sandbox.tokenRequests()['refresh_token'] ?? 0);
        storm.push(result.seconds * 1000);
        baseline.push((alone.seconds + one.seconds) * 1000);
        stormMs += result.seconds * 1000;
        baselineMs += (alone.seconds + one.seconds) * 1000;
      }
      ratios.push(stormMs / baselineMs);
    }
    const variant = `${engine.variant}, ${processes} process${processes > 1 ? 'es' : ''}`;
    const wall = spread(storm);
    const base = spread(baseline);
    const paired = spread(ratios);
    const ratio = paired.median;
    const exactlyOne = refreshes.every((n) => n === 1);
    return [
      {
        section: 'storm',
        name: `token-endpoint refreshes per storm of ${total} calls`,
        variant,
        unit: 'requests',
        value: spread(refreshes),
        target: 'exactly 1',
        verdict: verdict(exactlyOne && problems.length === 0),
        note: [`${refreshes.length} storms`, ...problems.slice(0, 3)].join('; '),
      },
      {
        section: 'storm',
        name: `storm wall time, ${total} calls on an expired token`,
        variant,
        unit: 'ms',
        value: wall,
        baseline: { label: 'one refresh + the calls alone', value: base },
        ratio,
        target: `≤ ${TARGET_RATIO}×`,
        verdict: verdict(ratio <= TARGET_RATIO && problems.length === 0),
        note: `${RUNS} runs of ${STORMS_PER_RUN} storm${STORMS_PER_RUN === 1 ? '' : 's'}, each storm right after its baseline; times are per storm (median and range of all ${storm.length}); the ratio is the median of the runs' paired ratios (${ratios.map((r) => formatRatio(r, `≤ ${TARGET_RATIO}×`)).join(', ')})`,
      },
    ];
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await store.close();
  }
}

export const section: BenchSection = {
  name: 'storm',
  async setup() {
    const { engines, unavailable } = await benchEngines();
    const sandbox = await startSandbox();
    const calls = knob('STORM_CALLS', 1000, 200);
    return {
      unavailable,
      notes: [
        'the storm runs against the sandbox (oidc-provider in this process, rotating refresh tokens with reuse detection); workers are separate OS processes sharing one store',
      ],
      measure: async () => {
        const rows: BenchRow[] = [];
        for (const engine of engines) {
          for (const processes of [1, 4])
            rows.push(...(await stormVariant(engine, sandbox, processes, calls)));
        }
        return rows;
      },
      teardown: async () => {
        await sandbox.close();
        for (const engine of engines) await engine.dispose();
      },
    };
  },
};
