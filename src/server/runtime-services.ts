/**
 * The server's ports implemented on the runtime: connect flows through `ConnectFlows`, views of instances and
 * connections (never a token or a secret value), API keys, and the REST API's operations.
 *
 * It takes the store through its interface only (the composition root chooses the engine) and reaches
 * provider configuration through the runtime's `resolveClient`, never through connections/ or src/oauth.
 */
import { KeywayError, isKeywayError } from '../errors';
import { buildConnector } from '../lowcode/lazy';
import {
  checkChoices,
  connectChoices,
  createInstance,
  definitionOf,
  inheritedApp,
  findConnection,
  findInstance,
  describeConfigVars,
  lookupCustomer,
  runAction,
  runDataSource,
  saveConfigVar,
} from '../runtime';
import type {
  CallbackResult,
  ComponentRegistry,
  ConnectFlows,
  CredentialSource,
  PlatformConnectionDefaults,
  ProviderLookup,
  WebhookEndpoint,
} from '../runtime';
import type { Triggers, WebhookDirectory } from '../runtime';
import type { Store } from '../store';
import type { ApiPort, ComponentSummary } from './api/types';
import { oauthAppApi } from './oauth-app-services';
import type { TriggerApiPort } from './api/trigger-port';
import { triggerServices } from './trigger-services';
import { listWebhookEndpointDtos, mergeConnectionFields, platformApi } from './platform-services';
import type {
  ApiKeyPort,
  CallbackOutcome,
  ConfigPort,
  ConnectPort,
  InstanceView,
  ReadinessPort,
} from './ports';
import { storeReadiness } from './readiness';
import { componentSummary, customerDto, runtimeViews } from './runtime-views';
import type { RuntimeViews } from './runtime-views';

/** What {@link createRuntimeServices} wires together. */
export interface RuntimeServicesDeps {
  readonly store: Store;
  readonly components: ComponentRegistry;
  readonly flows: ConnectFlows;
  /** Valid tokens for action runs (the runtime's CredentialManager). Without it, running actions is refused. */
  readonly credentials?: CredentialSource;
  readonly platformDefaults?: PlatformConnectionDefaults;
  /** The provider catalog, for OAuth apps per provider (the CLI passes connections/catalog). */
  readonly providers?: ProviderLookup;
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
  /** Present when the services have a credential manager (data sources need tokens). */
  readonly configVars?: ConfigPort;
  readonly api: ApiPort;
  readonly apiKeys: ApiKeyPort;
  readonly readiness: ReadinessPort;
  readonly triggers?: TriggerApiPort;
}

/** Builds the server's ports on the runtime. */
export function createRuntimeServices(deps: RuntimeServicesDeps): RuntimeServices {
  const views = runtimeViews(deps.store, deps.components);
  const platform = platformApi({
    store: deps.store,
    components: deps.components,
    flows: deps.flows,
    configuredWebhooks: deps.webhookEndpoints ?? [],
    now: deps.now ?? Date.now,
    connectionView: views.connectionView,
    instanceDto: views.instanceDto,
    customerDto,
  });
  const subscriptions = deps.triggers;
  const api: ApiPort = {
    ...oauthAppApi({
      store: deps.store,
      components: deps.components,
      ...(deps.providers ? { providers: deps.providers } : {}),
    }),
    ...platform,
    async deleteInstance(id) {
      // Each trigger's onInstanceDelete runs (removing its vendor webhook) before the instance goes.
      await subscriptions?.triggers.disableAll(id);
      await platform.deleteInstance(id);
    },
    async deleteCustomer(id) {
      // As for one instance, for each of the customer's: a hook that fails keeps the customer (and says why).
      if (subscriptions) {
        const instances = await deps.store.listInstances({ customerId: id });
        await subscriptions.triggers.disableEach(instances.map((instance) => instance.id));
      }
      await platform.deleteCustomer(id);
    },
    ...componentApi(deps, views),
    ...customerAndInstanceApi(deps, views),
    ...connectionApi(deps, views),
  };
  const apiKeys: ApiKeyPort = {
    async verify(key) {
      const record = await deps.store.verifyApiKey(key);
      return record ? { keyId: record.id, name: record.name, scopes: record.scopes } : undefined;
    },
  };
  return {
    connect: connectPort(deps, views),
    api,
    apiKeys,
    readiness: storeReadiness(deps.store),
    ...(subscriptions ? { triggers: triggerServices({ store: deps.store, ...subscriptions }) } : {}),
    ...(deps.credentials ? { configVars: configPort(deps, deps.credentials) } : {}),
  };
}

/** Config variables chosen on the connect page (their data sources need tokens, hence `credentials`). */
function configPort(deps: RuntimeServicesDeps, credentials: CredentialSource): ConfigPort {
  const { store, components } = deps;
  const configDeps = { store, components, credentials, ...(deps.now ? { now: deps.now } : {}) };
  return {
    describeConfigVars: (instanceId) => describeConfigVars(configDeps, instanceId),
    async saveConfigVar(input) {
      await saveConfigVar(configDeps, input);
    },
  };
}

