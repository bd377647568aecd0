/**
 * Builds the `context` a spectral action receives, identical in shape to the one Prismatic's runner passes
 * (see spectral's serverTypes `ActionContext` and testing.ts `createActionContext`), with a logger that
 * redacts secrets and collects what the action logged for the execution record.
 */
import { formatWithOptions } from 'node:util';
import { REDACTED, redactText, SECRET_FIELD_NAMES } from '../redact';
import type { ActionLogEntry, StateSnapshot } from './types';

/** spectral's `ActionLogger` as the runtime implements it. */
export interface ActionLogger {
  metric(...args: unknown[]): void;
  trace(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** A logger whose lines are redacted and kept for the execution record. */
export interface CollectingLogger {
  readonly logger: ActionLogger;
  readonly entries: ActionLogEntry[];
}

/** Object keys whose values are never written to a log, whatever their content. */
const SECRET_KEYS = new Set<string>([
  ...SECRET_FIELD_NAMES,
  'authorization',
  'cookie',
  'set-cookie',
  'clientsecret',
  'accesstoken',
  'refreshtoken',
  'apikey',
  'api_key',
  'secret',
  'codeverifier',
]);

const MAX_LOG_MESSAGE = 4000;

/**
 * A logger for one action run. Every line is formatted like `console.log`, stripped of the given secrets and
 * of anything that looks like one (bearer headers, `access_token` fields), and appended to `entries`.
 * `secrets` is read at each call, so a live `Set` can gain secrets (a refreshed token) during the run. `sink`,
 * when given, also receives each redacted line (e.g. a pino logger).
 */
export function createCollectingLogger(
  secrets: Iterable<string>,
  now: () => number,
  sink?: (entry: ActionLogEntry) => void,
): CollectingLogger {
  const logger = new RunLogger(secrets, now, sink);
  return { logger, entries: logger.entries };
}

/**
 * The logger a run hands to its component. A run makes one on every call and most runs never log, so its
 * methods are getters on the prototype that make the function when it is read: no closure per run, and a
 * method taken off the logger (`const { info } = context.logger`) still writes to it.
 */
class RunLogger implements ActionLogger {
  readonly entries: ActionLogEntry[] = [];
  readonly #secrets: Iterable<string>;
  readonly #now: () => number;
  readonly #sink: ((entry: ActionLogEntry) => void) | undefined;

  constructor(
    secrets: Iterable<string>,
    now: () => number,
    sink: ((entry: ActionLogEntry) => void) | undefined,
  ) {
    this.#secrets = secrets;
    this.#now = now;
    this.#sink = sink;
  }

  get metric(): ActionLogger['metric'] {
    return (...args) => this.#write('metric', args);
  }
  get trace(): ActionLogger['trace'] {
    return (...args) => this.#write('trace', args);
  }
  get debug(): ActionLogger['debug'] {
    return (...args) => this.#write('debug', args);
  }
  get info(): ActionLogger['info'] {
    return (...args) => this.#write('info', args);
  }
  get log(): ActionLogger['log'] {
    return (...args) => this.#write('log', args);
  }
  get warn(): ActionLogger['warn'] {
    return (...args) => this.#write('warn', args);
  }
  get error(): ActionLogger['error'] {
    return (...args) => this.#write('error', args);
  }

  #write(level: ActionLogEntry['level'], args: unknown[]): void {
    const formatted = formatWithOptions(
      { depth: 6, colors: false },
      ...args.map((arg) => maskSecretKeys(arg)),
    );
    const redacted = redactText(formatted, this.#secrets);
    const message =
      redacted.length > MAX_LOG_MESSAGE ? `${redacted.slice(0, MAX_LOG_MESSAGE)}…(truncated)` : redacted;
    const entry: ActionLogEntry = { level, message, at: this.#now() };
    this.entries.push(entry);
    this.#sink?.(entry);
  }
}

/** Copies `value` with the values under secret-looking keys replaced; cycles and depth are bounded. */
function maskSecretKeys(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (looksLikeError(value)) {
    // Errors from HTTP clients carry request config (headers with the bearer token); keep name and message.
    return `${String(value.name)}: ${value.message}`;
  }
  if (seen.has(value) || depth > 6) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => maskSecretKeys(item, depth + 1, seen));
  if (Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : maskSecretKeys(inner, depth + 1, seen);
  }
  return out;
}

/**
 * True for Error objects from any realm: a bundle's errors are not `instanceof` this realm's Error under test
 * runners that sandbox modules.
 */
export function looksLikeError(
  value: unknown,
): value is { name?: unknown; message: string; stack?: unknown } {
  if (value instanceof Error) return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { stack?: unknown }).stack === 'string'
  );
}

/** Who and what an action runs for: the parts of the context that describe the deployment. */
export interface ContextIdentity {
  readonly executionId: string;
  readonly stepId: string;
  readonly startedAt: number;
  readonly customer: { readonly id: string; readonly externalId: string; readonly name: string };
  readonly instance: { readonly id: string; readonly name: string };
  readonly user: {
    readonly id: string;
    readonly email: string;
    readonly name: string;
    readonly externalId: string;
  };
  readonly integration: {
    readonly id: string;
    readonly name: string;
    readonly versionSequenceId: string;
    readonly externalVersion: string;
  };
  readonly flow: { readonly id: string; readonly name: string; readonly stableId: string };
  readonly componentActionKey: string;
  readonly configVars: Record<string, unknown>;
  readonly webhookUrls?: Record<string, string> | undefined;
  readonly webhookApiKeys?: Record<string, string[]> | undefined;
  readonly invokeUrl?: string;
}

