/**
 * {@link AdminStore} over kysely: keyset pagination (a page is the rows after the cursor's `(sort key, id)`,
 * so a page never skips or repeats a row while rows are added), stored webhook endpoints with their secret
 * encrypted, and the audit log.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Expression, Kysely, SelectQueryBuilder, SqlBool } from 'kysely';
import { z } from 'zod';
import { KeywayError } from '../errors';
import type {
  AdminStore,
  AuditEntry,
  ComponentVersion,
  ExecutionPageFilter,
  NewAuditEntry,
  NewWebhookEndpoint,
  Page,
  PageCursor,
  PageRequest,
  StoredWebhookEndpoint,
} from './admin-types';
import type { KeyRing } from './crypto';
import { cellAad } from './crypto';
import type { AuditLogTable, Database, WebhookEndpointsTable } from './schema';
import type { ApiKey, Connection, ConnectionStatus, Customer, Execution, Instance } from './types';

/** What the admin store borrows from the main store: row readers and the execution writer's flush. */
export interface AdminStoreDeps {
  readonly db: Kysely<Database>;
  readonly keys: KeyRing;
  readonly now: () => number;
  readonly toCustomer: (row: Database['customers']) => Customer;
  readonly toInstance: (row: Database['instances']) => Instance;
  readonly toApiKey: (row: Database['api_keys']) => ApiKey;
  readonly toExecution: (row: Database['executions']) => Execution;
  /** Reads a connection by id, decrypted (connections are the one paged table with secrets). */
  readonly getConnection: (id: string) => Promise<Connection | undefined>;
  /** Writes this process's queued execution records, so a page includes them. */
  readonly flushExecutions: () => Promise<void>;
}

const MAX_PAGE = 1000;
const eventsSchema = z.array(z.string()).nullable();

/** Rows after the cursor in `(at, id)` order, ascending or descending. */
function after(at: string, id: string, cursor: PageCursor, direction: 'asc' | 'desc'): Expression<SqlBool> {
  const op = sql.raw(direction === 'asc' ? '>' : '<');
  return sql<SqlBool>`(${sql.ref(at)} ${op} ${cursor.at} or (${sql.ref(at)} = ${cursor.at} and ${sql.ref(id)} ${op} ${cursor.id}))`;
}

