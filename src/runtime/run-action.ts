/**
 * Runs a component action exactly the way Prismatic's runner does, so a component written with plain spectral
 * works unmodified: defaults filled, connection values built with a valid token, `perform(context, params)`
 * called with exactly two arguments, state persisted from the result and from in-place mutation, the run
 * recorded, anything thrown surfaced as a typed error.
 */
import { KeywayError, isKeywayError } from '../errors';
import { redactText } from '../redact';
import type {
  Connection,
  ExecutionLogEntry,
  FinishedExecution,
  Instance,
  InstanceWithConnections,
  NewExecution,
  StateKey,
  Store,
} from '../store';
import type { ComponentRegistry } from './components';
import type { WebhookDirectory } from './webhook-directory';
import {
  createActionContext,
  createCollectingLogger,
  finalState,
  isPlainRecord,
  looksLikeError,
} from './context';
import type { ActionLogger, ContextIdentity } from './context';
import { connectionValue } from './connection-value';
import { connectionEvent } from './events';
import { timeOrderedId } from './ids';
import { buildActionParams, buildConnectionFields, connectionInputKeys } from './inputs';
import type { ConnectionValueLookup } from './inputs';
import { connectionFieldValues } from './instances';
import type {
  AccessToken,
  ActionLogEntry,
  ConnectionValue,
  CredentialSource,
  LoadedComponent,
  StateScope,
  StateSnapshot,
  WireAction,
  WireConnection,
} from './types';
import { stateScopes } from './types';

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
   * Receives a failure to write an execution record. The run does not wait for its record (the store writes
   * records in the background, in batches), so such a failure cannot fail the run. Default: a process warning.
   */
  readonly onRecordError?: (error: unknown, executionId: string) => void;
  /** The instance's trigger URLs, for `context.webhookUrls` / `webhookApiKeys` (see ./subscriptions). */
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

/** A connection input resolved to an instance connection, before any token. */
export interface PlannedConnection {
  readonly inputKey: string;
  readonly connection: Connection;
  readonly definition: WireConnection;
  /** spectral's `fields`: defaults filled, templates rendered. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Secret field values and password inputs, to be redacted from logs and errors. */
  readonly secrets: readonly string[];
  /** The callback's extra parameters: spectral's `connection.context`. */
  readonly context: Readonly<Record<string, unknown>>;
}

/** A connection input resolved to an instance connection. */
export interface BoundConnection extends PlannedConnection {
  token: AccessToken | undefined;
  value: ConnectionValue;
}

/** What a run works out from the instance snapshot alone; see {@link planFor}. */
interface RunPlan {
  readonly component: LoadedComponent;
  /** Which connection each connection input names ('' for the only one). */
  readonly named: string;
  readonly bound: readonly PlannedConnection[];
  readonly loaded: LoadedState;
  /** The keys of the action's connection inputs. */
  readonly connectionInputs: ReadonlySet<string>;
  /** True when the action's defaults alone satisfy its inputs. */
  readonly defaultsValid: boolean;
  /** Who the run is for, as the context describes them: frozen, and shared by every run of this plan. */
  readonly people: Pick<ContextIdentity, 'customer' | 'instance' | 'user' | 'integration'>;
  /** `component.action`, as the execution frame names it. */
  readonly componentActionKey: string;
}

const NO_INPUTS: Readonly<Record<string, unknown>> = Object.freeze({});
const NO_LOG: readonly ExecutionLogEntry[] = Object.freeze([]);
const NO_CONNECTIONS: ReadonlyMap<string, ConnectionValue> = new Map();
/** Grants that get a token with no person involved, so a `pending` connection of theirs can run. */
const UNATTENDED_GRANTS: ReadonlySet<string> = new Set(['client_credentials', 'password']);

