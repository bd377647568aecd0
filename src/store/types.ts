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

/** Epoch milliseconds. Both engines store these as 64-bit integers so they agree exactly. */
export type EpochMs = number;

/** A JSON object as the store persists it. The store does not interpret the contents. */
export type JsonObject = Record<string, unknown>;

/** Which engine is behind a {@link Store}. */
export type StoreEngine = 'sqlite' | 'postgres';

// ---------------------------------------------------------------------------------------------------------
// Customers and instances

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
  readonly status?: InstanceStatus;
}

/** Fields {@link Store.updateInstance} may change. */
export interface InstancePatch {
  readonly name?: string;
  readonly componentKeys?: readonly string[];
  readonly config?: JsonObject;
  readonly status?: InstanceStatus;
}

// ---------------------------------------------------------------------------------------------------------
// Connections

/** Life cycle of a connection. */
export type ConnectionStatus = 'pending' | 'connected' | 'needs_reauthorization' | 'error' | 'disconnected';

/** All connection statuses, for validation and iteration. */
export const connectionStatuses: readonly ConnectionStatus[] = [
  'pending',
  'connected',
  'needs_reauthorization',
  'error',
  'disconnected',
];

/** The last error a connection hit, as a stable code and a message safe to show. */
export interface ConnectionError {
  readonly code: string;
  readonly message: string;
  readonly at: EpochMs;
}

/**
 * A named connection of an instance, bound to a component's connection definition. `tokenSet` and
 * `secretFields` are encrypted at rest and decrypted on read.
 */
export interface Connection {
  readonly id: string;
  readonly instanceId: string;
  /** The config variable key this connection fills; unique within the instance. */
  readonly name: string;
  readonly componentKey: string;
  /** The connection definition's `key`, passed to the component unchanged. */
  readonly definitionKey: string;
  /** e.g. `authorization_code`, `client_credentials`, `device_code`, `password`. */
  readonly grantType: string;
  /** Non-secret field values. */
  readonly fields: JsonObject;
  /** Field values the definition marks secret (client secret, API key, ...). */
  readonly secretFields: JsonObject;
  /** The token response as the runtime stores it; its shape belongs to the runtime. */
  readonly tokenSet: JsonObject | null;
  /**
   * The authorization callback's extra query parameters (`realmId`, `shop`, …), spectral's
   * `connection.context`; `{}` when there were none. Encrypted at rest.
   */
  readonly context: JsonObject;
  readonly expiresAt: EpochMs | null;
  /** When the refresher should renew the token; claimed by {@link Store.claimDueRefreshes}. */
  readonly refreshAt: EpochMs | null;
  readonly scopes: readonly string[];
  readonly status: ConnectionStatus;
  readonly lastError: ConnectionError | null;
  /** Bumped by every write; the basis of {@link Store.compareAndSetConnectionTokens}. */
  readonly version: number;
  /** Consecutive failed refreshes, for backoff. */
  readonly refreshFailures: number;
  /** No refresh attempt before this time. */
  readonly cooldownUntil: EpochMs | null;
  readonly createdAt: EpochMs;
  readonly updatedAt: EpochMs;
  readonly connectedAt: EpochMs | null;
}

/** Input to {@link Store.createConnection}. */
export interface NewConnection {
  readonly id?: string;
  readonly instanceId: string;
  readonly name: string;
  readonly componentKey: string;
  readonly definitionKey: string;
  readonly grantType: string;
  readonly fields?: JsonObject;
  readonly secretFields?: JsonObject;
  readonly tokenSet?: JsonObject | null;
  readonly context?: JsonObject | null;
  readonly expiresAt?: EpochMs | null;
  readonly refreshAt?: EpochMs | null;
  readonly scopes?: readonly string[];
  readonly status?: ConnectionStatus;
  readonly connectedAt?: EpochMs | null;
}

