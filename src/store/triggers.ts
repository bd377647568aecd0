/**
 * The `trigger_subscriptions` table and the commit of one trigger run. A webhook URL's secret and a
 * subscription's API key are encrypted at rest (the row's identity as associated data); the URL secret is found
 * again by its SHA-256, so a request never decrypts more than the one row it names.
 */
import { createHash } from 'node:crypto';
import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool, Transaction } from 'kysely';
import { z } from 'zod';
import { KeywayError } from '../errors';
import type { Page, PageCursor, PageRequest } from './admin-types';
import type { CellCipher } from './cells';
import type { Db, StoreContext } from './context';
import { newEventRow, toEvent } from './outbox';
import { epoch, intColumn, intOrNullColumn, jsonColumn, jsonObjectColumn, parseRow } from './rows';
import type { Database, TriggerSubscriptionsTable } from './schema';
import { subscriptionStatuses } from './trigger-types';
import type {
  EventPageFilter,
  NewSubscription,
  PollClaimOptions,
  Subscription,
  SubscriptionError,
  SubscriptionPatch,
  SubscriptionStatus,
  TriggerRunCommit,
  TriggerSchedule,
  TriggerStore,
} from './trigger-types';
import type { OutboxEvent, StoreEngine } from './types';

const TABLE = 'trigger_subscriptions';
/** Statuses whose polling subscriptions are run on their schedule. */
const POLLED: readonly SubscriptionStatus[] = ['enabled', 'backing_off'];
const subscriptionError: z.ZodType<SubscriptionError> = z.object({
  code: z.string(),
  message: z.string(),
  at: epoch,
});
const triggerSchedule: z.ZodType<TriggerSchedule> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('interval'), everyMs: z.number() }),
  z.object({ kind: z.literal('cron'), expression: z.string() }),
]);
/** A trigger_subscriptions row; the encrypted cells stay ciphertext here (see {@link KyselyTriggerStore}). */
const subscriptionRow = z.object({
  id: z.string(),
  instance_id: z.string(),
  component_key: z.string(),
  trigger_key: z.string(),
  name: z.string(),
  kind: z.enum(['webhook', 'polling']),
  status: z.enum(subscriptionStatuses),
  inputs: jsonObjectColumn,
  connections: jsonColumn(z.record(z.string(), z.string())),
  webhook_token: z.string().nullable(),
  api_key: z.string().nullable(),
  schedule: jsonColumn(triggerSchedule).nullable(),
  next_run_at: intOrNullColumn,
  failures: intColumn,
  last_error: jsonColumn(subscriptionError).nullable(),
  last_run_at: intOrNullColumn,
  created_at: intColumn,
  updated_at: intColumn,
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function unique(err: unknown, name: string): unknown {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code === '23505' || code.startsWith('SQLITE_CONSTRAINT')) {
    return new KeywayError('KW_STORE_CONFLICT', {
      message: `The instance already has a trigger subscription named "${name}"; choose another name.`,
      details: { name },
    });
  }
  return err;
}

/** The tables paged in (created_at, id) order. */
type PagedTable = 'trigger_subscriptions' | 'outbox_events';

/** Rows after `after` in (created_at, id) order: the keyset condition of a page. */
function pastCursor<TB extends PagedTable>(
  w: ExpressionBuilder<Database, TB>,
  after: PageCursor | undefined,
): Expression<SqlBool> {
  // Both tables have the two columns; Kysely cannot see that through a generic table name.
  const eb = w as unknown as ExpressionBuilder<Database, PagedTable>;
  return eb.or([
    eb('created_at', '>', after?.at ?? 0),
    eb.and([eb('created_at', '=', after?.at ?? 0), eb('id', '>', after?.id ?? '')]),
  ]);
}

/** A page of `items`, with the cursor of its last item when `more` rows follow. */
function pageOf<T extends { readonly createdAt: number; readonly id: string }>(
  items: T[],
  more: boolean,
): Page<T> {
  const last = items[items.length - 1];
  return { items, next: more && last ? { at: last.createdAt, id: last.id } : null };
}

/** The columns a {@link SubscriptionPatch} sets. */
function patchColumns(patch: SubscriptionPatch, now: number): Partial<TriggerSubscriptionsTable> {
  const set: Partial<TriggerSubscriptionsTable> = { updated_at: now };
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.lastError !== undefined) set.last_error = patch.lastError && JSON.stringify(patch.lastError);
  if (patch.nextRunAt !== undefined) set.next_run_at = patch.nextRunAt;
  if (patch.failures !== undefined) set.failures = patch.failures;
  return set;
}

