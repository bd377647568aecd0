/**
 * Scenario 1, cached-token action call: `runAction` of a spectral action doing one axios GET, with a valid
 * stored token, against the same axios GET with the token hard-coded (keep-alive in both), at 16 concurrent
 * callers, on SQLite and PostgreSQL. The ratio is information, not a gate: this host's noise moves it more than
 * Keyway does (the per-call budgets in bench/budgets.ts are the gate). CPU per call is reported for both (this
 * process only; the API runs in a child process).
 *
 * Two rows take the gap apart: the same action's spectral `perform` called directly against the GET (what any
 * runner of spectral components pays, measured once), and the runtime's own CPU per call, from an action that
 * makes no request (what Keyway's code pays, per engine). And a yardstick: the bare GET preceded by plain computation as long as the runtime's CPU per call,
 * which is what the action call would lose if that time were all the runtime cost.
 */
import axios from 'axios';
import { CredentialManager, runAction } from '../src/runtime';
import type { ComponentRegistry, RunActionDeps } from '../src/runtime';
import type { Store } from '../src/store';
import { compareThroughput, knob } from './run';
import type { BenchRow, BenchSection, Spread, Throughput } from './run';
import { connectedBenchInstance } from './support/common';
import type { ApiServer, BenchEngine } from './support/common';
import { directEcho, directPerform, echoRun } from './support/direct';
import { actionWorkerSection } from './support/workers';
import { BENCH_COMPONENT, keepAliveAgent } from './support/component';

/** A spread in milliseconds as microseconds. */
function us(ms: Spread): Spread {
  return { median: ms.median * 1000, min: ms.min * 1000, max: ms.max * 1000 };
}

export async function measureEngine(
  engine: BenchEngine,
  server: ApiServer,
  store: Store,
): Promise<BenchRow[]> {
  const { components, instanceId } = await connectedBenchInstance(store, server.url);
  const credentials = new CredentialManager({ store, components });
  const deps = { store, components, credentials };
  const url = `${server.url}/api/item`;

  const subject = getItemRun(deps, instanceId);
  const baseline = async (): Promise<void> => {
    const { data } = await axios.get<{ id?: unknown }>(url, {
      headers: { Authorization: 'Bearer at_baseline' },
      httpAgent: keepAliveAgent,
    });
    if (data.id !== 'item-1') throw new Error('unexpected result');
  };

  const iterations = knob('ACTION_CALLS', 3000, 500);
  // The counts in this row's note are this row's: the server also answers the connect flow and the other rows.
  const before = await server.stats();
  const result = await compareThroughput({ subject, baseline, iterations });
  const after = await server.stats();
  const during = (counter: string): number => (after[counter] ?? 0) - (before[counter] ?? 0);
  const variant = engine.variant;
  const ceiling =
    engine.variant === 'sqlite'
      ? [
          ...(await spectralCeiling(server, components, baseline, iterations)),
          await spectralBesideRequest(server, components, baseline, iterations),
        ]
      : [];
  const own = await runtimeOwnCost(variant, server, deps, instanceId);
  const interleaved = await runtimeCostBesideRequest(variant, deps, instanceId, baseline, iterations);
  const yardstick = await computationBesideRequest(variant, own.value.median, baseline, iterations);
  return [
    ...ceiling,
    {
      section: 'action',
      name: 'cached-token runAction, 16 callers',
      variant,
      unit: 'calls/s',
      value: result.subject.perSecond,
      baseline: { label: 'axios GET, token hard-coded', value: result.baseline.perSecond },
      ratio: result.ratio,
      note: `${iterations} calls per run; while it ran (both sides, warm-ups included) the API server answered ${during('api')} authorized calls and the token endpoint ${during('refreshToken')} refreshes`,
    },
    {
      section: 'action',
      name: 'CPU per call (this process), 16 callers',
      variant,
      unit: 'ms',
      value: result.subject.cpuMsPerOp,
      baseline: { label: 'axios GET, token hard-coded', value: result.baseline.cpuMsPerOp },
      ratio: result.subject.cpuMsPerOp.median / result.baseline.cpuMsPerOp.median,
    },
    {
      section: 'action',
      name: 'of which main-thread GC pauses per call, 16 callers',
      variant,
      unit: 'µs',
      value: us(result.subject.gcMsPerOp),
      baseline: { label: 'axios GET, token hard-coded', value: us(result.baseline.gcMsPerOp) },
      ratio: result.subject.gcMsPerOp.median / result.baseline.gcMsPerOp.median,
    },
    own,
    interleaved,
    yardstick,
  ];
}

