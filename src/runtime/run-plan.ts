/**
 * What a run works out before it calls the action: which instance connection fills each connection input (with
 * its spectral fields and its secrets), the loaded state, and who the run is for. Worked out on every call.
 */
import { KeywayError } from '../errors';
import type { Connection, Instance, InstanceWithConnections } from '../store';
import { configInputsFor } from './config-var-spec';
import type { ContextIdentity } from './context';
import { buildConnectionFields, connectionInputKeys } from './inputs';
import { connectionFieldValues } from './instances';
import { loadedState } from './run-state';
import type { LoadedState } from './run-state';
import type { AccessToken, ConnectionValue, LoadedComponent, WireAction, WireConnection } from './types';

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
export interface RunPlan {
  readonly bound: readonly PlannedConnection[];
  readonly loaded: LoadedState;
  /** The keys of the action's connection inputs. */
  readonly connectionInputs: readonly string[];
  /** Inputs filled from the instance's saved config variables (./config-var-spec), if any. */
  readonly configInputs: Readonly<Record<string, unknown>> | undefined;
  /** Who the run is for, as the context describes them (frozen). */
  readonly people: Pick<ContextIdentity, 'customer' | 'instance' | 'user' | 'integration'>;
  /** `component.action`, as the execution frame names it. */
  readonly componentActionKey: string;
}

export const NO_INPUTS: Readonly<Record<string, unknown>> = Object.freeze({});
export const NO_CONNECTIONS: ReadonlyMap<string, ConnectionValue> = new Map();
/** Grants that get a token with no person involved, so a `pending` connection of theirs can run. */
const UNATTENDED_GRANTS: ReadonlySet<string> = new Set(['client_credentials', 'password']);

/** The given inputs without the connection inputs (those name connections); {@link NO_INPUTS} for none. */
export function paramInputs(
  inputs: Readonly<Record<string, unknown>> | undefined,
  connectionInputs: readonly string[],
): Readonly<Record<string, unknown>> {
  if (inputs === undefined) return NO_INPUTS;
  const out: Record<string, unknown> = {};
  let any = false;
  for (const key of Object.keys(inputs)) {
    if (connectionInputs.includes(key)) continue;
    out[key] = inputs[key];
    any = true;
  }
  return any ? out : NO_INPUTS;
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
    loaded: loadedState(found.states),
    connectionInputs: connectionInputKeys(action.inputs),
    configInputs: configInputsFor(found.instance, component, action),
    people: peopleOf(found),
    componentActionKey: `${component.key}.${action.key}`,
  };
}

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
        message:
          connection.status === 'needs_reauthorization'
            ? `Connection "${connection.name}" needs to be authorized again: the provider no longer accepts its grant. Reconnect it through the instance's connect link.`
            : `Connection "${connection.name}" is ${connection.status}; connect it through the instance's connect link first`,
        details: { connectionId: connection.id, status: connection.status },
      });
    }
    const fields = buildConnectionFields(definition, connectionFieldValues(connection));
    const secrets: string[] = [];
    for (const key in connection.secretFields) {
      const value = connection.secretFields[key];
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
