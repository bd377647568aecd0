/**
 * The REST API's port: the operations `/api` exposes, implemented on the runtime by `createRuntimeServices`.
 * Every shape here is JSON-safe and free of secrets (no tokens, no secret field values).
 */
import type { z } from 'zod';
import type {
  ApiKey,
  AuditEntry,
  ComponentVersion,
  ConnectionStatus,
  ExecutionStatus,
  NewAuditEntry,
  Page,
  PageRequest,
} from '../../store';
import type { ConnectionView, DisconnectView } from '../ports';
import type {
  ActionRunResponseSchema,
  ActivationResponseSchema,
  ComponentSchema,
  CustomerSchema,
  DataSourceRunResponseSchema,
  ExecutionSchema,
  InstanceSchema,
  OAuthAppSchema,
  ProviderOAuthAppSchema,
  WebhookEndpointSchema,
} from './responses';
import type { UpdateInstanceBodySchema } from './schemas';

export type { ApiKey, AuditEntry, ComponentVersion, Page, PageRequest };

/** Deeply read-only: what the API hands out is not changed on the way. */
type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A body as the zod schema the route validates it with describes it: one source of truth for both. */
type Dto<S extends z.ZodType> = DeepReadonly<z.output<S>>;

/** A published or loaded component, as the API lists it. */
export type ComponentSummary = Dto<typeof ComponentSchema>;

/** A customer, as the API returns it. */
export type CustomerDto = Dto<typeof CustomerSchema>;

/**
 * An instance with its connections' status, as the runtime gives it to the API: always with its connections
 * (the route leaves them out for a key without `connections:read`).
 */
export type InstanceDto = Dto<typeof InstanceSchema> & {
  readonly connections: NonNullable<Dto<typeof InstanceSchema>['connections']>;
};

/** A webhook receiver, without its secret: from the deployment's config file or created through the API. */
export type WebhookEndpointDto = Dto<typeof WebhookEndpointSchema>;

/** A recorded action run, its log redacted. */
export type ExecutionDto = Dto<typeof ExecutionSchema>;

/** Fields `PATCH /api/instances/:id` may change; `config` keys set to null are removed. */
export type InstancePatchInput = Dto<typeof UpdateInstanceBodySchema>;

