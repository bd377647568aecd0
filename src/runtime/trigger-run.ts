/**
 * Runs one part of a trigger for a subscription, the way Prismatic's runner does: `perform(context, payload,
 * params)` for a webhook request or a poll, `onInstanceDeploy(context, params)` / `onInstanceDelete(context,
 * params)` and spectral's `webhookLifecycleHandlers` (on the wire `webhookCreate` / `webhookDelete`, same
 * arguments) for the lifecycle hooks. The context is an action's (./context), built from the same parts as
 * `runAction` (./run-action): connections bound by input type with a valid token, inputs filled from defaults,
 * secrets redacted from logs, a provider 401 answered with one forced refresh and one retry. The run's state, its
 * execution record, its event and the subscription's new status are committed in one transaction
 * (`Store.triggers.commitRun`): never half.
 */
import { KeywayError } from '../errors';
import { redactText } from '../redact';
import type { JsonObject, NewOutboxEvent, StateScope, Subscription, SubscriptionPatch } from '../store';
import { createActionContext, createCollectingLogger, finalState, isPlainRecord } from './context';
import type { ActionLogger, ContextIdentity } from './context';
import { connectionValue } from './connection-value';
import { timeOrderedId } from './ids';
import { buildActionParams } from './inputs';
import type { RunActionDeps } from './run-action';
import { toExecutionLog } from './execution-record';
import { surface } from './run-errors';
import { bindConnections, paramInputs, peopleOf } from './run-plan';
import type { BoundConnection } from './run-plan';
import { LazySecrets, webhookSecrets } from './run-secrets';
import { LoadedState, stateWrites, storedStateKeys } from './run-state';
import { retryOnUnauthorized } from './unauthorized-retry';
import type { AccessToken, WireAction, WirePerform } from './types';

/**
 * Which function of the trigger runs. `webhookCreate` / `webhookDelete` are what spectral's `component()` makes of
 * a trigger's `webhookLifecycleHandlers.create` / `.delete` (`convertTrigger`).
 */
export type TriggerPhase =
  'perform' | 'onInstanceDeploy' | 'onInstanceDelete' | 'webhookCreate' | 'webhookDelete';

/**
 * The phases that see no flow-scoped state: Prismatic's webhook lifecycle handlers get no `instanceState` (its
 * docs: keep a webhook id in `crossFlowState`, keyed by the flow's stable id), so they get an empty one and what
 * they put in it is not kept.
 */
const WITHOUT_FLOW_STATE: ReadonlySet<TriggerPhase> = new Set(['webhookCreate', 'webhookDelete']);

/** One run of a trigger part for a subscription. */
export interface TriggerCall {
  readonly subscription: Subscription;
  readonly phase: TriggerPhase;
  /** spectral's `TriggerPayload` for `perform`, given the run's context identity. */
  readonly payload?: (identity: ContextIdentity) => Record<string, unknown>;
  /** Commit only while this replica holds the poll lease (polling runs). */
  readonly leaseOwner?: string;
  /** The subscription's change when the run succeeds. */
  readonly onSuccess: SubscriptionPatch & { readonly lastRunAt?: number };
  /** The subscription's change when it fails, given the error. */
  readonly onFailure: (error: KeywayError) => SubscriptionPatch & { readonly lastRunAt?: number };
  /** Whether `perform`'s result is delivered as an event (false for hooks). */
  readonly events: boolean;
}

/** What a trigger run did. */
export interface TriggerOutcome {
  readonly executionId: string;
  /** The trigger's result (`{ payload, response, … }`), when it succeeded. */
  readonly result?: unknown;
  readonly error?: KeywayError;
  /** False when nothing was written: the lease was lost, or the subscription is gone. */
  readonly committed: boolean;
}

/** The event types trigger runs emit. */
export const triggerEventTypes = ['trigger.fired', 'trigger.failed'] as const;

/** True when the trigger defines `phase` as a function. */
export function hasPhase(trigger: WireAction, phase: TriggerPhase): boolean {
  return typeof trigger[phase] === 'function';
}

/** The trigger `subscription` names, or KW_TRIGGER_NOT_FOUND. */
async function triggerOf(deps: RunActionDeps, subscription: Subscription): Promise<WireAction> {
  const component = await deps.components.get(subscription.componentKey);
  const trigger = component.triggers.get(subscription.triggerKey);
  if (!trigger) {
    throw new KeywayError('KW_TRIGGER_NOT_FOUND', {
      message: `Component "${component.key}" has no trigger "${subscription.triggerKey}"`,
      details: { componentKey: component.key, triggerKey: subscription.triggerKey },
    });
  }
  return trigger;
}

