/**
 * Runs a component action exactly the way Prismatic's runner does, so a component written with plain spectral
 * works unmodified: defaults filled, connection values built with a valid token, `perform(context, params)`
 * called with exactly two arguments, state persisted from the result and from in-place mutation, the run
 * recorded, anything thrown surfaced as a typed error.
 */
import { KeywayError, isKeywayError } from '../errors';
import type { InstanceWithConnections, Store } from '../store';
import type { ComponentRegistry } from './components';
import type { WebhookDirectory, WebhookUrls } from './webhook-directory';
import { createActionContext, createCollectingLogger, finalState } from './context';
import type { ActionLogger, ContextIdentity } from './context';
import { connectionValue } from './connection-value';
import { ExecutionRecord, NO_LOG, toExecutionLog } from './execution-record';
import { timeOrderedId } from './ids';
import { buildActionParams } from './inputs';
import type { ConnectionValueLookup } from './inputs';
import { surface } from './run-errors';
import { NO_CONNECTIONS, NO_INPUTS, paramInputs, peopleOf, planFor, withConfigInputs } from './run-plan';
import type { BoundConnection, RunPlan } from './run-plan';
import { LazySecrets, webhookSecrets } from './run-secrets';
import { saveState, stateWrites, storedStateKeys } from './run-state';
import { retryOnUnauthorized } from './unauthorized-retry';
import type { LoadedState } from './run-state';
import type {
  AccessToken,
  ActionLogEntry,
  ConnectionValue,
  CredentialSource,
  LoadedComponent,
  StateSnapshot,
  WireAction,
} from './types';

export { isSpectralConnectionError, isUnauthorized, thrownMessage } from './run-errors';

/** What {@link runAction} needs. */
export interface RunActionDeps {
  readonly store: Store;
  readonly components: ComponentRegistry;
  readonly credentials: CredentialSource;
  readonly now?: () => number;
  readonly newId?: () => string;
  /** Receives every redacted log line of every run (e.g. to forward to pino). */
  readonly onLog?: (entry: ActionLogEntry & { readonly executionId: string }) => void;
  /**
   * Receives a failure to write an execution record. The run waits for its record (concurrent runs share one
   * commit), but a record that cannot be written does not fail a run that succeeded. Default: a process warning.
   */
  readonly onRecordError?: (error: unknown, executionId: string) => void;
  /** The instance's trigger URLs, for `context.webhookUrls` / `webhookApiKeys` (see ./webhook-directory). */
  readonly webhooks?: WebhookDirectory;
}

/** The default `onRecordError`: a process warning naming the execution (one function for every run). */
function warnRecordError(error: unknown, executionId: string): void {
  const code = isKeywayError(error) ? error.code : 'unknown error';
  process.emitWarning(`Keyway could not record execution ${executionId} (${code})`, 'KeywayExecutionLog');
}

/** One action run. */
export interface RunActionRequest {
  readonly instanceId: string;
  readonly componentKey: string;
  readonly actionKey: string;
  /** Input values by input key; missing ones take their defaults. */
  readonly inputs?: Readonly<Record<string, unknown>>;
  /**
   * Which of the instance's connections (by name) fills each `connection` input. Without it, the instance's only
   * connection for this component is used.
   */
  readonly connections?: Readonly<Record<string, string>>;
  /** The flow the action runs in; `instanceState` is kept per flow, as on Prismatic. */
  readonly flow?: { readonly id: string; readonly name?: string };
  readonly stepId?: string;
}

/** The outcome of a successful run. */
export interface RunActionResult {
  readonly executionId: string;
  /** What `perform` returned (`{ data, ... }`). */
  readonly result: unknown;
  readonly logs: readonly ActionLogEntry[];
  /** The state after the run, by scope. */
  readonly state: StateSnapshot;
}

const DEFAULT_FLOW = { id: 'default', name: 'Default' };
const DEFAULT_FLOW_IDENTITY: ContextIdentity['flow'] = Object.freeze({
  id: DEFAULT_FLOW.id,
  name: DEFAULT_FLOW.name,
  stableId: DEFAULT_FLOW.id,
});

/**
 * Runs `actionKey` of `componentKey` for an instance.
 *
 * A 401 from the provider (an axios-style error with `response.status === 401`, or an error with
 * `status`/`statusCode` 401) forces one refresh of the action's OAuth connections and one retry with fresh state;
 * a second 401 is KW_ACTION_UNAUTHORIZED. A spectral `ConnectionError` is KW_CONNECTION_ERROR and marks the
 * connection `error`. Anything else thrown is KW_ACTION_FAILED with the thrown message, secrets removed.
 * State is saved only when the run succeeds.
 */
