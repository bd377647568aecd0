/**
 * The one query layer behind {@link Store}, shared by SQLite and PostgreSQL. Engine-specific SQL is limited
 * to `FOR UPDATE SKIP LOCKED` in claims and to the lock in {@link EngineHandle}.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Compilable, Kysely, OperationNodeSource, Selectable } from 'kysely';
import { z } from 'zod';
import { KeywayError } from '../errors';
import type { ErrorCode } from '../errors';
import { KyselyAdminStore } from './admin';
import { KyselyTriggerStore } from './triggers';
import type { TriggerStore } from './trigger-types';
import type { AdminStore } from './admin-types';
import type { KeyRing } from './crypto';
import { cellAad } from './crypto';
import { CONTEXT_COLUMN, contextCell } from './connection-context';
import type { EngineHandle } from './engine';
import { openExecutionWriter } from './execution-writer';
import type { ExecutionRow, ExecutionWriter } from './execution-writer';
import { RefreshMarkers } from './refresh-markers';
import { Replicas } from './replicas';
import { QueryTemplates } from './templates';
import type { Param } from './templates';
import { SnapshotCache } from './snapshot-cache';
import type { VersionedRead } from './snapshot-cache';
import type {
  ApiKeysTable,
  AuthSessionsTable,
  ConnectionsTable,
  CustomersTable,
  Database,
  DeviceSessionsTable,
  ComponentsTable,
  ExecutionsTable,
  InstancesTable,
  OutboxEventsTable,
} from './schema';
import type {
  ApiKey,
  AuthSession,
  ClaimOptions,
  CompareAndSetResult,
  ComponentHead,
  Connection,
  ConnectionFilter,
  ConnectionPatch,
  ConnectionStatus,
  ConnectionWriteOptions,
  ConsumeAuthSessionOptions,
  ConsumedAuthSession,
  CreatedApiKey,
  Customer,
  CustomerPatch,
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
  InstanceStatus,
  InstanceStateKey,
  InstanceWithConnections,
  JsonObject,
  LockLease,
  LockOptions,
  RefreshMarker,
  Replica,
  ReplicaHeartbeat,
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
  StateKey,
  Store,
  StoreEngine,
} from './types';

// ---------------------------------------------------------------------------------------------------------
// Parsing at the boundary: inputs going in, rows coming out.

const epoch = z.number().int().nonnegative();
const jsonObject = z.record(z.string(), z.unknown());
const stringArray = z.array(z.string());
const connectionStatus = z.enum(['pending', 'connected', 'needs_reauthorization', 'error', 'disconnected']);
const connectionError = z.object({ code: z.string(), message: z.string(), at: epoch });
const logEntry = z.object({
  at: epoch,
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
});
const nonEmpty = z.string().min(1);
// Schemas are built once: building one (zod 4) costs more than most parses.
const positiveInt = z.number().int().positive();
const logEntries = z.array(logEntry);
const eventFailureSchema = z.object({ nextAttemptAt: epoch.nullable(), error: z.string() });
const newApiKeySchema = z.object({ name: nonEmpty, scopes: stringArray });
const deviceSessionPatchSchema = z.object({ intervalMs: epoch.optional(), nextPollAt: epoch.optional() });
const deviceOutcomeSchema = z.object({ status: z.enum(['approved', 'denied', 'expired']), now: epoch });
const DEVICE_SESSION_STATUSES: ReadonlySet<DeviceSessionStatus> = new Set([
  'pending',
  'approved',
  'denied',
  'expired',
] as const);

const newCustomerSchema = z.object({
  id: nonEmpty.optional(),
  externalId: nonEmpty.nullable().optional(),
  name: nonEmpty,
});
const customerPatchSchema = z.object({
  externalId: nonEmpty.nullable().optional(),
  name: nonEmpty.optional(),
});
const instanceStatus = z.enum(['active', 'paused']);
const CONNECTION_STATUSES: ReadonlySet<ConnectionStatus> = new Set(connectionStatus.options);
const INSTANCE_STATUSES: ReadonlySet<InstanceStatus> = new Set(instanceStatus.options);
const EVENT_STATUSES: ReadonlySet<OutboxEvent['status']> = new Set([
  'pending',
  'delivered',
  'failed',
] as const);
const EXECUTION_STATUSES: ReadonlySet<Execution['status']> = new Set([
  'running',
  'succeeded',
  'failed',
] as const);
const newInstanceSchema = z.object({
  id: nonEmpty.optional(),
  customerId: nonEmpty,
  name: nonEmpty,
  componentKeys: stringArray.optional(),
  config: jsonObject.optional(),
  status: instanceStatus.optional(),
});
const instancePatchSchema = z.object({
  name: nonEmpty.optional(),
  componentKeys: stringArray.optional(),
  config: jsonObject.optional(),
  status: instanceStatus.optional(),
});
const connectionPatchSchema = z.object({
  componentKey: nonEmpty.optional(),
  definitionKey: nonEmpty.optional(),
  grantType: nonEmpty.optional(),
  fields: jsonObject.optional(),
  secretFields: jsonObject.optional(),
  tokenSet: jsonObject.nullable().optional(),
  context: jsonObject.nullable().optional(),
  expiresAt: epoch.nullable().optional(),
  refreshAt: epoch.nullable().optional(),
  scopes: stringArray.optional(),
  status: connectionStatus.optional(),
  lastError: connectionError.nullable().optional(),
  refreshFailures: z.number().int().nonnegative().optional(),
  cooldownUntil: epoch.nullable().optional(),
  connectedAt: epoch.nullable().optional(),
});
const newConnectionSchema = z.object({
  id: nonEmpty.optional(),
  instanceId: nonEmpty,
  name: nonEmpty,
  componentKey: nonEmpty,
  definitionKey: nonEmpty,
  grantType: nonEmpty,
  fields: jsonObject.optional(),
  secretFields: jsonObject.optional(),
  tokenSet: jsonObject.nullable().optional(),
  context: jsonObject.nullable().optional(),
  expiresAt: epoch.nullable().optional(),
  refreshAt: epoch.nullable().optional(),
  scopes: stringArray.optional(),
  status: connectionStatus.optional(),
  connectedAt: epoch.nullable().optional(),
});
const newAuthSessionSchema = z.object({
  state: z.string().min(8),
  connectionId: nonEmpty,
  codeVerifier: nonEmpty.nullable().optional(),
  browserBinding: nonEmpty.nullable().optional(),
  redirectUri: nonEmpty,
  returnTo: nonEmpty.nullable().optional(),
  nonce: nonEmpty.nullable().optional(),
  scopes: stringArray.optional(),
  extra: jsonObject.optional(),
  expiresAt: epoch,
});
const newDeviceSessionSchema = z.object({
  id: nonEmpty.optional(),
  connectionId: nonEmpty,
  deviceCode: nonEmpty,
  userCode: nonEmpty,
  verificationUri: nonEmpty,
  verificationUriComplete: nonEmpty.nullable().optional(),
  intervalMs: z.number().int().nonnegative(),
  nextPollAt: epoch.optional(),
  expiresAt: epoch,
});
const newComponentSchema = z.object({
  key: nonEmpty,
  version: z.number().int().positive(),
  bundleHash: nonEmpty,
  manifest: jsonObject,
  bundlePath: nonEmpty.nullable().optional(),
  bundle: z.instanceof(Uint8Array).nullable().optional(),
});
const stateKeySchema = z.object({
  instanceId: nonEmpty,
  scope: z.enum(['instance', 'crossFlow', 'integration', 'execution']),
  key: z.string().optional(),
});
const instanceStateKeySchema = stateKeySchema.omit({ instanceId: true });
const newEventSchema = z.object({
  id: nonEmpty.optional(),
  type: nonEmpty,
  payload: jsonObject,
  instanceId: nonEmpty.nullable().optional(),
  connectionId: nonEmpty.nullable().optional(),
  nextAttemptAt: epoch.optional(),
});
const claimSchema = z.object({
  now: epoch,
  limit: z.number().int().positive().max(1000),
  leaseMs: z.number().int().positive(),
  owner: nonEmpty,
});
const newExecutionSchema = z.object({
  id: nonEmpty.optional(),
  instanceId: nonEmpty,
  componentKey: nonEmpty,
  actionKey: nonEmpty,
  startedAt: epoch.optional(),
});
const finishExecutionSchema = z.object({
  status: z.enum(['succeeded', 'failed']),
  finishedAt: epoch.optional(),
  errorCode: z.string().nullable().optional(),
  errorMessage: z.string().nullable().optional(),
  log: z.array(logEntry).optional(),
});

const LOG_LEVELS: ReadonlySet<unknown> = new Set(['debug', 'info', 'warn', 'error']);
const isEpoch = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isOptional = <T>(value: unknown, check: (v: unknown) => v is T): boolean =>
  value === undefined || check(value);

/**
 * True when `newExecutionSchema` and `finishExecutionSchema` together would accept `input` as it is (then zod
 * decides otherwise, with its messages). The same rules, by hand.
 */
