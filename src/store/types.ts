/**
 * The store's contract: the one interface both engines (SQLite, PostgreSQL) implement, and the row and
 * input types it speaks. The runtime codes against {@link Store} only, never against an engine.
 *
 * Conventions: ids are strings (UUIDs unless the caller supplies one), timestamps are epoch milliseconds,
 * "not found" on a read is `undefined`, a write to a missing row throws `KW_STORE_NOT_FOUND`. Secret values
 * (token sets, secret fields, PKCE verifiers, device codes) go in and come out in clear; the store encrypts
 * them at rest and callers never see ciphertext.
 */
import type { AdminStore } from './admin-types';
import type { TriggerStore } from './trigger-types';
import type { OAuthAppStore } from './oauth-apps';
import type { ProviderOAuthAppStore } from './provider-oauth-apps';
import type { ApiKey, CreatedApiKey, NewApiKey } from './api-key-types';
import type {
  ClaimOptions,
  CompareAndSetResult,
  Connection,
  ConnectionFilter,
  ConnectionPatch,
  ConnectionWriteOptions,
  LockLease,
  LockOptions,
  NewConnection,
  RefreshClaim,
  RefreshMarker,
  Replica,
  ReplicaHeartbeat,
} from './connection-types';
import type {
  Execution,
  ExecutionFilter,
  FinishExecution,
  FinishedExecution,
  NewExecution,
} from './execution-types';
import type {
  ComponentHead,
  Customer,
  CustomerPatch,
  Instance,
  InstancePatch,
  InstanceStateKey,
  InstanceWithConnections,
  NewCustomer,
  NewInstance,
  NewPublishedComponent,
  PublishedComponent,
  StateKey,
} from './instance-types';
import type { MarkEventFailedOptions, NewOutboxEvent, OutboxEvent } from './outbox-types';
import type {
  ApprovedDeviceSession,
  AuthSession,
  ConsumeAuthSessionOptions,
  ConsumedAuthSession,
  DeviceApproval,
  DeviceSession,
  DeviceSessionPatch,
  DeviceSessionStatus,
  NewAuthSession,
  NewDeviceSession,
} from './session-types';

export type * from './instance-types';
export type * from './connection-types';
export type * from './session-types';
export type * from './outbox-types';
export type * from './api-key-types';
export type * from './execution-types';
export { connectionStatuses } from './connection-types';

/** Epoch milliseconds. Both engines store these as 64-bit integers so they agree exactly. */
export type EpochMs = number;

/** A JSON object as the store persists it. The store does not interpret the contents. */
export type JsonObject = Record<string, unknown>;

/** Which engine is behind a {@link Store}. */
export type StoreEngine = 'sqlite' | 'postgres';

// ---------------------------------------------------------------------------------------------------------
// The interface

/**
 * Keyway's persistence. One interface, two engines; `test/store/contract.ts` runs unchanged against both.
 * Every method is safe to call from several processes sharing the same database.
 */
export interface Store {
  readonly engine: StoreEngine;
  /** Paginated listings, stored webhook endpoints and the audit log, for the REST API. */
  readonly admin: AdminStore;
  /** Trigger subscriptions and the atomic commit of trigger runs. */
  readonly triggers: TriggerStore;
  /** Platform-owned OAuth apps, inherited by the connections of their definition. */
  readonly oauthApps: OAuthAppStore;
  /** OAuth apps per catalog provider, inherited by every definition built on it that has no app of its own. */
  readonly providerOAuthApps: ProviderOAuthAppStore;

  // Customers
  createCustomer(input: NewCustomer): Promise<Customer>;
  getCustomer(id: string): Promise<Customer | undefined>;
  getCustomerByExternalId(externalId: string): Promise<Customer | undefined>;
  listCustomers(): Promise<Customer[]>;
  updateCustomer(id: string, patch: CustomerPatch): Promise<Customer>;
  /** Deletes the customer and, by cascade, its instances and their connections. */
  deleteCustomer(id: string): Promise<void>;

  // Instances
  createInstance(input: NewInstance): Promise<Instance>;
  getInstance(id: string): Promise<Instance | undefined>;
  listInstances(filter?: { readonly customerId?: string }): Promise<Instance[]>;
  /**
   * The instance, its customer, its connections and the given state objects in one read (one query): what
   * running an action needs. Exactly what {@link Store.getInstance}, {@link Store.getCustomer},
   * {@link Store.listConnections} and {@link Store.getStates} would answer; `undefined` when the instance
   * does not exist.
   */
  getInstanceWithConnections(
    id: string,
    options?: { readonly states?: readonly InstanceStateKey[] },
  ): Promise<InstanceWithConnections | undefined>;
  updateInstance(id: string, patch: InstancePatch): Promise<Instance>;
  deleteInstance(id: string): Promise<void>;