/** Fields a connection update may change. Omitted fields are left as they are; `null` clears. */
export interface ConnectionPatch {
  readonly componentKey?: string;
  readonly definitionKey?: string;
  readonly grantType?: string;
  readonly fields?: JsonObject;
  readonly secretFields?: JsonObject;
  readonly tokenSet?: JsonObject | null;
  /** Replaces the callback context; `null` or `{}` clears it. */
  readonly context?: JsonObject | null;
  readonly expiresAt?: EpochMs | null;
  readonly refreshAt?: EpochMs | null;
  readonly scopes?: readonly string[];
  readonly status?: ConnectionStatus;
  readonly lastError?: ConnectionError | null;
  readonly refreshFailures?: number;
  readonly cooldownUntil?: EpochMs | null;
  readonly connectedAt?: EpochMs | null;
}

/** Options shared by connection writes. */
export interface ConnectionWriteOptions {
  /**
   * Outbox events written in the same transaction as the connection change, so a webhook is emitted
   * if and only if the change happened.
   */
  readonly events?: readonly NewOutboxEvent[];
}

/** Result of {@link Store.compareAndSetConnectionTokens}. */
export type CompareAndSetResult =
  | { readonly ok: true; readonly connection: Connection }
  | { readonly ok: false; readonly current: Connection };

/** Filter for {@link Store.listConnections}. */
export interface ConnectionFilter {
  readonly instanceId?: string;
  readonly status?: ConnectionStatus;
}

/** Options for {@link Store.withConnectionLock}. */
export interface LockOptions {
  /** Give up with `KW_STORE_LOCK_TIMEOUT` after this long. */
  readonly timeoutMs: number;
  /**
   * SQLite only: how long a held lock survives its holder crashing. Defaults to 30 s; a live holder
   * keeps it for as long as `fn` runs.
   */
  readonly leaseMs?: number;
}

/**
 * What a lock holder can ask about its lock while `fn` runs. A lock can be lost without `fn` knowing: the
 * PostgreSQL session holding an advisory lock was terminated (the lock died with it), or a SQLite lease was
 * taken over after renewals failed. Check before doing something that must not happen twice.
 */
export interface LockLease {
  /** False once the lock is known to be lost. */
  readonly held: boolean;
  /** Throws `KW_STORE_UNAVAILABLE` when the lock is lost. */
  assertHeld(): void;
}

/** A live process's heartbeat: which encryption keys it holds (see {@link Store.publishReplica}). */
export interface Replica {
  readonly id: string;
  /** Where it runs, for people reading a refusal (`host:pid`). */
  readonly label: string;
  readonly keyIds: readonly string[];
  readonly primaryKeyId: string;
  readonly seenAt: EpochMs;
  /** The heartbeat counts as live until then. */
  readonly expiresAt: EpochMs;
}

/** What {@link Store.publishReplica} records. */
export interface ReplicaHeartbeat {
  readonly id: string;
  readonly label: string;
  /** How long the heartbeat counts as live without being published again. */
  readonly ttlMs: number;
}

/**
 * A refresh request recorded as sent but not yet answered and saved (see {@link Store.putRefreshMarker}). Found
 * by the next refresher of the connection, it means a refresh was interrupted (crash, lost database).
 */
export interface RefreshMarker {
  readonly connectionId: string;
  /** Which grant was being refreshed: a digest of its refresh token, never the token. */
  readonly grantFingerprint: string;
  /** Who sent it (`host:pid`). */
  readonly owner: string;
  readonly startedAt: EpochMs;
}

/** Options for claiming due work across replicas. */
export interface ClaimOptions {
  /** Work due at or before this instant is claimable. */
  readonly now: EpochMs;
  readonly limit: number;
  /** The claim expires after this long, so work of a crashed replica is picked up again. */
  readonly leaseMs: number;
  /** Identifies the claiming replica (e.g. `hostname:pid:uuid`). */
  readonly owner: string;
}

/**
 * A connection claimed for a refresh: which one and the version it had when claimed. The refresher reads the
 * row itself under the connection's lock, so a claim carries no tokens (and decrypts nothing).
 */
export interface RefreshClaim {
  readonly id: string;
  readonly version: number;
  readonly refreshAt: EpochMs | null;
}

// ---------------------------------------------------------------------------------------------------------
// Connect-flow sessions