/** Each bound connection with a valid token (refreshed first when due). */
async function withTokens(
  deps: RunActionDeps,
  planned: ReturnType<typeof bindConnections>,
): Promise<BoundConnection[]> {
  const bound: BoundConnection[] = [];
  for (const item of planned) {
    let token: AccessToken | undefined;
    if (item.connection.grantType !== 'none') {
      token = await deps.credentials.getToken(item.connection.id, undefined, item.connection);
    }
    bound.push({ ...item, token, value: connectionValue(item, token) });
  }
  return bound;
}

/** `value` as JSON: buffers (raw bodies) become base64 strings. */
export function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value, (_key, inner: unknown) =>
    isPlainRecord(inner) && inner.type === 'Buffer' && Array.isArray(inner.data)
      ? Buffer.from(inner.data as number[]).toString('base64')
      : inner,
  );
  return JSON.parse(text) as unknown;
}

/**
 * The trigger's payload as the platform receives it: without the subscription's `Api-Key` header and without
 * `webhookUrls` / `webhookApiKeys` (capabilities the API already gives the platform), and with the token of
 * `invokeUrl` redacted (`…/trigger/[REDACTED]/<fragment>`), so the outbox and the deliveries never copy them.
 */
function withoutSecrets(payload: unknown): unknown {
  if (!isPlainRecord(payload)) return payload;
  const { webhookUrls: _urls, webhookApiKeys: _keys, ...rest } = payload;
  if (typeof rest.invokeUrl === 'string') rest.invokeUrl = redactText(rest.invokeUrl);
  const headers = rest.headers;
  if (isPlainRecord(headers) && 'api-key' in headers) {
    const { 'api-key': _key, ...others } = headers;
    rest.headers = others;
  }
  return rest;
}

function event(call: TriggerCall, executionId: string, now: number, body: JsonObject): NewOutboxEvent {
  const sub = call.subscription;
  return {
    type: body.error === undefined ? 'trigger.fired' : 'trigger.failed',
    instanceId: sub.instanceId,
    payload: {
      subscription: {
        id: sub.id,
        name: sub.name,
        instanceId: sub.instanceId,
        componentKey: sub.componentKey,
        triggerKey: sub.triggerKey,
      },
      executionId,
      occurredAt: now,
      ...body,
    },
    nextAttemptAt: now,
  };
}

/** True for a polling result that found nothing new (spectral's `polledNoChanges` → `resultType`). */
function polledNothing(result: unknown): boolean {
  return (
    isPlainRecord(result) && (result.resultType === 'polled_no_changes' || result.polledNoChanges === true)
  );
}

/** What a trigger part returned, and the state writes it made. */
interface PartOutcome {
  readonly result: unknown;
  readonly states: { scope: StateScope; key: string; value: JsonObject }[];
}

/**
 * Calls `call.phase` of the subscription's trigger: connections bound with a valid token, inputs filled, and on a
 * provider 401 one forced refresh and one retry with fresh state (./unauthorized-retry), as for actions.
 */