/** The platform-administration part of the API: paged listings, updates, deletes, keys, webhooks, audit. */
export interface PlatformApiPort {
  componentVersions(key: string, page: PageRequest): Promise<Page<ComponentVersion>>;
  customersPage(page: PageRequest): Promise<Page<CustomerDto>>;
  updateCustomer(
    id: string,
    patch: { readonly name?: string | undefined; readonly externalId?: string | null | undefined },
  ): Promise<CustomerDto>;
  /** Disconnects (and revokes) every connection of the customer's instances, then deletes the customer. */
  deleteCustomer(id: string): Promise<void>;
  instancesPage(
    filter: { readonly customerId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<InstanceDto>>;
  updateInstance(id: string, patch: InstancePatchInput): Promise<InstanceDto>;
  /** Disconnects (and revokes) every connection of the instance, emitting their events, then deletes it. */
  deleteInstance(id: string): Promise<void>;
  connectionsPage(
    filter: { readonly instanceId?: string | undefined; readonly status?: ConnectionStatus | undefined },
    page: PageRequest,
  ): Promise<Page<ConnectionView>>;
  createApiKey(input: {
    readonly name: string;
    readonly scopes: readonly string[];
  }): Promise<{ readonly apiKey: ApiKey; readonly key: string }>;
  apiKeysPage(page: PageRequest): Promise<Page<ApiKey>>;
  revokeApiKey(id: string): Promise<void>;
  createWebhookEndpoint(input: {
    readonly id?: string | undefined;
    readonly url: string;
    readonly events?: readonly string[] | undefined;
    readonly secret?: string | undefined;
  }): Promise<{ readonly endpoint: WebhookEndpointDto; readonly secret: string }>;
  deleteWebhookEndpoint(id: string): Promise<void>;
  /** Posts a signed `webhook.test` event to the endpoint now; the reason when it was not accepted. */
  testWebhookEndpoint(id: string): Promise<{ readonly delivered: boolean; readonly error: string | null }>;
  executionsPage(
    filter: { readonly instanceId?: string | undefined; readonly status?: ExecutionStatus | undefined },
    page: PageRequest,
  ): Promise<Page<ExecutionDto>>;
  getExecution(id: string): Promise<ExecutionDto | undefined>;
  appendAudit(entry: NewAuditEntry): Promise<void>;
  auditPage(page: PageRequest): Promise<Page<AuditEntry>>;
}

/** The result of running an action. */
export type ActionRunDto = Dto<typeof ActionRunResponseSchema>;

/** The result of running a data source: checked against its `dataSourceType`. */
export type DataSourceRunDto = Dto<typeof DataSourceRunResponseSchema>;

/** What the provider answered to an activation: facts about the token, never the token itself. */
export type ActivationDto = Dto<typeof ActivationResponseSchema>;

/** A platform's OAuth app as the API shows it: the secret values by name only. */
export type OAuthAppDto = Dto<typeof OAuthAppSchema>;

/** Platform-owned OAuth apps: registered once per connection definition, inherited by its connections. */
export interface OAuthAppPort {
  /** Creates or replaces the app and writes it into every connection of the definition. */
  putOAuthApp(input: {
    readonly componentKey: string;
    readonly definitionKey?: string | undefined;
    readonly fields: Readonly<Record<string, string>>;
  }): Promise<{ readonly oauthApp: OAuthAppDto; readonly connectionsUpdated: number }>;
  listOAuthApps(): Promise<readonly OAuthAppDto[]>;
  getOAuthApp(componentKey: string, definitionKey: string): Promise<OAuthAppDto | undefined>;
  /** `KW_API_NOT_FOUND` when there is no such app. */
  deleteOAuthApp(
    componentKey: string,
    definitionKey: string,
  ): Promise<{ readonly connectionsUpdated: number }>;
}

/** A provider's OAuth app as the API shows it: secret values by name only. */
export type ProviderOAuthAppDto = Dto<typeof ProviderOAuthAppSchema>;

/** OAuth apps per catalog provider: inherited by every definition built on it that has no app of its own. */
export interface ProviderOAuthAppPort {
  /** Creates or replaces the provider's app and writes it into every connection that inherits it. */
  putProviderOAuthApp(input: {
    readonly providerKey: string;
    readonly fields: Readonly<Record<string, string>>;
  }): Promise<{ readonly providerOAuthApp: ProviderOAuthAppDto; readonly connectionsUpdated: number }>;
  listProviderOAuthApps(): Promise<readonly ProviderOAuthAppDto[]>;
  getProviderOAuthApp(providerKey: string): Promise<ProviderOAuthAppDto | undefined>;
  /** `KW_API_NOT_FOUND` when the provider has no app. */
  deleteProviderOAuthApp(providerKey: string): Promise<{ readonly connectionsUpdated: number }>;
}

/** What `/api` needs from the runtime. */
export interface ApiPort extends PlatformApiPort, OAuthAppPort, ProviderOAuthAppPort {
  listComponents(): Promise<readonly ComponentSummary[]>;
  /** Publishes the built bundle at `bundlePath` (a `dist/index.js`) as the next version of its key. */
  publishComponent(bundlePath: string): Promise<ComponentSummary>;
  /**
   * Builds the low-code connector file at `file` (YAML or JSON text) into a bundle next to it and publishes it
   * (docs/low-code-connectors.md).
   */
  publishConnector(file: string): Promise<ComponentSummary>;
  createCustomer(input: {
    readonly name: string;
    readonly externalId?: string | undefined;
  }): Promise<CustomerDto>;
  listCustomers(): Promise<readonly CustomerDto[]>;
  getCustomer(id: string): Promise<CustomerDto | undefined>;
  /** Creates an instance from the runtime's instance spec (validated there: `KW_INSTANCE_INVALID`). */
  createInstance(spec: Readonly<Record<string, unknown>>): Promise<InstanceDto>;
  listInstances(filter: { readonly customerId?: string }): Promise<readonly InstanceDto[]>;
  getInstance(id: string): Promise<InstanceDto | undefined>;
  /**
   * The id of the instance `ref` names: its id, else the one instance of that name; `ref` unchanged when none
   * matches (the route then answers its 404).
   * @throws KeywayError `KW_INSTANCE_AMBIGUOUS` (409) when several instances carry the name, listing their ids.
   */
  resolveInstanceRef(ref: string): Promise<string>;
  /**
   * The id of the customer `ref` names: its id, else its external id (an id wins over an equal external id);
   * `ref` unchanged when none matches (the route then answers its 404).
   */
  resolveCustomerRef(ref: string): Promise<string>;
  getConnection(id: string): Promise<ConnectionView | undefined>;
  /**
   * Revokes at the provider when possible and deletes the tokens; returns the connection afterwards and what
   * happened at the provider.
   */
  disconnect(id: string): Promise<{ readonly connection: ConnectionView } & DisconnectView>;
  /** True when `componentKey` is a loaded or published component with the action `actionKey`. */
  hasAction(componentKey: string, actionKey: string): Promise<boolean>;
  /**
   * Fetches a token now for a connection whose grant needs no person (client credentials; a password the
   * platform supplied). The instance is given by id or name, the connection by name or id.
   */
  activateConnection(instance: string, connection: string): Promise<ActivationDto>;
  runAction(input: {
    readonly instanceId: string;
    readonly componentKey: string;
    readonly actionKey: string;
    readonly inputs: Readonly<Record<string, unknown>>;
    readonly connections?: Readonly<Record<string, string>>;
  }): Promise<ActionRunDto>;
  /** Runs a data source of a component for an instance; see the runtime's `runDataSource`. */
  runDataSource(input: {
    readonly instanceId: string;
    readonly componentKey: string;
    readonly dataSourceKey: string;
    readonly inputs: Readonly<Record<string, unknown>>;
    readonly connections?: Readonly<Record<string, string>>;
  }): Promise<DataSourceRunDto>;
  listWebhookEndpoints(): Promise<readonly WebhookEndpointDto[]>;
}