/** The given inputs without the connection inputs (those name connections); {@link NO_INPUTS} for none. */
export function paramInputs(
  inputs: Readonly<Record<string, unknown>> | undefined,
  connectionInputs: ReadonlySet<string>,
): Readonly<Record<string, unknown>> {
  if (inputs === undefined) return NO_INPUTS;
  const out: Record<string, unknown> = {};
  let any = false;
  for (const key of Object.keys(inputs)) {
    if (connectionInputs.has(key)) continue;
    out[key] = inputs[key];
    any = true;
  }
  return any ? out : NO_INPUTS;
}

function defaultsSatisfy(action: WireAction): boolean {
  try {
    buildActionParams(action.display.label, action.inputs, NO_INPUTS, NO_CONNECTIONS);
    return true;
  } catch {
    return false;
  }
}

/**
 * Plans by snapshot: the store hands out the same frozen snapshot while nothing in it changed, so binding
 * connections, rendering their fields and serialising the loaded state are done once per snapshot, not per call.
 */
const plans = new WeakMap<InstanceWithConnections, Map<WireAction, RunPlan[]>>();

function planFor(
  found: InstanceWithConnections,
  component: LoadedComponent,
  action: WireAction,
  inputs: Readonly<Record<string, unknown>>,
  names: Readonly<Record<string, string>> | undefined,
): RunPlan {
  // A call naming no connections (the commonest) finds its plan without listing the action's inputs.
  let inputKeys: string[] | undefined;
  let named = '';
  if (names !== undefined || inputs !== NO_INPUTS) {
    inputKeys = connectionInputKeys(action.inputs);
    named = inputKeys
      .map((key) => names?.[key] ?? (typeof inputs[key] === 'string' ? inputs[key] : ''))
      .join('\u0000');
  }
  let byAction = plans.get(found);
  const candidates = byAction?.get(action);
  if (candidates !== undefined) {
    for (const known of candidates) if (known.component === component && known.named === named) return known;
  }
  const plan: RunPlan = {
    component,
    named,
    bound: bindConnections(found.connections, found.instance, component, action, inputs, names),
    loaded: loadedState(found.states),
    connectionInputs: new Set(inputKeys ?? connectionInputKeys(action.inputs)),
    defaultsValid: defaultsSatisfy(action),
    people: peopleOf(found),
    componentActionKey: `${component.key}.${action.key}`,
  };
  if (Object.isFrozen(found)) {
    if (byAction === undefined) {
      byAction = new Map();
      plans.set(found, byAction);
    }
    const list = byAction.get(action) ?? [];
    // Bounded: a caller naming ever different connections must not grow a snapshot's plans without end.
    if (list.length >= 16) list.shift();
    list.push(plan);
    byAction.set(action, list);
  }
  return plan;
}

const DEFAULT_FLOW = { id: 'default', name: 'Default' };
const DEFAULT_FLOW_IDENTITY: ContextIdentity['flow'] = Object.freeze({
  id: DEFAULT_FLOW.id,
  name: DEFAULT_FLOW.name,
  stableId: DEFAULT_FLOW.id,
});