  // Connections
  createConnection(input: NewConnection, options?: ConnectionWriteOptions): Promise<Connection>;
  getConnection(id: string): Promise<Connection | undefined>;
  getConnectionByName(instanceId: string, name: string): Promise<Connection | undefined>;
  listConnections(filter?: ConnectionFilter): Promise<Connection[]>;
  /** Unconditional update; bumps the version. Prefer {@link Store.compareAndSetConnectionTokens} for tokens. */
  updateConnection(id: string, patch: ConnectionPatch, options?: ConnectionWriteOptions): Promise<Connection>;
  /**
   * Applies `patch` only if the stored version is still `expectedVersion`, bumping it; otherwise returns the
   * current row so the caller can re-decide. No update is ever lost between replicas.
   */
  compareAndSetConnectionTokens(
    id: string,
    expectedVersion: number,
    patch: ConnectionPatch,
    options?: ConnectionWriteOptions,
  ): Promise<CompareAndSetResult>;
  deleteConnection(id: string): Promise<void>;
  /**
   * Runs `fn` while holding a lock on the connection that excludes every other process using the same
   * database. Throws `KW_STORE_LOCK_TIMEOUT` when the lock is not acquired within `timeoutMs`.
   */
  withConnectionLock<T>(id: string, options: LockOptions, fn: (lease: LockLease) => Promise<T>): Promise<T>;
  /**
   * Claims up to `limit` `connected` connections whose `refreshAt` (and `cooldownUntil`) has passed and that
   * no live lease covers. Two replicas never get the same connection while a lease is live.
   */
  claimDueRefreshes(options: ClaimOptions): Promise<RefreshClaim[]>;
  /** Gives a refresh claim back early (e.g. after a failure that set a cooldown). Only the owner can. */
  releaseRefreshClaim(id: string, owner: string): Promise<void>;

  // Auth sessions (connect flow)
  createAuthSession(input: NewAuthSession): Promise<AuthSession>;
  getAuthSession(state: string): Promise<AuthSession | undefined>;
  /**
   * Atomically marks the session consumed and returns it with its connection. Throws
   * `KW_AUTH_SESSION_NOT_FOUND`, `KW_AUTH_SESSION_EXPIRED`, `KW_AUTH_SESSION_CONSUMED` or
   * `KW_AUTH_SESSION_BROWSER_MISMATCH`; a session is consumed at most once across all processes.
   */
  consumeAuthSession(state: string, options: ConsumeAuthSessionOptions): Promise<ConsumedAuthSession>;
  /** Deletes sessions that expired before `before`; returns how many. */
  deleteExpiredAuthSessions(before: EpochMs): Promise<number>;

  // Device sessions (RFC 8628)
  createDeviceSession(input: NewDeviceSession): Promise<DeviceSession>;
  getDeviceSession(id: string): Promise<DeviceSession | undefined>;
  /** Pending sessions of a connection, newest first. */
  listPendingDeviceSessions(filter?: { readonly connectionId?: string }): Promise<DeviceSession[]>;
  updateDeviceSession(id: string, patch: DeviceSessionPatch): Promise<DeviceSession>;
  /**
   * Moves a pending session to a final status exactly once. Throws `KW_DEVICE_SESSION_NOT_FOUND` or
   * `KW_DEVICE_SESSION_COMPLETED` (already finished by another poller).
   */
  completeDeviceSession(
    id: string,
    outcome: { readonly status: Exclude<DeviceSessionStatus, 'pending' | 'approved'>; readonly now: EpochMs },
  ): Promise<DeviceSession>;
  /**
   * Approves a pending session and saves `approval.patch` (the tokens) on its connection, with the events, in
   * one transaction: both or neither, so a session is never approved for a connection whose tokens were not
   * saved. The connection's write is a compare-and-set on `approval.expectedVersion`: when the row changed
   * meanwhile nothing is written and the result is `{ ok: false, current }`. Throws `KW_DEVICE_SESSION_NOT_FOUND`, `KW_DEVICE_SESSION_COMPLETED` (another poller finished it),
   * `KW_STORE_NOT_FOUND` (the connection is gone) or `KW_STORE_INVALID_INPUT`, each having written nothing.
   */
  approveDeviceSession(id: string, approval: DeviceApproval): Promise<ApprovedDeviceSession>;