function wellFormedRecord(input: FinishedExecution): boolean {
  const record = input as unknown as Record<string, unknown>;
  const log = record['log'];
  const ok =
    isOptional(record['id'], isText) &&
    isText(record['instanceId']) &&
    isText(record['componentKey']) &&
    isText(record['actionKey']) &&
    isOptional(record['startedAt'], isEpoch) &&
    (record['status'] === 'succeeded' || record['status'] === 'failed') &&
    isOptional(record['finishedAt'], isEpoch) &&
    (record['errorCode'] === undefined ||
      record['errorCode'] === null ||
      typeof record['errorCode'] === 'string') &&
    (record['errorMessage'] === undefined ||
      record['errorMessage'] === null ||
      typeof record['errorMessage'] === 'string') &&
    (log === undefined ||
      (Array.isArray(log) &&
        log.every(
          (entry: unknown) =>
            typeof entry === 'object' &&
            entry !== null &&
            isEpoch((entry as Record<string, unknown>)['at']) &&
            LOG_LEVELS.has((entry as Record<string, unknown>)['level']) &&
            typeof (entry as Record<string, unknown>)['message'] === 'string',
        )));
  return ok;
}

function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    // Paths and expectations only: zod's messages here never echo the (possibly secret) value.
    const problems = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(value)'}: ${issue.message}`)
      .join('; ');
    throw new KeywayError('KW_STORE_INVALID_INPUT', { message: `Invalid ${what}: ${problems}` });
  }
  return result.data;
}

function parseJson<T extends z.ZodType>(text: string, schema: T, where: string): z.output<T> {
  const result = schema.safeParse(parseJsonText(text, where));
  if (!result.success) throw badShape(where);
  return result.data;
}

/**
 * Row readers for the shapes every row has. They check exactly what the equivalent zod schemas would (a JSON
 * object, an array of strings, one of a few strings, an integer) without zod's per-call allocations: each
 * connection read runs a dozen of them, and on the refresher's path zod was a quarter of all allocation.
 */
function parseJsonObject(text: string, where: string): Record<string, unknown> {
  const value = parseJsonText(text, where);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badShape(where);
  return value as Record<string, unknown>;
}

function parseStringArray(text: string, where: string): string[] {
  const value = parseJsonText(text, where);
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw badShape(where);
  }
  return value;
}

function member<T extends string>(allowed: ReadonlySet<T>, value: string, where: string): T {
  if (!allowed.has(value as T)) throw badShape(where);
  return value as T;
}

function parseJsonText(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new KeywayError('KW_STORE_CORRUPT_ROW', { message: `Stored ${where} is not valid JSON.`, cause });
  }
}

function badShape(where: string): KeywayError {
  return new KeywayError('KW_STORE_CORRUPT_ROW', {
    message: `Stored ${where} does not have the expected shape.`,
  });
}

/** An integer column: a number, or a string of digits (PostgreSQL's bigint). */
function num(value: number | string, where: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  throw new KeywayError('KW_STORE_CORRUPT_ROW', { message: `Stored ${where} is not an integer.` });
}

function numOrNull(value: number | string | null, where: string): number | null {
  return value === null ? null : num(value, where);
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

/** The typed error for an engine's constraint violation; any other error as it is. */
function writeError(err: unknown, what: string): unknown {
  if (err instanceof KeywayError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new KeywayError('KW_STORE_CONFLICT', { message: `${what} already exists.`, cause: err });
  }
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new KeywayError('KW_STORE_NOT_FOUND', {
      message: `${what} refers to a record that does not exist.`,
      cause: err,
    });
  }
  return err;
}

/**
 * What a unique violation of a connection update names. The patch cannot touch a unique column of the
 * connection, so with events it is an event id; without, the connection itself.
 */
function connectionWriteSubject(id: string, events: readonly unknown[]): string {
  return events.length > 0 ? 'An outbox event with this id' : `Connection "${id}" with these values`;
}

/** Maps engine errors for constraint violations to typed errors; rethrows anything else. */
function translateWriteError(err: unknown, what: string): never {
  throw writeError(err, what);
}

/** The `executions` row of a validated record. */
function executionRow(execution: Execution): ExecutionRow {
  return {
    id: execution.id,
    instance_id: execution.instanceId,
    component_key: execution.componentKey,
    action_key: execution.actionKey,
    status: execution.status,
    started_at: execution.startedAt,
    finished_at: execution.finishedAt,
    duration_ms: execution.durationMs,
    error_code: execution.errorCode,
    error_message: execution.errorMessage,
    // An empty log is by far the commonest: skip serialising it.
    log: execution.log.length === 0 ? '[]' : json(execution.log),
  };
}

function notFound(kind: string, id: string): KeywayError {
  return new KeywayError('KW_STORE_NOT_FOUND', { message: `No ${kind} with id "${id}".`, details: { id } });
}

// ---------------------------------------------------------------------------------------------------------

/** The encrypted cells, for rotation: table, id column, secret column. */
export const encryptedColumns = [
  { table: 'connections', idColumn: 'id', column: 'secret_fields' },
  { table: 'connections', idColumn: 'id', column: 'token_set' },
  { table: 'connections', idColumn: 'id', column: CONTEXT_COLUMN },
  { table: 'auth_sessions', idColumn: 'state', column: 'code_verifier' },
  { table: 'device_sessions', idColumn: 'id', column: 'device_code' },
  { table: 'webhook_endpoints', idColumn: 'id', column: 'secret' },
  { table: 'trigger_subscriptions', idColumn: 'id', column: 'webhook_token' },
  { table: 'trigger_subscriptions', idColumn: 'id', column: 'api_key' },
] as const;

/** One encrypted cell kind. */
export type EncryptedColumn = (typeof encryptedColumns)[number];

type Db = Kysely<Database>;

/** Every column of an outbox event, in the order the event templates bind them. */
const EVENT_COLUMNS = Object.keys({
  id: 0,
  type: 0,
  payload: 0,
  instance_id: 0,
  connection_id: 0,
  status: 0,
  attempts: 0,
  next_attempt_at: 0,
  lease_owner: 0,
  lease_until: 0,
  last_error: 0,
  created_at: 0,
  delivered_at: 0,
} satisfies Record<keyof OutboxEventsTable, 0>) as (keyof OutboxEventsTable)[];

/** `values` with each value replaced by the named parameter of its key, for a template (see QueryTemplates). */
function parameters<T extends object>(values: T, param: Param): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(values)) out[key] = param(key);
  return out as T;
}

/** Event `i` of a template as named parameters `event{i}_{column}`. */
function eventParameters(param: Param, i: number): Selectable<OutboxEventsTable> {
  const row: Record<string, unknown> = {};
  for (const column of EVENT_COLUMNS) row[column] = param(`event${i}_${column}`);
  return row as Selectable<OutboxEventsTable>;
}

/** An insert or update with `returningAll()`, not yet run: {@link KyselyStore} composes it with event writes. */
type ReturningWrite<R> = Compilable<R> & OperationNodeSource & { executeTakeFirst(): Promise<R | undefined> };

/** Decrypted cells kept per store; a connection row holds two. */
const DECRYPTED_CACHE_SIZE = 1024;

/** {@link Store} over a kysely database; see `openStore`. */
export class KyselyStore implements Store {
  readonly engine: StoreEngine;
  readonly admin: AdminStore;
  readonly triggers: TriggerStore;
  readonly #handle: EngineHandle;
  readonly #db: Db;
  readonly #keys: KeyRing;
  readonly #now: () => number;
  /**
   * Plaintext by (associated data, envelope). An envelope has a random IV, so every write makes a new one
   * and a hit can only be the very ciphertext decrypted before: reading an unchanged row (every cached-token
   * action call) skips AES-GCM without any chance of serving stale secrets. Bounded, least recently used out.
   */
  readonly #decrypted = new Map<string, string>();
  /** Group commit of finished execution records ({@link KyselyStore.recordExecution}); see ./execution-writer. */
  readonly #executionWriter: ExecutionWriter;
  readonly #templates: QueryTemplates<Database>;
  /** Instance snapshots for action calls; see ./snapshot-cache. */
  readonly #snapshots: SnapshotCache<InstanceWithConnections>;
  readonly #replicas: Replicas;
  readonly #refreshMarkers: RefreshMarkers;

