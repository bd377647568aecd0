/**
 * The two sides of a paired "Keyway's own cost" measurement: a bench component's spectral `perform` called
 * directly with a context and a connection value built once (no Keyway), and `runAction` of the same action.
 * Shared by the action, budgets, low-code and triggers sections.
 */
import { createActionContext, createCollectingLogger, runAction } from '../../src/runtime';
import type { ComponentRegistry, ContextIdentity, RunActionDeps } from '../../src/runtime';
import type { ApiServer } from './common';
import { BENCH_COMPONENT, BENCH_CONNECTION } from './component';

/** A context built once for a direct `perform` of `stepKey` in `flow`, with the identity it was built from. */
export function directContext(
  stepKey: string,
  flow: ContextIdentity['flow'],
): { readonly identity: ContextIdentity; readonly context: Record<string, unknown> } {
  const { logger } = createCollectingLogger([], Date.now);
  const identity: ContextIdentity = {
    executionId: 'bench',
    stepId: stepKey,
    startedAt: Date.now(),
    customer: { id: 'c', externalId: '', name: 'Bench' },
    instance: { id: 'i', name: 'Bench' },
    user: { id: '', email: '', name: '', externalId: '' },
    integration: { id: 'i', name: 'Bench', versionSequenceId: '', externalVersion: '' },
    flow,
    componentActionKey: `${BENCH_COMPONENT}.${stepKey}`,
    configVars: {},
  };
  const state = { instanceState: {}, crossFlowState: {}, executionState: {}, integrationState: {} };
  return { identity, context: createActionContext(identity, state, logger) };
}

/** The bench connection's value with a hard-coded token, as a direct `perform` receives it. */
export function directConnection(server: ApiServer): Record<string, unknown> {
  return {
    key: BENCH_CONNECTION,
    configVarKey: 'bench0',
    fields: { apiBaseUrl: server.url },
    token: { access_token: 'at_baseline', token_type: 'bearer' },
    context: {},
  };
}

/** A bench action's spectral `perform` bound to a context and a connection value built once. */
export async function directPerform(
  components: ComponentRegistry,
  server: ApiServer,
  actionKey: string,
  /** Another component's perform to call with the same context and connection (bench/lowcode.ts). */
  perform?: (...args: unknown[]) => Promise<unknown>,
): Promise<() => Promise<unknown>> {
  const action = (await components.get(BENCH_COMPONENT)).actions.get(actionKey);
  if (!action) throw new Error(`the bench component has no ${actionKey} action`);
  const run = perform ?? action.perform;
  const { context } = directContext(actionKey, { id: 'default', name: 'Default', stableId: 'default' });
  const connection = directConnection(server);
  return () => run(context, { connection });
}

/** The no-request action's spectral perform called directly (see {@link directPerform}), checking its result. */
export async function directEcho(
  components: ComponentRegistry,
  server: ApiServer,
): Promise<() => Promise<void>> {
  const echo = await directPerform(components, server, 'echoItem');
  return async () => {
    const result = (await echo()) as { data?: { authorized?: unknown } };
    if (result.data?.authorized !== true) throw new Error('unexpected result');
  };
}

/** `runAction` of echoItem, the bench action that makes no request, checking its result. */
export function echoRun(deps: RunActionDeps, instanceId: string): () => Promise<void> {
  return async () => {
    const run = await runAction(deps, { instanceId, componentKey: BENCH_COMPONENT, actionKey: 'echoItem' });
    if ((run.result as { data?: { authorized?: unknown } }).data?.authorized !== true)
      throw new Error('unexpected result');
  };
}
