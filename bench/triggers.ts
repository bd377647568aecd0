/**
 * Webhook triggers (issue #27): requests to a subscription's `/trigger/<token>` URL through Keyway's app (fastify
 * `inject`: the real route, body parser, `Triggers#handleWebhook`, execution record and outbox event, without a
 * socket) against the same trigger's spectral `perform` called directly with a context and payload built once,
 * at 16 callers, on each engine. The requests/s ratio is information; the gate is Keyway's own CPU per webhook
 * call: the request's CPU per call (this process) less the direct perform's, paired in the same run, as for the
 * action budget (bench/budgets.ts). `inject`'s simulated request and response are counted as Keyway's.
 */
import type { ComponentRegistry } from '../src/runtime';
import { CredentialManager, Triggers, WebhookDirectory } from '../src/runtime';
import { webhookPayload } from '../src/runtime/trigger-payload';
import { buildApp, createRuntimeServices } from '../src/server';
import type { Store } from '../src/store';
import { compareThroughput, drive, knob, verdict } from './run';
import type { BenchRow, BenchSection } from './run';
import { benchFlows, connectedBenchInstance, fastServerSection } from './support/common';
import type { BenchEngine, FastServer } from './support/common';
import { BENCH_COMPONENT, BENCH_TRIGGER } from './support/component';
import { directConnection, directContext } from './support/direct';
import { countStatements } from './support/statements';

/**
 * Keyway's own CPU per webhook call (route to committed execution and event), in µs, per engine: each call
 * reads the subscription and the instance and commits the execution, the event and the subscription's state in
 * one transaction, and on PostgreSQL each of those statements costs the pg driver's CPU. See bench/README.md.
 */
export const TRIGGER_BUDGET_MICROS = { sqlite: 700, postgres: 1600 } as const;

const PUBLIC_URL = 'http://127.0.0.1:1';
const BODY = '{"type":"event","id":"evt-1"}';

/** The bench trigger's spectral `perform`, with a context, payload and connection value built once. */
async function directTrigger(
  components: ComponentRegistry,
  server: FastServer,
): Promise<() => Promise<void>> {
  const trigger = (await components.get(BENCH_COMPONENT)).triggers.get(BENCH_TRIGGER);
  if (!trigger) throw new Error(`the bench component has no ${BENCH_TRIGGER} trigger`);
  const { identity, context } = directContext(BENCH_TRIGGER, { id: 'f', name: 'Bench hook', stableId: 'f' });
  const payload = webhookPayload(
    {
      token: 't',
      pathFragment: '',
      headers: { 'content-type': 'application/json' },
      query: {},
      body: Buffer.from(BODY),
      invokeUrl: `${PUBLIC_URL}/trigger/t`,
    },
    identity,
  );
  const connection = directConnection(server);
  return async () => {
    const result = (await trigger.perform(context, payload, { connection })) as {
      response?: { body?: unknown };
    };
    if (result.response?.body !== '{"ok":true}') throw new Error('unexpected result');
  };
}

async function measureEngine(engine: BenchEngine, server: FastServer, store: Store): Promise<BenchRow[]> {
  const { components, instanceId } = await connectedBenchInstance(store, server.url);
  const credentials = new CredentialManager({ store, components });
  const webhooks = new WebhookDirectory({ store, publicBaseUrl: PUBLIC_URL });
  const triggers = new Triggers({ store, components, credentials, webhooks });
  const services = createRuntimeServices({
    store,
    components,
    flows: benchFlows(store, components),
    credentials,
    triggers: { triggers, webhooks },
  });
  const app = buildApp(services, {
    publicBaseUrl: PUBLIC_URL,
    linkSecret: 'bench-link-secret-0123456789abcdef',
  });
  try {
    const sub = await triggers.enable({
      instanceId,
      componentKey: BENCH_COMPONENT,
      triggerKey: BENCH_TRIGGER,
    });
    const url = `/trigger/${sub.webhookToken ?? ''}`;
    const subject = async (): Promise<void> => {
      const res = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: BODY,
      });
      if (res.statusCode !== 200 || res.body !== '{"ok":true}') throw new Error(`answered ${res.statusCode}`);
    };
    const iterations = knob('TRIGGER_CALLS', 5000, 1000);
    const result = await compareThroughput({
      subject,
      baseline: await directTrigger(components, server),
      iterations,
    });
    const counted = await countStatements(() => drive(subject, 500));
    const statements = (counted.other + counted.executionBatches) / 500;
    const budget = TRIGGER_BUDGET_MICROS[engine.variant];
    const us = (ms: number): string => (ms * 1000).toFixed(1);
    const ownMicros = (result.subject.cpuMsPerOp.median - result.baseline.cpuMsPerOp.median) * 1000;
    const label = 'its spectral perform called directly';
    return [
      {
        section: 'triggers',
        name: 'webhook trigger requests through Keyway (fastify inject), 16 callers',
        variant: engine.variant,
        unit: 'req/s',
        value: result.subject.perSecond,
        baseline: { label, value: result.baseline.perSecond },
        ratio: result.ratio,
        note: `${iterations} requests per run; each commits an execution record and an outbox event`,
      },
      {
        section: 'triggers',
        name: "Keyway's own CPU per webhook trigger request (fastify inject), 16 callers",
        variant: engine.variant,
        unit: 'µs',
        value: { median: ownMicros, min: ownMicros, max: ownMicros },
        target: `≤ ${budget} µs`,
        verdict: verdict(ownMicros <= budget),
        note: `request ${us(result.subject.cpuMsPerOp.median)} µs of CPU per call (${us(result.subject.cpuMsPerOp.min)}–${us(result.subject.cpuMsPerOp.max)}), ${label} ${us(result.baseline.cpuMsPerOp.median)} µs; medians of three paired runs; ${statements.toFixed(1)} store statements per request`,
      },
    ];
  } finally {
    await app.close();
  }
}

export const section: BenchSection = fastServerSection(
  'triggers',
  'webhook requests through the app with fastify inject (no socket), the trigger making no request',
  measureEngine,
);
