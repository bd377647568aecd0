/**
 * The {@link Store} facade over kysely, shared by SQLite and PostgreSQL: each method hands its call to the
 * module of its aggregate (./customers, ./instances, ./connections, …). Engine-specific SQL is limited to
 * `FOR UPDATE SKIP LOCKED` in claims and to the lock in {@link EngineHandle}.
 */
import { KyselyAdminStore } from './admin';
import type { AdminStore } from './admin-types';
import { KyselyOAuthAppStore } from './oauth-apps';
import { KyselyProviderOAuthAppStore } from './provider-oauth-apps';
import type { ProviderOAuthAppStore } from './provider-oauth-apps';
import { KyselyTriggerStore } from './triggers';
import type { TriggerStore } from './trigger-types';
import type { OAuthAppStore } from './oauth-apps';
import { ApiKeys, toApiKey } from './api-keys';
import { AuthSessions } from './auth-sessions';
import { CellCipher, encryptedColumns } from './cells';
import type { EncryptedColumn } from './cells';
import { Components } from './components';
import { Connections } from './connections';
import type { Db, StoreContext } from './context';
import type { KeyRing } from './crypto';
import { Customers, toCustomer } from './customers';
import { DeviceSessions } from './device-sessions';
import type { EngineHandle } from './engine';
import { Executions, toExecution } from './executions';
import { InstanceState } from './instance-state';
import { Instances, toInstance } from './instances';
import { Outbox } from './outbox';
import { countStale, reencryptBatch } from './reencrypt';
import type { ReencryptResult } from './reencrypt';
import { RefreshMarkers } from './refresh-markers';
import { Replicas } from './replicas';
import { QueryTemplates } from './templates';
import type {
  ApiKey,
  ApprovedDeviceSession,
  AuthSession,
  ClaimOptions,
  CompareAndSetResult,
  ComponentHead,
  Connection,
  ConnectionFilter,
  ConnectionPatch,
  ConnectionWriteOptions,
  ConsumeAuthSessionOptions,
  ConsumedAuthSession,
  CreatedApiKey,
  Customer,
  CustomerPatch,
  DeviceApproval,
  DeviceSession,
  DeviceSessionPatch,
  DeviceSessionStatus,
  EpochMs,
  Execution,
  ExecutionFilter,
  FinishExecution,
  FinishedExecution,
  Instance,
  InstancePatch,
  InstanceStateKey,
  InstanceWithConnections,
  JsonObject,
  LockLease,
  LockOptions,
  MarkEventFailedOptions,
  NewApiKey,
  NewAuthSession,
  NewConnection,
  NewCustomer,
  NewDeviceSession,
  NewExecution,
  NewInstance,
  NewOutboxEvent,
  NewPublishedComponent,
  OutboxEvent,
  PublishedComponent,
  RefreshClaim,
  RefreshMarker,
  Replica,
  ReplicaHeartbeat,
  StateKey,
  Store,
  StoreEngine,
} from './types';

/** {@link Store} over a kysely database; see `openStore`. */
export class KyselyStore implements Store {
  readonly engine: StoreEngine;
  readonly admin: AdminStore;
  readonly oauthApps: OAuthAppStore;
  readonly providerOAuthApps: ProviderOAuthAppStore;
  readonly triggers: TriggerStore;
  readonly #ctx: StoreContext;
  readonly #customers: Customers;
  readonly #instances: Instances;
  readonly #state: InstanceState;
  readonly #connections: Connections;
  readonly #authSessions: AuthSessions;
  readonly #deviceSessions: DeviceSessions;
  readonly #components: Components;
  readonly #outbox: Outbox;
  readonly #apiKeys: ApiKeys;
  readonly #executions: Executions;
  readonly #replicas: Replicas;
  readonly #refreshMarkers: RefreshMarkers;

  constructor(handle: EngineHandle, keys: KeyRing, now: () => number) {
    this.engine = handle.engine;
    const ctx: StoreContext = {
      handle,
      engine: handle.engine,
      db: handle.db,
      templates: new QueryTemplates(handle.db),
      cells: new CellCipher(keys),
      now,
    };
    this.#ctx = ctx;
    this.#customers = new Customers(ctx);
    this.#instances = new Instances(ctx);
    this.#state = new InstanceState(ctx);
    this.#outbox = new Outbox(ctx);
    this.#connections = new Connections(ctx, this.#outbox);
    this.#authSessions = new AuthSessions(ctx, this.#connections);
    this.#deviceSessions = new DeviceSessions(ctx, this.#connections);
    this.#components = new Components(ctx);
    this.#apiKeys = new ApiKeys(ctx);
    this.#executions = new Executions(ctx);
    this.#replicas = new Replicas(handle.db, keys, now, encryptedColumns);
    this.#refreshMarkers = new RefreshMarkers(handle.db);
    this.oauthApps = new KyselyOAuthAppStore(ctx);
    this.providerOAuthApps = new KyselyProviderOAuthAppStore(ctx);
    this.triggers = new KyselyTriggerStore(ctx);
    this.admin = new KyselyAdminStore({
      db: handle.db,
      keys,
      now,
      toCustomer,
      toInstance,
      toApiKey,
      toExecution,
      getConnection: (id) => this.getConnection(id),
      flushExecutions: () => this.#executions.flush(),
    });
  }

