/**
 * The platform-administration half of the REST API's port ({@link PlatformApiPort}) on the runtime: paged
 * listings, updates and deletes of customers and instances, API keys, webhook endpoints, executions and the
 * audit log. `createRuntimeServices` merges it into the API port.
 */
import { KeywayError } from '../errors';
import { redactText } from '../redact';
import {
  createWebhookEndpoint,
  definitionOf,
  deleteWebhookEndpoint,
  inheritedApp,
  listWebhookEndpoints,
  lookupCustomer,
  testWebhookEndpoint,
} from '../runtime';
import type { ComponentRegistry, ConnectFlows, WebhookEndpoint, WireConnection } from '../runtime';
import type { Connection, Customer, Execution, Instance, JsonObject, Page, Store } from '../store';
import type {
  CustomerDto,
  ExecutionDto,
  InstanceDto,
  InstancePatchInput,
  PlatformApiPort,
  WebhookEndpointDto,
} from './api/types';
import { customerNotFound } from './api/customer-routes';
import type { ConnectionView } from './ports';

/** What {@link platformApi} needs: the runtime's parts and the views `createRuntimeServices` builds. */
export interface PlatformApiDeps {
  readonly store: Store;
  readonly components: ComponentRegistry;
  readonly flows: ConnectFlows;
  /** Endpoints from the deployment's configuration (read-only through the API). */
  readonly configuredWebhooks: readonly WebhookEndpoint[];
  readonly now: () => number;
  readonly connectionView: (connection: Connection) => Promise<ConnectionView>;
  readonly instanceDto: (instance: Instance) => Promise<InstanceDto>;
  readonly customerDto: (customer: Customer) => CustomerDto;
}

/**
 * Field values (any spectral input shape) merged into a connection's: inputs of type `password` go to the
 * encrypted `secretFields`, the rest to `fields`. A template input is computed, never set:
 * `KW_CONNECTION_TEMPLATE_SET`, and nothing is merged.
 */
export function mergeConnectionFields(
  connection: Connection,
  definition: WireConnection,
  values: Readonly<Record<string, unknown>>,
): { fields: JsonObject; secretFields: JsonObject } {
  const types = new Map(definition.inputs.map((i) => [i.key, i.type]));
  for (const key of Object.keys(values)) {
    if (types.get(key) !== 'template') continue;
    throw new KeywayError('KW_CONNECTION_TEMPLATE_SET', {
      message: `Connection "${connection.name}": field "${key}" is a template, computed from the other fields; set those fields instead`,
      details: { field: key },
    });
  }
  const fields = { ...connection.fields };
  const secretFields = { ...connection.secretFields };
  for (const [key, value] of Object.entries(values)) {
    if (types.get(key) === 'password') secretFields[key] = value;
    else fields[key] = value;
  }
  return { fields, secretFields };
}

async function mapPage<T, U>(page: Page<T>, map: (item: T) => U | Promise<U>): Promise<Page<U>> {
  return { items: await Promise.all(page.items.map(map)), next: page.next };
}

function executionDto(execution: Execution): ExecutionDto {
  // Runs redact their log before it is written; this is the second line, for whatever a component logged.
  return {
    ...execution,
    errorMessage: execution.errorMessage === null ? null : redactText(execution.errorMessage),
    log: execution.log.map((entry) => ({ ...entry, message: redactText(entry.message) })),
  };
}

function notFound(what: string, id: string): KeywayError {
  return new KeywayError('KW_API_NOT_FOUND', { message: `No ${what} "${id}"`, details: { id } });
}

