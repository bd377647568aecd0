/**
 * Customers, their instances, published components and instance state: the records an action call reads.
 * See {@link Store} in ./types.
 */
import type { Connection } from './connection-types';
import type { EpochMs, JsonObject } from './types';

/** A customer of the platform team. */
export interface Customer {
  readonly id: string;
  /** The platform team's own id for this customer; unique when set. */
  readonly externalId: string | null;
  readonly name: string;
  readonly createdAt: EpochMs;
  readonly updatedAt: EpochMs;
}

/** Input to {@link Store.createCustomer}. */
export interface NewCustomer {
  readonly id?: string;
  readonly externalId?: string | null;
  readonly name: string;
}

/** Fields {@link Store.updateCustomer} may change. */
export interface CustomerPatch {
  readonly externalId?: string | null;
  readonly name?: string;
}

/** Whether an instance runs actions. */
export type InstanceStatus = 'active' | 'paused';

/** A customer's deployment: which components it uses and its config values. */
export interface Instance {
  readonly id: string;
  readonly customerId: string;
  readonly name: string;
  /** Keys of the published components this instance uses. */
  readonly componentKeys: readonly string[];
  /** Non-secret config variable values, by config variable key. */
  readonly config: JsonObject;
  /**
   * Declarations of config variables whose value the customer chooses (from a data source) on the connect page;
   * their shape belongs to the runtime (`ConfigVarSpec`), the store keeps them as JSON.
   */
  readonly configVars: readonly JsonObject[];
  readonly status: InstanceStatus;
  readonly createdAt: EpochMs;
  readonly updatedAt: EpochMs;
}

/** Input to {@link Store.createInstance}. */
export interface NewInstance {
  readonly id?: string;
  readonly customerId: string;
  readonly name: string;
  readonly componentKeys?: readonly string[];
  readonly config?: JsonObject;
  readonly configVars?: readonly JsonObject[];
  readonly status?: InstanceStatus;
}

/** Fields {@link Store.updateInstance} may change. */
export interface InstancePatch {
  readonly name?: string;
  readonly componentKeys?: readonly string[];
  readonly config?: JsonObject;
  readonly status?: InstanceStatus;
}

/** A published component bundle. */
export interface PublishedComponent {
  readonly key: string;
  /** Increases by one per publish of the same key. */
  readonly version: number;
  /** SHA-256 (hex) of the bundle. */
  readonly bundleHash: string;
  /** The component's manifest (actions, connections, inputs) as JSON. */
  readonly manifest: JsonObject;
  /** Where the bundle lives on disk, when it is not stored inline. */
  readonly bundlePath: string | null;
  /** The bundle bytes, when stored inline. */
  readonly bundle: Uint8Array | null;
  readonly publishedAt: EpochMs;
}

/** Which bundle is the latest of a component key; see {@link Store.getComponentHead}. */
export interface ComponentHead {
  readonly version: number;
  readonly bundleHash: string;
}

/** Input to {@link Store.putComponent}. */
export interface NewPublishedComponent {
  readonly key: string;
  readonly version: number;
  readonly bundleHash: string;
  readonly manifest: JsonObject;
  readonly bundlePath?: string | null;
  readonly bundle?: Uint8Array | null;
}

/** Spectral's state scopes. */
export type StateScope = 'instance' | 'crossFlow' | 'integration' | 'execution';

/** Addresses one state object. */
export interface StateKey {
  readonly instanceId: string;
  readonly scope: StateScope;
  /** Narrows the scope (a flow name, an execution id); defaults to `''`. */
  readonly key?: string;
}

/** An instance with its customer and connections, as {@link Store.getInstanceWithConnections} reads them. */
export interface InstanceWithConnections {
  readonly instance: Instance;
  /** Absent only if the customer row is gone while the instance is not (never, with the schema's cascade). */
  readonly customer: Customer | undefined;
  /** In {@link Store.listConnections} order. */
  readonly connections: readonly Connection[];
  /** The requested state objects, in the order asked, as {@link Store.getStates} would answer. */
  readonly states: readonly (JsonObject | undefined)[];
}

/** One state object of the instance being read by {@link Store.getInstanceWithConnections}. */
export type InstanceStateKey = Omit<StateKey, 'instanceId'>;