  constructor(handle: EngineHandle, keys: KeyRing, now: () => number) {
    this.engine = handle.engine;
    this.#handle = handle;
    this.#db = handle.db;
    this.#keys = keys;
    this.#now = now;
    this.#templates = new QueryTemplates(handle.db);
    this.#snapshots = new SnapshotCache(handle.changes);
    // SQLite on a file: a writer thread; PostgreSQL: one JSON parameter per batch.
    this.#executionWriter = openExecutionWriter(handle);
    this.#replicas = new Replicas(handle.db, keys, now, encryptedColumns);
    this.#refreshMarkers = new RefreshMarkers(handle.db);
    this.triggers = new KyselyTriggerStore(handle.db, keys, now, handle.engine);
    this.admin = new KyselyAdminStore({
      db: handle.db,
      keys,
      now,
      toCustomer,
      toInstance,
      toApiKey,
      toExecution,
      getConnection: (id) => this.getConnection(id),
      flushExecutions: () => this.#executionWriter.flush(),
    });
  }

  /** The kysely handle, for migrations, rotation and tests in this module. */
  get db(): Db {
    return this.#db;
  }

  /** The key ring this store encrypts with. */
  get keyRing(): KeyRing {
    return this.#keys;
  }

  // -- encryption helpers --------------------------------------------------------------------------------

