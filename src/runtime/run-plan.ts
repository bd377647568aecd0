/**
 * What a run works out before it calls the action: which instance connection fills each connection input (with
 * its spectral fields), the loaded state and the inputs saved config variables fill. Worked out on every call,
 * without intermediate lists: a warm call's whole budget is 10 KB (bench/README.md).
 */
import { KeywayError } from '../errors';
import type { Connection, Instance, InstanceWithConnections } from '../store';
import { configInputsFor } from './config-var-spec';
import type { ContextIdentity } from './context';
import { buildConnectionFields } from './inputs';
import { LoadedState } from './run-state';
import type {
  AccessToken,
  ConnectionValue,
  LoadedComponent,
  WireAction,
  WireConnection,
  WireInput,
} from './types';

/** A connection input resolved to an instance connection, before any token. */
export interface PlannedConnection {
  readonly inputKey: string;
  readonly connection: Connection;
  readonly definition: WireConnection;
  /** spectral's `fields`: defaults filled, templates rendered. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The callback's extra parameters: spectral's `connection.context`. */
  readonly context: Readonly<Record<string, unknown>>;
}

/** A connection input resolved to an instance connection. */
export interface BoundConnection extends PlannedConnection {
  token: AccessToken | undefined;
  value: ConnectionValue;
  /**
   * Tokens this run was given before `token` and that a 401 retired (./unauthorized-retry): still redacted, as
   * the component may have kept one and show it later.
   */
  retired?: AccessToken[];
}

/** What a run works out from the instance snapshot alone; see {@link planFor}. */
export interface RunPlan {
  readonly bound: readonly PlannedConnection[];
  readonly loaded: LoadedState;
  /** Inputs filled from the instance's saved config variables (./config-var-spec), if any. */
  readonly configInputs: Readonly<Record<string, unknown>> | undefined;
}

export const NO_INPUTS: Readonly<Record<string, unknown>> = Object.freeze({});
export const NO_CONNECTIONS: ReadonlyMap<string, ConnectionValue> = new Map();
/** Grants that get a token with no person involved, so a `pending` connection of theirs can run. */
const UNATTENDED_GRANTS: ReadonlySet<string> = new Set(['client_credentials', 'password']);

/** The given inputs without the connection inputs of `declared` (those name connections); {@link NO_INPUTS} for none. */
export function paramInputs(
  inputs: Readonly<Record<string, unknown>> | undefined,
  declared: readonly WireInput[],
): Readonly<Record<string, unknown>> {
  if (inputs === undefined) return NO_INPUTS;
  const out: Record<string, unknown> = {};
  let any = false;
  for (const key of Object.keys(inputs)) {
    if (isConnectionInput(declared, key)) continue;
    out[key] = inputs[key];
    any = true;
  }
  return any ? out : NO_INPUTS;
}

function isConnectionInput(declared: readonly WireInput[], key: string): boolean {
  for (const input of declared) if (input.key === key) return input.type === 'connection';
  return false;
}

/** The caller's inputs over those saved config variables fill; `given` itself when they fill none. */
export function withConfigInputs(
  filled: Readonly<Record<string, unknown>> | undefined,
  given: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  if (filled === undefined) return given;
  return given === NO_INPUTS ? filled : { ...filled, ...given };
}

/** What a run of `action` works out from the instance snapshot `found` before it gets any token. */
export function planFor(
  found: InstanceWithConnections,
  component: LoadedComponent,
  action: WireAction,
  inputs: Readonly<Record<string, unknown>>,
  names: Readonly<Record<string, string>> | undefined,
): RunPlan {
  return {
    bound: bindConnections(found.connections, found.instance, component, action, inputs, names),
    loaded: new LoadedState(found.states),
    configInputs: configInputsFor(found.instance, component, action),
  };
}

/** The user a context describes: Keyway runs have none. */
const NO_USER: ContextIdentity['user'] = Object.freeze({ id: '', email: '', name: '', externalId: '' });

/**
 * The customer, instance, user and integration a context describes, from the snapshot: frozen, so that an action
 * trying to change them gets a TypeError rather than a silent no-op.
 */
