/**
 * Execution records: one row per action run. A finished run's record is written by group commit (concurrent
 * runs share one batch; see ./execution-writer).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { StoreContext } from './context';
import { openExecutionWriter } from './execution-writer';
import type { ExecutionRow, ExecutionWriter } from './execution-writer';
import {
  epoch,
  intColumn,
  intOrNullColumn,
  json,
  jsonColumn,
  logEntry,
  nonEmpty,
  notFound,
  parseInput,
  parseRow,
  translateWriteError,
} from './rows';
import type { ExecutionsTable } from './schema';
import type { Execution, ExecutionFilter, FinishExecution, FinishedExecution, NewExecution } from './types';

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
const executionRowSchema = z
  .object({
    id: z.string(),
    instance_id: z.string(),
    component_key: z.string(),
    action_key: z.string(),
    status: z.enum(['running', 'succeeded', 'failed']),
    started_at: intColumn,
    finished_at: intOrNullColumn,
    duration_ms: intOrNullColumn,
    error_code: z.string().nullable(),
    error_message: z.string().nullable(),
    log: jsonColumn(z.array(logEntry)),
  })
  .transform((row): Execution => ({
    id: row.id,
    instanceId: row.instance_id,
    componentKey: row.component_key,
    actionKey: row.action_key,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    log: row.log,
  }));

/** Reads a row; shared with ./admin. */
export function toExecution(row: Selectable<ExecutionsTable>): Execution {
  return parseRow(executionRowSchema, row, `execution ${row.id}`);
}

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

/** The executions table. */
export class Executions {
  readonly #ctx: StoreContext;
  /** Group commit of finished execution records; see ./execution-writer. */
  readonly #writer: ExecutionWriter;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    this.#writer = openExecutionWriter(ctx.handle);
  }

  async create(input: NewExecution): Promise<Execution> {
    const data = parseInput(newExecutionSchema, input, 'execution');
    const row = await this.#ctx.db
      .insertInto('executions')
      .values({
        id: data.id ?? randomUUID(),
        instance_id: data.instanceId,
        component_key: data.componentKey,
        action_key: data.actionKey,
        status: 'running',
        started_at: data.startedAt ?? this.#ctx.now(),
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

  async finish(id: string, input: FinishExecution): Promise<Execution> {
    const data = parseInput(finishExecutionSchema, input, 'execution result');
    const finishedAt = data.finishedAt ?? this.#ctx.now();
    const row = await this.#ctx.db
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

  async record(input: FinishedExecution): Promise<Execution> {
    const execution = this.#finished(input);
    // No RETURNING: everything in the row was just validated, so it is answered from the input. Concurrent
    // runs share one batch (one commit); a row that fails alone fails with the store's typed error (see
    // ./execution-writer).
    const row = executionRow(execution);
    const batch = this.#writer.add(row);
    await batch.settled;
    batch.check(row);
    return execution;
  }

  /** A finished run's record, validated, with the defaults filled in. */
  #finished(input: FinishedExecution): Execution {
    // One call per action run: a well-formed record is checked by hand and read as it is; zod (and its
    // messages) for the rest.
    const fast = wellFormedRecord(input);
    const started = fast ? input : parseInput(newExecutionSchema, input, 'execution');
    const finished = fast ? input : parseInput(finishExecutionSchema, input, 'execution result');
    const now = this.#ctx.now();
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

  async get(id: string): Promise<Execution | undefined> {
    // Records are written in batches (see ./execution-writer): what this process queued is read back too.
    await this.#writer.flush();
    const row = await this.#ctx.db
      .selectFrom('executions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toExecution(row);
  }

  async list(filter: ExecutionFilter = {}): Promise<Execution[]> {
    await this.#writer.flush();
    const rows = await this.#ctx.db
      .selectFrom('executions')
      .selectAll()
      .$if(filter.instanceId !== undefined, (q) => q.where('instance_id', '=', filter.instanceId ?? ''))
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1000))
      .execute();
    return rows.map(toExecution);
  }

  /** Writes this process's queued records. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  /** Queued records are committed (or fail) before the handle goes. */
  close(): Promise<void> {
    return this.#writer.flush();
  }
}