export async function runAction(deps: RunActionDeps, request: RunActionRequest): Promise<RunActionResult> {
  const now = deps.now ?? Date.now;
  // Time-ordered: execution records are inserted at the rate of calls, and ordered ids insert cheaply.
  const newId = deps.newId ?? timeOrderedId;
  const flow = request.flow ?? DEFAULT_FLOW;
  const executionId = newId();
  const { found, component, action } = await findAction(deps, request, flow.id);
  const { instance } = found;

  const plan = planFor(found, component, action, request.inputs ?? NO_INPUTS, request.connections);
  const loaded = plan.loaded;
  // Connection inputs are resolved by the plan; a name given as an input value is not itself a param.
  const givenInputs = withConfigInputs(plan.configInputs, paramInputs(request.inputs, action.inputs));
  // Refuse bad inputs before any token is fetched or any execution recorded.
  buildActionParams(action.display.label, action.inputs, givenInputs, NO_CONNECTIONS);
  const bound = await withTokens(deps.credentials, plan);

  const startedAt = now();
  const execution = new ExecutionRecord(
    deps.store,
    executionId,
    instance.id,
    component.key,
    action.key,
    startedAt,
    deps.onRecordError ?? warnRecordError,
    now,
  );

  // Gathered when first needed (a log line, an error): most runs never need them. Gathered afresh each
  // time, so the secrets of a token refreshed mid-run are redacted too.
  const secrets = new LazySecrets(bound);
  const { logger: redactingLogger, entries } = createCollectingLogger(
    secrets,
    now,
    deps.onLog === undefined ? undefined : logSink(deps.onLog, executionId),
  );
  const webhooks = deps.webhooks;
  // Cached per instance: an action call reads no row for them while they are known.
  const urls = webhooks && (webhooks.cached(found.instance.id) ?? (await webhooks.load(found.instance.id)));
  secrets.also = webhookSecrets(urls);
  const identity = identityOf(found, request, flow, executionId, startedAt, component, action, urls);
  for (const item of bound) identity.configVars[item.connection.name] = item.value;

  try {
    const attempt = { action, identity, logger: redactingLogger, givenInputs, bound };
    const { live, result } = await performWithRetry(deps.credentials, attempt, loaded);
    const state = finalState(live, result);
    const writes = stateWrites(loaded, state);
    if (writes !== undefined) await saveState(deps.store, request.instanceId, flow.id, executionId, writes);
    await execution.finish(
      'succeeded',
      now(),
      null,
      null,
      entries.length === 0 ? NO_LOG : entries.map(toExecutionLog),
    );
    return { executionId, result, logs: entries, state };
  } catch (thrown) {
    const error = await surface(deps, thrown, bound, secrets, now);
    redactingLogger.error(`${error.code}: ${error.message}`);
    await execution.finish('failed', now(), error.code, error.message, entries.map(toExecutionLog));
    throw error;
  }
}

/**
 * The instance (with its customer, connections and the state of this run's scopes), the component and the
 * action a request names, or a typed error saying which does not exist.
 */
async function findAction(
  deps: RunActionDeps,
  request: RunActionRequest,
  flowId: string,
): Promise<{ found: InstanceWithConnections; component: LoadedComponent; action: WireAction }> {
  // One query, or none when the store still holds an unchanged snapshot. Execution state starts empty: this
  // execution id is new.
  const read = { states: storedStateKeys(request.instanceId, flowId) };
  const found = await deps.store.getInstanceWithConnections(request.instanceId, read);
  if (!found) {
    throw new KeywayError('KW_STORE_NOT_FOUND', {
      message: `Instance "${request.instanceId}" does not exist`,
      details: { instanceId: request.instanceId },
    });
  }
  const { instance } = found;
  if (!instance.componentKeys.includes(request.componentKey)) {
    throw new KeywayError('KW_COMPONENT_NOT_FOUND', {
      message: `Instance "${instance.name}" does not use component "${request.componentKey}"`,
      details: { instanceId: instance.id, componentKey: request.componentKey },
    });
  }
  const component = await deps.components.get(request.componentKey);
  const action = component.actions.get(request.actionKey);
  if (!action) {
    throw new KeywayError('KW_ACTION_NOT_FOUND', {
      message: `Component "${component.key}" has no action "${request.actionKey}" (it has: ${[...component.actions.keys()].join(', ')})`,
      details: { componentKey: component.key, actionKey: request.actionKey },
    });
  }
  return { found, component, action };
}