/**
 * The same runtime work measured where it runs in production, between requests: each call is `runAction` of
 * echoItem followed by the bare GET, against the GET alone, at 16 callers. The difference is what the runtime
 * costs beside a request, which on this VM is several times its cost in a loop of its own (the row above).
 * The likely reason: each request's system calls flush the TLB (page-table isolation without PCID), and the
 * runtime's code and data evict the HTTP client's from the caches, which the next request pays for.
 */
function runtimeCostBesideRequest(
  variant: string,
  deps: RunActionDeps,
  instanceId: string,
  baseline: () => Promise<void>,
  iterations: number,
): Promise<BenchRow> {
  return costBesideRequest({
    name: 'CPU per call of runAction of the no-request action followed by the bare GET, 16 callers',
    variant,
    noRequest: echoRun(deps, instanceId),
    baseline,
    iterations,
    adds: 'the runtime adds',
    after: ', against the row above measured in a loop of its own',
  });
}

/**
 * A yardstick for the action call's ratio: the bare GET preceded by arithmetic that allocates nothing and runs
 * in one small function, for as long as `runAction` of the no-request action takes per call in a loop of its
 * own (Keyway and spectral's wrapper, the row before), against the GET alone. That is what the action call
 * would lose if the runtime's CPU time were all it cost; what it loses beyond this is the footprint of the work
 * (the objects, code and shapes it touches, the wake-ups it shifts), not its length.
 */
async function computationBesideRequest(
  variant: string,
  microseconds: number,
  baseline: () => Promise<void>,
  iterations: number,
): Promise<BenchRow> {
  const length = Math.max(0, microseconds);
  const rounds = Math.round(length * busyRoundsPerMicrosecond());
  const subject = async (): Promise<void> => {
    busyWork(rounds);
    await baseline();
  };
  const result = await compareThroughput({ subject, baseline, iterations });
  return {
    section: 'action',
    name: 'the bare GET preceded by computation alone, as long as runAction of the no-request action, 16 callers',
    variant,
    unit: 'calls/s',
    value: result.subject.perSecond,
    baseline: { label: 'the bare GET alone', value: result.baseline.perSecond },
    ratio: result.ratio,
    note: `${iterations} calls per run; ${length.toFixed(1)} µs of arithmetic per call that allocates nothing: what runAction's CPU time alone would cost the action call`,
  };
}

/** Keeps {@link busyWork}'s result observable, so the compiler cannot drop the loop. */
let busySink = 0;

