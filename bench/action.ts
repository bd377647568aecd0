/**
 * Scenario 1, cached-token action call: `runAction` of a spectral action doing one axios GET, with a valid
 * stored token, against the same axios GET with the token hard-coded (keep-alive in both), at 16 concurrent
 * callers, on SQLite and PostgreSQL. Target: ≥ 0.95× the baseline's throughput. CPU per call is reported for
 * both (this process only; the API runs in a child process).
 */
import axios from 'axios';
import { CredentialManager, runAction } from '../src/runtime';
import type { Store } from '../src/store';
import { compareThroughput, knob, verdict } from './run';
import type { BenchRow, BenchSection } from './run';
import {
  benchComponents,
  benchFlows,
  connectOnce,
  createBenchInstance,
  fastServerSection,
} from './support/common';
import type { BenchEngine, FastServer } from './support/common';
import { BENCH_COMPONENT, keepAliveAgent } from './support/component';

const TARGET = 0.95;

async function measureEngine(engine: BenchEngine, server: FastServer, store: Store): Promise<BenchRow[]> {
  const components = await benchComponents(store);
  const { instanceId, connections } = await createBenchInstance(store, components, server.url);
  const connection = connections[0];
  if (!connection) throw new Error('no bench connection');
  await connectOnce(benchFlows(store, components), connection.id);
  const credentials = new CredentialManager({ store, components });
  const deps = { store, components, credentials };
  const url = `${server.url}/api/item`;

  const subject = async (): Promise<void> => {
    const run = await runAction(deps, { instanceId, componentKey: BENCH_COMPONENT, actionKey: 'getItem' });
    if ((run.result as { data?: { id?: unknown } }).data?.id !== 'item-1')
      throw new Error('unexpected result');
  };
  const baseline = async (): Promise<void> => {
    const { data } = await axios.get<{ id?: unknown }>(url, {
      headers: { Authorization: 'Bearer at_baseline' },
      httpAgent: keepAliveAgent,
    });
    if (data.id !== 'item-1') throw new Error('unexpected result');
  };

  const iterations = knob('ACTION_CALLS', 3000, 500);
  const result = await compareThroughput({ subject, baseline, iterations });
  const stats = await server.stats();
  const variant = engine.variant;
  return [
    {
      section: 'action',
      name: 'cached-token runAction, 16 callers',
      variant,
      unit: 'calls/s',
      value: result.subject.perSecond,
      baseline: { label: 'axios GET, token hard-coded', value: result.baseline.perSecond },
      ratio: result.ratio,
      target: `≥ ${TARGET}× baseline`,
      verdict: verdict(result.ratio >= TARGET),
      note: `${iterations} calls per run; the API server counted ${stats['api']} authorized calls, ${stats['refreshToken']} token refreshes`,
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
  ];
}

export const section: BenchSection = fastServerSection(
  'action',
  'the API and the token endpoint are the fast local server (bench/support/fast-server.ts) in a child process; runAction records an execution and loads state per call, as in production',
  measureEngine,
);