/** The connect flows of the connect page and the callback, on `ConnectFlows`. */
function connectPort(deps: RuntimeServicesDeps, views: RuntimeViews): ConnectPort {
  const { store, flows } = deps;
  return {
    async describeInstance(instanceId) {
      const instance = await store.getInstance(instanceId);
      if (!instance) return undefined;
      const labels: string[] = [];
      for (const key of instance.componentKeys) {
        const component = await views.componentOf(key);
        labels.push(component?.display.label ?? key);
      }
      const connections = await store.listConnections({ instanceId });
      const view: InstanceView = {
        id: instance.id,
        name: instance.name,
        integrationName: labels.length > 0 ? labels.join(' + ') : instance.name,
        connections: await Promise.all(connections.map(views.connectionView)),
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
        ...(input.choices ? { choices: input.choices } : {}),
      });
      return { authorizeUrl: started.authorizationUrl };
    },

    completeAuthorization: async (query, options) =>
      callbackOutcome(await flows.settleAuthorization(query, options)),
    completeImplicit: async (fragment, options) =>
      callbackOutcome(await flows.settleImplicit(fragment, options)),
    connectWithClientCredentials: (input) => connectWithClientCredentials(deps, input),

    async connectWithPassword(input) {
      await flows.connectWithPassword(input.connectionId, {
        username: input.fields['username'] ?? '',
        password: input.fields['password'] ?? '',
      });
    },

    async startDeviceAuthorization(input) {
      const started = await flows.startDeviceAuthorization(input.connectionId, {
        ...(input.choices ? { choices: input.choices } : {}),
      });
      return views.deviceView(started.sessionId);
    },

    async pollDeviceAuthorization(input) {
      try {
        await flows.pollDeviceAuthorization(input.sessionId, { now: input.now });
      } catch (error) {
        if (
          !isKeywayError(error, 'KW_OAUTH_ACCESS_DENIED') &&
          !isKeywayError(error, 'KW_OAUTH_DEVICE_EXPIRED') &&
          !isKeywayError(error, 'KW_DEVICE_SESSION_FAILED') &&
          // A disconnect or another connect won over the device's tokens: the session ended as failed.
          !isKeywayError(error, 'KW_DEVICE_SESSION_SUPERSEDED')
        ) {
          // A transient failure (the provider, or the store while saving the tokens, which leaves the session
          // pending): the page shows "pending" and polls again.
          if (!(isKeywayError(error) && error.transient)) throw error;
        }
      }
      return views.deviceView(input.sessionId);
    },

    async disconnect(input) {
      const { revocation } = await flows.disconnect(input.connectionId);
      return { revocation };
    },
  };
}

/** The port's view of a callback's outcome: the connect link it leads back to, if any. */
function callbackOutcome(result: CallbackResult): CallbackOutcome {
  if (result.ok) {
    return {
      ok: true,
      connectionId: result.connection.id,
      instanceId: result.connection.instanceId,
      flow: result.returnTo ? { linkToken: result.returnTo } : undefined,
    };
  }
  return {
    ok: false,
    error: result.error,
    ...(result.connectionId !== undefined ? { connectionId: result.connectionId } : {}),
    ...(result.instanceId !== undefined ? { instanceId: result.instanceId } : {}),
    ...(result.returnTo !== undefined ? { flow: { linkToken: result.returnTo } } : {}),
  };
}