/** A single-use authorization session of the connect flow. `codeVerifier` is encrypted at rest. */
export interface AuthSession {
  /** The OAuth `state` value; the session's key. */
  readonly state: string;
  readonly connectionId: string;
  /** PKCE verifier (RFC 7636), or null when the definition does not use PKCE. */
  readonly codeVerifier: string | null;
  /** A hash of a browser cookie binding the callback to the browser that started the flow. */
  readonly browserBinding: string | null;
  readonly redirectUri: string;
  /** Where to send the user after the callback (success page, popup, app URL). */
  readonly returnTo: string | null;
  readonly nonce: string | null;
  readonly scopes: readonly string[];
  /** Anything else the runtime needs across the redirect; not secret. */
  readonly extra: JsonObject;
  readonly createdAt: EpochMs;
  readonly expiresAt: EpochMs;
  readonly consumedAt: EpochMs | null;
}

/**
 * A session {@link Store.consumeAuthSession} consumed, with its connection as the same statement found it: the
 * callback needs both, and on PostgreSQL they come back in one round trip.
 */
export interface ConsumedAuthSession extends AuthSession {
  /** The session's connection; undefined only if it was deleted while the callback ran. */
  readonly connection: Connection | undefined;
}

/** Input to {@link Store.createAuthSession}. */
export interface NewAuthSession {
  readonly state: string;
  readonly connectionId: string;
  readonly codeVerifier?: string | null;
  readonly browserBinding?: string | null;
  readonly redirectUri: string;
  readonly returnTo?: string | null;
  readonly nonce?: string | null;
  readonly scopes?: readonly string[];
  readonly extra?: JsonObject;
  readonly expiresAt: EpochMs;
}

/** Options for {@link Store.consumeAuthSession}. */
export interface ConsumeAuthSessionOptions {
  readonly now: EpochMs;
  /** Must equal the session's binding when the session has one. */
  readonly browserBinding?: string | null;
}

/** State of a device authorization (RFC 8628). */
export type DeviceSessionStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** A device authorization session (RFC 8628). `deviceCode` is encrypted at rest. */
export interface DeviceSession {
  readonly id: string;
  readonly connectionId: string;
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete: string | null;
  /** Minimum polling interval; raised on `slow_down`. */
  readonly intervalMs: number;
  readonly nextPollAt: EpochMs;
  readonly expiresAt: EpochMs;
  readonly status: DeviceSessionStatus;
  readonly createdAt: EpochMs;
  readonly completedAt: EpochMs | null;
}

/** Input to {@link Store.createDeviceSession}. */
export interface NewDeviceSession {
  readonly id?: string;
  readonly connectionId: string;
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete?: string | null;
  readonly intervalMs: number;
  readonly nextPollAt?: EpochMs;
  readonly expiresAt: EpochMs;
}

/** Fields {@link Store.updateDeviceSession} may change while the session is pending. */
export interface DeviceSessionPatch {
  readonly intervalMs?: number;
  readonly nextPollAt?: EpochMs;
}

// ---------------------------------------------------------------------------------------------------------
// Components, state, outbox, API keys, executions

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

/** Delivery state of an outbox event. */
export type OutboxStatus = 'pending' | 'delivered' | 'failed';

/** An event waiting to be delivered as a webhook. */
export interface OutboxEvent {
  readonly id: string;
  /** e.g. `connection.needs_reauthorization`. */
  readonly type: string;
  readonly payload: JsonObject;
  readonly instanceId: string | null;
  readonly connectionId: string | null;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly nextAttemptAt: EpochMs;
  readonly lastError: string | null;
  readonly createdAt: EpochMs;
  readonly deliveredAt: EpochMs | null;
}

/** Input to {@link Store.enqueueEvent}. */
export interface NewOutboxEvent {
  readonly id?: string;
  readonly type: string;
  readonly payload: JsonObject;
  readonly instanceId?: string | null;
  readonly connectionId?: string | null;
  /** Defaults to now. */
  readonly nextAttemptAt?: EpochMs;
}