async function runPart(
  deps: RunActionDeps,
  call: TriggerCall,
  run: { readonly executionId: string; readonly startedAt: number; readonly logger: ActionLogger },
  secrets: RunSecrets,
): Promise<PartOutcome> {
  const sub = call.subscription;
  const trigger = await triggerOf(deps, sub);
  const fn = trigger[call.phase] as WirePerform | undefined;
  const keys = storedStateKeys(sub.instanceId, sub.id);
  const found = await deps.store.getInstanceWithConnections(sub.instanceId, { states: keys });
  if (!found || typeof fn !== 'function') {
    throw new KeywayError('KW_STORE_NOT_FOUND', {
      message: found
        ? `Trigger "${trigger.key}" has no ${call.phase}`
        : `Instance "${sub.instanceId}" does not exist`,
      details: { instanceId: sub.instanceId },
    });
  }
  const component = await deps.components.get(sub.componentKey);
  const planned = bindConnections(
    found.connections,
    found.instance,
    component,
    trigger,
    sub.inputs,
    sub.connections,
  );
  const bound = await withTokens(deps, planned);
  secrets.bound = bound;
  const urls = deps.webhooks && (await deps.webhooks.load(sub.instanceId));
  secrets.also = webhookSecrets(urls);
  const identity: ContextIdentity = {
    executionId: run.executionId,
    stepId: sub.triggerKey,
    startedAt: run.startedAt,
    ...peopleOf(found),
    flow: { id: sub.id, name: sub.name, stableId: sub.id },
    componentActionKey: `${sub.componentKey}.${sub.triggerKey}`,
    configVars: { ...found.instance.config },
    ...urls,
  };
  const given = paramInputs(sub.inputs, trigger.inputs);
  const flowState = !WITHOUT_FLOW_STATE.has(call.phase);
  // found.states is in the stored scopes' order, instanceState first.
  const loaded = new LoadedState(flowState ? found.states : [undefined, ...found.states.slice(1)]);
  let live = loaded.copy();
  const result = await retryOnUnauthorized(deps.credentials, bound, run.logger, (retrying) => {
    if (retrying) live = loaded.copy();
    for (const item of bound) identity.configVars[item.connection.name] = item.value;
    const params = buildActionParams(
      trigger.display.label,
      trigger.inputs,
      given,
      new Map(bound.map((item) => [item.inputKey, item.value])),
    );
    const context = createActionContext(identity, live, run.logger);
    return call.phase === 'perform'
      ? fn(context, call.payload?.(identity) ?? {}, params)
      : fn(context, params);
  });
  const writes = (stateWrites(loaded, finalState(live, result)) ?? []).filter(
    (write) => flowState || write.scope !== 'instanceState',
  );
  return {
    result,
    states: writes.map(({ scope, json }) => {
      const key = scope === 'instanceState' ? sub.id : scope === 'executionState' ? run.executionId : '';
      return { scope: STORE_SCOPE[scope], key, value: JSON.parse(json) as JsonObject };
    }),
  };
}

/**
 * Runs `call.phase` of the subscription's trigger and commits the outcome. Never throws for what the trigger
 * does (a failure is recorded and returned as `error`); throws only when the outcome cannot be committed.
 */
export async function runTriggerPart(deps: RunActionDeps, call: TriggerCall): Promise<TriggerOutcome> {
  const now = deps.now ?? Date.now;
  const sub = call.subscription;
  const executionId = (deps.newId ?? timeOrderedId)();
  const startedAt = now();
  const secrets = new RunSecrets();
  const { logger, entries } = createCollectingLogger(secrets, now);
  let outcome: PartOutcome | undefined;
  let failure: KeywayError | undefined;
  try {
    outcome = await runPart(deps, call, { executionId, startedAt, logger }, secrets);
  } catch (thrown) {
    failure = await surface(deps, thrown, secrets.bound, secrets, now);
    logger.error(`${failure.code}: ${failure.message}`);
  }
  const finishedAt = now();
  const events: NewOutboxEvent[] = [];
  if (call.events && outcome !== undefined && !polledNothing(outcome.result)) {
    const result = outcome.result;
    const payload = isPlainRecord(result) && 'payload' in result ? result.payload : undefined;
    events.push(event(call, executionId, finishedAt, { payload: jsonSafe(withoutSecrets(payload)) }));
  }
  if (call.events && failure !== undefined) {
    events.push(
      event(call, executionId, finishedAt, { error: { code: failure.code, message: failure.message } }),
    );
  }
  const committed = await deps.store.triggers.commitRun({
    subscriptionId: sub.id,
    instanceId: sub.instanceId,
    ...(call.leaseOwner !== undefined ? { leaseOwner: call.leaseOwner } : {}),
    states: outcome?.states ?? [],
    execution: {
      id: executionId,
      instanceId: sub.instanceId,
      componentKey: sub.componentKey,
      actionKey: `${call.phase === 'perform' ? 'trigger' : call.phase}:${sub.triggerKey}`,
      status: failure === undefined ? 'succeeded' : 'failed',
      startedAt,
      finishedAt,
      errorCode: failure?.code ?? null,
      errorMessage: failure?.message ?? null,
      log: entries.map(toExecutionLog),
    },
    events,
    patch: failure === undefined ? call.onSuccess : call.onFailure(failure),
  });
  return {
    executionId,
    committed,
    ...(failure === undefined ? { result: outcome?.result } : { error: failure }),
  };
}

/** The secrets of a run's connections, once they are bound (none before). */
class RunSecrets implements Iterable<string> {
  bound: readonly BoundConnection[] = [];
  also: readonly string[] = [];

  [Symbol.iterator](): Iterator<string> {
    const secrets = new LazySecrets(this.bound);
    secrets.also = this.also;
    return secrets[Symbol.iterator]();
  }
}

/** The store's scope of each context state. */
const STORE_SCOPE = {
  instanceState: 'instance',
  crossFlowState: 'crossFlow',
  executionState: 'execution',
  integrationState: 'integration',
} as const satisfies Record<string, StateScope>;
