/**
 * Scenario 1, cached-token action call: `runAction` of a spectral action doing one axios GET, with a valid
 * stored token, against the same axios GET with the token hard-coded (keep-alive in both), at 16 concurrent
 * callers, on SQLite and PostgreSQL. Target: ≥ 0.95× the baseline's throughput. CPU per call is reported for
 * both (this process only; the API runs in a child process).
 */
import axios from 'axios';
import { CredentialManager, createActionContext, createCollectingLogger, runAction } from '../src/runtime';
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
import { BENCH_COMPONENT, BENCH_CONNECTION, keepAliveAgent } from './support/component';

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
  const ceiling =
    engine.variant === 'sqlite' ? await spectralCeiling(server, store, baseline, iterations) : [];
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

/**
 * The same action's spectral `perform` called directly, with a context and a connection value built once and
 * reused: no Keyway at all, only spectral's perform wrapper (which copies the context and cleans the params on
 * every call) and the component's own copy of axios. Its ratio to the bare GET is the most any runner of
 * spectral components can reach, which puts the runAction figure in proportion. It does not touch the store,
 * so it is measured once, with the first engine.
 */
async function spectralCeiling(
  server: FastServer,
  store: Store,
  baseline: () => Promise<void>,
  iterations: number,
): Promise<BenchRow[]> {
  const components = await benchComponents(store);
  const action = (await components.get(BENCH_COMPONENT)).actions.get('getItem');
  if (!action) throw new Error('the bench component has no getItem action');
  const { logger } = createCollectingLogger([], Date.now);
  const state = { instanceState: {}, crossFlowState: {}, executionState: {}, integrationState: {} };
  const context = createActionContext(
    {
      executionId: 'bench',
      stepId: 'getItem',
      startedAt: Date.now(),
      customer: { id: 'c', externalId: '', name: 'Bench' },
      instance: { id: 'i', name: 'Bench' },
      user: { id: '', email: '', name: '', externalId: '' },
      integration: { id: 'i', name: 'Bench', versionSequenceId: '', externalVersion: '' },
      flow: { id: 'default', name: 'Default', stableId: 'default' },
      componentActionKey: `${BENCH_COMPONENT}.getItem`,
      configVars: {},
    },
    state,
    logger,
  );
  const connection = {
    key: BENCH_CONNECTION,
    configVarKey: 'bench0',
    fields: { apiBaseUrl: server.url },
    token: { access_token: 'at_baseline', token_type: 'bearer' },
    context: {},
  };
  const direct = async (): Promise<void> => {
    const result = (await action.perform(context, { connection })) as { data?: { id?: unknown } };
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

export const section: BenchSection = fastServerSection(
  'action',
  'the API and the token endpoint are the fast local server (bench/support/fast-server.ts) in a child process; runAction records an execution and loads state per call, as in production',
  measureEngine,
);
