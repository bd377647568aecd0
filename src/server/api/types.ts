/**
 * The REST API's port: the operations `/api` exposes, implemented on the runtime by `createRuntimeServices`.
 * Every shape here is JSON-safe and free of secrets (no tokens, no secret field values).
 */
import type { ConnectionView } from '../ports';

/** A published or loaded component, as the API lists it. */
export interface ComponentSummary {
  readonly key: string;
  readonly version: number | null;
  readonly bundleHash: string;
  readonly label: string;
  readonly actions: readonly string[];
  readonly connections: readonly string[];
}

/** A customer, as the API returns it. */
export interface CustomerDto {
  readonly id: string;
  readonly externalId: string | null;
  readonly name: string;
  readonly createdAt: number;
}

/** An instance with its connections' status, as the API returns it. */
export interface InstanceDto {
  readonly id: string;
  readonly customerId: string;
  readonly name: string;
  readonly componentKeys: readonly string[];
  readonly status: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly connections: readonly ConnectionView[];
  readonly createdAt: number;
}

/** A configured webhook receiver, without its secret. */
export interface WebhookEndpointDto {
  readonly id: string;
  readonly url: string;
  readonly events?: readonly string[];
}

/** The result of running an action. */
export interface ActionRunDto {
  readonly executionId: string;
  readonly result: unknown;
}

/** What the provider answered to an activation: facts about the token, never the token itself. */
export interface ActivationDto {
  readonly connection: ConnectionView;
  readonly token: {
    readonly tokenType: string;
    readonly scopes: readonly string[];
    readonly expiresAt: number | null;
    readonly refreshToken: boolean;
  };
}

/** What `/api` needs from the runtime. */
export interface ApiPort {
  listComponents(): Promise<readonly ComponentSummary[]>;
  /** Publishes a built bundle (`dist/index.js` bytes) as the next version of its key. */
  publishComponent(bundle: Uint8Array): Promise<ComponentSummary>;
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
  getConnection(id: string): Promise<ConnectionView | undefined>;
  /** Revokes at the provider when possible and deletes the tokens; returns the connection afterwards. */
  disconnect(id: string): Promise<ConnectionView>;
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
  listWebhookEndpoints(): Promise<readonly WebhookEndpointDto[]>;
}