/** The {@link PlatformApiPort} on the runtime. */
export function platformApi(deps: PlatformApiDeps): PlatformApiPort {
  const { store, flows } = deps;

  /** Disconnects every connection of the instance (revoking at the provider, emitting events), then deletes it. */
  async function removeInstance(id: string): Promise<void> {
    for (const connection of await store.listConnections({ instanceId: id })) {
      if (connection.status !== 'disconnected') await flows.disconnect(connection.id);
    }
    await store.deleteInstance(id);
  }

  async function updateConnections(
    instanceId: string,
    patch: InstancePatchInput['connections'],
  ): Promise<void> {
    const connections = await store.listConnections({ instanceId });
    const updates = Object.entries(patch ?? {}).map(([name, change]) => {
      const connection = connections.find((c) => c.name === name);
      if (!connection) {
        throw new KeywayError('KW_REQUEST_INVALID', {
          message: `Instance "${instanceId}" has no connection "${name}" (it has: ${connections.map((c) => c.name).join(', ') || 'none'})`,
          details: { issues: [{ path: `body.connections.${name}`, message: 'unknown connection' }] },
        });
      }
      return { connection, values: change.fields };
    });
    // Every name and value is checked before anything is written: a bad one changes nothing.
    const merged = [];
    for (const { connection, values } of updates) {
      const definition = await definitionOf(deps.components, connection);
      const owned = (await inheritedApp(store, connection.componentKey, definition)).values;
      const taken = Object.keys(values).find((key) => key in owned);
      if (taken !== undefined) {
        throw new KeywayError('KW_CONNECTION_INVALID', {
          message: `Connection "${connection.name}": field "${taken}" is set by the platform's OAuth app and cannot be changed here; change the app instead`,
          details: { field: taken },
        });
      }
    }
    for (const { connection, values } of updates) {
      const definition = await definitionOf(deps.components, connection);
      merged.push({ id: connection.id, change: mergeConnectionFields(connection, definition, values) });
    }
    for (const { id, change } of merged) await store.updateConnection(id, change);
  }

  return {
    componentVersions: (key, page) => store.admin.componentVersionsPage(key, page),

    customersPage: async (page) => mapPage(await store.admin.customersPage(page), deps.customerDto),

    async updateCustomer(id, patch) {
      if (!(await store.getCustomer(id))) throw customerNotFound(id);
      return deps.customerDto(
        await store.updateCustomer(id, {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.externalId !== undefined ? { externalId: patch.externalId } : {}),
        }),
      );
    },

    async deleteCustomer(id) {
      if (!(await store.getCustomer(id))) throw customerNotFound(id);
      for (const instance of await store.listInstances({ customerId: id })) await removeInstance(instance.id);
      await store.deleteCustomer(id);
    },

    async instancesPage(filter, page) {
      // The customer by id or external id, as POST /api/instances names it; one known by neither has none.
      const customer =
        filter.customerId === undefined ? undefined : await lookupCustomer(store, filter.customerId);
      const customerId = customer?.id ?? filter.customerId;
      return mapPage(await store.admin.instancesPage({ ...filter, customerId }, page), deps.instanceDto);
    },

    async updateInstance(id, patch) {
      const instance = await store.getInstance(id);
      if (!instance) throw notFound('instance', id);
      await updateConnections(id, patch.connections);
      let config: JsonObject | undefined;
      if (patch.config) {
        config = { ...instance.config };
        for (const [key, value] of Object.entries(patch.config)) {
          if (value === null) delete config[key];
          else config[key] = value;
        }
      }
      const updated = await store.updateInstance(id, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(config ? { config } : {}),
      });
      return deps.instanceDto(updated);
    },

    async deleteInstance(id) {
      if (!(await store.getInstance(id))) throw notFound('instance', id);
      await removeInstance(id);
    },

    connectionsPage: async (filter, page) =>
      mapPage(await store.admin.connectionsPage(filter, page), deps.connectionView),

    createApiKey: (input) => store.createApiKey(input),
    apiKeysPage: (page) => store.admin.apiKeysPage(page),
    async revokeApiKey(id) {
      if (!(await store.listApiKeys()).some((key) => key.id === id)) throw notFound('API key', id);
      await store.revokeApiKey(id);
    },

    ...webhookEndpointApi(deps),

    executionsPage: async (filter, page) =>
      mapPage(await store.admin.executionsPage(filter, page), executionDto),
    async getExecution(id) {
      const execution = await store.getExecution(id);
      return execution ? executionDto(execution) : undefined;
    },

    async appendAudit(entry) {
      await store.admin.appendAudit(entry);
    },
    auditPage: (page) => store.admin.auditPage(page),
  };
}

/** Webhook endpoints made through the API: create, delete, and send a test event (to a configured one too). */
function webhookEndpointApi(
  deps: PlatformApiDeps,
): Pick<PlatformApiPort, 'createWebhookEndpoint' | 'deleteWebhookEndpoint' | 'testWebhookEndpoint'> {
  const endpoints = { store: deps.store, configured: deps.configuredWebhooks, now: deps.now };
  return {
    // The secret is returned once, like an API key: receivers verify signatures with it.
    createWebhookEndpoint: (input) => createWebhookEndpoint(endpoints, input),
    async deleteWebhookEndpoint(id) {
      if (!(await deleteWebhookEndpoint(endpoints, id))) throw notFound('webhook endpoint', id);
    },
    async testWebhookEndpoint(id) {
      const result = await testWebhookEndpoint(endpoints, id);
      if (!result) throw notFound('webhook endpoint', id);
      return result;
    },
  };
}

/** Every webhook endpoint the API lists: the configured ones, then the stored ones. */
export function listWebhookEndpointDtos(
  store: Store,
  configured: readonly WebhookEndpoint[],
): Promise<WebhookEndpointDto[]> {
  return listWebhookEndpoints({ store, configured });
}