export function peopleOf(
  found: InstanceWithConnections,
): Pick<ContextIdentity, 'customer' | 'instance' | 'user' | 'integration'> {
  const { instance, customer } = found;
  return {
    customer: Object.freeze({
      id: customer?.id ?? instance.customerId,
      externalId: customer?.externalId ?? '',
      name: customer?.name ?? '',
    }),
    instance: Object.freeze({ id: instance.id, name: instance.name }),
    user: NO_USER,
    integration: Object.freeze({
      id: instance.id,
      name: instance.name,
      versionSequenceId: '',
      externalVersion: '',
    }),
  };
}

/**
 * Resolves each `connection` input of an action (or data source: anything with spectral `inputs`) to one of the
 * instance's connections: the one `names` (or the input's own value) names, else the instance's only connection
 * for the component.
 */
export function bindConnections(
  connections: readonly Connection[],
  instance: Instance,
  component: LoadedComponent,
  action: Pick<WireAction, 'inputs'>,
  inputs: Readonly<Record<string, unknown>>,
  names: Readonly<Record<string, string>> | undefined,
): PlannedConnection[] {
  const bound: PlannedConnection[] = [];
  for (const input of action.inputs) {
    if (input.type !== 'connection') continue;
    const inputKey = input.key;
    const given = inputs[inputKey];
    const named = names?.[inputKey] ?? (typeof given === 'string' ? given : undefined);
    const connection = connectionFor(connections, instance, component, inputKey, named);
    const definition = component.connections.get(connection.definitionKey);
    if (!definition) {
      throw new KeywayError('KW_CONNECTION_INVALID', {
        message: `Connection "${connection.name}" is bound to definition "${connection.definitionKey}", which component "${component.key}" no longer has`,
        details: { connectionId: connection.id },
      });
    }
    checkUsable(connection);
    const fields = buildConnectionFields(definition, connection.fields, connection.secretFields);
    bound.push({ inputKey, connection, definition, fields, context: connection.context });
  }
  return bound;
}

/** The instance's connection for `component` that `named` names, else its only one, else a typed error. */
function connectionFor(
  connections: readonly Connection[],
  instance: Instance,
  component: LoadedComponent,
  inputKey: string,
  named: string | undefined,
): Connection {
  let only: Connection | undefined;
  let count = 0;
  for (const connection of connections) {
    if (connection.componentKey !== component.key) continue;
    if (named !== undefined && connection.name === named) return connection;
    only = connection;
    count += 1;
  }
  if (named !== undefined) {
    throw new KeywayError('KW_ACTION_INPUT_INVALID', {
      message: `Instance "${instance.name}" has no connection "${named}" for component "${component.key}"`,
      details: { input: inputKey },
    });
  }
  if (count === 1 && only !== undefined) return only;
  throw new KeywayError('KW_ACTION_INPUT_INVALID', {
    message:
      count === 0
        ? `Instance "${instance.name}" has no connection for component "${component.key}" (input "${inputKey}")`
        : `Instance "${instance.name}" has ${count} connections for "${component.key}"; name one for input "${inputKey}"`,
    details: { input: inputKey },
  });
}

/** Refuses a connection that cannot run now (not connected, or needing its customer to reconnect). */
function checkUsable(connection: Connection): void {
  // A pending connection whose grant needs no person gets its first token from the credential manager, which
  // refuses it (KW_CONNECTION_NOT_CONNECTED) when the values it needs are not all there.
  const unattended = connection.status === 'pending' && UNATTENDED_GRANTS.has(connection.grantType);
  const usable =
    unattended ||
    connection.status === 'connected' ||
    (connection.status === 'error' && connection.tokenSet !== null);
  if (usable || (connection.grantType === 'none' && connection.status === 'error')) return;
  throw new KeywayError('KW_CONNECTION_NOT_CONNECTED', {
    message:
      connection.status === 'needs_reauthorization'
        ? `Connection "${connection.name}" needs to be authorized again: the provider no longer accepts its grant. Reconnect it through the instance's connect link.`
        : `Connection "${connection.name}" is ${connection.status}; connect it through the instance's connect link first`,
    details: { connectionId: connection.id, status: connection.status },
  });
}