  /** The kysely handle, for migrations, rotation and tests in this module. */
  get db(): Db {
    return this.#ctx.db;
  }

  /** The key ring this store encrypts with. */
  get keyRing(): KeyRing {
    return this.#ctx.cells.keys;
  }

  // -- customers (./customers) ---------------------------------------------------------------------------

  createCustomer(input: NewCustomer): Promise<Customer> {
    return this.#customers.create(input);
  }
  getCustomer(id: string): Promise<Customer | undefined> {
    return this.#customers.get(id);
  }
  getCustomerByExternalId(externalId: string): Promise<Customer | undefined> {
    return this.#customers.getByExternalId(externalId);
  }
  listCustomers(): Promise<Customer[]> {
    return this.#customers.list();
  }
  updateCustomer(id: string, patch: CustomerPatch): Promise<Customer> {
    return this.#customers.update(id, patch);
  }
  deleteCustomer(id: string): Promise<void> {
    return this.#customers.delete(id);
  }

  // -- instances (./instances) ---------------------------------------------------------------------------

  createInstance(input: NewInstance): Promise<Instance> {
    return this.#instances.create(input);
  }
  getInstance(id: string): Promise<Instance | undefined> {
    return this.#instances.get(id);
  }
  getInstanceWithConnections(
    id: string,
    options?: { readonly states?: readonly InstanceStateKey[] },
  ): Promise<InstanceWithConnections | undefined> {
    return this.#instances.getWithConnections(id, options);
  }
  listInstances(filter?: { readonly customerId?: string }): Promise<Instance[]> {
    return this.#instances.list(filter);
  }
  updateInstance(id: string, patch: InstancePatch): Promise<Instance> {
    return this.#instances.update(id, patch);
  }
  deleteInstance(id: string): Promise<void> {
    return this.#instances.delete(id);
  }

  // -- connections and tokens (./connections) ------------------------------------------------------------

  createConnection(input: NewConnection, options?: ConnectionWriteOptions): Promise<Connection> {
    return this.#connections.create(input, options);
  }
  getConnection(id: string): Promise<Connection | undefined> {
    return this.#connections.get(id);
  }
  getConnectionByName(instanceId: string, name: string): Promise<Connection | undefined> {
    return this.#connections.getByName(instanceId, name);
  }
  listConnections(filter?: ConnectionFilter): Promise<Connection[]> {
    return this.#connections.list(filter);
  }
  updateConnection(
    id: string,
    patch: ConnectionPatch,
    options?: ConnectionWriteOptions,
  ): Promise<Connection> {
    return this.#connections.update(id, patch, options);
  }
  compareAndSetConnectionTokens(
    id: string,
    expectedVersion: number,
    patch: ConnectionPatch,
    options?: ConnectionWriteOptions,
  ): Promise<CompareAndSetResult> {
    return this.#connections.compareAndSetTokens(id, expectedVersion, patch, options);
  }
  deleteConnection(id: string): Promise<void> {
    return this.#connections.delete(id);
  }
  withConnectionLock<T>(id: string, options: LockOptions, fn: (lease: LockLease) => Promise<T>): Promise<T> {
    return this.#connections.withLock(id, options, fn);
  }
  claimDueRefreshes(options: ClaimOptions): Promise<RefreshClaim[]> {
    return this.#connections.claimDueRefreshes(options);
  }
  releaseRefreshClaim(id: string, owner: string): Promise<void> {
    return this.#connections.releaseRefreshClaim(id, owner);
  }

  // -- auth and device sessions (./auth-sessions, ./device-sessions) -------------------------------------

  createAuthSession(input: NewAuthSession): Promise<AuthSession> {
    return this.#authSessions.create(input);
  }
  getAuthSession(state: string): Promise<AuthSession | undefined> {
    return this.#authSessions.get(state);
  }
  consumeAuthSession(state: string, options: ConsumeAuthSessionOptions): Promise<ConsumedAuthSession> {
    return this.#authSessions.consume(state, options);
  }
  deleteExpiredAuthSessions(before: EpochMs): Promise<number> {
    return this.#authSessions.deleteExpired(before);
  }
  createDeviceSession(input: NewDeviceSession): Promise<DeviceSession> {
    return this.#deviceSessions.create(input);
  }
  getDeviceSession(id: string): Promise<DeviceSession | undefined> {
    return this.#deviceSessions.get(id);
  }
  listPendingDeviceSessions(filter?: { readonly connectionId?: string }): Promise<DeviceSession[]> {
    return this.#deviceSessions.listPending(filter);
  }
  updateDeviceSession(id: string, patch: DeviceSessionPatch): Promise<DeviceSession> {
    return this.#deviceSessions.update(id, patch);
  }
  completeDeviceSession(
    id: string,
    outcome: { readonly status: Exclude<DeviceSessionStatus, 'pending' | 'approved'>; readonly now: EpochMs },
  ): Promise<DeviceSession> {
    return this.#deviceSessions.complete(id, outcome);
  }
  approveDeviceSession(id: string, approval: DeviceApproval): Promise<ApprovedDeviceSession> {
    return this.#deviceSessions.approve(id, approval);
  }

