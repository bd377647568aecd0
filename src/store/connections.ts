/**
 * Connections and their tokens: one row per connection of an instance, secrets encrypted, token writes
 * guarded by a version (compare-and-set), refresh claims leased to one refresher at a time.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Selectable, Transaction } from 'kysely';
import { z } from 'zod';
import { KeywayError } from '../errors';
import type { CellCipher } from './cells';
import { CONTEXT_COLUMN, contextCell } from './connection-context';
import { parameters } from './context';
import type { StoreContext } from './context';
import type { Outbox } from './outbox';
import {
  claimSchema,
  epoch,
  intColumn,
  intOrNullColumn,
  json,
  jsonColumn,
  jsonObject,
  jsonObjectColumn,
  nonEmpty,
  notFound,
  num,
  parseInput,
  parseRow,
  stringArray,
  stringArrayColumn,
  translateWriteError,
} from './rows';
import type { ConnectionsTable, Database } from './schema';
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
} from './types';

const positiveInt = z.number().int().positive();
const connectionStatus = z.enum(['pending', 'connected', 'needs_reauthorization', 'error', 'disconnected']);
const connectionError = z.object({ code: z.string(), message: z.string(), at: epoch });
/** The values a new connection may be given and a patch may change. */
const connectionValues = {
  fields: jsonObject.optional(),
  secretFields: jsonObject.optional(),
  tokenSet: jsonObject.nullable().optional(),
  context: jsonObject.nullable().optional(),
  expiresAt: epoch.nullable().optional(),
  refreshAt: epoch.nullable().optional(),
  scopes: stringArray.optional(),
  status: connectionStatus.optional(),
};
const connectionPatchSchema = z.object({
  componentKey: nonEmpty.optional(),
  definitionKey: nonEmpty.optional(),
  grantType: nonEmpty.optional(),
  ...connectionValues,
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
  ...connectionValues,
  connectedAt: epoch.nullable().optional(),
});
/** A connections row; the encrypted cells stay ciphertext here (see {@link toConnection}). */
const connectionRow = z.object({
  id: z.string(),
  instance_id: z.string(),
  name: z.string(),
  component_key: z.string(),
  definition_key: z.string(),
  grant_type: z.string(),
  fields: jsonObjectColumn,
  secret_fields: z.string(),
  token_set: z.string().nullable(),
  context: z.string().nullable(),
  expires_at: intOrNullColumn,
  refresh_at: intOrNullColumn,
  scopes: stringArrayColumn,
  status: connectionStatus,
  last_error: jsonColumn(connectionError).nullable(),
  version: intColumn,
  refresh_failures: intColumn,
  cooldown_until: intOrNullColumn,
  created_at: intColumn,
  updated_at: intColumn,
  connected_at: intOrNullColumn,
});

/** Reads a connections row, decrypting its secret cells; shared with ./instances and ./auth-sessions. */
export function toConnection(cells: CellCipher, row: Selectable<ConnectionsTable>): Connection {
  const where = `connection ${row.id}`;
  const r = parseRow(connectionRow, row, where);
  const secret = (column: string, envelope: string, what: string) =>
    parseRow(jsonObjectColumn, cells.decrypt('connections', r.id, column, envelope), `${where} ${what}`);
  return {
    id: r.id,
    instanceId: r.instance_id,
    name: r.name,
    componentKey: r.component_key,
    definitionKey: r.definition_key,
    grantType: r.grant_type,
    fields: r.fields,
    secretFields: secret('secret_fields', r.secret_fields, 'secret fields'),
    tokenSet: r.token_set === null ? null : secret('token_set', r.token_set, 'token set'),
    context: r.context === null ? {} : secret(CONTEXT_COLUMN, r.context, 'context'),
    expiresAt: r.expires_at,
    refreshAt: r.refresh_at,
    scopes: r.scopes,
    status: r.status,
    lastError: r.last_error,
    version: r.version,
    refreshFailures: r.refresh_failures,
    cooldownUntil: r.cooldown_until,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    connectedAt: r.connected_at,
  };
}

/**
 * What a unique violation of a connection update names. The patch cannot touch a unique column of the
 * connection, so with events it is an event id; without, the connection itself.
 */
function connectionWriteSubject(id: string, events: readonly unknown[]): string {
  return events.length > 0 ? 'An outbox event with this id' : `Connection "${id}" with these values`;
}

