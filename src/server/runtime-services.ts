/**
 * The server's ports implemented on the runtime: connect flows through `ConnectFlows`, views of instances and
 * connections (never a token or a secret value), API keys, and the REST API's operations.
 *
 * It takes the store through its interface only (the composition root chooses the engine) and reaches
 * provider configuration through the runtime's `resolveClient`, never through connections/ or src/oauth.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeywayError, isKeywayError } from '../errors';
import {
  createInstance,
  definitionOf,
  findConnection,
  findInstance,
  resolveClient,
  runAction,
} from '../runtime';
import type {
  ComponentRegistry,
  ConnectFlows,
  CredentialSource,
  LoadedComponent,
  PlatformConnectionDefaults,
  WebhookEndpoint,
  WireConnection,
  WireInput,
} from '../runtime';
import type { Triggers, WebhookDirectory } from '../runtime';
import type { Connection, Customer, Instance, Store } from '../store';
import type { TriggerApiPort } from './api/trigger-port';
import { triggerServices } from './trigger-services';
import type { ApiPort, ComponentSummary, CustomerDto, InstanceDto } from './api/types';
import { listWebhookEndpointDtos, mergeConnectionFields, platformApi } from './platform-services';
import type {
  ApiKeyPort,
  CallbackOutcome,
  ConnectPort,
  ConnectionView,
  DeviceFlowView,
  FormFieldView,
  InstanceView,
  ReadinessPort,
  ScopeView,
} from './ports';
import { storeReadiness } from './readiness';

/** What {@link createRuntimeServices} wires together. */
export interface RuntimeServicesDeps {
  readonly store: Store;
  readonly components: ComponentRegistry;
  readonly flows: ConnectFlows;
  /** Valid tokens for action runs (the runtime's CredentialManager). Without it, running actions is refused. */
  readonly credentials?: CredentialSource;
  readonly platformDefaults?: PlatformConnectionDefaults;
  /** Webhook endpoints from the deployment's configuration; the API lists and tests them but cannot delete them. */
  readonly webhookEndpoints?: readonly WebhookEndpoint[];
  readonly now?: () => number;
  /** Receives a failure to write an execution record (written in the background); see `runAction`. */
  readonly onRecordError?: (error: unknown, executionId: string) => void;
  /** Trigger subscriptions; with them the API serves `/api/triggers`, `/api/events` and the trigger URLs. */
  readonly triggers?: { readonly triggers: Triggers; readonly webhooks: WebhookDirectory };
}

/** The ports `buildApp` takes, implemented on the runtime. */
export interface RuntimeServices {
  readonly connect: ConnectPort;
  readonly api: ApiPort;
  readonly apiKeys: ApiKeyPort;
  readonly readiness: ReadinessPort;
  readonly triggers?: TriggerApiPort;
}

/** Inputs a customer never types: URLs, scopes and Keyway's hidden quirk inputs are definition data. */
const NOT_FOR_CUSTOMERS = new Set(['scopes', 'environment']);

function isShownTextInput(input: WireInput): boolean {
  return input.shown !== false && (input.type === 'string' || input.type === 'password');
}

function hasValue(connection: Connection, key: string): boolean {
  const value = connection.fields[key] ?? connection.secretFields[key];
  return value !== undefined && value !== null && value !== '';
}

function formFieldsOf(connection: Connection, definition: WireConnection): FormFieldView[] {
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
  if (connection.grantType !== 'client_credentials') return [];
  return definition.inputs
    .filter((input) => isShownTextInput(input) && !NOT_FOR_CUSTOMERS.has(input.key))
    .map((input) => {
      const stored = hasValue(connection, input.key);
      const fallback = input.default !== undefined && input.default !== '';
      return field(
        input,
        input.required === true && !stored && !fallback,
        stored ? 'Leave blank to keep the current value.' : undefined,
      );
    });
}

function singleQueryValue(
  query: Readonly<Record<string, string | readonly string[] | undefined>>,
  name: string,
) {
  const value = query[name];
  return typeof value === 'string' ? value : undefined;
}