  // Published components
  /** Stores a component version; `KW_STORE_CONFLICT` if that key and version exist. */
  putComponent(input: NewPublishedComponent): Promise<PublishedComponent>;
  /** The given version, or the latest when `version` is omitted. */
  getComponent(key: string, version?: number): Promise<PublishedComponent | undefined>;
  /** The latest version of every component, without inline bundle bytes. */
  listComponents(): Promise<PublishedComponent[]>;
  /** The latest version and bundle hash of a component: a cheap check for a new publish. */
  getComponentHead(key: string): Promise<ComponentHead | undefined>;

  // Instance state written by actions
  getState(key: StateKey): Promise<JsonObject | undefined>;
  /**
   * Several state objects in one read (an action's four scopes), in the order of `keys`: `undefined` where
   * nothing is stored, exactly as {@link Store.getState} would answer for each.
   */
  getStates(keys: readonly StateKey[]): Promise<(JsonObject | undefined)[]>;
  putState(key: StateKey, value: JsonObject): Promise<void>;
  deleteState(key: StateKey): Promise<void>;

  // Events outbox
  enqueueEvent(input: NewOutboxEvent): Promise<OutboxEvent>;
  getEvent(id: string): Promise<OutboxEvent | undefined>;
  /** Claims pending events whose `nextAttemptAt` has passed; never the same event to two live claims. */
  claimOutboxEvents(options: ClaimOptions): Promise<OutboxEvent[]>;
  markEventDelivered(id: string, now: EpochMs): Promise<void>;
  /** Records a failed attempt and reschedules it (or gives up when `nextAttemptAt` is null). */
  markEventFailed(id: string, options: MarkEventFailedOptions): Promise<void>;

  // API keys
  /** Generates a key, stores its SHA-256 hash and returns the key in clear once. */
  createApiKey(input: NewApiKey): Promise<CreatedApiKey>;
  /** The key's record if `key` is a valid, unrevoked key (constant-time compare); records last use. */
  verifyApiKey(key: string): Promise<ApiKey | undefined>;
  listApiKeys(): Promise<ApiKey[]>;
  revokeApiKey(id: string): Promise<void>;

  // Executions
  createExecution(input: NewExecution): Promise<Execution>;
  finishExecution(id: string, input: FinishExecution): Promise<Execution>;
  /**
   * Records a run that has already finished in one write: the row {@link Store.createExecution} followed by
   * {@link Store.finishExecution} would leave. Concurrent records share one commit (group commit); the promise
   * settles once this one is committed. `KW_STORE_CONFLICT` if the id exists, `KW_STORE_NOT_FOUND` for a
   * missing instance.
   */
  recordExecution(input: FinishedExecution): Promise<Execution>;
  getExecution(id: string): Promise<Execution | undefined>;
  listExecutions(filter?: ExecutionFilter): Promise<Execution[]>;

  // Reliability: liveness, replicas' keys, refreshes in flight
  /** Resolves when the database answers a trivial query; `KW_STORE_UNAVAILABLE` otherwise. */
  ping(): Promise<void>;
  /** Records (or renews) this process's heartbeat with the key ids of this store's key ring. */
  publishReplica(heartbeat: ReplicaHeartbeat): Promise<Replica>;
  /** Removes a heartbeat (on shutdown). */
  withdrawReplica(id: string): Promise<void>;
  /** Heartbeats that have not expired. */
  listLiveReplicas(): Promise<Replica[]>;
  /**
   * Key ids this store's key ring lacks although it may need them: ids that stored secrets are encrypted
   * under, and the primary keys of live replicas (which encrypt new secrets under them). Empty when none.
   */
  missingKeyIds(): Promise<string[]>;
  /** Records a refresh request about to be sent (replacing an older marker of the connection). */
  putRefreshMarker(marker: RefreshMarker): Promise<void>;
  getRefreshMarker(connectionId: string): Promise<RefreshMarker | undefined>;
  /**
   * Removes the connection's marker if it is still `marker` (same grant, owner and `startedAt`): a refresher
   * removes only its own, never one another refresher wrote over it.
   */
  deleteRefreshMarker(marker: RefreshMarker): Promise<void>;

  /** Releases the database handle(s). */
  close(): Promise<void>;
}