/** The connections table. */
export class Connections {
  readonly #ctx: StoreContext;
  readonly #outbox: Outbox;

  constructor(ctx: StoreContext, outbox: Outbox) {
    this.#ctx = ctx;
    this.#outbox = outbox;
  }

  #toConnection(row: Selectable<ConnectionsTable>): Connection {
    return toConnection(this.#ctx.cells, row);
  }

  #encrypt(id: string, column: string, plaintext: string): string {
    return this.#ctx.cells.encrypt('connections', id, column, plaintext);
  }

  async create(input: NewConnection, options: ConnectionWriteOptions = {}): Promise<Connection> {
    const data = parseInput(newConnectionSchema, input, 'connection');
    const events = this.#outbox.prepare(options.events);
    const now = this.#ctx.now();
    const id = data.id ?? randomUUID();
    const values = {
      id,
      instance_id: data.instanceId,
      name: data.name,
      component_key: data.componentKey,
      definition_key: data.definitionKey,
      grant_type: data.grantType,
      fields: json(data.fields ?? {}),
      secret_fields: this.#encrypt(id, 'secret_fields', json(data.secretFields ?? {})),
      token_set: data.tokenSet == null ? null : this.#encrypt(id, 'token_set', json(data.tokenSet)),
      context: contextCell(data.context, (text) => this.#encrypt(id, CONTEXT_COLUMN, text)),
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
    const row = await this.#outbox
      .withEvents(
        'connection-insert',
        (db, param) => db.insertInto('connections').values(parameters(values, param)).returningAll(),
        values,
        events,
      )
      .catch((err: unknown) =>
        translateWriteError(err, `Connection "${data.name}" of instance "${data.instanceId}"`),
      );
    if (!row)
      throw new KeywayError('KW_STORE_UNAVAILABLE', { message: 'The connection insert returned no row' });
    return this.#toConnection(row);
  }

  async get(id: string): Promise<Connection | undefined> {
    // Read at both ends of every connect flow and on every refresh: built once (see QueryTemplates).
    const [row] = await this.#ctx.templates.run(
      'connection-by-id',
      (db, param) => db.selectFrom('connections').selectAll().where('id', '=', param<string>('id')),
      { id },
    );
    return row && this.#toConnection(row);
  }

  async getByName(instanceId: string, name: string): Promise<Connection | undefined> {
    const row = await this.#ctx.db
      .selectFrom('connections')
      .selectAll()
      .where('instance_id', '=', instanceId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && this.#toConnection(row);
  }

  async list(filter: ConnectionFilter = {}): Promise<Connection[]> {
    const rows = await this.#ctx.db
      .selectFrom('connections')
      .selectAll()
      .$if(filter.instanceId !== undefined, (q) => q.where('instance_id', '=', filter.instanceId ?? ''))
      .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status ?? 'pending'))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => this.#toConnection(row));
  }

  async update(
    id: string,
    patch: ConnectionPatch,
    options: ConnectionWriteOptions = {},
  ): Promise<Connection> {
    const set = this.#set(id, parseInput(connectionPatchSchema, patch, 'connection update'));
    const events = this.#outbox.prepare(options.events);
    // Built once per set of columns (see QueryTemplates): every connect flow ends here.
    const row = await this.#outbox
      .withEvents(
        `connection-update:${Object.keys(set).join(',')}`,
        (db, param) =>
          db
            .updateTable('connections')
            .set({ ...parameters(set, param), version: sql<number>`version + 1` })
            .where('id', '=', param<string>('where_id'))
            .returningAll(),
        { ...set, where_id: id },
        events,
      )
      .catch((err: unknown) => translateWriteError(err, connectionWriteSubject(id, events)));
    if (!row) throw notFound('connection', id);
    return this.#toConnection(row);
  }

  /**
   * `patch` of connection `id`, with the outbox `events`, as a compare-and-set to run inside a caller's
   * transaction (a device session's approval, see ./device-sessions): written only while the row still has
   * `expectedVersion`, else `undefined` and nothing written. The input is parsed and the secrets are encrypted
   * now, so bad input fails before any transaction begins. A missing connection is `KW_STORE_NOT_FOUND`, thrown
   * inside the transaction so that it rolls back.
   */
  prepareCompareAndSet(
    id: string,
    expectedVersion: number,
    patch: ConnectionPatch,
    options: ConnectionWriteOptions = {},
  ): (trx: Transaction<Database>) => Promise<Connection | undefined> {
    const expected = parseInput(positiveInt, expectedVersion, 'expected version');
    const set = this.#set(id, parseInput(connectionPatchSchema, patch, 'connection update'));
    const events = this.#outbox.prepare(options.events);
    return async (trx) => {
      const row = await trx
        .updateTable('connections')
        .set({ ...set, version: expected + 1 })
        .where('id', '=', id)
        .where('version', '=', expected)
        .returningAll()
        .executeTakeFirst()
        .catch((err: unknown) => translateWriteError(err, `Connection "${id}" with these values`));
      if (!row) {
        const exists = await trx
          .selectFrom('connections')
          .select('id')
          .where('id', '=', id)
          .executeTakeFirst();
        if (!exists) throw notFound('connection', id);
        return undefined;
      }
      if (events.length > 0) {
        await trx
          .insertInto('outbox_events')
          .values(events)
          .execute()
          .catch((err: unknown) => translateWriteError(err, 'An outbox event with this id'));
      }
      return this.#toConnection(row);
    };
  }

  async compareAndSetTokens(
    id: string,
    expectedVersion: number,
    patch: ConnectionPatch,
    options: ConnectionWriteOptions = {},
  ): Promise<CompareAndSetResult> {
    const expected = parseInput(positiveInt, expectedVersion, 'expected version');
    const set = this.#set(id, parseInput(connectionPatchSchema, patch, 'connection update'));
    const events = this.#outbox.prepare(options.events);
    // The version guard in the WHERE clause makes the update atomic on both engines; events are written only
    // when the row matched, atomically with it (see Outbox.withEvents). Built once per set of columns: every
    // refresh ends here.
    const row = await this.#outbox
      .withEvents(
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
      )
      .catch((err: unknown) => translateWriteError(err, connectionWriteSubject(id, events)));
    if (row) return { ok: true, connection: this.#toConnection(row) };
    const current = await this.get(id);
    if (!current) throw notFound('connection', id);
    return { ok: false, current };
  }

  async delete(id: string): Promise<void> {
    await this.#ctx.db.deleteFrom('connections').where('id', '=', id).execute();
  }

  withLock<T>(id: string, options: LockOptions, fn: (lease: LockLease) => Promise<T>): Promise<T> {
    const timeoutMs = parseInput(epoch, options.timeoutMs, 'lock timeout');
    return this.#ctx.handle.lock(`connection:${id}`, { ...options, timeoutMs }, fn);
  }

  async claimDueRefreshes(options: ClaimOptions): Promise<RefreshClaim[]> {
    const { now, limit, leaseMs, owner } = parseInput(claimSchema, options, 'claim options');
    const postgres = this.#ctx.engine === 'postgres';
    // SQLite: one UPDATE inside an IMMEDIATE transaction holds the only write lock while it picks rows.
    // PostgreSQL: SKIP LOCKED lets concurrent claimers pass each other's rows; the lease re-check on the
    // locked row version keeps a just-claimed row out.
    const rows = await this.#ctx.db.transaction().execute((trx) =>
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
      refreshAt: row.refresh_at === null ? null : num(row.refresh_at, `connection ${row.id} refresh_at`),
    }));
  }

  async releaseRefreshClaim(id: string, owner: string): Promise<void> {
    await this.#ctx.db
      .updateTable('connections')
      .set({ lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  #set(id: string, data: z.output<typeof connectionPatchSchema>): Partial<ConnectionsTable> {
    const set: Partial<ConnectionsTable> = { updated_at: this.#ctx.now() };
    if (data.componentKey !== undefined) set.component_key = data.componentKey;
    if (data.definitionKey !== undefined) set.definition_key = data.definitionKey;
    if (data.grantType !== undefined) set.grant_type = data.grantType;
    if (data.fields !== undefined) set.fields = json(data.fields);
    if (data.secretFields !== undefined) {
      set.secret_fields = this.#encrypt(id, 'secret_fields', json(data.secretFields));
    }
    if (data.tokenSet !== undefined) {
      set.token_set = data.tokenSet === null ? null : this.#encrypt(id, 'token_set', json(data.tokenSet));
    }
    if (data.context !== undefined) {
      set.context = contextCell(data.context, (text) => this.#encrypt(id, CONTEXT_COLUMN, text));
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
}