/** Saves the customer's fields and fetches a token; a refused attempt puts the previous fields back. */
async function connectWithClientCredentials(
  deps: RuntimeServicesDeps,
  input: Parameters<ConnectPort['connectWithClientCredentials']>[0],
): Promise<void> {
  const { store } = deps;
  const connection = await store.getConnection(input.connectionId);
  if (!connection) throw new KeywayError('KW_STORE_NOT_FOUND', { message: 'This connection does not exist' });
  const definition = await definitionOf(deps.components, connection);
  // The environment and template fields the customer chose are checked before anything is saved.
  const inherited = await inheritedApp(store, connection.componentKey, definition);
  const choices = connectChoices(definition, connection, inherited);
  const asked = new Set(choices.map((choice) => choice.key));
  checkChoices(choices, Object.fromEntries(Object.entries(input.fields).filter(([key]) => asked.has(key))));
  const changed = Object.keys(input.fields).length > 0;
  if (changed) {
    await store.updateConnection(connection.id, mergeConnectionFields(connection, definition, input.fields));
  }
  try {
    await deps.flows.connectWithClientCredentials(connection.id);
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
}

/** Components: listing (published and local), publishing a bundle, and whether an action exists. */
function componentApi(
  deps: RuntimeServicesDeps,
  views: RuntimeViews,
): Pick<ApiPort, 'listComponents' | 'publishComponent' | 'publishConnector' | 'hasAction'> {
  const { store, components } = deps;
  return {
    async listComponents() {
      const published = await store.listComponents();
      const out: ComponentSummary[] = [];
      const seen = new Set<string>();
      for (const row of published) {
        const component = await views.componentOf(row.key);
        seen.add(row.key);
        out.push(
          component
            ? componentSummary(component, row.version)
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
        const component = seen.has(key) ? undefined : await views.componentOf(key);
        if (component) out.push(componentSummary(component, null));
      }
      return out;
    },

    // The registry publishes from a path, as `keyway components publish` does; it loads the bundle to validate it.
    async publishComponent(bundlePath) {
      const { component, published } = await components.publish(bundlePath);
      return componentSummary(component, published.version);
    },

    async publishConnector(file) {
      // Built next to the file (the caller's private upload folder); a code file next to the definition cannot
      // come along, so only code written in the file (`code: { source }`) is taken, and a file reference is refused.
      const { bundle } = await buildConnector(file, { shownAs: 'connector.yaml', singleFile: true });
      const { component, published } = await components.publish(bundle);
      return componentSummary(component, published.version);
    },

    async hasAction(componentKey, actionKey) {
      return (await views.componentOf(componentKey))?.actions.has(actionKey) ?? false;
    },
  };
}

/** Customers and instances: create, list, read. */
function customerAndInstanceApi(
  deps: RuntimeServicesDeps,
  views: RuntimeViews,
): Pick<
  ApiPort,
  | 'createCustomer'
  | 'listCustomers'
  | 'getCustomer'
  | 'createInstance'
  | 'listInstances'
  | 'getInstance'
  | 'resolveInstanceRef'
  | 'resolveCustomerRef'
> {
  const { store } = deps;
  return {
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
          components: deps.components,
          now: deps.now ?? Date.now,
          ...(deps.platformDefaults ? { platformDefaults: deps.platformDefaults } : {}),
        },
        spec as Parameters<typeof createInstance>[1],
      );
      try {
        return await views.instanceDto(created.instance);
      } catch (error) {
        // All or nothing, as `keyway instances create`: the client's 500 means no instance, and no audit
        // record is missing for one (the route records only once it has answered).
        await store.deleteInstance(created.instance.id).catch(() => undefined);
        throw error;
      }
    },

    async listInstances(filter) {
      const instances = await store.listInstances(filter.customerId ? { customerId: filter.customerId } : {});
      return Promise.all(instances.map(views.instanceDto));
    },

    async getInstance(id) {
      const instance = await store.getInstance(id);
      return instance ? views.instanceDto(instance) : undefined;
    },

    async resolveInstanceRef(ref) {
      try {
        return (await findInstance(store, ref)).id;
      } catch (error) {
        if (isKeywayError(error) && error.code === 'KW_STORE_NOT_FOUND') return ref;
        throw error;
      }
    },

    async resolveCustomerRef(ref) {
      return (await lookupCustomer(store, ref))?.id ?? ref;
    },
  };
}

/** Connections: read, disconnect, activate, run an action with one, and the webhook endpoints. */
function connectionApi(
  deps: RuntimeServicesDeps,
  views: RuntimeViews,
): Pick<
  ApiPort,
  | 'getConnection'
  | 'disconnect'
  | 'activateConnection'
  | 'runAction'
  | 'runDataSource'
  | 'listWebhookEndpoints'
> {
  const { store, flows } = deps;
  return {
    async getConnection(id) {
      const connection = await store.getConnection(id);
      return connection ? views.connectionView(connection) : undefined;
    },

    async disconnect(id) {
      const { connection, revocation } = await flows.disconnect(id);
      return { connection: await views.connectionView(connection), revocation };
    },

    async activateConnection(instanceRef, connectionRef) {
      const instance = await findInstance(store, instanceRef);
      const connection = await findConnection(store, instance, connectionRef);
      const activation = await flows.activate(connection.id);
      return { connection: await views.connectionView(activation.connection), token: activation.token };
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
          components: deps.components,
          credentials: deps.credentials,
          now: deps.now ?? Date.now,
          ...(deps.onRecordError ? { onRecordError: deps.onRecordError } : {}),
          ...(deps.triggers ? { webhooks: deps.triggers.webhooks } : {}),
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

    async runDataSource(input) {
      if (!deps.credentials) {
        throw new KeywayError('KW_CONFIG_INVALID', {
          message: 'This server was started without a credential manager',
        });
      }
      const run = await runDataSource(
        { store, components: deps.components, credentials: deps.credentials, now: deps.now ?? Date.now },
        {
          instanceId: input.instanceId,
          componentKey: input.componentKey,
          dataSourceKey: input.dataSourceKey,
          inputs: input.inputs,
          ...(input.connections ? { connections: input.connections } : {}),
        },
      );
      return {
        executionId: run.executionId,
        dataSourceType: run.dataSourceType,
        result: run.result,
        ...(run.supplementalData ? { supplementalData: run.supplementalData } : {}),
      };
    },

    listWebhookEndpoints() {
      return listWebhookEndpointDtos(store, deps.webhookEndpoints ?? []);
    },
  };
}