/** The customer, instance, user and integration a context describes, from the snapshot. */
export function peopleOf(found: InstanceWithConnections): RunPlan['people'] {
  const { instance, customer } = found;
  return Object.freeze({
    customer: Object.freeze({
      id: customer?.id ?? instance.customerId,
      externalId: customer?.externalId ?? '',
      name: customer?.name ?? '',
    }),
    instance: Object.freeze({ id: instance.id, name: instance.name }),
    user: Object.freeze({ id: '', email: '', name: '', externalId: '' }),
    integration: Object.freeze({
      id: instance.id,
      name: instance.name,
      versionSequenceId: '',
      externalVersion: '',
    }),
  });
}

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
  // The instance, its customer, its connections and the state of this run's scopes: one query, or none when
  // the store still holds an unchanged snapshot (then no promise either). Execution state starts empty: this
  // execution id is new.
  const read = { states: storedStateKeys(request.instanceId, flow.id) };
  const found =
    deps.store.cachedInstanceWithConnections?.(request.instanceId, read) ??
    (await deps.store.getInstanceWithConnections(request.instanceId, read));
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
  const component =
    deps.components.cached(request.componentKey) ?? (await deps.components.get(request.componentKey));
  const action = component.actions.get(request.actionKey);
  if (!action) {
    throw new KeywayError('KW_ACTION_NOT_FOUND', {
      message: `Component "${component.key}" has no action "${request.actionKey}" (it has: ${[...component.actions.keys()].join(', ')})`,
      details: { componentKey: component.key, actionKey: request.actionKey },
    });
  }

  const plan = planFor(found, component, action, request.inputs ?? NO_INPUTS, request.connections);
  const loaded = plan.loaded;
  // Connection inputs are resolved by the plan; a name given as an input value is not itself a param.
  const givenInputs = paramInputs(request.inputs, plan.connectionInputs);
  // Refuse bad inputs before any token is fetched or any execution recorded (no inputs: checked once per plan).
  if (givenInputs !== NO_INPUTS || !plan.defaultsValid) {
    buildActionParams(action.display.label, action.inputs, givenInputs, NO_CONNECTIONS);
  }

  const bound: BoundConnection[] = [];
  for (const item of plan.bound) {
    let token: AccessToken | undefined;
    if (item.connection.grantType !== 'none') {
      // The row was read just above: the credential manager need not read (or decrypt) it again, and a token
      // it already found fresh in this very row is served without a promise.
      token =
        deps.credentials.cachedToken?.(item.connection) ??
        (await deps.credentials.getToken(item.connection.id, undefined, item.connection));
    }
    bound.push({
      inputKey: item.inputKey,
      connection: item.connection,
      definition: item.definition,
      fields: item.fields,
      secrets: item.secrets,
      context: item.context,
      token,
      value: connectionValue(item, token),
    });
  }

  const startedAt = now();
  const execution = new ExecutionRecord(
    deps.store,
    executionId,
    instance.id,
    component.key,
    action.key,
    startedAt,
    deps.onRecordError ?? warnRecordError,
  );

  // Gathered when first needed (a log line, an error): most runs never need them. Gathered afresh each
  // time, so the secrets of a token refreshed mid-run are redacted too.
  const secrets = new LazySecrets(bound);
  const { logger: redactingLogger, entries } = createCollectingLogger(
    secrets,
    now,
    deps.onLog === undefined ? undefined : logSink(deps.onLog, executionId),
  );

  const identity: ContextIdentity = {
    executionId,
    stepId: request.stepId ?? action.key,
    startedAt,
    customer: plan.people.customer,
    instance: plan.people.instance,
    user: plan.people.user,
    integration: plan.people.integration,
    flow:
      flow === DEFAULT_FLOW
        ? DEFAULT_FLOW_IDENTITY
        : Object.freeze({ id: flow.id, name: flow.name ?? flow.id, stableId: flow.id }),
    componentActionKey: plan.componentActionKey,
    configVars: { ...instance.config },
    ...(deps.webhooks && (deps.webhooks.cached(instance.id) ?? (await deps.webhooks.load(instance.id)))),
  };
  for (const item of bound) identity.configVars[item.connection.name] = item.value;

  try {
    // Each attempt gets a fresh copy of the state, so what the action mutates in place is seen afterwards.
    let live = loaded.copy();
    let result: unknown;
    try {
      result = await perform(action, identity, live, redactingLogger, givenInputs, bound);
    } catch (first) {
      const rejected = bound.filter((item) => item.token !== undefined);
      if (!isUnauthorized(first) || rejected.length === 0) throw first;
      redactingLogger.warn('The provider answered 401; refreshing the token and retrying once');
      for (const item of rejected) {
        item.token = await deps.credentials.getToken(item.connection.id, {
          forceRefresh: true,
          rejectedAccessToken: item.token?.accessToken ?? '',
        });
        item.value = connectionValue(item, item.token);
        identity.configVars[item.connection.name] = item.value;
      }
      live = loaded.copy();
      try {
        result = await perform(action, identity, live, redactingLogger, givenInputs, bound);
      } catch (second) {
        if (!isUnauthorized(second)) throw second;
        throw new KeywayError('KW_ACTION_UNAUTHORIZED', {
          message: `The provider rejected the access token of ${rejected.map((r) => `"${r.connection.name}"`).join(', ')} again after a refresh (HTTP 401)`,
          details: { connections: rejected.map((r) => r.connection.id), status: 401 },
          provider: { status: 401 },
        });
      }
    }
    const state = finalState(live, result);
    const writes = stateWrites(loaded, state);
    if (writes !== undefined) await saveState(deps.store, request.instanceId, flow.id, executionId, writes);
    const backlog = execution.finish(
      'succeeded',
      now(),
      null,
      null,
      entries.length === 0 ? NO_LOG : entries.map(toExecutionLog),
    );
    if (backlog !== undefined) await backlog;
    return { executionId, result, logs: entries, state };
  } catch (thrown) {
    const error = await surface(deps, thrown, bound, secrets, now);
    redactingLogger.error(`${error.code}: ${error.message}`);
    const backlog = execution.finish('failed', now(), error.code, error.message, entries.map(toExecutionLog));
    if (backlog !== undefined) await backlog;
    throw error;
  }
}