/** A page from `limit + 1` rows read: the extra row only says whether there is a next page. */
function toPage<R, T>(
  rows: readonly R[],
  page: PageRequest,
  cursorOf: (row: R) => PageCursor,
  map: (row: R) => T,
): Page<T> {
  const limit = pageLimit(page);
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return { items: kept.map(map), next: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

function pageLimit(page: PageRequest): number {
  return Math.min(Math.max(Math.trunc(page.limit), 1), MAX_PAGE);
}

const int = (value: number | string): number => Number(value);

/** How a table is paged: by `(at, id)`, in one direction. */
interface Keyset<A extends string> {
  readonly at: A;
  readonly direction: 'asc' | 'desc';
}

const byCreation: Keyset<'created_at'> = { at: 'created_at', direction: 'asc' };

/**
 * One page of `query` (a table with its filters) in `keyset` order: the rows after the request's cursor,
 * `limit + 1` read so the extra row says whether there is a next page.
 */
async function pageOf<
  DB,
  TB extends keyof DB,
  A extends string,
  R extends { id: string } & Record<A, number | string>,
  T,
>(
  query: SelectQueryBuilder<DB, TB, R>,
  keyset: Keyset<A>,
  page: PageRequest,
  map: (row: R) => T,
): Promise<Page<T>> {
  const { at, direction } = keyset;
  const cursor = page.after;
  const rows = await query
    .$if(cursor !== undefined, (q) => q.where(after(at, 'id', cursor as PageCursor, direction)))
    .orderBy(sql.ref(at), direction)
    .orderBy(sql.ref('id'), direction)
    .limit(pageLimit(page) + 1)
    .execute();
  return toPage(rows, page, (r) => ({ at: int(r[at]), id: r.id }), map);
}

/** {@link AdminStore} on the main store's database handle. */
export class KyselyAdminStore implements AdminStore {
  readonly #deps: AdminStoreDeps;

  constructor(deps: AdminStoreDeps) {
    this.#deps = deps;
  }

  get #db(): Kysely<Database> {
    return this.#deps.db;
  }

  async customersPage(page: PageRequest): Promise<Page<Customer>> {
    const query = this.#db.selectFrom('customers').selectAll();
    return pageOf(query, byCreation, page, this.#deps.toCustomer);
  }

  async instancesPage(
    filter: { readonly customerId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<Instance>> {
    const query = this.#db
      .selectFrom('instances')
      .selectAll()
      .$if(filter.customerId !== undefined, (q) => q.where('customer_id', '=', filter.customerId ?? ''));
    return pageOf(query, byCreation, page, this.#deps.toInstance);
  }

  async connectionsPage(
    filter: { readonly instanceId?: string | undefined; readonly status?: ConnectionStatus | undefined },
    page: PageRequest,
  ): Promise<Page<Connection>> {
    const query = this.#db
      .selectFrom('connections')
      .select(['id', 'created_at'])
      .$if(filter.instanceId !== undefined, (q) => q.where('instance_id', '=', filter.instanceId ?? ''))
      .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status ?? 'pending'));
    const ids = await pageOf(query, byCreation, page, (r) => r.id);
    // The secrets are decrypted by the main store's reader; a row deleted in between is left out.
    const found = await Promise.all(ids.items.map((id) => this.#deps.getConnection(id)));
    return { items: found.filter((c): c is Connection => c !== undefined), next: ids.next };
  }

  async executionsPage(filter: ExecutionPageFilter, page: PageRequest): Promise<Page<Execution>> {
    await this.#deps.flushExecutions();
    const query = this.#db
      .selectFrom('executions')
      .selectAll()
      .$if(filter.instanceId !== undefined, (q) => q.where('instance_id', '=', filter.instanceId ?? ''))
      .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status ?? 'running'));
    return pageOf(query, { at: 'started_at', direction: 'desc' }, page, this.#deps.toExecution);
  }

  async apiKeysPage(page: PageRequest): Promise<Page<ApiKey>> {
    const query = this.#db.selectFrom('api_keys').selectAll();
    return pageOf(query, byCreation, page, this.#deps.toApiKey);
  }

  async componentVersionsPage(key: string, page: PageRequest): Promise<Page<ComponentVersion>> {
    const rows = await this.#db
      .selectFrom('components')
      .select(['key', 'version', 'bundle_hash', 'published_at'])
      .where('key', '=', key)
      .$if(page.after !== undefined, (q) => q.where('version', '>', page.after?.at ?? 0))
      .orderBy('version')
      .limit(pageLimit(page) + 1)
      .execute();
    return toPage(
      rows,
      page,
      (r) => ({ at: int(r.version), id: r.key }),
      (r) => ({
        key: r.key,
        version: int(r.version),
        bundleHash: r.bundle_hash,
        publishedAt: int(r.published_at),
      }),
    );
  }

  async createWebhookEndpoint(input: NewWebhookEndpoint): Promise<StoredWebhookEndpoint> {
    const aad = cellAad('webhook_endpoints', input.id, 'secret');
    const row: WebhookEndpointsTable = {
      id: input.id,
      url: input.url,
      secret: this.#deps.keys.encrypt(input.secret, aad),
      events: input.events ? JSON.stringify(input.events) : null,
      created_at: this.#deps.now(),
    };
    const existing = await this.getWebhookEndpoint(input.id);
    if (existing) throw conflict(input.id);
    await this.#db
      .insertInto('webhook_endpoints')
      .values(row)
      .execute()
      .catch((err: unknown) => {
        // Two creations of the same id racing: the primary key decides.
        const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
        if (code === '23505' || code.startsWith('SQLITE_CONSTRAINT')) throw conflict(input.id);
        throw err;
      });
    return this.#toEndpoint(row);
  }

  async getWebhookEndpoint(id: string): Promise<StoredWebhookEndpoint | undefined> {
    const row = await this.#db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && this.#toEndpoint(row);
  }

  async listWebhookEndpoints(): Promise<StoredWebhookEndpoint[]> {
    const rows = await this.#db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => this.#toEndpoint(row));
  }

  async deleteWebhookEndpoint(id: string): Promise<void> {
    const result = await this.#db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw new KeywayError('KW_STORE_NOT_FOUND', { message: `No webhook endpoint "${id}".` });
    }
  }

  #toEndpoint(row: WebhookEndpointsTable): StoredWebhookEndpoint {
    const events = row.events === null ? null : eventsSchema.parse(JSON.parse(row.events));
    return {
      id: row.id,
      url: row.url,
      secret: this.#deps.keys.decrypt(row.secret, cellAad('webhook_endpoints', row.id, 'secret')),
      events,
      createdAt: int(row.created_at),
    };
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    const row: AuditLogTable = {
      id: randomUUID(),
      at: this.#deps.now(),
      actor_key_id: entry.actorKeyId,
      actor_name: entry.actorName,
      action: entry.action,
      target: entry.target,
      status: entry.status,
    };
    await this.#db.insertInto('audit_log').values(row).execute();
    return toAudit(row);
  }

  async auditPage(page: PageRequest): Promise<Page<AuditEntry>> {
    return pageOf(
      this.#db.selectFrom('audit_log').selectAll(),
      { at: 'at', direction: 'desc' },
      page,
      toAudit,
    );
  }
}

function conflict(id: string): KeywayError {
  return new KeywayError('KW_STORE_CONFLICT', { message: `A webhook endpoint "${id}" already exists.` });
}

function toAudit(row: AuditLogTable): AuditEntry {
  return {
    id: row.id,
    at: int(row.at),
    actorKeyId: row.actor_key_id,
    actorName: row.actor_name,
    action: row.action,
    target: row.target,
    status: int(row.status),
  };
}