  #encrypt(table: string, id: string, column: string, plaintext: string): string {
    const aad = cellAad(table, id, column);
    const envelope = this.#keys.encrypt(plaintext, aad);
    // A connection row is read back right after it is written (RETURNING, the next action call): remember
    // this envelope's plaintext so that read does not decrypt what was just encrypted. Single-use cells
    // (auth and device sessions) are not kept.
    if (table === 'connections') this.#remember(`${aad}\n${envelope}`, plaintext);
    return envelope;
  }

  #remember(cacheKey: string, plaintext: string): void {
    if (this.#decrypted.size >= DECRYPTED_CACHE_SIZE) {
      const oldest = this.#decrypted.keys().next();
      if (oldest.done !== true) this.#decrypted.delete(oldest.value);
    }
    this.#decrypted.set(cacheKey, plaintext);
  }

  #decrypt(table: string, id: string, column: string, envelope: string): string {
    const aad = cellAad(table, id, column);
    const cacheKey = `${aad}\n${envelope}`;
    const cached = this.#decrypted.get(cacheKey);
    if (cached !== undefined) {
      // Re-inserting moves it to the end: Map iteration order is the eviction order.
      this.#decrypted.delete(cacheKey);
      this.#decrypted.set(cacheKey, cached);
      return cached;
    }
    const plaintext = this.#keys.decrypt(envelope, aad);
    this.#remember(cacheKey, plaintext);
    return plaintext;
  }

  // -- customers -----------------------------------------------------------------------------------------

  async createCustomer(input: NewCustomer): Promise<Customer> {
    const data = parseInput(newCustomerSchema, input, 'customer');
    const now = this.#now();
    const row = await this.#db
      .insertInto('customers')
      .values({
        id: data.id ?? randomUUID(),
        external_id: data.externalId ?? null,
        name: data.name,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => translateWriteError(err, 'A customer with this id or external id'));
    return toCustomer(row);
  }

  async getCustomer(id: string): Promise<Customer | undefined> {
    const row = await this.#db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toCustomer(row);
  }

  async getCustomerByExternalId(externalId: string): Promise<Customer | undefined> {
    const row = await this.#db
      .selectFrom('customers')
      .selectAll()
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    return row && toCustomer(row);
  }

  async listCustomers(): Promise<Customer[]> {
    const rows = await this.#db
      .selectFrom('customers')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toCustomer);
  }

  async updateCustomer(id: string, patch: CustomerPatch): Promise<Customer> {
    const data = parseInput(customerPatchSchema, patch, 'customer update');
    const row = await this.#db
      .updateTable('customers')
      .set({
        ...(data.externalId !== undefined ? { external_id: data.externalId } : {}),
        ...(data.name !== undefined ? { name: data.name } : {}),
        updated_at: this.#now(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
      .catch((err: unknown) => translateWriteError(err, 'A customer with this external id'));
    if (!row) throw notFound('customer', id);
    return toCustomer(row);
  }

  async deleteCustomer(id: string): Promise<void> {
    await this.#db.deleteFrom('customers').where('id', '=', id).execute();
  }

  // -- instances -----------------------------------------------------------------------------------------

  async createInstance(input: NewInstance): Promise<Instance> {
    const data = parseInput(newInstanceSchema, input, 'instance');
    const now = this.#now();
    const row = await this.#db
      .insertInto('instances')
      .values({
        id: data.id ?? randomUUID(),
        customer_id: data.customerId,
        name: data.name,
        component_keys: json(data.componentKeys ?? []),
        config: json(data.config ?? {}),
        status: data.status ?? 'active',
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => translateWriteError(err, `Instance "${data.name}"`));
    return toInstance(row);
  }

  async getInstance(id: string): Promise<Instance | undefined> {
    const row = await this.#db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toInstance(row);
  }

  async getInstanceWithConnections(
    id: string,
    options: { readonly states?: readonly InstanceStateKey[] } = {},
  ): Promise<InstanceWithConnections | undefined> {
    const states = options.states ?? [];
    return this.#snapshots.get(snapshotKey(id, states), id, () =>
      this.#readInstanceWithConnections(id, states),
    );
  }

  cachedInstanceWithConnections(
    id: string,
    options: { readonly states?: readonly InstanceStateKey[] } = {},
  ): InstanceWithConnections | undefined {
    const states = options.states ?? [];
    return this.#snapshots.peek(snapshotKey(id, states), id);
  }

  async #readInstanceWithConnections(
    id: string,
    states: readonly InstanceStateKey[],
  ): Promise<VersionedRead<InstanceWithConnections> | undefined> {
    const sqlite = this.engine === 'sqlite';
    const stateKeys = states.map((key) => parseInput(instanceStateKeySchema, key, 'state key'));
    const values: Record<string, unknown> = { id };
    stateKeys.forEach((k, n) => {
      values[`scope${n}`] = k.scope;
      values[`key${n}`] = k.key ?? '';
    });
    // Built once per number of state objects (see QueryTemplates): this runs on every action call.
    const rows = await this.#templates.run(
      `instance-with-connections:${this.engine}:${stateKeys.length}`,
      (db, param) =>
        db
          .selectFrom('instances as i')
          .leftJoin('customers as cu', 'cu.id', 'i.customer_id')
          .leftJoin('connections as cn', 'cn.instance_id', 'i.id')
          .select([
            'i.id as i_id',
            'i.customer_id as i_customer_id',
            'i.name as i_name',
            'i.component_keys as i_component_keys',
            'i.config as i_config',
            'i.status as i_status',
            'i.created_at as i_created_at',
            'i.updated_at as i_updated_at',
            'cu.id as cu_id',
            'cu.external_id as cu_external_id',
            'cu.name as cu_name',
            'cu.created_at as cu_created_at',
            'cu.updated_at as cu_updated_at',
          ])
          .selectAll('cn')
          // One scalar subquery per state object: the states ride on the instance's row(s), no extra query.
          .select((eb) =>
            stateKeys.map((_, n) =>
              eb
                .selectFrom('instance_state as st')
                .select('st.value')
                .whereRef('st.instance_id', '=', 'i.id')
                .where('st.scope', '=', param<string>(`scope${n}`))
                .where('st.key', '=', param<string>(`key${n}`))
                .as(`st_${n}`),
            ),
          )
          // SQLite: the snapshot's change_seq, read in the same statement as the snapshot itself.
          .$if(sqlite, (q) => q.select(sql<number>`i.change_seq`.as('i_change_seq')))
          .where('i.id', '=', param<string>('id'))
          .orderBy('cn.created_at')
          .orderBy('cn.id'),
      values,
    );
    const first = rows[0];
    if (!first) return undefined;
    const instance = toInstance({
      id: first.i_id,
      customer_id: first.i_customer_id,
      name: first.i_name,
      component_keys: first.i_component_keys,
      config: first.i_config,
      status: first.i_status,
      created_at: first.i_created_at,
      updated_at: first.i_updated_at,
    });
    const customer =
      first.cu_id === null ||
      first.cu_name === null ||
      first.cu_created_at === null ||
      first.cu_updated_at === null
        ? undefined
        : toCustomer({
            id: first.cu_id,
            external_id: first.cu_external_id,
            name: first.cu_name,
            created_at: first.cu_created_at,
            updated_at: first.cu_updated_at,
          });
    const connections: Connection[] = [];
    for (const row of rows) {
      // The left join's connection columns are all null only on the one row of an instance without any; a
      // row with an id is a whole connections row (its NOT NULL columns hold values).
      if (row.id === null) continue;
      connections.push(this.#toConnection(row as Selectable<ConnectionsTable>));
    }
    const cells = first as Record<string, unknown>;
    const stateValues = stateKeys.map((_, n) => {
      const text = cells[`st_${n}`];
      return typeof text === 'string' ? parseJsonObject(text, 'instance state') : undefined;
    });
    const version = cells['i_change_seq'];
    return {
      value: { instance, customer, connections, states: stateValues },
      version: typeof version === 'number' ? version : undefined,
    };
  }

  async listInstances(filter: { readonly customerId?: string } = {}): Promise<Instance[]> {
    const rows = await this.#db
      .selectFrom('instances')
      .selectAll()
      .$if(filter.customerId !== undefined, (q) => q.where('customer_id', '=', filter.customerId ?? ''))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toInstance);
  }

  async updateInstance(id: string, patch: InstancePatch): Promise<Instance> {
    const data = parseInput(instancePatchSchema, patch, 'instance update');
    const row = await this.#db
      .updateTable('instances')
      .set({
        ...(data.name !== undefined ? { name: data.name } : {}),
        ...(data.componentKeys !== undefined ? { component_keys: json(data.componentKeys) } : {}),
        ...(data.config !== undefined ? { config: json(data.config) } : {}),
        ...(data.status !== undefined ? { status: data.status } : {}),
        updated_at: this.#now(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('instance', id);
    return toInstance(row);
  }

  async deleteInstance(id: string): Promise<void> {
    await this.#db.deleteFrom('instances').where('id', '=', id).execute();
  }

  // -- connections ---------------------------------------------------------------------------------------

  async createConnection(input: NewConnection, options: ConnectionWriteOptions = {}): Promise<Connection> {
    const data = parseInput(newConnectionSchema, input, 'connection');
    const events = this.#prepareEvents(options.events);
    const now = this.#now();
    const id = data.id ?? randomUUID();
    const values = {
      id,
      instance_id: data.instanceId,
      name: data.name,
      component_key: data.componentKey,
      definition_key: data.definitionKey,
      grant_type: data.grantType,
      fields: json(data.fields ?? {}),
      secret_fields: this.#encrypt('connections', id, 'secret_fields', json(data.secretFields ?? {})),
      token_set:
        data.tokenSet == null ? null : this.#encrypt('connections', id, 'token_set', json(data.tokenSet)),
      context: contextCell(data.context, (text) => this.#encrypt('connections', id, CONTEXT_COLUMN, text)),
      expires_at: data.expiresAt ?? null,
      refresh_at: data.refreshAt ?? null,
      scopes: json(data.scopes ?? []),
      status: data.status ?? 'pending',
      last_error: null,
      version: 1,
      refresh_failures: 0,
      cooldown_until: null,
      lease_owner: null,
      lease_until: null,
      created_at: now,
      updated_at: now,
      connected_at: data.connectedAt ?? null,
    };
    const row = await this.#withEvents(
      'connection-insert',
      (db, param) => db.insertInto('connections').values(parameters(values, param)).returningAll(),
      values,
      events,
    ).catch((err: unknown) =>
      translateWriteError(err, `Connection "${data.name}" of instance "${data.instanceId}"`),
    );
    if (!row)
      throw new KeywayError('KW_STORE_UNAVAILABLE', { message: 'The connection insert returned no row' });
    return this.#toConnection(row);
  }

  async getConnection(id: string): Promise<Connection | undefined> {
    // Read at both ends of every connect flow and on every refresh: built once (see QueryTemplates).
    const [row] = await this.#templates.run(
      'connection-by-id',
      (db, param) => db.selectFrom('connections').selectAll().where('id', '=', param<string>('id')),
      { id },
    );
    return row && this.#toConnection(row);
  }

  async getConnectionByName(instanceId: string, name: string): Promise<Connection | undefined> {
    const row = await this.#db
      .selectFrom('connections')
      .selectAll()
      .where('instance_id', '=', instanceId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && this.#toConnection(row);
  }

  async listConnections(filter: ConnectionFilter = {}): Promise<Connection[]> {
    const rows = await this.#db
      .selectFrom('connections')
      .selectAll()
      .$if(filter.instanceId !== undefined, (q) => q.where('instance_id', '=', filter.instanceId ?? ''))
      .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status ?? 'pending'))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => this.#toConnection(row));
  }

  async updateConnection(
    id: string,
    patch: ConnectionPatch,
    options: ConnectionWriteOptions = {},
  ): Promise<Connection> {
    const set = this.#connectionSet(id, parseInput(connectionPatchSchema, patch, 'connection update'));
    const events = this.#prepareEvents(options.events);
    // Built once per set of columns (see QueryTemplates): every connect flow ends here.
    const row = await this.#withEvents(
      `connection-update:${Object.keys(set).join(',')}`,
      (db, param) =>
        db
          .updateTable('connections')
          .set({ ...parameters(set, param), version: sql<number>`version + 1` })
          .where('id', '=', param<string>('where_id'))
          .returningAll(),
      { ...set, where_id: id },
      events,
    ).catch((err: unknown) => translateWriteError(err, connectionWriteSubject(id, events)));
    if (!row) throw notFound('connection', id);
    return this.#toConnection(row);
  }

  async compareAndSetConnectionTokens(
    id: string,
    expectedVersion: number,
    patch: ConnectionPatch,
    options: ConnectionWriteOptions = {},
  ): Promise<CompareAndSetResult> {
    const expected = parseInput(positiveInt, expectedVersion, 'expected version');
    const set = this.#connectionSet(id, parseInput(connectionPatchSchema, patch, 'connection update'));
    const events = this.#prepareEvents(options.events);
    // The version guard in the WHERE clause makes the update atomic on both engines; events are written only
    // when the row matched, atomically with it (see #withEvents). Built once per set of columns: every refresh
    // ends here.
    const row = await this.#withEvents(
      `connection-cas:${Object.keys(set).join(',')}`,
      (db, param) =>
        db
          .updateTable('connections')
          .set({ ...parameters(set, param), version: param<number>('next_version') })
          .where('id', '=', param<string>('where_id'))
          .where('version', '=', param<number>('where_version'))
          .returningAll(),
      { ...set, next_version: expected + 1, where_id: id, where_version: expected },
      events,
    ).catch((err: unknown) => translateWriteError(err, connectionWriteSubject(id, events)));
    if (row) return { ok: true, connection: this.#toConnection(row) };
    const current = await this.getConnection(id);
    if (!current) throw notFound('connection', id);
    return { ok: false, current };
  }

  async deleteConnection(id: string): Promise<void> {
    await this.#db.deleteFrom('connections').where('id', '=', id).execute();
  }

  withConnectionLock<T>(id: string, options: LockOptions, fn: (lease: LockLease) => Promise<T>): Promise<T> {
    const timeoutMs = parseInput(epoch, options.timeoutMs, 'lock timeout');
    return this.#handle.lock(`connection:${id}`, { ...options, timeoutMs }, fn);
  }

  async claimDueRefreshes(options: ClaimOptions): Promise<RefreshClaim[]> {
    const { now, limit, leaseMs, owner } = parseInput(claimSchema, options, 'claim options');
    const postgres = this.engine === 'postgres';
    // SQLite: one UPDATE inside an IMMEDIATE transaction holds the only write lock while it picks rows.
    // PostgreSQL: SKIP LOCKED lets concurrent claimers pass each other's rows; the lease re-check on the
    // locked row version keeps a just-claimed row out.
    const rows = await this.#db.transaction().execute((trx) =>
      trx
        .updateTable('connections')
        .set({ lease_owner: owner, lease_until: now + leaseMs })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('connections')
            .select('id')
            .where('status', '=', 'connected')
            .where('refresh_at', 'is not', null)
            .where('refresh_at', '<=', now)
            .where((w) => w.or([w('cooldown_until', 'is', null), w('cooldown_until', '<=', now)]))
            .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]))
            .orderBy('refresh_at')
            .limit(limit)
            .$if(postgres, (q) => q.forUpdate().skipLocked()),
        )
        .returning(['id', 'version', 'refresh_at'])
        .execute(),
    );
    return rows.map((row) => ({
      id: row.id,
      version: num(row.version, `connection ${row.id} version`),
      refreshAt: numOrNull(row.refresh_at, `connection ${row.id} refresh_at`),
    }));
  }

  async releaseRefreshClaim(id: string, owner: string): Promise<void> {
    await this.#db
      .updateTable('connections')
      .set({ lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  #connectionSet(id: string, data: z.output<typeof connectionPatchSchema>): Partial<ConnectionsTable> {
    const set: Partial<ConnectionsTable> = { updated_at: this.#now() };
    if (data.componentKey !== undefined) set.component_key = data.componentKey;
    if (data.definitionKey !== undefined) set.definition_key = data.definitionKey;
    if (data.grantType !== undefined) set.grant_type = data.grantType;
    if (data.fields !== undefined) set.fields = json(data.fields);
    if (data.secretFields !== undefined) {
      set.secret_fields = this.#encrypt('connections', id, 'secret_fields', json(data.secretFields));
    }
    if (data.tokenSet !== undefined) {
      set.token_set =
        data.tokenSet === null ? null : this.#encrypt('connections', id, 'token_set', json(data.tokenSet));
    }
    if (data.context !== undefined) {
      set.context = contextCell(data.context, (text) =>
        this.#encrypt('connections', id, CONTEXT_COLUMN, text),
      );
    }
    if (data.expiresAt !== undefined) set.expires_at = data.expiresAt;
    if (data.refreshAt !== undefined) set.refresh_at = data.refreshAt;
    if (data.scopes !== undefined) set.scopes = json(data.scopes);
    if (data.status !== undefined) set.status = data.status;
    if (data.lastError !== undefined) set.last_error = data.lastError === null ? null : json(data.lastError);
    if (data.refreshFailures !== undefined) set.refresh_failures = data.refreshFailures;
    if (data.cooldownUntil !== undefined) set.cooldown_until = data.cooldownUntil;
    if (data.connectedAt !== undefined) set.connected_at = data.connectedAt;
    return set;
  }

  #toConnection(row: Selectable<ConnectionsTable>): Connection {
    const where = `connection ${row.id}`;
    return {
      id: row.id,
      instanceId: row.instance_id,
      name: row.name,
      componentKey: row.component_key,
      definitionKey: row.definition_key,
      grantType: row.grant_type,
      fields: parseJsonObject(row.fields, `${where} fields`),
      secretFields: parseJsonObject(
        this.#decrypt('connections', row.id, 'secret_fields', row.secret_fields),
        `${where} secret fields`,
      ),
      tokenSet:
        row.token_set === null
          ? null
          : parseJsonObject(
              this.#decrypt('connections', row.id, 'token_set', row.token_set),
              `${where} token set`,
            ),
      context:
        row.context === null
          ? {}
          : parseJsonObject(
              this.#decrypt('connections', row.id, CONTEXT_COLUMN, row.context),
              `${where} context`,
            ),
      expiresAt: numOrNull(row.expires_at, `${where} expires_at`),
      refreshAt: numOrNull(row.refresh_at, `${where} refresh_at`),
      scopes: parseStringArray(row.scopes, `${where} scopes`),
      status: member(CONNECTION_STATUSES, row.status, `${where} status`),
      lastError:
        row.last_error === null ? null : parseJson(row.last_error, connectionError, `${where} last_error`),
      version: num(row.version, `${where} version`),
      refreshFailures: num(row.refresh_failures, `${where} refresh_failures`),
      cooldownUntil: numOrNull(row.cooldown_until, `${where} cooldown_until`),
      createdAt: num(row.created_at, `${where} created_at`),
      updatedAt: num(row.updated_at, `${where} updated_at`),
      connectedAt: numOrNull(row.connected_at, `${where} connected_at`),
    };
  }

  // -- auth sessions -------------------------------------------------------------------------------------

  async createAuthSession(input: NewAuthSession): Promise<AuthSession> {
    const data = parseInput(newAuthSessionSchema, input, 'auth session');
    const values: Selectable<AuthSessionsTable> = {
      state: data.state,
      connection_id: data.connectionId,
      code_verifier:
        data.codeVerifier == null
          ? null
          : this.#encrypt('auth_sessions', data.state, 'code_verifier', data.codeVerifier),
      browser_binding: data.browserBinding ?? null,
      redirect_uri: data.redirectUri,
      return_to: data.returnTo ?? null,
      nonce: data.nonce ?? null,
      scopes: json(data.scopes ?? []),
      extra: json(data.extra ?? {}),
      created_at: this.#now(),
      expires_at: data.expiresAt,
      consumed_at: null,
    };
    // Built once (see QueryTemplates): every connect flow starts here.
    const [row] = await this.#templates
      .run(
        'auth-session-insert',
        (db, param) => db.insertInto('auth_sessions').values(parameters(values, param)).returningAll(),
        values,
      )
      .catch((err: unknown) => translateWriteError(err, 'An auth session with this state'));
    if (!row)
      throw new KeywayError('KW_STORE_UNAVAILABLE', { message: 'The auth session insert returned no row' });
    return this.#toAuthSession(row);
  }

  async getAuthSession(state: string): Promise<AuthSession | undefined> {
    const row = await this.#db
      .selectFrom('auth_sessions')
      .selectAll()
      .where('state', '=', state)
      .executeTakeFirst();
    return row && this.#toAuthSession(row);
  }

  async consumeAuthSession(state: string, options: ConsumeAuthSessionOptions): Promise<ConsumedAuthSession> {
    const now = parseInput(epoch, options.now, 'now');
    const binding = options.browserBinding ?? null;
    // All conditions in one UPDATE: whichever process gets there first consumes it, nobody else can. Built
    // once per binding case (see QueryTemplates): every callback runs it.
    const shape = binding === null ? 'auth-session-consume:unbound' : 'auth-session-consume:bound';
    const consume = (db: Db, param: Param) =>
      db
        .updateTable('auth_sessions')
        .set({ consumed_at: param<number>('now') })
        .where('state', '=', param<string>('state'))
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', param<number>('now'))
        .where((w) =>
          w.or([
            w('browser_binding', 'is', null),
            ...(binding === null ? [] : [w('browser_binding', '=', param<string>('binding'))]),
          ]),
        )
        .returningAll();
    const values = { now, state, binding };
    if (this.engine === 'postgres') {
      // One round trip: the UPDATE as a data-modifying CTE, and the connection read beside it. Each row comes
      // back whole as one jsonb value, so the two tables' columns of the same name cannot clash.
      const compiled = this.#templates.bind(
        `${shape}+connection`,
        (db, param) => {
          const statement = sql<{
            session: Selectable<AuthSessionsTable>;
            connection: Selectable<ConnectionsTable> | null;
          }>`with consumed as (${consume(db, param)}) select to_jsonb(consumed) as session, to_jsonb(c) as connection from consumed left join connections c on c.id = consumed.connection_id`;
          return { compile: () => statement.compile(db) };
        },
        values,
      );
      const [found] = (await this.#db.executeQuery(compiled)).rows;
      if (found) {
        return {
          ...this.#toAuthSession(found.session),
          connection: found.connection === null ? undefined : this.#toConnection(found.connection),
        };
      }
    } else {
      const [row] = await this.#templates.run(shape, consume, values);
      if (row)
        return { ...this.#toAuthSession(row), connection: await this.getConnection(row.connection_id) };
    }

    // Nothing matched: find out why, for the caller and the person behind it.
    const existing = await this.#db
      .selectFrom('auth_sessions')
      .select(['consumed_at', 'expires_at', 'browser_binding'])
      .where('state', '=', state)
      .executeTakeFirst();
    if (!existing) {
      throw new KeywayError('KW_AUTH_SESSION_NOT_FOUND');
    }
    if (existing.consumed_at !== null) {
      throw new KeywayError('KW_AUTH_SESSION_CONSUMED');
    }
    if (num(existing.expires_at, 'auth session expires_at') <= now) {
      throw new KeywayError('KW_AUTH_SESSION_EXPIRED');
    }
    throw new KeywayError('KW_AUTH_SESSION_BROWSER_MISMATCH');
  }

  async deleteExpiredAuthSessions(before: EpochMs): Promise<number> {
    const result = await this.#db
      .deleteFrom('auth_sessions')
      .where('expires_at', '<', parseInput(epoch, before, 'before'))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  #toAuthSession(row: Selectable<AuthSessionsTable>): AuthSession {
    const where = 'auth session';
    return {
      state: row.state,
      connectionId: row.connection_id,
      codeVerifier:
        row.code_verifier === null
          ? null
          : this.#decrypt('auth_sessions', row.state, 'code_verifier', row.code_verifier),
      browserBinding: row.browser_binding,
      redirectUri: row.redirect_uri,
      returnTo: row.return_to,
      nonce: row.nonce,
      scopes: parseStringArray(row.scopes, `${where} scopes`),
      extra: parseJsonObject(row.extra, `${where} extra`),
      createdAt: num(row.created_at, `${where} created_at`),
      expiresAt: num(row.expires_at, `${where} expires_at`),
      consumedAt: numOrNull(row.consumed_at, `${where} consumed_at`),
    };
  }

  // -- device sessions -----------------------------------------------------------------------------------

  async createDeviceSession(input: NewDeviceSession): Promise<DeviceSession> {
    const data = parseInput(newDeviceSessionSchema, input, 'device session');
    const now = this.#now();
    const id = data.id ?? randomUUID();
    const row = await this.#db
      .insertInto('device_sessions')
      .values({
        id,
        connection_id: data.connectionId,
        device_code: this.#encrypt('device_sessions', id, 'device_code', data.deviceCode),
        user_code: data.userCode,
        verification_uri: data.verificationUri,
        verification_uri_complete: data.verificationUriComplete ?? null,
        interval_ms: data.intervalMs,
        next_poll_at: data.nextPollAt ?? now + data.intervalMs,
        expires_at: data.expiresAt,
        status: 'pending',
        created_at: now,
        completed_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => translateWriteError(err, 'A device session with this id'));
    return this.#toDeviceSession(row);
  }

  async getDeviceSession(id: string): Promise<DeviceSession | undefined> {
    const row = await this.#db
      .selectFrom('device_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && this.#toDeviceSession(row);
  }

  async listPendingDeviceSessions(filter: { readonly connectionId?: string } = {}): Promise<DeviceSession[]> {
    const rows = await this.#db
      .selectFrom('device_sessions')
      .selectAll()
      .where('status', '=', 'pending')
      .$if(filter.connectionId !== undefined, (q) => q.where('connection_id', '=', filter.connectionId ?? ''))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map((row) => this.#toDeviceSession(row));
  }

  async updateDeviceSession(id: string, patch: DeviceSessionPatch): Promise<DeviceSession> {
    const data = parseInput(deviceSessionPatchSchema, patch, 'device session update');
    const row = await this.#db
      .updateTable('device_sessions')
      .set({
        ...(data.intervalMs !== undefined ? { interval_ms: data.intervalMs } : {}),
        ...(data.nextPollAt !== undefined ? { next_poll_at: data.nextPollAt } : {}),
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (row) return this.#toDeviceSession(row);
    throw (await this.getDeviceSession(id))
      ? new KeywayError('KW_DEVICE_SESSION_COMPLETED', { details: { id } })
      : new KeywayError('KW_DEVICE_SESSION_NOT_FOUND', { details: { id } });
  }

  async completeDeviceSession(
    id: string,
    outcome: { readonly status: Exclude<DeviceSessionStatus, 'pending'>; readonly now: EpochMs },
  ): Promise<DeviceSession> {
    const data = parseInput(deviceOutcomeSchema, outcome, 'device session outcome');
    const row = await this.#db
      .updateTable('device_sessions')
      .set({ status: data.status, completed_at: data.now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (row) return this.#toDeviceSession(row);
    throw (await this.getDeviceSession(id))
      ? new KeywayError('KW_DEVICE_SESSION_COMPLETED', { details: { id } })
      : new KeywayError('KW_DEVICE_SESSION_NOT_FOUND', { details: { id } });
  }

  #toDeviceSession(row: Selectable<DeviceSessionsTable>): DeviceSession {
    const where = `device session ${row.id}`;
    return {
      id: row.id,
      connectionId: row.connection_id,
      deviceCode: this.#decrypt('device_sessions', row.id, 'device_code', row.device_code),
      userCode: row.user_code,
      verificationUri: row.verification_uri,
      verificationUriComplete: row.verification_uri_complete,
      intervalMs: num(row.interval_ms, `${where} interval_ms`),
      nextPollAt: num(row.next_poll_at, `${where} next_poll_at`),
      expiresAt: num(row.expires_at, `${where} expires_at`),
      status: member(DEVICE_SESSION_STATUSES, row.status, `${where} status`),
      createdAt: num(row.created_at, `${where} created_at`),
      completedAt: numOrNull(row.completed_at, `${where} completed_at`),
    };
  }

  // -- components ----------------------------------------------------------------------------------------

  async putComponent(input: NewPublishedComponent): Promise<PublishedComponent> {
    const data = parseInput(newComponentSchema, input, 'component');
    const row = await this.#db
      .insertInto('components')
      .values({
        key: data.key,
        version: data.version,
        bundle_hash: data.bundleHash,
        manifest: json(data.manifest),
        bundle_path: data.bundlePath ?? null,
        bundle: data.bundle ? Buffer.from(data.bundle) : null,
        published_at: this.#now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => translateWriteError(err, `Component "${data.key}" version ${data.version}`));
    return toComponent(row);
  }

  async getComponent(key: string, version?: number): Promise<PublishedComponent | undefined> {
    const row = await this.#db
      .selectFrom('components')
      .selectAll()
      .where('key', '=', key)
      .$if(version !== undefined, (q) => q.where('version', '=', version ?? 0))
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toComponent(row);
  }

  async getComponentHead(key: string): Promise<ComponentHead | undefined> {
    const row = await this.#db
      .selectFrom('components')
      .select(['version', 'bundle_hash'])
      .where('key', '=', key)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && { version: num(row.version, `component ${key} version`), bundleHash: row.bundle_hash };
  }

  async listComponents(): Promise<PublishedComponent[]> {
    const rows = await this.#db
      .selectFrom('components as c')
      .select(['c.key', 'c.version', 'c.bundle_hash', 'c.manifest', 'c.bundle_path', 'c.published_at'])
      .where('c.version', '=', (eb) =>
        eb
          .selectFrom('components as latest')
          .select((s) => s.fn.max('latest.version').as('v'))
          .whereRef('latest.key', '=', 'c.key'),
      )
      .orderBy('c.key')
      .execute();
    return rows.map((row) => toComponent({ ...row, bundle: null }));
  }

  // -- instance state ------------------------------------------------------------------------------------

  async getState(key: StateKey): Promise<JsonObject | undefined> {
    const k = parseInput(stateKeySchema, key, 'state key');
    const row = await this.#db
      .selectFrom('instance_state')
      .select('value')
      .where('instance_id', '=', k.instanceId)
      .where('scope', '=', k.scope)
      .where('key', '=', k.key ?? '')
      .executeTakeFirst();
    return row && parseJsonObject(row.value, 'instance state');
  }

  async getStates(keys: readonly StateKey[]): Promise<(JsonObject | undefined)[]> {
    const parsed = keys.map((key) => parseInput(stateKeySchema, key, 'state key'));
    if (parsed.length === 0) return [];
    const rows = await this.#db
      .selectFrom('instance_state')
      .select(['instance_id', 'scope', 'key', 'value'])
      .where((eb) =>
        eb.or(
          parsed.map((k) =>
            eb.and([
              eb('instance_id', '=', k.instanceId),
              eb('scope', '=', k.scope),
              eb('key', '=', k.key ?? ''),
            ]),
          ),
        ),
      )
      .execute();
    const byKey = new Map(rows.map((row) => [stateCell(row.instance_id, row.scope, row.key), row.value]));
    return parsed.map((k) => {
      const text = byKey.get(stateCell(k.instanceId, k.scope, k.key ?? ''));
      return text === undefined ? undefined : parseJsonObject(text, 'instance state');
    });
  }

  async putState(key: StateKey, value: JsonObject): Promise<void> {
    const k = parseInput(stateKeySchema, key, 'state key');
    const text = json(parseInput(jsonObject, value, 'state value'));
    const now = this.#now();
    await this.#db
      .insertInto('instance_state')
      .values({ instance_id: k.instanceId, scope: k.scope, key: k.key ?? '', value: text, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['instance_id', 'scope', 'key']).doUpdateSet({ value: text, updated_at: now }),
      )
      .execute()
      .catch((err: unknown) => translateWriteError(err, `State of instance "${k.instanceId}"`));
  }

  async deleteState(key: StateKey): Promise<void> {
    const k = parseInput(stateKeySchema, key, 'state key');
    await this.#db
      .deleteFrom('instance_state')
      .where('instance_id', '=', k.instanceId)
      .where('scope', '=', k.scope)
      .where('key', '=', k.key ?? '')
      .execute();
  }

  // -- outbox --------------------------------------------------------------------------------------------

  #prepareEvents(events: readonly NewOutboxEvent[] | undefined): Selectable<OutboxEventsTable>[] {
    const now = this.#now();
    return (events ?? []).map((input) => {
      const data = parseInput(newEventSchema, input, 'event');
      return {
        id: data.id ?? randomUUID(),
        type: data.type,
        payload: json(data.payload),
        instance_id: data.instanceId ?? null,
        connection_id: data.connectionId ?? null,
        status: 'pending',
        attempts: 0,
        next_attempt_at: data.nextAttemptAt ?? now,
        lease_owner: null,
        lease_until: null,
        last_error: null,
        created_at: now,
        delivered_at: null,
      };
    });
  }

  /**
   * Runs the write template `shape` (an insert or update returning the row; see QueryTemplates) with `values`
   * and, when it returned a row, inserts `events` atomically with it; an unmatched write inserts nothing. On
   * PostgreSQL that is one statement (the write and each event insert as data-modifying CTEs), one round trip
   * instead of BEGIN, write, insert and COMMIT; on SQLite one IMMEDIATE transaction, in-process.
   */
  async #withEvents<R>(
    shape: string,
    write: (db: Db, param: Param) => ReturningWrite<R>,
    values: Readonly<Record<string, unknown>>,
    events: readonly Selectable<OutboxEventsTable>[],
  ): Promise<R | undefined> {
    if (events.length === 0) return (await this.#templates.run(shape, write, values))[0];
    const eventValues: Record<string, unknown> = { ...values };
    events.forEach((event, i) => {
      for (const column of EVENT_COLUMNS) eventValues[`event${i}_${column}`] = event[column];
    });
    if (this.engine === 'postgres') {
      const compiled = this.#templates.bind(
        `${shape}+events:${events.length}`,
        (db, param) => {
          // INSERT … SELECT types bare parameters by their target columns, so no casts are needed.
          const inserts = events.map((_event, i) => {
            const event = eventParameters(param, i);
            return sql`, ${sql.raw(`event_${i}`)} as (insert into outbox_events (${sql.join(
              EVENT_COLUMNS.map((c) => sql.ref(c)),
            )}) select ${sql.join(EVENT_COLUMNS.map((c) => event[c]))} from written)`;
          });
          const statement = sql<R>`with written as (${write(db, param)})${sql.join(inserts, sql``)} select * from written`;
          return { compile: () => statement.compile(db) };
        },
        eventValues,
      );
      const { rows } = await this.#db.executeQuery(compiled);
      return rows[0];
    }
    return this.#db.transaction().execute(async (trx) => {
      const { rows } = await trx.executeQuery(this.#templates.bind(shape, write, values));
      const row = rows[0];
      if (row !== undefined) {
        await trx.executeQuery(
          this.#templates.bind(
            `events-insert:${events.length}`,
            (db, param) =>
              db.insertInto('outbox_events').values(events.map((_event, i) => eventParameters(param, i))),
            eventValues,
          ),
        );
      }
      return row;
    });
  }

  async enqueueEvent(input: NewOutboxEvent): Promise<OutboxEvent> {
    const [values] = this.#prepareEvents([input]);
    if (!values) throw new KeywayError('KW_STORE_INVALID_INPUT', { message: 'No event given.' });
    const row = await this.#db
      .insertInto('outbox_events')
      .values(values)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => translateWriteError(err, 'An event with this id'));
    return toEvent(row);
  }

  async getEvent(id: string): Promise<OutboxEvent | undefined> {
    const row = await this.#db
      .selectFrom('outbox_events')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toEvent(row);
  }

  async claimOutboxEvents(options: ClaimOptions): Promise<OutboxEvent[]> {
    const { now, limit, leaseMs, owner } = parseInput(claimSchema, options, 'claim options');
    const postgres = this.engine === 'postgres';
    const rows = await this.#db.transaction().execute((trx) =>
      trx
        .updateTable('outbox_events')
        .set({ lease_owner: owner, lease_until: now + leaseMs })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('outbox_events')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]))
            .orderBy('next_attempt_at')
            .orderBy('created_at')
            .limit(limit)
            .$if(postgres, (q) => q.forUpdate().skipLocked()),
        )
        .returningAll()
        .execute(),
    );
    return rows.map(toEvent).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt);
  }

  async markEventDelivered(id: string, now: EpochMs): Promise<void> {
    const result = await this.#db
      .updateTable('outbox_events')
      .set({
        status: 'delivered',
        delivered_at: parseInput(epoch, now, 'now'),
        lease_owner: null,
        lease_until: null,
        attempts: sql<number>`attempts + 1`,
      })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound('event', id);
  }

  async markEventFailed(id: string, options: MarkEventFailedOptions): Promise<void> {
    const data = parseInput(eventFailureSchema, options, 'event failure');
    const result = await this.#db
      .updateTable('outbox_events')
      .set({
        ...(data.nextAttemptAt === null
          ? { status: 'failed' }
          : { status: 'pending', next_attempt_at: data.nextAttemptAt }),
        last_error: data.error.slice(0, 1000),
        lease_owner: null,
        lease_until: null,
        attempts: sql<number>`attempts + 1`,
      })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound('event', id);
  }

  // -- API keys ------------------------------------------------------------------------------------------

  async createApiKey(input: NewApiKey): Promise<CreatedApiKey> {
    const data = parseInput(newApiKeySchema, input, 'API key');
    const prefix = randomBytes(6).toString('hex');
    const key = `kw_${prefix}_${randomBytes(24).toString('base64url')}`;
    const row = await this.#db
      .insertInto('api_keys')
      .values({
        id: randomUUID(),
        name: data.name,
        prefix,
        hash: sha256(key),
        scopes: json(data.scopes),
        created_at: this.#now(),
        last_used_at: null,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { apiKey: toApiKey(row), key };
  }

  async verifyApiKey(key: string): Promise<ApiKey | undefined> {
    const match = /^kw_([0-9a-f]{12})_[A-Za-z0-9_-]{16,}$/.exec(key);
    if (!match?.[1]) return undefined;
    const row = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .where('prefix', '=', match[1])
      .executeTakeFirst();
    if (!row || row.revoked_at !== null) return undefined;
    const presented = Buffer.from(sha256(key), 'hex');
    const stored = Buffer.from(row.hash, 'hex');
    if (presented.length !== stored.length || !timingSafeEqual(presented, stored)) return undefined;
    const now = this.#now();
    await this.#db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
    return toApiKey({ ...row, last_used_at: now });
  }

  async listApiKeys(): Promise<ApiKey[]> {
    const rows = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string): Promise<void> {
    const result = await this.#db
      .updateTable('api_keys')
      .set({ revoked_at: this.#now() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0 && !(await this.#apiKeyExists(id))) throw notFound('API key', id);
  }

  async #apiKeyExists(id: string): Promise<boolean> {
    return (
      (await this.#db.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst()) !==
      undefined
    );
  }

  // -- executions ----------------------------------------------------------------------------------------

  async createExecution(input: NewExecution): Promise<Execution> {
    const data = parseInput(newExecutionSchema, input, 'execution');
    const row = await this.#db
      .insertInto('executions')
      .values({
        id: data.id ?? randomUUID(),
        instance_id: data.instanceId,
        component_key: data.componentKey,
        action_key: data.actionKey,
        status: 'running',
        started_at: data.startedAt ?? this.#now(),
        finished_at: null,
        duration_ms: null,
        error_code: null,
        error_message: null,
        log: '[]',
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => translateWriteError(err, 'An execution with this id'));
    return toExecution(row);
  }

  async finishExecution(id: string, input: FinishExecution): Promise<Execution> {
    const data = parseInput(finishExecutionSchema, input, 'execution result');
    const finishedAt = data.finishedAt ?? this.#now();
    const row = await this.#db
      .updateTable('executions')
      .set({
        status: data.status,
        finished_at: finishedAt,
        duration_ms: sql<number>`${finishedAt} - started_at`,
        error_code: data.errorCode ?? null,
        error_message: data.errorMessage ?? null,
        ...(data.log !== undefined ? { log: json(data.log) } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('execution', id);
    return toExecution(row);
  }

  async recordExecution(input: FinishedExecution): Promise<Execution> {
    const execution = this.#finishedExecution(input);
    // No RETURNING: everything in the row was just validated, so it is answered from the input. Concurrent
    // runs share one batch (one commit), written off the main thread where the engine allows; see
    // ./execution-writer.
    await this.#executionWriter
      .write(executionRow(execution))
      .catch((err: unknown) => translateWriteError(err, 'An execution with this id'));
    return execution;
  }

  appendExecution(
    input: FinishedExecution,
    onError: (error: unknown, executionId: string) => void,
  ): Promise<void> | undefined {
    const row = executionRow(this.#finishedExecution(input));
    return this.#executionWriter.append(row, this.#rowErrorHandler(onError));
  }

  /** Handlers of failed rows by the caller's handler: one per caller's handler, not one per row. */
  readonly #rowErrorHandlers = new WeakMap<
    (error: unknown, executionId: string) => void,
    (error: unknown, row: ExecutionRow) => void
  >();

  #rowErrorHandler(
    onError: (error: unknown, executionId: string) => void,
  ): (error: unknown, row: ExecutionRow) => void {
    let handler = this.#rowErrorHandlers.get(onError);
    if (handler === undefined) {
      handler = (error, row) => onError(writeError(error, 'An execution with this id'), row.id);
      this.#rowErrorHandlers.set(onError, handler);
    }
    return handler;
  }

  /** A finished run's record, validated, with the defaults filled in. */
  #finishedExecution(input: FinishedExecution): Execution {
    // One call per action run: a well-formed record is checked by hand and read as it is; zod (and its
    // messages) for the rest.
    const fast = wellFormedRecord(input);
    const started = fast ? input : parseInput(newExecutionSchema, input, 'execution');
    const finished = fast ? input : parseInput(finishExecutionSchema, input, 'execution result');
    const now = this.#now();
    const startedAt = started.startedAt ?? now;
    const finishedAt = finished.finishedAt ?? now;
    return {
      id: started.id ?? randomUUID(),
      instanceId: started.instanceId,
      componentKey: started.componentKey,
      actionKey: started.actionKey,
      status: finished.status,
      startedAt,
      finishedAt,
      durationMs: finishedAt - startedAt,
      errorCode: finished.errorCode ?? null,
      errorMessage: finished.errorMessage ?? null,
      // Entries copied with only the fields a log entry has, as zod would leave them.
      log:
        finished.log === undefined || finished.log.length === 0
          ? []
          : finished.log.map((entry) => ({ at: entry.at, level: entry.level, message: entry.message })),
    };
  }

  async getExecution(id: string): Promise<Execution | undefined> {
    // Records are written in batches (see ./execution-writer): what this process queued is read back too.
    await this.#executionWriter.flush();
    const row = await this.#db.selectFrom('executions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toExecution(row);
  }

  async listExecutions(filter: ExecutionFilter = {}): Promise<Execution[]> {
    await this.#executionWriter.flush();
    const rows = await this.#db
      .selectFrom('executions')
      .selectAll()
      .$if(filter.instanceId !== undefined, (q) => q.where('instance_id', '=', filter.instanceId ?? ''))
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1000))
      .execute();
    return rows.map(toExecution);
  }

  // -- rotation support ----------------------------------------------------------------------------------

  /**
   * How many cells of `target` are not yet under the primary key. Used by `rotateKeys` for its progress
   * total.
   */
  async countStale(target: EncryptedColumn): Promise<number> {
    const prefix = `v1.${this.#keys.primaryId}.`;
    const row = await this.#db
      .selectFrom(target.table)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where(sql.ref(target.column), 'is not', null)
      .where(sql`substr(${sql.ref(target.column)}, 1, ${sql.lit(prefix.length)})`, '<>', prefix)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Re-encrypts up to `limit` cells of `target` whose id sorts after `afterId` and that are not under the
   * primary key, in one transaction. Each update is conditional on the old ciphertext, so a concurrent
   * writer (who always writes under the primary key) wins and nothing is lost. Returns the last id seen
   * (to resume from) and how many cells were rewritten, or `undefined` when there is nothing left.
   */
  async reencryptBatch(
    target: EncryptedColumn,
    afterId: string,
    limit: number,
  ): Promise<
    | { lastId: string; rewritten: number; seen: number; failures: { id: string; code: ErrorCode }[] }
    | undefined
  > {
    const prefix = `v1.${this.#keys.primaryId}.`;
    const idRef = sql.ref(target.idColumn);
    const colRef = sql.ref(target.column);
    return this.#db.transaction().execute(async (trx) => {
      const result = await sql<{ id: string; value: string }>`
        select ${idRef} as id, ${colRef} as value from ${sql.table(target.table)}
        where ${colRef} is not null
          and substr(${colRef}, 1, ${sql.lit(prefix.length)}) <> ${prefix}
          and ${idRef} > ${afterId}
        order by ${idRef}
        limit ${sql.lit(limit)}`.execute(trx);
      const rows = result.rows;
      const last = rows[rows.length - 1];
      if (!last) return undefined;
      let rewritten = 0;
      const failures: { id: string; code: ErrorCode }[] = [];
      for (const row of rows) {
        const aad = cellAad(target.table, row.id, target.column);
        let plaintext: string;
        try {
          plaintext = this.#keys.decrypt(row.value, aad);
        } catch (err) {
          // A cell that does not decrypt stays as it is (and keeps failing on read); rotation goes on
          // and reports it rather than leaving every later row on the old key.
          if (!(err instanceof KeywayError)) throw err;
          failures.push({ id: row.id, code: err.code });
          continue;
        }
        const fresh = this.#keys.encrypt(plaintext, aad);
        const updated = await sql`
          update ${sql.table(target.table)} set ${colRef} = ${fresh}
          where ${idRef} = ${row.id} and ${colRef} = ${row.value}`.execute(trx);
        rewritten += Number(updated.numAffectedRows ?? 0);
      }
      return { lastId: last.id, rewritten, seen: rows.length, failures };
    });
  }

  // Reliability: see ./replicas and ./refresh-markers.
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

  putRefreshMarker(marker: RefreshMarker): Promise<void> {
    return this.#refreshMarkers.put(marker);
  }

  getRefreshMarker(connectionId: string): Promise<RefreshMarker | undefined> {
    return this.#refreshMarkers.get(connectionId);
  }

  deleteRefreshMarker(connectionId: string, grantFingerprint: string): Promise<void> {
    return this.#refreshMarkers.delete(connectionId, grantFingerprint);
  }

  async close(): Promise<void> {
    // Queued execution records are committed (or fail) before the handle goes; a writer thread ends here.
    await this.#executionWriter.close();
    await this.#snapshots.close();
    await this.#handle.close();
  }
}

/** Snapshot cache keys by frozen state-key array (a caller that reuses its array skips building the key). */
const snapshotKeys = new WeakMap<readonly InstanceStateKey[], string>();

/**
 * The snapshot cache key of a request. It only has to tell different requests apart: a snapshot is stored
 * after its state keys were validated.
 */
function snapshotKey(id: string, states: readonly InstanceStateKey[]): string {
  if (states.length === 0) return id;
  const known = snapshotKeys.get(states);
  // `${id}\u0000…`, checked without building that prefix.
  if (known !== undefined && known.charCodeAt(id.length) === 0 && known.startsWith(id)) return known;
  const key = `${id}\u0000${JSON.stringify(states.map((k) => [k.scope, k.key]))}`;
  if (Object.isFrozen(states) && states.every((k) => Object.isFrozen(k))) snapshotKeys.set(states, key);
  return key;
}

// ---------------------------------------------------------------------------------------------------------
// Row mappers for tables without secrets.

/** Reads a row; shared with ./admin. */
export function toCustomer(row: Selectable<CustomersTable>): Customer {
  return {
    id: row.id,
    externalId: row.external_id,
    name: row.name,
    createdAt: num(row.created_at, 'customer created_at'),
    updatedAt: num(row.updated_at, 'customer updated_at'),
  };
}

/** Reads a row; shared with ./admin. */
export function toInstance(row: Selectable<InstancesTable>): Instance {
  const where = `instance ${row.id}`;
  return {
    id: row.id,
    customerId: row.customer_id,
    name: row.name,
    componentKeys: parseStringArray(row.component_keys, `${where} component_keys`),
    config: parseJsonObject(row.config, `${where} config`),
    status: member(INSTANCE_STATUSES, row.status, `${where} status`),
    createdAt: num(row.created_at, `${where} created_at`),
    updatedAt: num(row.updated_at, `${where} updated_at`),
  };
}

function toComponent(row: Selectable<ComponentsTable>): PublishedComponent {
  const where = `component ${row.key}`;
  return {
    key: row.key,
    version: num(row.version, `${where} version`),
    bundleHash: row.bundle_hash,
    manifest: parseJsonObject(row.manifest, `${where} manifest`),
    bundlePath: row.bundle_path,
    bundle: row.bundle === null ? null : new Uint8Array(row.bundle),
    publishedAt: num(row.published_at, `${where} published_at`),
  };
}

function toEvent(row: Selectable<OutboxEventsTable>): OutboxEvent {
  const where = `event ${row.id}`;
  return {
    id: row.id,
    type: row.type,
    payload: parseJsonObject(row.payload, `${where} payload`),
    instanceId: row.instance_id,
    connectionId: row.connection_id,
    status: member(EVENT_STATUSES, row.status, `${where} status`),
    attempts: num(row.attempts, `${where} attempts`),
    nextAttemptAt: num(row.next_attempt_at, `${where} next_attempt_at`),
    lastError: row.last_error,
    createdAt: num(row.created_at, `${where} created_at`),
    deliveredAt: numOrNull(row.delivered_at, `${where} delivered_at`),
  };
}

/** Reads a row; shared with ./admin. */
export function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  const where = `API key ${row.id}`;
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: parseStringArray(row.scopes, `${where} scopes`),
    createdAt: num(row.created_at, `${where} created_at`),
    lastUsedAt: numOrNull(row.last_used_at, `${where} last_used_at`),
    revokedAt: numOrNull(row.revoked_at, `${where} revoked_at`),
  };
}

/** Reads a row; shared with ./admin. */
export function toExecution(row: Selectable<ExecutionsTable>): Execution {
  const where = `execution ${row.id}`;
  return {
    id: row.id,
    instanceId: row.instance_id,
    componentKey: row.component_key,
    actionKey: row.action_key,
    status: member(EXECUTION_STATUSES, row.status, `${where} status`),
    startedAt: num(row.started_at, `${where} started_at`),
    finishedAt: numOrNull(row.finished_at, `${where} finished_at`),
    durationMs: numOrNull(row.duration_ms, `${where} duration_ms`),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    log: parseJson(row.log, logEntries, `${where} log`),
  };
}

/** The map key of one state cell. */
function stateCell(instanceId: string, scope: string, key: string): string {
  return `${instanceId}\n${scope}\n${key}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