/**
 * One attempt: the params and the context for `live`, then `perform(context, params)` with exactly two arguments
 * (spectral's perform wrapper dispatches on the argument count). A module function rather than an arrow in
 * `runAction`, for the reason given at {@link logSink}.
 */
function perform(
  action: WireAction,
  identity: ContextIdentity,
  live: StateSnapshot,
  logger: ActionLogger,
  givenInputs: Readonly<Record<string, unknown>>,
  bound: readonly BoundConnection[],
): unknown {
  const params = buildActionParams(action.display.label, action.inputs, givenInputs, new BoundValues(bound));
  return action.perform(createActionContext(identity, live, logger), params);
}

/** Resolves each `connection` input of the action to one of the instance's connections. */
export function bindConnections(
  connections: readonly Connection[],
  instance: Instance,
  component: LoadedComponent,
  action: WireAction,
  inputs: Readonly<Record<string, unknown>>,
  names: Readonly<Record<string, string>> | undefined,
): PlannedConnection[] {
  const keys = connectionInputKeys(action.inputs);
  if (keys.length === 0) return [];
  const all = connections.filter((c) => c.componentKey === component.key);
  const bound: PlannedConnection[] = [];
  for (const inputKey of keys) {
    const named = names?.[inputKey] ?? (typeof inputs[inputKey] === 'string' ? inputs[inputKey] : undefined);
    let connection: Connection | undefined;
    if (named !== undefined) {
      connection = all.find((c) => c.name === named);
      if (!connection) {
        throw new KeywayError('KW_ACTION_INPUT_INVALID', {
          message: `Instance "${instance.name}" has no connection "${named}" for component "${component.key}"`,
          details: { input: inputKey },
        });
      }
    } else if (all.length === 1) {
      connection = all[0];
    } else {
      throw new KeywayError('KW_ACTION_INPUT_INVALID', {
        message:
          all.length === 0
            ? `Instance "${instance.name}" has no connection for component "${component.key}" (input "${inputKey}")`
            : `Instance "${instance.name}" has ${all.length} connections for "${component.key}"; name one for input "${inputKey}"`,
        details: { input: inputKey },
      });
    }
    if (!connection) continue;
    const definition = component.connections.get(connection.definitionKey);
    if (!definition) {
      throw new KeywayError('KW_CONNECTION_INVALID', {
        message: `Connection "${connection.name}" is bound to definition "${connection.definitionKey}", which component "${component.key}" no longer has`,
        details: { connectionId: connection.id },
      });
    }
    // A pending connection whose grant needs no person gets its first token from the credential manager, which
    // refuses it (KW_CONNECTION_NOT_CONNECTED) when the values it needs are not all there.
    const unattended = connection.status === 'pending' && UNATTENDED_GRANTS.has(connection.grantType);
    const usable =
      unattended ||
      connection.status === 'connected' ||
      (connection.status === 'error' && connection.tokenSet !== null);
    if (!usable && !(connection.grantType === 'none' && connection.status === 'error')) {
      throw new KeywayError('KW_CONNECTION_NOT_CONNECTED', {
        message: `Connection "${connection.name}" is ${connection.status.replace('_', ' ')}; connect it first`,
        details: { connectionId: connection.id, status: connection.status },
      });
    }
    const fields = buildConnectionFields(definition, connectionFieldValues(connection));
    const secrets: string[] = [];
    for (const value of Object.values(connection.secretFields)) {
      if (typeof value === 'string') secrets.push(value);
    }
    for (const input of definition.inputs) {
      const value = fields[input.key];
      if (input.type === 'password' && typeof value === 'string') secrets.push(value);
    }
    bound.push({ inputKey, connection, definition, fields, secrets, context: connection.context });
  }
  return bound;
}

