/**
 * What the server shows of the runtime's rows: connections, instances, device sessions, components and customers
 * as views and DTOs. A view never carries a token or a secret value.
 */
import { KeywayError } from '../errors';
import { connectChoices, definitionOf, inheritedApp, resolveClient } from '../runtime';
import type {
  ComponentRegistry,
  ConnectChoice,
  InheritedApp,
  LoadedComponent,
  WireConnection,
  WireInput,
} from '../runtime';
import type { Connection, Customer, Instance, Store } from '../store';
import type { ComponentSummary, CustomerDto, InstanceDto } from './api/types';
import type { ConnectionView, DeviceFlowView, FormFieldView, ScopeView } from './ports';

/** Inputs a customer never types: URLs, scopes and Keyway's hidden quirk inputs are definition data. */
const NOT_FOR_CUSTOMERS = new Set(['scopes', 'environment']);

function isShownTextInput(input: WireInput): boolean {
  return input.shown !== false && (input.type === 'string' || input.type === 'password');
}

function hasValue(connection: Connection, key: string): boolean {
  const value = connection.fields[key] ?? connection.secretFields[key];
  return value !== undefined && value !== null && value !== '';
}

/** A choice (./connect-choices in the runtime) as a form field; a current value makes it optional. */
function choiceField(choice: ConnectChoice): FormFieldView {
  return {
    key: choice.key,
    label: choice.label,
    type: choice.kind === 'select' ? 'select' : 'string',
    required: choice.required && choice.value === null,
    ...(choice.comments ? { comments: choice.comments } : {}),
    ...(choice.kind === 'select' ? { options: choice.options } : {}),
    ...(choice.value !== null ? { value: choice.value } : {}),
    ...(choice.pattern !== undefined ? { pattern: choice.pattern } : {}),
    ...(choice.example !== undefined ? { example: choice.example } : {}),
  };
}

/** Grants whose card on the connect page offers the customer's choices (environment, subdomain). */
const CHOOSING_GRANTS = new Set(['authorization_code', 'implicit', 'client_credentials', 'device_code']);

/**
 * What the customer gives on the connect page. First the choices the platform's app leaves to them (an
 * environment, a subdomain; see the runtime's `connectChoices`), for every browser, device-code or
 * client-credentials connection. Then, for client credentials: with the platform's OAuth app, only what is still undecided — a value
 * with no default, stored or platform value — and never a field the app sets; without one, the customer's own
 * client credentials.
 */
function formFieldsOf(
  connection: Connection,
  definition: WireConnection,
  inherited: InheritedApp,
): FormFieldView[] {
  const field = (input: WireInput, required: boolean, comments?: string): FormFieldView => ({
    key: input.key,
    label: input.label,
    type: input.type === 'password' ? 'password' : 'string',
    required,
    ...(comments ? { comments } : typeof input.comments === 'string' ? { comments: input.comments } : {}),
  });
  if (connection.grantType === 'password') {
    // The form never shows a stored password back, so both are asked for every time; the runtime keeps the
    // password encrypted to sign in again when the provider issues no refresh token.
    return definition.inputs
      .filter((input) => input.key === 'username' || input.key === 'password')
      .map((input) => field(input, true));
  }
  const choices = CHOOSING_GRANTS.has(connection.grantType)
    ? connectChoices(definition, connection, inherited)
    : [];
  const chosen = choices.map(choiceField);
  if (connection.grantType !== 'client_credentials') return chosen;
  const asked = new Set(choices.map((choice) => choice.key));
  const shown = definition.inputs.filter(
    (input) => isShownTextInput(input) && !NOT_FOR_CUSTOMERS.has(input.key) && !asked.has(input.key),
  );
  if (inherited.source !== 'none') {
    const platformOwned = new Set(Object.keys(inherited.values));
    return [
      ...chosen,
      ...shown
        .filter(
          (input) =>
            !platformOwned.has(input.key) &&
            !hasValue(connection, input.key) &&
            (input.default === undefined || input.default === ''),
        )
        .map((input) => field(input, input.required === true)),
    ];
  }
  return [
    ...chosen,
    ...shown.map((input) => {
      const stored = hasValue(connection, input.key);
      const fallback = input.default !== undefined && input.default !== '';
      return field(
        input,
        input.required === true && !stored && !fallback,
        stored ? 'Leave blank to keep the current value.' : undefined,
      );
    }),
  ];
}