/** Options for {@link Store.markEventFailed}. */
export interface MarkEventFailedOptions {
  /** Try again at this time; `null` gives up and marks the event `failed`. */
  readonly nextAttemptAt: EpochMs | null;
  /** A short, non-secret reason. */
  readonly error: string;
}

/** An API key's stored form. Only a hash of the secret is kept. */
export interface ApiKey {
  readonly id: string;
  readonly name: string;
  /** Public, non-secret part of the key used to find it (`kw_<prefix>_...`). */
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly createdAt: EpochMs;
  readonly lastUsedAt: EpochMs | null;
  readonly revokedAt: EpochMs | null;
}

/** Input to {@link Store.createApiKey}. */
export interface NewApiKey {
  readonly name: string;
  readonly scopes: readonly string[];
}

/** Returned once by {@link Store.createApiKey}: the only time the secret key exists in clear. */
export interface CreatedApiKey {
  readonly apiKey: ApiKey;
  /** The full key to hand to the user; never stored. */
  readonly key: string;
}

/** Outcome of an action run. */
export type ExecutionStatus = 'running' | 'succeeded' | 'failed';

/** One log line of an execution; the caller redacts secrets before writing. */
export interface ExecutionLogEntry {
  readonly at: EpochMs;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
}

/** A recorded action run. */
export interface Execution {
  readonly id: string;
  readonly instanceId: string;
  readonly componentKey: string;
  readonly actionKey: string;
  readonly status: ExecutionStatus;
  readonly startedAt: EpochMs;
  readonly finishedAt: EpochMs | null;
  readonly durationMs: number | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly log: readonly ExecutionLogEntry[];
}

/** Input to {@link Store.createExecution}. */
export interface NewExecution {
  readonly id?: string;
  readonly instanceId: string;
  readonly componentKey: string;
  readonly actionKey: string;
  /** Defaults to now. */
  readonly startedAt?: EpochMs;
}

/** Input to {@link Store.finishExecution}. */
export interface FinishExecution {
  readonly status: 'succeeded' | 'failed';
  readonly finishedAt?: EpochMs;
  readonly errorCode?: string | null;
  readonly errorMessage?: string | null;
  readonly log?: readonly ExecutionLogEntry[];
}

/** Input to {@link Store.recordExecution}: a run that has already finished, recorded in one write. */
export interface FinishedExecution extends NewExecution, FinishExecution {}

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

/** Filter for {@link Store.listExecutions}; newest first. */
export interface ExecutionFilter {
  readonly instanceId?: string;
  readonly limit?: number;
}

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
  /**
   * What {@link Store.getInstanceWithConnections} would answer from memory, at once: the snapshot it holds
   * while nothing in it changed, else `undefined` (call that method, which reads). For an action call's hot
   * path, which then needs no promise for its snapshot. Optional: a store without snapshots leaves it out.
   */
  cachedInstanceWithConnections?(
    id: string,
    options?: { readonly states?: readonly InstanceStateKey[] },
  ): InstanceWithConnections | undefined;
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
    outcome: { readonly status: Exclude<DeviceSessionStatus, 'pending'>; readonly now: EpochMs },
  ): Promise<DeviceSession>;

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
   * {@link Store.finishExecution} would leave. `KW_STORE_CONFLICT` if the id exists.
   */
  recordExecution(input: FinishedExecution): Promise<Execution>;
  /**
   * Records a finished run without waiting for the write (an action's hot path): the row joins the next batch,
   * and `onError` receives the `KeywayError` and the record's id if it cannot be written (`KW_STORE_CONFLICT`
   * for an existing id, `KW_STORE_NOT_FOUND` for a missing instance): one handler can serve every record.
   * Throws at once for a malformed record. Returns `undefined`, or a promise when too many records are
   * waiting: wait for it before recording more (backpressure).
   */
  appendExecution(
    input: FinishedExecution,
    onError: (error: unknown, executionId: string) => void,
  ): Promise<void> | undefined;
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
  /** Removes the connection's marker if it is the one for `grantFingerprint`. */
  deleteRefreshMarker(connectionId: string, grantFingerprint: string): Promise<void>;

  /** Releases the database handle(s). */
  close(): Promise<void>;
}