/** The secrets of `bound`, gathered afresh at each iteration; see {@link logSink} for why not inline. */
export class LazySecrets implements Iterable<string> {
  readonly #bound: readonly BoundConnection[];

  constructor(bound: readonly BoundConnection[]) {
    this.#bound = bound;
  }

  [Symbol.iterator](): Iterator<string> {
    return secretsOf(this.#bound).values();
  }
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

/** Every secret a run's log lines and error messages must not show. */
function secretsOf(bound: readonly BoundConnection[]): Set<string> {
  const secrets = new Set<string>();
  for (const item of bound) collectSecrets(item, secrets);
  return secrets;
}

/** The connection value of each connection input, as `buildActionParams` looks them up (no map per call). */
export class BoundValues implements ConnectionValueLookup {
  readonly #bound: readonly BoundConnection[];

  constructor(bound: readonly BoundConnection[]) {
    this.#bound = bound;
  }

  get(inputKey: string): ConnectionValue | undefined {
    for (const item of this.#bound) if (item.inputKey === inputKey) return item.value;
    return undefined;
  }
}

/** The secret strings of each token, collected once per token. */
const tokenSecrets = new WeakMap<AccessToken, readonly string[]>();

function collectSecrets(item: BoundConnection, secrets: Set<string>): void {
  for (const secret of item.secrets) secrets.add(secret);
  const token = item.token;
  if (token === undefined) return;
  let found = tokenSecrets.get(token);
  if (found === undefined) {
    const collected = new Set<string>([token.accessToken]);
    collectTokenFields(token.raw, collected, 0);
    found = [...collected];
    tokenSecrets.set(token, found);
  }
  for (const secret of found) secrets.add(secret);
}

const TOKEN_FIELDS: ReadonlySet<string> = new Set(['access_token', 'refresh_token', 'id_token']);

/**
 * Every token-like field of a raw token response, at any depth: providers nest tokens (Slack's user token and
 * its refresh token under `authed_user`), and a component may log any of them.
 */
function collectTokenFields(value: unknown, secrets: Set<string>, depth: number): void {
  // Token responses are shallow; the bound only guards against a pathological body.
  if (depth > 8 || typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (TOKEN_FIELDS.has(key) && typeof child === 'string' && child !== '') secrets.add(child);
    else collectTokenFields(child, secrets, depth + 1);
  }
}

export function toExecutionLog(entry: ActionLogEntry): ExecutionLogEntry {
  const level =
    entry.level === 'warn' || entry.level === 'error'
      ? entry.level
      : entry.level === 'info' || entry.level === 'log'
        ? 'info'
        : 'debug';
  return { at: entry.at, level, message: entry.message };
}

function stateKeysFor(instanceId: string, flowId: string, executionId: string): Record<StateScope, StateKey> {
  return {
    instanceState: { instanceId, scope: 'instance', key: flowId },
    crossFlowState: { instanceId, scope: 'crossFlow' },
    integrationState: { instanceId, scope: 'integration' },
    executionState: { instanceId, scope: 'execution', key: executionId },
  };
}

/**
 * The stored scopes' keys as one array per (instance, flow), handed out again on later calls: the store
 * recognises an array it has seen and skips deriving its cache key from it.
 */
const storedKeyArrays = new Map<string, Map<string, readonly StateKey[]>>();
let storedKeyArrayCount = 0;
const STORED_KEY_ARRAYS_MAX = 10_000;

export function storedStateKeys(instanceId: string, flowId: string): readonly StateKey[] {
  // By instance, then flow: no key string is built per call.
  let byFlow = storedKeyArrays.get(instanceId);
  let array = byFlow?.get(flowId);
  if (array === undefined) {
    if (storedKeyArrayCount >= STORED_KEY_ARRAYS_MAX) {
      storedKeyArrays.clear();
      storedKeyArrayCount = 0;
      byFlow = undefined;
    }
    if (byFlow === undefined) {
      byFlow = new Map();
      storedKeyArrays.set(instanceId, byFlow);
    }
    const keys = stateKeysFor(instanceId, flowId, '');
    array = Object.freeze(STORED_SCOPES.map((scope) => Object.freeze(keys[scope])));
    byFlow.set(flowId, array);
    storedKeyArrayCount += 1;
  }
  return array;
}

/** The state as loaded, by scope, in its stored (JSON) form. */
export interface LoadedState {
  readonly json: Readonly<Record<StateScope, string>>;
  /** A fresh deep copy for one attempt, so what the action mutates is detectable afterwards. */
  copy(): StateSnapshot;
}

/** The scopes whose state outlives one run, read at the start of each; execution state starts empty. */
const STORED_SCOPES: readonly StateScope[] = stateScopes.filter((scope) => scope !== 'executionState');

/** The state as read, one value per scope in {@link STORED_SCOPES} order. */
export function loadedState(values: readonly (Record<string, unknown> | undefined)[]): LoadedState {
  const json = { executionState: '{}' } as Record<StateScope, string>;
  STORED_SCOPES.forEach((scope, i) => (json[scope] = JSON.stringify(values[i] ?? {})));
  return {
    json,
    // One literal with named reads, not a loop over the scopes: see finalState (./context) for why.
    copy: () => ({
      instanceState: parseState(json.instanceState),
      crossFlowState: parseState(json.crossFlowState),
      executionState: parseState(json.executionState),
      integrationState: parseState(json.integrationState),
    }),
  };
}

/** A scope whose JSON changed in a run, with its new JSON. */
export interface StateWrite {
  readonly scope: StateScope;
  readonly json: string;
}

/** The scopes whose JSON changed, in {@link stateScopes} order; `undefined` when none did (the commonest case). */
export function stateWrites(before: LoadedState, after: StateSnapshot): StateWrite[] | undefined {
  const was = before.json;
  let writes = stateWrite(undefined, 'instanceState', was.instanceState, after.instanceState);
  writes = stateWrite(writes, 'crossFlowState', was.crossFlowState, after.crossFlowState);
  writes = stateWrite(writes, 'executionState', was.executionState, after.executionState);
  return stateWrite(writes, 'integrationState', was.integrationState, after.integrationState);
}

/** `writes` with `scope` added when its JSON is no longer `was`. */
function stateWrite(
  writes: StateWrite[] | undefined,
  scope: StateScope,
  was: string,
  value: Record<string, unknown>,
): StateWrite[] | undefined {
  // An empty object stays `{}`: the commonest case needs no serialising.
  const json = was === EMPTY_JSON && isEmptyObject(value) ? EMPTY_JSON : JSON.stringify(value);
  if (json === was) return writes;
  (writes ??= []).push({ scope, json });
  return writes;
}

/** A fresh deep copy of one scope's state from its JSON (state is JSON: parsing is a deep copy). */
function parseState(text: string): Record<string, unknown> {
  return text === EMPTY_JSON ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** Writes back the scopes that changed. */
async function saveState(
  store: Store,
  instanceId: string,
  flowId: string,
  executionId: string,
  writes: readonly StateWrite[],
): Promise<void> {
  const keys = stateKeysFor(instanceId, flowId, executionId);
  for (const { scope, json } of writes) {
    // Stored as parsed from its JSON: the caller sees what a later run will see.
    await store.putState(keys[scope], JSON.parse(json) as Record<string, unknown>);
  }
}

const EMPTY_JSON = '{}';

function isEmptyObject(value: object): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}

/** A run that takes longer than this is recorded as `running` while it runs; shorter ones in one write. */
const RECORD_RUNNING_AFTER_MS = 1000;
/** How often runs in flight are looked at for {@link RECORD_RUNNING_AFTER_MS}. */
const RUNNING_CHECK_MS = 250;

/**
 * Runs in flight, looked at by one shared timer rather than a timer per run: setting and clearing a timer on
 * every call costs more than the rest of the bookkeeping.
 */
const inFlight = new Set<ExecutionRecord>();
let inFlightTimer: NodeJS.Timeout | undefined;

function watchLongRuns(): void {
  if (inFlight.size === 0 && inFlightTimer !== undefined) {
    // Idle: stop ticking until the next run starts one.
    clearInterval(inFlightTimer);
    inFlightTimer = undefined;
    return;
  }
  const now = Date.now();
  for (const run of inFlight) run.recordRunningAfter(now);
}

/**
 * Records a run with as few writes as possible: a run that ends within {@link RECORD_RUNNING_AFTER_MS} is
 * appended once, finished, with no promise of its own (see `Store.appendExecution`); a longer one gets its
 * `running` row once that time has passed (so the execution log shows it while it runs) and is updated when
 * it ends. The log keeps the same facts either way.
 *
 * The record is itself the {@link FinishedExecution} handed to the store (no copy per run): its public fields
 * are exactly that shape's, the rest is private.
 */
class ExecutionRecord implements FinishedExecution {
  status: 'succeeded' | 'failed' = 'succeeded';
  /** Until the run finishes, its start. */
  finishedAt: number;
  errorCode: string | null = null;
  errorMessage: string | null = null;
  log: readonly ExecutionLogEntry[] = NO_LOG;
  readonly #store: Store;
  /** Shared by every run (`onRecordError`): told the record's id with the error. */
  readonly #onError: (error: unknown, executionId: string) => void;
  readonly #seenAt = Date.now();
  /** Set once the `running` row is being written: whether it was. */
  #running: Promise<boolean> | undefined = undefined;

  constructor(
    store: Store,
    readonly id: string,
    readonly instanceId: string,
    readonly componentKey: string,
    readonly actionKey: string,
    readonly startedAt: number,
    onError: (error: unknown, executionId: string) => void,
  ) {
    this.finishedAt = startedAt;
    this.#store = store;
    this.#onError = onError;
    inFlight.add(this);
    if (inFlightTimer === undefined) {
      inFlightTimer = setInterval(watchLongRuns, RUNNING_CHECK_MS);
      inFlightTimer.unref();
    }
  }

  /** Writes the `running` row once the run has taken {@link RECORD_RUNNING_AFTER_MS} by `now`. */
  recordRunningAfter(now: number): void {
    if (this.#running !== undefined || now - this.#seenAt < RECORD_RUNNING_AFTER_MS) return;
    // A failed insert is not fatal to the run; the row is then written in one go at the end.
    this.#running = this.#store.createExecution(this.#started()).then(
      () => true,
      () => false,
    );
  }

  /**
   * Hands the outcome to the store's execution log; the run does not wait for the write. Returns a promise
   * only when the log is too far behind (backpressure): the run waits for it before it returns.
   */
  finish(
    status: 'succeeded' | 'failed',
    finishedAt: number,
    errorCode: string | null,
    errorMessage: string | null,
    log: readonly ExecutionLogEntry[],
  ): Promise<void> | undefined {
    inFlight.delete(this);
    this.status = status;
    this.finishedAt = finishedAt;
    this.errorCode = errorCode;
    this.errorMessage = errorMessage;
    this.log = log;
    const running = this.#running;
    if (running === undefined) {
      try {
        return this.#store.appendExecution(this, this.#onError);
      } catch (error) {
        // A malformed record is the runtime's own bug; it must not turn a finished run into a failed one.
        this.#onError(error, this.id);
        return undefined;
      }
    }
    running
      .then((inserted) =>
        inserted ? this.#store.finishExecution(this.id, this) : this.#store.recordExecution(this),
      )
      .catch((error: unknown) => this.#onError(error, this.id));
    return undefined;
  }

  #started(): NewExecution {
    return {
      id: this.id,
      instanceId: this.instanceId,
      componentKey: this.componentKey,
      actionKey: this.actionKey,
      startedAt: this.startedAt,
    };
  }
}

/** True for a provider 401: axios-style `response.status`, or `status` / `statusCode` on the error. */
export function isUnauthorized(error: unknown): boolean {
  if (!isPlainRecord(error)) return false;
  const record = error;
  const response = record.response;
  if (isPlainRecord(response) && response.status === 401) return true;
  return record.status === 401 || record.statusCode === 401;
}

/** True for spectral's `ConnectionError` (`isSpectralError === true` with a `connection`), from any copy of spectral. */
export function isSpectralConnectionError(
  error: unknown,
): error is { connection: unknown; message?: unknown } {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<string, unknown>).isSpectralError === true &&
    'connection' in error
  );
}

/** A message safe to show for anything an action may throw. */
export function thrownMessage(thrown: unknown, secrets: Iterable<string>): string {
  let text: string;
  if (looksLikeError(thrown)) text = thrown.message;
  else if (typeof thrown === 'string') text = thrown;
  else if (isPlainRecord(thrown) && typeof thrown.message === 'string') text = thrown.message;
  else if (isPlainRecord(thrown) && typeof thrown.error === 'string') text = thrown.error;
  else {
    try {
      text = JSON.stringify(thrown) ?? String(thrown);
    } catch {
      text = String(thrown);
    }
  }
  const redacted = redactText(text || 'the action failed without a message', secrets);
  return redacted.length > 500 ? `${redacted.slice(0, 500)}…` : redacted;
}

export async function surface(
  deps: RunActionDeps,
  thrown: unknown,
  bound: readonly BoundConnection[],
  secrets: Iterable<string>,
  now: () => number,
): Promise<KeywayError> {
  if (isKeywayError(thrown)) return thrown;
  const message = thrownMessage(thrown, secrets);
  if (isSpectralConnectionError(thrown)) {
    const target = findConnection(thrown.connection, bound);
    if (target) {
      const lastError = { code: 'KW_CONNECTION_ERROR', message, at: now() };
      await deps.store
        .updateConnection(
          target.connection.id,
          { status: 'error', lastError },
          {
            events: [
              connectionEvent('connection.error', target.connection, {
                now: lastError.at,
                status: 'error',
                error: { code: lastError.code, message },
              }),
            ],
          },
        )
        .catch(() => undefined);
    }
    return new KeywayError('KW_CONNECTION_ERROR', {
      message,
      details: target ? { connectionId: target.connection.id } : {},
    });
  }
  const status = httpStatusOf(thrown);
  return new KeywayError('KW_ACTION_FAILED', {
    message,
    ...(status !== undefined ? { provider: { status }, details: { status } } : {}),
  });
}

function findConnection(reported: unknown, bound: readonly BoundConnection[]): BoundConnection | undefined {
  const byIdentity = bound.find((item) => item.value === reported);
  if (byIdentity) return byIdentity;
  if (isPlainRecord(reported)) {
    const match = bound.find(
      (item) =>
        (reported.configVarKey !== undefined && reported.configVarKey === item.connection.name) ||
        (reported.configVarKey === undefined && reported.key === item.connection.definitionKey),
    );
    if (match) return match;
  }
  return bound.length === 1 ? bound[0] : undefined;
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as Record<string, unknown>;
  const response = record.response;
  if (isPlainRecord(response) && typeof response.status === 'number') return response.status;
  return typeof record.status === 'number' ? record.status : undefined;
}