/** A component summary; `version` is null for a local (unpublished) component. */
export function componentSummary(component: LoadedComponent, version: number | null): ComponentSummary {
  return {
    key: component.key,
    version,
    bundleHash: component.bundleHash,
    label: component.display.label,
    actions: [...component.actions.keys()],
    connections: [...component.connections.keys()],
  };
}

export function customerDto(customer: Customer): CustomerDto {
  return {
    id: customer.id,
    externalId: customer.externalId,
    name: customer.name,
    createdAt: customer.createdAt,
  };
}

/** The views that need the store and the component registry. */
export interface RuntimeViews {
  /** The component, or undefined when it cannot be loaded (a view still shows what it can). */
  readonly componentOf: (key: string) => Promise<LoadedComponent | undefined>;
  readonly connectionView: (connection: Connection) => Promise<ConnectionView>;
  readonly instanceDto: (instance: Instance) => Promise<InstanceDto>;
  readonly deviceView: (sessionId: string) => Promise<DeviceFlowView>;
}

/** Builds the views on the store and the component registry. */
export function runtimeViews(store: Store, components: ComponentRegistry): RuntimeViews {
  async function componentOf(key: string): Promise<LoadedComponent | undefined> {
    try {
      return await components.get(key);
    } catch {
      return undefined;
    }
  }

  async function connectionView(connection: Connection): Promise<ConnectionView> {
    let label = connection.name;
    let providerName = connection.componentKey;
    let requestedScopes: ScopeView[] = connection.scopes.map((scope) => ({ scope }));
    let formFields: FormFieldView[] = [];
    try {
      const component = await componentOf(connection.componentKey);
      if (component) providerName = component.display.label;
      const definition = await definitionOf(components, connection);
      label = definition.label;
      const app = await inheritedApp(store, connection.componentKey, definition);
      formFields = formFieldsOf(connection, definition, app);
      requestedScopes = await requestedScopesOf(store, components, connection, definition);
    } catch {
      // The page still lists the connection; its status (and last error) say what is wrong.
    }
    return {
      id: connection.id,
      instanceId: connection.instanceId,
      name: connection.name,
      label,
      providerName,
      grantType: connection.grantType,
      status: connection.status,
      connectedAt: connection.connectedAt,
      grantedScopes: connection.status === 'connected' ? connection.scopes : [],
      requestedScopes,
      lastError: connection.lastError
        ? { code: connection.lastError.code, message: connection.lastError.message }
        : null,
      formFields,
    };
  }

  async function instanceDto(instance: Instance): Promise<InstanceDto> {
    const connections = await store.listConnections({ instanceId: instance.id });
    return {
      id: instance.id,
      customerId: instance.customerId,
      name: instance.name,
      componentKeys: instance.componentKeys,
      status: instance.status,
      config: instance.config,
      configVars: instance.configVars,
      connections: await Promise.all(connections.map(connectionView)),
      createdAt: instance.createdAt,
    };
  }

  async function deviceView(sessionId: string): Promise<DeviceFlowView> {
    const session = await store.getDeviceSession(sessionId);
    if (!session) {
      throw new KeywayError('KW_DEVICE_SESSION_NOT_FOUND', {
        message: 'This device code session does not exist',
      });
    }
    return {
      sessionId: session.id,
      connectionId: session.connectionId,
      userCode: session.userCode,
      verificationUri: session.verificationUri,
      verificationUriComplete: session.verificationUriComplete,
      expiresAt: session.expiresAt,
      intervalMs: session.intervalMs,
      status: session.status,
    };
  }

  return { componentOf, connectionView, instanceDto, deviceView };
}

/** The scopes a connection asks for, with their descriptions, as the provider configuration resolves them. */
async function requestedScopesOf(
  store: Store,
  components: ComponentRegistry,
  connection: Connection,
  definition: WireConnection,
): Promise<ScopeView[]> {
  // A connection still waiting for its client id resolves with a placeholder: only scopes are read here.
  const placeholders: Record<string, string> = {};
  for (const input of definition.inputs) {
    if (
      input.required === true &&
      input.shown !== false &&
      !hasValue(connection, input.key) &&
      !input.default
    ) {
      placeholders[input.key] = 'unset';
    }
  }
  const resolved = await resolveClient({ store, components }, connection, placeholders);
  const descriptions = resolved.config.scopeDescriptions;
  return resolved.config.scopes.map((scope) =>
    descriptions[scope] ? { scope, description: descriptions[scope] } : { scope },
  );
}
