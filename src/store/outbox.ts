/**
 * The outbox: events written atomically with the change they announce, claimed and delivered at least once
 * by the dispatcher.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Compilable, OperationNodeSource, Selectable } from 'kysely';
import { z } from 'zod';
import { KeywayError } from '../errors';
import type { Db, StoreContext } from './context';
import {
  claimSchema,
  epoch,
  intColumn,
  intOrNullColumn,
  jsonObject,
  jsonObjectColumn,
  nonEmpty,
  notFound,
  parseInput,
  parseRow,
  translateWriteError,
} from './rows';
import type { OutboxEventsTable } from './schema';
import type { Param } from './templates';
import type { ClaimOptions, EpochMs, MarkEventFailedOptions, NewOutboxEvent, OutboxEvent } from './types';

const newEventSchema = z.object({
  id: nonEmpty.optional(),
  type: nonEmpty,
  payload: jsonObject,
  instanceId: nonEmpty.nullable().optional(),
  connectionId: nonEmpty.nullable().optional(),
  nextAttemptAt: epoch.optional(),
});
/** The outbox row of a new event, pending and due at `nextAttemptAt` (default: `now`). */
export function newEventRow(
  event: z.output<typeof newEventSchema>,
  now: number,
): Selectable<OutboxEventsTable> {
  return {
    id: event.id ?? randomUUID(),
    type: event.type,
    payload: JSON.stringify(event.payload),
    instance_id: event.instanceId ?? null,
    connection_id: event.connectionId ?? null,
    status: 'pending',
    attempts: 0,
    next_attempt_at: event.nextAttemptAt ?? now,
    lease_owner: null,
    lease_until: null,
    last_error: null,
    created_at: now,
    delivered_at: null,
  };
}

const eventFailureSchema = z.object({ nextAttemptAt: epoch.nullable(), error: z.string() });
const eventRow = z
  .object({
    id: z.string(),
    type: z.string(),
    payload: jsonObjectColumn,
    instance_id: z.string().nullable(),
    connection_id: z.string().nullable(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: intColumn,
    next_attempt_at: intColumn,
    last_error: z.string().nullable(),
    created_at: intColumn,
    delivered_at: intOrNullColumn,
  })
  .transform((row): OutboxEvent => ({
    id: row.id,
    type: row.type,
    payload: row.payload,
    instanceId: row.instance_id,
    connectionId: row.connection_id,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  }));

/** Reads an outbox row; `KW_STORE_CORRUPT_ROW` when it does not have an event's shape. */
export function toEvent(row: Selectable<OutboxEventsTable>): OutboxEvent {
  return parseRow(eventRow, row, `event ${row.id}`);
}

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

/** Event `i` of a template as named parameters `event{i}_{column}`. */
function eventParameters(param: Param, i: number): Selectable<OutboxEventsTable> {
  const row: Record<string, unknown> = {};
  for (const column of EVENT_COLUMNS) row[column] = param(`event${i}_${column}`);
  return row as Selectable<OutboxEventsTable>;
}

/** An insert or update with `returningAll()`, not yet run: {@link Outbox.withEvents} composes it. */
export type ReturningWrite<R> = Compilable<R> &
  OperationNodeSource & { executeTakeFirst(): Promise<R | undefined> };

/** The outbox_events table. */
export class Outbox {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  /** Validated event inputs as rows, ready for {@link Outbox.withEvents}. */
  prepare(events: readonly NewOutboxEvent[] | undefined): Selectable<OutboxEventsTable>[] {
    const now = this.#ctx.now();
    return (events ?? []).map((input) => {
      return newEventRow(parseInput(newEventSchema, input, 'event'), now);
    });
  }

  /**
   * Runs the write template `shape` (an insert or update returning the row; see QueryTemplates) with `values`
   * and, when it returned a row, inserts `events` atomically with it; an unmatched write inserts nothing. On
   * PostgreSQL that is one statement (the write and each event insert as data-modifying CTEs), one round trip
   * instead of BEGIN, write, insert and COMMIT; on SQLite one IMMEDIATE transaction, in-process.
   */
  async withEvents<R>(
    shape: string,
    write: (db: Db, param: Param) => ReturningWrite<R>,
    values: Readonly<Record<string, unknown>>,
    events: readonly Selectable<OutboxEventsTable>[],
  ): Promise<R | undefined> {
    const { templates } = this.#ctx;
    if (events.length === 0) return (await templates.run(shape, write, values))[0];
    const eventValues: Record<string, unknown> = { ...values };
    events.forEach((event, i) => {
      for (const column of EVENT_COLUMNS) eventValues[`event${i}_${column}`] = event[column];
    });
    if (this.#ctx.engine === 'postgres') {
      const compiled = templates.bind(
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
      const { rows } = await this.#ctx.db.executeQuery(compiled);
      return rows[0];
    }
    return this.#ctx.db.transaction().execute(async (trx) => {
      const { rows } = await trx.executeQuery(templates.bind(shape, write, values));
      const row = rows[0];
      if (row !== undefined) {
        await trx.executeQuery(
          templates.bind(
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

  async enqueue(input: NewOutboxEvent): Promise<OutboxEvent> {
    const [values] = this.prepare([input]);
    if (!values) throw new KeywayError('KW_STORE_INVALID_INPUT', { message: 'No event given.' });
    const row = await this.#ctx.db
      .insertInto('outbox_events')
      .values(values)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => translateWriteError(err, 'An event with this id'));
    return toEvent(row);
  }

  async get(id: string): Promise<OutboxEvent | undefined> {
    const row = await this.#ctx.db
      .selectFrom('outbox_events')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toEvent(row);
  }

  async claim(options: ClaimOptions): Promise<OutboxEvent[]> {
    const { now, limit, leaseMs, owner } = parseInput(claimSchema, options, 'claim options');
    const postgres = this.#ctx.engine === 'postgres';
    const rows = await this.#ctx.db.transaction().execute((trx) =>
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

  async markDelivered(id: string, now: EpochMs): Promise<void> {
    const result = await this.#ctx.db
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

  async markFailed(id: string, options: MarkEventFailedOptions): Promise<void> {
    const data = parseInput(eventFailureSchema, options, 'event failure');
    const result = await this.#ctx.db
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
}