/** {@link TriggerStore} over one store's database and key ring. */
export class KyselyTriggerStore implements TriggerStore {
  readonly #db: Db;
  readonly #cells: CellCipher;
  readonly #now: () => number;
  readonly #engine: StoreEngine;

  constructor(ctx: StoreContext) {
    this.#db = ctx.db;
    this.#cells = ctx.cells;
    this.#now = ctx.now;
    this.#engine = ctx.engine;
  }

  #seal(id: string, column: string, value: string | null): string | null {
    return value === null ? null : this.#cells.encrypt(TABLE, id, column, value);
  }

  #open(id: string, column: string, value: string | null): string | null {
    return value === null ? null : this.#cells.decrypt(TABLE, id, column, value);
  }

  #toSubscription(row: Selectable<TriggerSubscriptionsTable>): Subscription {
    const r = parseRow(subscriptionRow, row, `trigger subscription ${row.id}`);
    return {
      id: r.id,
      instanceId: r.instance_id,
      componentKey: r.component_key,
      triggerKey: r.trigger_key,
      name: r.name,
      kind: r.kind,
      status: r.status,
      inputs: r.inputs,
      connections: r.connections,
      webhookToken: this.#open(r.id, 'webhook_token', r.webhook_token),
      apiKey: this.#open(r.id, 'api_key', r.api_key),
      schedule: r.schedule,
      nextRunAt: r.next_run_at,
      failures: r.failures,
      lastError: r.last_error,
      lastRunAt: r.last_run_at,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  async createSubscription(input: NewSubscription): Promise<Subscription> {
    const now = this.#now();
    const row: TriggerSubscriptionsTable = {
      id: input.id,
      instance_id: input.instanceId,
      component_key: input.componentKey,
      trigger_key: input.triggerKey,
      name: input.name,
      kind: input.kind,
      status: 'enabling',
      inputs: JSON.stringify(input.inputs),
      connections: JSON.stringify(input.connections),
      webhook_token: this.#seal(input.id, 'webhook_token', input.webhookToken),
      webhook_token_hash: input.webhookToken === null ? null : sha256(input.webhookToken),
      api_key: this.#seal(input.id, 'api_key', input.apiKey),
      schedule: input.schedule === null ? null : JSON.stringify(input.schedule),
      next_run_at: null,
      failures: 0,
      last_error: null,
      last_run_at: null,
      lease_owner: null,
      lease_until: null,
      created_at: now,
      updated_at: now,
    };
    const written = await this.#db
      .insertInto(TABLE)
      .values(row)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => {
        throw unique(err, input.name);
      });
    return this.#toSubscription(written);
  }

  async getSubscription(id: string): Promise<Subscription | undefined> {
    const row = await this.#db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
    return row && this.#toSubscription(row);
  }

  async findByWebhookToken(token: string): Promise<Subscription | undefined> {
    const row = await this.#db
      .selectFrom(TABLE)
      .selectAll()
      .where('webhook_token_hash', '=', sha256(token))
      .executeTakeFirst();
    return row && this.#toSubscription(row);
  }

  async listSubscriptions(filter: {
    readonly instanceId?: string;
    readonly status?: SubscriptionStatus;
  }): Promise<Subscription[]> {
    const rows = await this.#db
      .selectFrom(TABLE)
      .selectAll()
      .$if(filter.instanceId !== undefined, (q) => q.where('instance_id', '=', filter.instanceId ?? ''))
      .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status ?? ''))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => this.#toSubscription(row));
  }

  async subscriptionsPage(
    filter: { readonly instanceId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<Subscription>> {
    const after = page.after;
    const rows = await this.#db
      .selectFrom(TABLE)
      .selectAll()
      .$if(filter.instanceId !== undefined, (q) => q.where('instance_id', '=', filter.instanceId ?? ''))
      .$if(after !== undefined, (q) => q.where((w) => pastCursor(w, after)))
      .orderBy('created_at')
      .orderBy('id')
      .limit(page.limit + 1)
      .execute();
    const items = rows.slice(0, page.limit).map((row) => this.#toSubscription(row));
    return pageOf(items, rows.length > page.limit);
  }

  async updateSubscription(id: string, patch: SubscriptionPatch): Promise<Subscription> {
    const row = await this.#db
      .updateTable(TABLE)
      .set(patchColumns(patch, this.#now()))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      throw new KeywayError('KW_STORE_NOT_FOUND', {
        message: `No trigger subscription with id "${id}".`,
        details: { id },
      });
    }
    return this.#toSubscription(row);
  }

  async deleteSubscription(id: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .deleteFrom(TABLE)
        .where('id', '=', id)
        .returning('instance_id')
        .executeTakeFirst();
      if (row) {
        // The subscription's flow state (polling state included) goes with it.
        await trx
          .deleteFrom('instance_state')
          .where('instance_id', '=', row.instance_id)
          .where('scope', '=', 'instance')
          .where('key', '=', id)
          .execute();
      }
    });
  }

  async claimDuePolls(options: PollClaimOptions): Promise<Subscription[]> {
    const { now, limit, leaseMs, owner } = options;
    const postgres = this.#engine === 'postgres';
    // As claimDueRefreshes: SQLite's IMMEDIATE transaction holds the only write lock while it picks rows;
    // PostgreSQL's SKIP LOCKED lets claimers pass each other, the lease re-check keeps a claimed row out.
    const rows = await this.#db.transaction().execute((trx) =>
      trx
        .updateTable(TABLE)
        .set({ lease_owner: owner, lease_until: now + leaseMs })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom(TABLE)
            .select('id')
            .where('kind', '=', 'polling')
            .where('status', 'in', POLLED)
            .where('next_run_at', '<=', now)
            .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]))
            .orderBy('next_run_at')
            .limit(limit)
            .$if(postgres, (q) => q.forUpdate().skipLocked()),
        )
        .returningAll()
        .execute(),
    );
    return rows.map((row) => this.#toSubscription(row));
  }

  async renewPollLease(id: string, owner: string, leaseUntil: number): Promise<boolean> {
    const row = await this.#db
      .updateTable(TABLE)
      .set({ lease_until: leaseUntil })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async releasePoll(id: string, owner: string, patch: SubscriptionPatch): Promise<void> {
    await this.#db
      .updateTable(TABLE)
      .set({ ...patchColumns(patch, this.#now()), lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async commitRun(commit: TriggerRunCommit): Promise<boolean> {
    const now = this.#now();
    return this.#db.transaction().execute(async (trx) => {
      if (!(await this.#holdSubscription(trx, commit, now))) return false;
      await writeStates(trx, commit, now);
      const e = commit.execution;
      await trx
        .insertInto('executions')
        .values({
          id: e.id,
          instance_id: e.instanceId,
          component_key: e.componentKey,
          action_key: e.actionKey,
          status: e.status,
          started_at: e.startedAt,
          finished_at: e.finishedAt,
          duration_ms: e.finishedAt - e.startedAt,
          error_code: e.errorCode,
          error_message: e.errorMessage,
          log: JSON.stringify(e.log),
        })
        .execute();
      if (commit.events.length > 0) {
        await trx
          .insertInto('outbox_events')
          .values(commit.events.map((event) => newEventRow(event, now)))
          .execute();
      }
      return true;
    });
  }

  /**
   * The subscription row first: it is the lease check, and it keeps the row from being deleted under the commit.
   * A run that changes nothing on it (a webhook request while all is well) only share-locks it, so the requests
   * of one subscription commit side by side instead of queueing on one row lock.
   */
  async #holdSubscription(
    trx: Transaction<Database>,
    commit: TriggerRunCommit,
    now: number,
  ): Promise<boolean> {
    if (commit.leaseOwner === undefined && Object.keys(commit.patch).length === 0) {
      const found = await trx
        .selectFrom(TABLE)
        .select('id')
        .where('id', '=', commit.subscriptionId)
        .$if(this.#engine === 'postgres', (q) => q.forKeyShare())
        .executeTakeFirst();
      return found !== undefined;
    }
    const set: Partial<TriggerSubscriptionsTable> = patchColumns(commit.patch, now);
    if (commit.patch.lastRunAt !== undefined) set.last_run_at = commit.patch.lastRunAt;
    if (commit.leaseOwner !== undefined) {
      set.lease_owner = null;
      set.lease_until = null;
    }
    const updated = await trx
      .updateTable(TABLE)
      .set(set)
      .where('id', '=', commit.subscriptionId)
      .$if(commit.leaseOwner !== undefined, (q) => q.where('lease_owner', '=', commit.leaseOwner ?? ''))
      .returning('id')
      .executeTakeFirst();
    return updated !== undefined;
  }

  async eventsPage(filter: EventPageFilter, page: PageRequest): Promise<Page<OutboxEvent>> {
    const after = page.after;
    const rows = await this.#db
      .selectFrom('outbox_events')
      .selectAll()
      .$if(filter.instanceId !== undefined, (q) => q.where('instance_id', '=', filter.instanceId ?? ''))
      .$if(filter.type !== undefined, (q) => q.where('type', '=', filter.type ?? ''))
      .$if(after !== undefined, (q) => q.where((w) => pastCursor(w, after)))
      .orderBy('created_at')
      .orderBy('id')
      .limit(page.limit + 1)
      .execute();
    const items = rows.slice(0, page.limit).map(toEvent);
    return pageOf(items, rows.length > page.limit);
  }
}

async function writeStates(trx: Transaction<Database>, commit: TriggerRunCommit, now: number): Promise<void> {
  for (const state of commit.states) {
    const value = JSON.stringify(state.value);
    await trx
      .insertInto('instance_state')
      .values({ instance_id: commit.instanceId, scope: state.scope, key: state.key, value, updated_at: now })
      .onConflict((oc) => oc.columns(['instance_id', 'scope', 'key']).doUpdateSet({ value, updated_at: now }))
      .execute();
  }
}

/** The migration creating {@link TABLE}. */
export const triggerSubscriptionsMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable(TABLE)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('instance_id', 'text', (c) => c.notNull().references('instances.id').onDelete('cascade'))
      .addColumn('component_key', 'text', (c) => c.notNull())
      .addColumn('trigger_key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('inputs', 'text', (c) => c.notNull())
      .addColumn('connections', 'text', (c) => c.notNull())
      .addColumn('webhook_token', 'text')
      .addColumn('webhook_token_hash', 'text', (c) => c.unique())
      .addColumn('api_key', 'text')
      .addColumn('schedule', 'text')
      .addColumn('next_run_at', 'bigint')
      .addColumn('failures', 'bigint', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('last_run_at', 'bigint')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('trigger_subscriptions_instance_name', ['instance_id', 'name'])
      .execute();
    await db.schema
      .createIndex('trigger_subscriptions_due')
      .on(TABLE)
      .columns(['kind', 'next_run_at'])
      .execute();
    await db.schema
      .createIndex('outbox_events_created')
      .on('outbox_events')
      .columns(['created_at', 'id'])
      .execute();
  },
};