/** Builds the server's ports on the runtime. */
export function createRuntimeServices(deps: RuntimeServicesDeps): RuntimeServices {
  const { store, components, flows } = deps;
  const now = deps.now ?? Date.now;

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
      formFields = formFieldsOf(connection, definition);
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
      requestedScopes = resolved.config.scopes.map((scope) =>
        descriptions[scope] ? { scope, description: descriptions[scope] } : { scope },
      );
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

  const connect: ConnectPort = {
    async describeInstance(instanceId) {
      const instance = await store.getInstance(instanceId);
      if (!instance) return undefined;
      const labels: string[] = [];
      for (const key of instance.componentKeys) {
        const component = await componentOf(key);
        labels.push(component?.display.label ?? key);
      }
      const connections = await store.listConnections({ instanceId });
      const view: InstanceView = {
        id: instance.id,
        name: instance.name,
        integrationName: labels.length > 0 ? labels.join(' + ') : instance.name,
        connections: await Promise.all(connections.map(connectionView)),
      };
      return view;
    },

    async startAuthorization(input) {
      const started = await flows.startAuthorization({
        connectionId: input.connectionId,
        browserBinding: input.browserBinding,
        redirectUri: input.redirectUri,
        now: input.now,
        returnTo: input.flow.linkToken,
      });
      return { authorizeUrl: started.authorizationUrl };
    },

    async completeAuthorization(query, options): Promise<CallbackOutcome> {
      // Read (not consume) the session first, only to know where a failure should lead back to. It is trusted
      // for that only when it belongs to this browser, so a forged callback learns nothing about the link.
      const state = singleQueryValue(query, 'state');
      const session = state ? await store.getAuthSession(state) : undefined;
      let context: Partial<{ connectionId: string; instanceId: string; flow: { linkToken: string } }> = {};
      if (session && session.browserBinding !== null && session.browserBinding === options.browserBinding) {
        const connection = await store.getConnection(session.connectionId);
        context = {
          connectionId: session.connectionId,
          ...(connection ? { instanceId: connection.instanceId } : {}),
          ...(session.returnTo ? { flow: { linkToken: session.returnTo } } : {}),
        };
      }
      try {
        const done = await flows.completeAuthorization(query, options);
        return {
          ok: true,
          connectionId: done.connection.id,
          instanceId: done.connection.instanceId,
          flow: done.returnTo ? { linkToken: done.returnTo } : undefined,
        };
      } catch (error) {
        if (!isKeywayError(error)) throw error;
        return { ok: false, error, ...context };
      }
    },

    async connectWithClientCredentials(input) {
      const connection = await store.getConnection(input.connectionId);
      if (!connection)
        throw new KeywayError('KW_STORE_NOT_FOUND', { message: 'This connection does not exist' });
      const definition = await definitionOf(components, connection);
      const changed = Object.keys(input.fields).length > 0;
      if (changed) {
        await store.updateConnection(
          connection.id,
          mergeConnectionFields(connection, definition, input.fields),
        );
      }
      try {
        await flows.connectWithClientCredentials(connection.id);
      } catch (error) {
        // The provider refused these values: put the previous ones back, so a failed attempt changes nothing.
        if (changed) {
          await store.updateConnection(connection.id, {
            fields: connection.fields,
            secretFields: connection.secretFields,
          });
        }
        throw error;
      }
    },

    async connectWithPassword(input) {
      await flows.connectWithPassword(input.connectionId, {
        username: input.fields['username'] ?? '',
        password: input.fields['password'] ?? '',
      });
    },

    async startDeviceAuthorization(input) {
      const started = await flows.startDeviceAuthorization(input.connectionId);
      return deviceView(started.sessionId);
    },

    async pollDeviceAuthorization(input) {
      try {
        await flows.pollDeviceAuthorization(input.sessionId, { now: input.now });
      } catch (error) {
        if (
          !isKeywayError(error, 'KW_OAUTH_ACCESS_DENIED') &&
          !isKeywayError(error, 'KW_OAUTH_DEVICE_EXPIRED')
        ) {
          // A transient provider failure: the page shows "pending" and polls again.
          if (!(isKeywayError(error) && error.transient)) throw error;
        }
      }
      return deviceView(input.sessionId);
    },

    async disconnect(input) {
      const { revocation } = await flows.disconnect(input.connectionId);
      return { revocation };
    },
  };

  function summary(component: LoadedComponent, version: number | null): ComponentSummary {
    return {
      key: component.key,
      version,
      bundleHash: component.bundleHash,
      label: component.display.label,
      actions: [...component.actions.keys()],
      connections: [...component.connections.keys()],
    };
  }

  function customerDto(customer: Customer): CustomerDto {
    return {
      id: customer.id,
      externalId: customer.externalId,
      name: customer.name,
      createdAt: customer.createdAt,
    };
  }

  const platform = platformApi({
    store,
    components,
    flows,
    configuredWebhooks: deps.webhookEndpoints ?? [],
    now,
    connectionView,
    instanceDto,
    customerDto,
  });
  const subscriptions = deps.triggers;
  const api: ApiPort = {
    ...platform,
    async deleteInstance(id) {
      // Each trigger's onInstanceDelete runs (removing its vendor webhook) before the instance goes.
      await subscriptions?.triggers.disableAll(id);
      await platform.deleteInstance(id);
    },

    async listComponents() {
      const published = await store.listComponents();
      const out: ComponentSummary[] = [];
      const seen = new Set<string>();
      for (const row of published) {
        const component = await componentOf(row.key);
        seen.add(row.key);
        out.push(
          component
            ? summary(component, row.version)
            : {
                key: row.key,
                version: row.version,
                bundleHash: row.bundleHash,
                label: row.key,
                actions: [],
                connections: [],
              },
        );
      }
      for (const key of components.localKeys()) {
        const component = seen.has(key) ? undefined : await componentOf(key);
        if (component) out.push(summary(component, null));
      }
      return out;
    },

    async publishComponent(bundle) {
      // The registry publishes from a path (it also loads the bundle to validate it); a private temp dir keeps
      // the bytes away from other users.
      const dir = mkdtempSync(join(tmpdir(), 'keyway-publish-'));
      try {
        const path = join(dir, 'index.js');
        writeFileSync(path, bundle, { mode: 0o600 });
        const { component, published } = await components.publish(path);
        return summary(component, published.version);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },

    async createCustomer(input) {
      return customerDto(
        await store.createCustomer({
          name: input.name,
          ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
        }),
      );
    },

    async listCustomers() {
      return (await store.listCustomers()).map(customerDto);
    },

    async getCustomer(id) {
      const customer = await store.getCustomer(id);
      return customer ? customerDto(customer) : undefined;
    },

    async createInstance(spec) {
      const created = await createInstance(
        {
          store,
          components,
          now,
          ...(deps.platformDefaults ? { platformDefaults: deps.platformDefaults } : {}),
        },
        spec as Parameters<typeof createInstance>[1],
      );
      return instanceDto(created.instance);
    },

    async listInstances(filter) {
      const instances = await store.listInstances(filter.customerId ? { customerId: filter.customerId } : {});
      return Promise.all(instances.map(instanceDto));
    },

    async getInstance(id) {
      const instance = await store.getInstance(id);
      return instance ? instanceDto(instance) : undefined;
    },

    async getConnection(id) {
      const connection = await store.getConnection(id);
      return connection ? connectionView(connection) : undefined;
    },

    async disconnect(id) {
      const { connection, revocation } = await flows.disconnect(id);
      return { connection: await connectionView(connection), revocation };
    },

    async hasAction(componentKey, actionKey) {
      return (await componentOf(componentKey))?.actions.has(actionKey) ?? false;
    },

    async activateConnection(instanceRef, connectionRef) {
      const instance = await findInstance(store, instanceRef);
      const connection = await findConnection(store, instance, connectionRef);
      const activation = await flows.activate(connection.id);
      return { connection: await connectionView(activation.connection), token: activation.token };
    },

    async runAction(input) {
      if (!deps.credentials) {
        throw new KeywayError('KW_CONFIG_INVALID', {
          message: 'This server was started without a credential manager',
        });
      }
      const result = await runAction(
        {
          store,
          components,
          credentials: deps.credentials,
          now,
          ...(deps.onRecordError ? { onRecordError: deps.onRecordError } : {}),
          ...(subscriptions ? { webhooks: subscriptions.webhooks } : {}),
        },
        {
          instanceId: input.instanceId,
          componentKey: input.componentKey,
          actionKey: input.actionKey,
          inputs: input.inputs,
          ...(input.connections ? { connections: input.connections } : {}),
        },
      );
      return { executionId: result.executionId, result: result.result };
    },

    listWebhookEndpoints() {
      return listWebhookEndpointDtos(store, deps.webhookEndpoints ?? []);
    },
  };

  const apiKeys: ApiKeyPort = {
    async verify(key) {
      const record = await store.verifyApiKey(key);
      return record ? { keyId: record.id, name: record.name, scopes: record.scopes } : undefined;
    },
  };

  const readiness: ReadinessPort = storeReadiness(store);

  return {
    connect,
    api,
    apiKeys,
    readiness,
    ...(subscriptions ? { triggers: triggerServices({ store, ...subscriptions }) } : {}),
  };
}