/** The plan's connections, each with a valid token (none for a connection of grant `none`) and its value. */
async function withTokens(credentials: CredentialSource, plan: RunPlan): Promise<BoundConnection[]> {
  const bound: BoundConnection[] = [];
  for (const item of plan.bound) {
    let token: AccessToken | undefined;
    if (item.connection.grantType !== 'none') {
      // The row was read just above: the credential manager need not read (or decrypt) it again.
      token = await credentials.getToken(item.connection.id, undefined, item.connection);
    }
    bound.push({
      inputKey: item.inputKey,
      connection: item.connection,
      definition: item.definition,
      fields: item.fields,
      context: item.context,
      token,
      value: connectionValue(item, token),
    });
  }
  return bound;
}

/** What the action's context says the run is: its execution, the people, the flow and the config variables. */
function identityOf(
  found: InstanceWithConnections,
  request: RunActionRequest,
  flow: NonNullable<RunActionRequest['flow']>,
  executionId: string,
  startedAt: number,
  component: LoadedComponent,
  action: WireAction,
  urls: WebhookUrls | undefined,
): ContextIdentity {
  const people = peopleOf(found);
  return {
    executionId,
    stepId: request.stepId ?? action.key,
    startedAt,
    customer: people.customer,
    instance: people.instance,
    user: people.user,
    integration: people.integration,
    flow:
      flow === DEFAULT_FLOW
        ? DEFAULT_FLOW_IDENTITY
        : Object.freeze({ id: flow.id, name: flow.name ?? flow.id, stableId: flow.id }),
    componentActionKey: `${component.key}.${action.key}`,
    configVars: { ...found.instance.config },
    webhookUrls: urls?.webhookUrls,
    webhookApiKeys: urls?.webhookApiKeys,
  };
}

/** One action call's parts; `bound` and `identity` are updated in place when a token is refreshed. */
interface Attempt {
  readonly action: WireAction;
  readonly identity: ContextIdentity;
  readonly logger: ActionLogger;
  readonly givenInputs: Readonly<Record<string, unknown>>;
  readonly bound: readonly BoundConnection[];
}

/**
 * Calls the action; on a provider 401, refreshes the tokens of its OAuth connections and calls it once more with
 * fresh state (./unauthorized-retry). Each attempt gets a fresh copy of the state, so what the action mutates in
 * place is seen afterwards.
 */
async function performWithRetry(
  credentials: CredentialSource,
  attempt: Attempt,
  loaded: LoadedState,
): Promise<{ live: StateSnapshot; result: unknown }> {
  const { bound, identity } = attempt;
  let live = loaded.copy();
  const result = await retryOnUnauthorized(credentials, bound, attempt.logger, (retrying) => {
    if (retrying) {
      live = loaded.copy();
      for (const item of bound) identity.configVars[item.connection.name] = item.value;
    }
    return perform(attempt, live);
  });
  return { live, result };
}

/**
 * One attempt: the params and the context for `live`, then `perform(context, params)` with exactly two arguments
 * (spectral's perform wrapper dispatches on the argument count). A module function rather than an arrow in
 * `runAction`, for the reason given at {@link logSink}.
 */
function perform(attempt: Attempt, live: StateSnapshot): unknown {
  const { action } = attempt;
  const params = buildActionParams(
    action.display.label,
    action.inputs,
    attempt.givenInputs,
    new BoundValues(attempt.bound),
  );
  return action.perform(createActionContext(attempt.identity, live, attempt.logger), params);
}

/**
 * Hands each log line of one execution to `onLog`, with the execution id.
 *
 * This and the other objects a run hands out that hold parts of it (its logger's secrets) are made by small
 * functions or classes rather than as arrows inside `runAction`: V8 keeps every variable that any of a
 * function's closures captures in one scope object, so an arrow made in `runAction` would keep the whole run
 * alive (its connections, token, context, state) for as long as the closure lives, and the logger is reachable
 * from the action's context, which spectral's perform wrapper keeps reachable until the next full collection
 * (see `createActionContext`). The execution record needs no closure at all: the store hands its error
 * handler the record's id.
 */
function logSink(
  onLog: NonNullable<RunActionDeps['onLog']>,
  executionId: string,
): (entry: ActionLogEntry) => void {
  return (entry) => onLog({ ...entry, executionId });
}

/** The connection value of each connection input, as `buildActionParams` looks them up (no map per call). */
class BoundValues implements ConnectionValueLookup {
  readonly #bound: readonly BoundConnection[];

  constructor(bound: readonly BoundConnection[]) {
    this.#bound = bound;
  }

  get(inputKey: string): ConnectionValue | undefined {
    for (const item of this.#bound) if (item.inputKey === inputKey) return item.value;
    return undefined;
  }
}