  // -- components (./components) -------------------------------------------------------------------------

  putComponent(input: NewPublishedComponent): Promise<PublishedComponent> {
    return this.#components.put(input);
  }
  getComponent(key: string, version?: number): Promise<PublishedComponent | undefined> {
    return this.#components.get(key, version);
  }
  getComponentHead(key: string): Promise<ComponentHead | undefined> {
    return this.#components.head(key);
  }
  listComponents(): Promise<PublishedComponent[]> {
    return this.#components.list();
  }

  // -- instance state (./instance-state) ------------------------------------------------------------------

  getState(key: StateKey): Promise<JsonObject | undefined> {
    return this.#state.get(key);
  }
  getStates(keys: readonly StateKey[]): Promise<(JsonObject | undefined)[]> {
    return this.#state.getMany(keys);
  }
  putState(key: StateKey, value: JsonObject): Promise<void> {
    return this.#state.put(key, value);
  }
  deleteState(key: StateKey): Promise<void> {
    return this.#state.delete(key);
  }

  // -- outbox (./outbox) ----------------------------------------------------------------------------------

  enqueueEvent(input: NewOutboxEvent): Promise<OutboxEvent> {
    return this.#outbox.enqueue(input);
  }
  getEvent(id: string): Promise<OutboxEvent | undefined> {
    return this.#outbox.get(id);
  }
  claimOutboxEvents(options: ClaimOptions): Promise<OutboxEvent[]> {
    return this.#outbox.claim(options);
  }
  markEventDelivered(id: string, now: EpochMs): Promise<void> {
    return this.#outbox.markDelivered(id, now);
  }
  markEventFailed(id: string, options: MarkEventFailedOptions): Promise<void> {
    return this.#outbox.markFailed(id, options);
  }

  // -- API keys (./api-keys) ------------------------------------------------------------------------------

  createApiKey(input: NewApiKey): Promise<CreatedApiKey> {
    return this.#apiKeys.create(input);
  }
  verifyApiKey(key: string): Promise<ApiKey | undefined> {
    return this.#apiKeys.verify(key);
  }
  listApiKeys(): Promise<ApiKey[]> {
    return this.#apiKeys.list();
  }
  revokeApiKey(id: string): Promise<void> {
    return this.#apiKeys.revoke(id);
  }

  // -- executions (./executions) --------------------------------------------------------------------------

  createExecution(input: NewExecution): Promise<Execution> {
    return this.#executions.create(input);
  }
  finishExecution(id: string, input: FinishExecution): Promise<Execution> {
    return this.#executions.finish(id, input);
  }
  recordExecution(input: FinishedExecution): Promise<Execution> {
    return this.#executions.record(input);
  }
  getExecution(id: string): Promise<Execution | undefined> {
    return this.#executions.get(id);
  }
  listExecutions(filter?: ExecutionFilter): Promise<Execution[]> {
    return this.#executions.list(filter);
  }

  // -- key rotation (./reencrypt) -------------------------------------------------------------------------

  /** How many cells of `target` are not yet under the primary key. */
  countStale(target: EncryptedColumn): Promise<number> {
    return countStale(this.#ctx, target);
  }
  /** Re-encrypts one batch of `target`'s cells under the primary key; see ./reencrypt. */
  reencryptBatch(
    target: EncryptedColumn,
    afterId: string,
    limit: number,
  ): Promise<ReencryptResult | undefined> {
    return reencryptBatch(this.#ctx, target, afterId, limit);
  }

  // -- reliability (./replicas, ./refresh-markers) --------------------------------------------------------

  ping(): Promise<void> {
    return this.#replicas.ping();
  }
  publishReplica(heartbeat: ReplicaHeartbeat): Promise<Replica> {
    return this.#replicas.publish(heartbeat);
  }
  withdrawReplica(id: string): Promise<void> {
    return this.#replicas.withdraw(id);
  }
  listLiveReplicas(): Promise<Replica[]> {
    return this.#replicas.live();
  }
  missingKeyIds(): Promise<string[]> {
    return this.#replicas.missingKeyIds();
  }
  putRefreshMarker(marker: RefreshMarker, replacing?: RefreshMarker): Promise<boolean> {
    return this.#refreshMarkers.put(marker, replacing);
  }
  getRefreshMarker(connectionId: string): Promise<RefreshMarker | undefined> {
    return this.#refreshMarkers.get(connectionId);
  }
  deleteRefreshMarker(marker: RefreshMarker): Promise<void> {
    return this.#refreshMarkers.delete(marker);
  }

  async close(): Promise<void> {
    // Queued execution records are committed (or fail) before the handle goes.
    await this.#executions.close();
    await this.#instances.close();
    await this.#ctx.handle.close();
  }
}