/** `rounds` rounds of a 32-bit xorshift: CPU time with no allocation, no memory traffic and one tiny function. */
function busyWork(rounds: number): void {
  let x = busySink | 1;
  for (let i = 0; i < rounds; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  busySink = x;
}

let roundsPerMicrosecond: number | undefined;

/** {@link busyWork} rounds per microsecond on this machine, timed once per process after a warm-up. */
function busyRoundsPerMicrosecond(): number {
  if (roundsPerMicrosecond === undefined) {
    const rounds = 20_000_000;
    busyWork(rounds / 10);
    const start = process.hrtime.bigint();
    busyWork(rounds);
    roundsPerMicrosecond = rounds / (Number(process.hrtime.bigint() - start) / 1000);
  }
  return roundsPerMicrosecond;
}

/**
 * spectral's share of the cost beside a request, measured like the runtime's (the row above): the no-request
 * action's perform called directly, then the bare GET, against the GET alone. Its wrapper copies the context,
 * adds a debug context and cleans the params on every call (the bench component is built like components/*).
 */
async function spectralBesideRequest(
  server: ApiServer,
  components: ComponentRegistry,
  baseline: () => Promise<void>,
  iterations: number,
): Promise<BenchRow> {
  return costBesideRequest({
    name: 'CPU per call of spectral perform (no Keyway) of the no-request action followed by the bare GET, 16 callers',
    variant: 'any engine',
    noRequest: await directEcho(components, server),
    baseline,
    iterations,
    adds: "spectral's perform wrapper adds",
    after: '',
  });
}

/** CPU per call of `noRequest` followed by the bare GET, against the GET alone, at 16 callers. */
async function costBesideRequest(options: {
  readonly name: string;
  readonly variant: string;
  readonly noRequest: () => Promise<void>;
  readonly baseline: () => Promise<void>;
  readonly iterations: number;
  /** Who adds the difference, for the note. */
  readonly adds: string;
  /** The rest of the note. */
  readonly after: string;
}): Promise<BenchRow> {
  const { noRequest, baseline, iterations } = options;
  const subject = async (): Promise<void> => {
    await noRequest();
    await baseline();
  };
  const result = await compareThroughput({ subject, baseline, iterations });
  const added = (result.subject.cpuMsPerOp.median - result.baseline.cpuMsPerOp.median) * 1000;
  return {
    section: 'action',
    name: options.name,
    variant: options.variant,
    unit: 'µs',
    value: us(result.subject.cpuMsPerOp),
    baseline: { label: 'the bare GET alone', value: us(result.baseline.cpuMsPerOp) },
    note: `${iterations} calls per run; beside a request ${options.adds} ${added.toFixed(1)} µs per call (medians)${options.after}`,
  };
}

/** `runAction` of getItem, the bench action doing one GET, checking its result. */
function getItemRun(deps: RunActionDeps, instanceId: string): () => Promise<void> {
  return async () => {
    const run = await runAction(deps, { instanceId, componentKey: BENCH_COMPONENT, actionKey: 'getItem' });
    if ((run.result as { data?: { id?: unknown } }).data?.id !== 'item-1')
      throw new Error('unexpected result');
  };
}

/**
 * The runtime's own CPU per call: `runAction` of an action that makes no request (echoItem) against the same
 * action's spectral perform called directly, both at 16 callers. The difference is what Keyway adds around an
 * action (snapshot lookup, cached token, context, state, its share of the execution records' group commit),
 * the part of the runAction-vs-GET gap that Keyway's code can close.
 */
async function runtimeOwnCost(
  variant: string,
  server: ApiServer,
  deps: RunActionDeps,
  instanceId: string,
): Promise<BenchRow> {
  const subject = echoRun(deps, instanceId);
  const direct = await directEcho(deps.components, server);
  const iterations = knob('ACTION_ECHO_CALLS', 20_000, 3000);
  const result = await compareThroughput({ subject, baseline: direct, iterations });
  const added = (result.subject.cpuMsPerOp.median - result.baseline.cpuMsPerOp.median) * 1000;
  const gc = (t: Throughput): string => (t.gcMsPerOp.median * 1000).toFixed(1);
  return {
    section: 'action',
    name: "the runtime's own CPU per call: runAction of an action making no request, 16 callers",
    variant,
    unit: 'µs',
    value: us(result.subject.cpuMsPerOp),
    baseline: { label: 'its spectral perform called directly', value: us(result.baseline.cpuMsPerOp) },
    note: `${iterations} calls per run; Keyway adds ${added.toFixed(1)} µs per call (medians); ${Math.round(result.subject.perSecond.median)} runAction calls/s; main-thread GC pauses ${gc(result.subject)} µs per call against ${gc(result.baseline)}`,
  };
}

/**
 * The same action's spectral `perform` called directly, with a context and a connection value built once and
 * reused: no Keyway at all, only spectral's perform wrapper (which copies the context and cleans the params on
 * every call) and the component's own copy of axios. Its ratio to the bare GET is the most any runner of
 * spectral components can reach, which puts the runAction figure in proportion. It does not touch the store,
 * so it is measured once, with the first engine.
 */
async function spectralCeiling(
  server: ApiServer,
  components: ComponentRegistry,
  baseline: () => Promise<void>,
  iterations: number,
): Promise<BenchRow[]> {
  const getItem = await directPerform(components, server, 'getItem');
  const direct = async (): Promise<void> => {
    const result = (await getItem()) as { data?: { id?: unknown } };
    if (result.data?.id !== 'item-1') throw new Error('unexpected result');
  };
  const result = await compareThroughput({ subject: direct, baseline, iterations });
  return [
    {
      section: 'action',
      name: 'spectral perform called directly (no Keyway: the ceiling), 16 callers',
      variant: 'any engine',
      unit: 'calls/s',
      value: result.subject.perSecond,
      baseline: { label: 'axios GET, token hard-coded', value: result.baseline.perSecond },
      ratio: result.ratio,
    },
  ];
}

/** How long one engine's rows may take in their worker (a full run takes about a minute). */
const ENGINE_TIMEOUT_MS = 15 * 60_000;

/**
 * Each engine is measured in a process of its own (bench/workers/action-worker.ts), as a deployment runs one: in
 * one process the engine measured second ran after the other's rows and a second build of the bench component,
 * and read 0.73×–0.79× where it read 0.82×–0.83× alone. The fast server is shared.
 */
export const section: BenchSection = actionWorkerSection(
  'action',
  [
    'the API and the token endpoint are the fast local server (bench/support/fast-server.ts) in a child process; each engine is measured in a process of its own; runAction records an execution and loads state per call, as in production',
  ],
  ENGINE_TIMEOUT_MS,
);