/**
 * The context object passed as `perform`'s first argument. The state objects are the very objects in `state`,
 * so mutations an action makes in place are seen after it returns.
 *
 * Only what differs from run to run is made for the run: the logger, the state, the config variables, the
 * execution frame. The identity objects are passed as given, and the parts no run can change are shared, frozen
 * objects. This matters beyond the allocations themselves: spectral's perform wrapper, compiled by TypeScript
 * for an older target, makes a new generator function on every call, and V8 gives each new generator function
 * a map of its own in old space that points back at the function and its scope, which holds the call's
 * arguments. Everything the context
 * and params reach therefore survives the next young-generation collections and is copied into old space,
 * so each object a run adds to them costs several times its allocation.
 */
export function createActionContext(
  identity: ContextIdentity,
  state: StateSnapshot,
  logger: ActionLogger,
): Record<string, unknown> {
  const startedAt = isoTime(identity.startedAt);
  return {
    logger,
    instanceState: state.instanceState,
    crossFlowState: state.crossFlowState,
    executionState: state.executionState,
    integrationState: state.integrationState,
    configVars: identity.configVars,
    components: NO_COMPONENTS,
    stepId: identity.stepId,
    executionId: identity.executionId,
    webhookUrls: identity.webhookUrls ?? NO_WEBHOOK_URLS,
    webhookApiKeys: identity.webhookApiKeys ?? NO_WEBHOOK_API_KEYS,
    invokeUrl: identity.invokeUrl ?? '',
    customer: identity.customer,
    instance: identity.instance,
    user: identity.user,
    integration: identity.integration,
    flow: identity.flow,
    startedAt,
    executionFrame: {
      invokedByExecutionJWT: '',
      invokedByExecutionStartedAt: startedAt,
      componentActionKey: identity.componentActionKey,
      executionId: identity.executionId,
      executionStartedAt: startedAt,
      stepName: identity.stepId,
      loopPath: '',
    },
    flowSchemas: NO_FLOW_SCHEMAS,
    globalDebug: false,
    runnerAllocatedMemoryMb: 1024,
    // spectral's perform wrapper replaces these two with its own; they are here for bundles built with a
    // spectral whose wrapper does not (the context must be complete either way).
    debug: DEBUG_DISABLED,
    invokeFlow,
  };
}

const NO_COMPONENTS: Readonly<Record<string, never>> = Object.freeze({});
const NO_WEBHOOK_URLS: Readonly<Record<string, string>> = Object.freeze({});
const NO_WEBHOOK_API_KEYS: Readonly<Record<string, string[]>> = Object.freeze({});
const NO_FLOW_SCHEMAS: Readonly<Record<string, never>> = Object.freeze({});

/** spectral's debug context with debugging off: its helpers do nothing and its results stay empty. */
const DEBUG_DISABLED = Object.freeze({
  enabled: false,
  timeElapsed: Object.freeze({ mark: noop, measure: noop }),
  memoryUsage: noop,
  results: Object.freeze({
    timeElapsed: Object.freeze({ marks: Object.freeze({}), measurements: Object.freeze({}) }),
    memoryUsage: Object.freeze([]),
    allowedMemory: 1024,
  }),
});

function invokeFlow(flowName: string): Promise<never> {
  return Promise.reject(
    new Error(`invokeFlow("${flowName}") is not supported by Keyway: there are no flows`),
  );
}

function noop(): void {}

/** The last time formatted and its text: runs started in the same millisecond share one `toISOString`. */
let lastIso: { readonly at: number; readonly text: string } = { at: Number.NaN, text: '' };

function isoTime(at: number): string {
  if (at !== lastIso.at) lastIso = { at, text: new Date(at).toISOString() };
  return lastIso.text;
}

/**
 * The state to persist after a run, per scope: a state object the action returned replaces the scope (as on
 * Prismatic); otherwise the object as the action left it, mutated in place or not.
 */
export function finalState(live: StateSnapshot, result: unknown): StateSnapshot {
  // Named reads and one literal rather than a loop over the scopes: a keyed read or write with four different
  // keys takes V8's slowest (megamorphic) path, and this runs once per action call.
  const returned = typeof result === 'object' && result !== null ? (result as Partial<StateSnapshot>) : {};
  return {
    instanceState: returnedOr(returned.instanceState, live.instanceState),
    crossFlowState: returnedOr(returned.crossFlowState, live.crossFlowState),
    executionState: returnedOr(returned.executionState, live.executionState),
    integrationState: returnedOr(returned.integrationState, live.integrationState),
  };
}

function returnedOr(value: unknown, live: Record<string, unknown>): Record<string, unknown> {
  return isPlainRecord(value) ? value : live;
}

/** True when `value` is a non-null, non-array object. */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
