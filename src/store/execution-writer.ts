/**
 * Where finished execution records go. Every action call writes one, so the part of that write done on the
 * caller's (main) thread is kept as small as each engine allows:
 *
 * - SQLite on a file: a worker thread with its own connection to the same file inserts the rows. The main
 *   thread only queues rows and posts them, one batch per turn of the event loop. SQLite spends 15–35 µs of
 *   CPU per inserted row (B-tree and WAL pages), more than an action call's whole budget.
 * - PostgreSQL: one multi-row insert per batch whose rows travel as a single JSON parameter, so the main
 *   thread does one `JSON.stringify` per batch instead of serialising 11 parameters per row, through a
 *   statement prepared once per pooled connection.
 * - SQLite in memory, or when the worker cannot start: the multi-row insert on the main thread.
 *
 * Either way a caller's promise settles only once its row is committed, and a row that fails (a duplicate
 * id, a missing instance) fails only its own caller: a failing batch is written again row by row.
 */
import { Worker } from 'node:worker_threads';
import { CompiledQuery } from 'kysely';
import type { Insertable, Kysely } from 'kysely';
import { z } from 'zod';
import { KeywayError } from '../errors';
import { BatchWriter, ignore } from './batch-writer';
import type { EngineHandle } from './engine';
import type { Database, ExecutionsTable } from './schema';
import { BUSY_TIMEOUT_MS } from './sqlite';
import { QueryTemplates } from './templates';

/** One finished execution, as inserted. */
export type ExecutionRow = Insertable<ExecutionsTable>;

/** Writes finished execution rows; see the module comment. */
export interface ExecutionWriter {
  /** Resolves once `row` is committed; rejects with the error of writing it (alone). */
  write(row: ExecutionRow): Promise<void>;
  /**
   * Queues `row` without a promise of its own (the action hot path): `onError` hears of a failure to write it,
   * with the row, so one handler serves every row.
   * Returns `undefined`, or a promise when more than {@link QUEUE_LIMIT} rows are waiting: the caller should
   * wait for it before queueing more, so a database slower than the calls cannot grow the queue without end.
   */
  append(row: ExecutionRow, onError: (error: unknown, row: ExecutionRow) => void): Promise<void> | undefined;
  /** Sends every queued row at once and resolves when all rows written so far have settled. */
  flush(): Promise<void>;
  /** Waits until every row written so far has settled, then releases what the writer holds (a thread). */
  close(): Promise<void>;
}

/**
 * How long a row waits for others before its batch is written. Callers of `runAction` do not wait for their
 * record, so a longer wait costs them nothing, while every batch costs a commit and, on this path, system
 * calls (a socket write, or waking the writer thread) worth tens of rows: 20 ms makes those a small share.
 * A read of the execution log flushes first, so this process never misses its own records.
 */
export const FLUSH_DELAY_MS = 20;

/** The columns of `executions`, in the order a SQLite batch carries each row's values. */
const COLUMNS = [
  'id',
  'instance_id',
  'component_key',
  'action_key',
  'status',
  'started_at',
  'finished_at',
  'duration_ms',
  'error_code',
  'error_message',
  'log',
] as const satisfies readonly (keyof ExecutionsTable)[];

/**
 * Most rows in one main-thread SQLite insert: 11 parameters each stays far below SQLite's limit, and the
 * SQL texts of 1..64 rows fit the statement cache beside the store's other statements.
 */
const MAIN_THREAD_BATCH = 64;

/** Most rows in one batch for the writer thread or PostgreSQL, whose statements do not grow with a batch. */
const LARGE_BATCH = 256;

/**
 * Rows waiting (queued or in flight) past which {@link ExecutionWriter.append} asks its caller to wait: a few
 * seconds of calls at full speed, a few megabytes of memory.
 */
export const QUEUE_LIMIT = 10_000;

/** The writer thread is started again after a crash, but not after this many crashes in a row. */
const MAX_WORKER_CRASHES = 3;

/** How long `close()` lets the writer thread close its connection before stopping it. */
const WORKER_CLOSE_TIMEOUT_MS = 5000;

/** The writer for `handle`'s engine; see the module comment. */
export function openExecutionWriter(handle: EngineHandle): ExecutionWriter {
  if (handle.engine === 'postgres') return batchWriter(postgresInsert(handle), LARGE_BATCH);
  const mainThread = (): ExecutionWriter => batchWriter(sqliteInsert(handle.db), MAIN_THREAD_BATCH);
  return handle.file === undefined ? mainThread() : new SqliteThreadWriter({ file: handle.file, mainThread });
}

function batchWriter(
  writeMany: (rows: readonly ExecutionRow[]) => Promise<void>,
  maxBatch: number,
): ExecutionWriter {
  const writer = new BatchWriter<ExecutionRow>({
    writeMany,
    writeOne: (row) => writeMany([row]),
    maxBatch,
    delayMs: FLUSH_DELAY_MS,
  });
  return {
    write: (row) => writer.write(row),
    append: (row, onError) => {
      writer.append(row, onError);
      return writer.waiting > QUEUE_LIMIT ? writer.drained() : undefined;
    },
    flush: () => writer.idle(),
    close: () => writer.idle(),
  };
}

/** A multi-row insert with one placeholder per value, built once per batch size. */
function sqliteInsert(db: Kysely<Database>): (rows: readonly ExecutionRow[]) => Promise<void> {
  const templates = new QueryTemplates(db);
  return async (rows) => {
    const values: Record<string, unknown> = {};
    rows.forEach((row, n) => {
      for (const [column, value] of Object.entries(row)) values[`${column}${n}`] = value;
    });
    // Built once per batch size: building a 64-row insert costs more than running it.
    await templates.run(
      `insert-executions:${rows.length}`,
      (query, param) =>
        query.insertInto('executions').values(
          rows.map((_, n) => ({
            id: param<string>(`id${n}`),
            instance_id: param<string>(`instance_id${n}`),
            component_key: param<string>(`component_key${n}`),
            action_key: param<string>(`action_key${n}`),
            status: param<string>(`status${n}`),
            started_at: param<number>(`started_at${n}`),
            finished_at: param<number | null>(`finished_at${n}`),
            duration_ms: param<number | null>(`duration_ms${n}`),
            error_code: param<string | null>(`error_code${n}`),
            error_message: param<string | null>(`error_message${n}`),
            log: param<string>(`log${n}`),
          })),
        ),
      values,
    );
  };
}

/**
 * Every row of a batch in one JSON parameter, unpacked by the server into the table's own row type (found
 * through the search_path, like every other table the store names). The statement is the same for every
 * batch, so it is prepared once per pooled connection: parsing and planning it each time cost the server as
 * much as 10 µs per row at the batch sizes of a few thousand calls a second.
 */
function postgresInsert(handle: EngineHandle): (rows: readonly ExecutionRow[]) => Promise<void> {
  const columns = COLUMNS.join(', ');
  const text = `insert into executions (${columns}) select ${columns} from json_populate_recordset(null::executions, $1::json)`;
  const { db, preparedWrite } = handle;
  return async (rows) => {
    // A column left out of a row (undefined) is absent from the JSON, which the server reads as null.
    const values = [postgresJson(rows)];
    if (preparedWrite !== undefined) await preparedWrite('keyway_insert_executions', text, values);
    else await db.executeQuery(CompiledQuery.raw(text, values));
  };
}

/** A `\uD800`–`\uDFFF` escape that is not itself escaped (preceded by an even number of backslashes). */
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/**
 * `rows` as JSON PostgreSQL accepts. `JSON.stringify` writes a lone surrogate (half of an emoji cut off by
 * a truncated error message, say) as an escape that PostgreSQL's json parser rejects, which would fail the
 * row; sent as a text parameter it became U+FFFD, so it becomes that here too. Pairs are written as they
 * are, so the check is one scan of the text, and the replacement runs only when an escape is there.
 */
export function postgresJson(rows: readonly unknown[]): string {
  const text = JSON.stringify(rows);
  return text.includes('\\ud') ? text.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd') : text;
}

/**
 * The writer thread's program: plain JavaScript run with `eval`, so it loads the same way under ts-jest, tsx
 * and the bundled CLI, requiring better-sqlite3 from the path the main thread resolved. It opens the file
 * with the pragmas of ./sqlite.ts, inserts each batch in one IMMEDIATE transaction and, if that fails, each
 * row on its own, then replies with each row's outcome.
 */
export const WRITER_THREAD_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
if (db.pragma('journal_mode', { simple: true }) !== 'wal') throw new Error('the database is not in WAL mode');
db.pragma('busy_timeout = ' + Number(workerData.busyTimeoutMs));
db.pragma('foreign_keys = ON');
db.pragma('synchronous = NORMAL');
const width = workerData.columns.length;
const insert = db.prepare('insert into executions (' + workerData.columns.join(', ') + ') values (' +
  workerData.columns.map(() => '?').join(', ') + ')');
const insertAll = db.transaction((values) => {
  for (let i = 0; i < values.length; i += width) insert.run(values.slice(i, i + width));
});
const failure = (err) => ({
  code: err !== null && typeof err === 'object' && typeof err.code === 'string' ? err.code : '',
  message: err instanceof Error ? err.message : String(err),
});
parentPort.on('message', (message) => {
  if (message.close === true) {
    db.close();
    parentPort.close();
    return;
  }
  const { id, values } = message;
  if (values.length > width) {
    try {
      insertAll.immediate(values);
      parentPort.postMessage({ id, failures: null });
      return;
    } catch {
      // Nothing of the batch was written; each row is tried on its own below.
    }
  }
  const failures = [];
  for (let i = 0; i < values.length; i += width) {
    try {
      insert.run(values.slice(i, i + width));
      failures.push(null);
    } catch (err) {
      failures.push(failure(err));
    }
  }
  parentPort.postMessage({ id, failures });
});
parentPort.postMessage({ ready: true });
`;

/** What the writer thread says: it has opened the database, or how a batch went (null: all committed). */
const workerReply = z.union([
  z.object({ ready: z.literal(true) }),
  z.object({
    id: z.number(),
    failures: z.array(z.object({ code: z.string(), message: z.string() }).nullable()).nullable(),
  }),
]);

/** A row the writer thread could not insert, with SQLite's extended result code as better-sqlite3 names it. */
export class SqliteWriteError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'SqliteError';
    this.code = code;
  }
}

interface Pending {
  readonly row: ExecutionRow;
  readonly resolve: () => void;
  readonly reject: (error: unknown, row: ExecutionRow) => void;
}

/** Options of {@link SqliteThreadWriter}. */
export interface SqliteThreadWriterOptions {
  /** The SQLite database file (WAL mode, migrated). */
  readonly file: string;
  /** Opens the main-thread writer used when the thread cannot be. */
  readonly mainThread: () => ExecutionWriter;
  /** The thread's program; {@link WRITER_THREAD_SOURCE} unless a test wraps it. */
  readonly source?: string;
}

/**
 * Rows queue for {@link FLUSH_DELAY_MS} (or until a full batch waits), then go to the writer thread as one
 * flat array. One batch is in flight at a time; rows arriving meanwhile form the next, so
 * batches grow under load. The thread is started on the first write, holds the process open only while a
 * batch is in flight, and is started again if it dies. If it cannot start at all, or keeps dying, rows are
 * written on the main thread instead.
 */
export class SqliteThreadWriter implements ExecutionWriter {
  readonly #file: string;
  readonly #openMainThread: () => ExecutionWriter;
  readonly #source: string;
  #mainThread: ExecutionWriter | undefined;
  #queue: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #worker: Worker | undefined;
  /** Whether the current thread has opened the database (it handles no batch before). */
  #ready = false;
  #inFlight: { readonly id: number; readonly batch: readonly Pending[] } | undefined;
  #nextId = 1;
  /** Crashes since the last batch the thread confirmed. */
  #crashes = 0;
  /** Called whenever a batch settles, for {@link SqliteThreadWriter.close}. */
  #settled: (() => void)[] = [];
  #closed = false;

  constructor(options: SqliteThreadWriterOptions) {
    this.#file = options.file;
    this.#openMainThread = options.mainThread;
    this.#source = options.source ?? WRITER_THREAD_SOURCE;
  }

  /** The writer thread while one runs (it starts with the first write). */
  get thread(): Worker | undefined {
    return this.#worker;
  }

  /** True once rows go to the main-thread writer for good (the thread could not start, or kept dying). */
  get onMainThread(): boolean {
    return this.#mainThread !== undefined;
  }

  write(row: ExecutionRow): Promise<void> {
    if (this.#mainThread !== undefined) return this.#mainThread.write(row);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ row, resolve, reject });
      this.#schedule();
    });
  }

  append(row: ExecutionRow, onError: (error: unknown, row: ExecutionRow) => void): Promise<void> | undefined {
    if (this.#mainThread !== undefined) return this.#mainThread.append(row, onError);
    // No promise and no closure per row: the caller's error handler is shared by all its rows.
    this.#queue.push({ row, resolve: ignore, reject: onError });
    this.#schedule();
    if (this.#queue.length + (this.#inFlight?.batch.length ?? 0) <= QUEUE_LIMIT) return undefined;
    // Past the limit: wait until the batch in flight settles (one batch fewer waiting).
    return new Promise<void>((resolve) => this.#settled.push(resolve));
  }

  async flush(): Promise<void> {
    for (;;) {
      if (this.#inFlight === undefined && this.#queue.length > 0) this.#flush();
      if (this.#inFlight === undefined && this.#queue.length === 0) break;
      await new Promise<void>((resolve) => this.#settled.push(resolve));
    }
    await this.#mainThread?.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    // Writes after close go the main-thread way and fail there as on a closed store.
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker !== undefined) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      // Held open until the thread has closed its connection, which checkpoints the WAL if it is the last.
      worker.ref();
      worker.postMessage({ close: true });
      const stop = setTimeout(() => void worker.terminate(), WORKER_CLOSE_TIMEOUT_MS);
      await exited;
      clearTimeout(stop);
    }
    await this.#mainThread?.close();
  }

  /** A full batch goes at once; otherwise the first queued row starts the {@link FLUSH_DELAY_MS} wait. */
  #schedule(): void {
    if (this.#inFlight !== undefined) return;
    if (this.#queue.length >= LARGE_BATCH) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), FLUSH_DELAY_MS);
  }

  #flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#inFlight !== undefined || this.#queue.length === 0) return;
    const worker = this.#worker ?? this.#start();
    if (worker === undefined) return;
    const batch = this.#queue.splice(0, LARGE_BATCH);
    // One flat array of strings, numbers and nulls, in the order of COLUMNS: the cheapest shape to copy to
    // the thread, and named reads cost a seventh of a loop over COLUMNS.
    const values: unknown[] = [];
    for (const { row } of batch) {
      values.push(
        row.id,
        row.instance_id,
        row.component_key,
        row.action_key,
        row.status,
        row.started_at,
        row.finished_at ?? null,
        row.duration_ms ?? null,
        row.error_code ?? null,
        row.error_message ?? null,
        row.log,
      );
    }
    const id = this.#nextId++;
    this.#inFlight = { id, batch };
    // Callers are waiting for this batch: keep the process alive until it is answered.
    worker.ref();
    worker.postMessage({ id, values });
  }

  #start(): Worker | undefined {
    if (this.#closed) {
      this.#useMainThread();
      return undefined;
    }
    let worker: Worker;
    try {
      worker = new Worker(this.#source, {
        eval: true,
        // The program is plain JavaScript: no loader (tsx, ts-jest) of the parent's is needed or wanted.
        execArgv: [],
        workerData: {
          driver: require.resolve('better-sqlite3'),
          file: this.#file,
          busyTimeoutMs: BUSY_TIMEOUT_MS,
          columns: COLUMNS,
        },
      });
    } catch {
      this.#useMainThread();
      return undefined;
    }
    worker.unref();
    let cause: unknown;
    worker.on('message', (message: unknown) => this.#onMessage(worker, message));
    // 'exit' always follows 'error', after every message the thread sent has been delivered.
    worker.on('error', (err) => (cause = err));
    worker.on('exit', (code) => this.#onExit(worker, cause ?? new Error(`exit code ${code}`)));
    this.#worker = worker;
    this.#ready = false;
    return worker;
  }

  #onMessage(worker: Worker, message: unknown): void {
    if (worker !== this.#worker) return;
    const reply = workerReply.safeParse(message);
    if (!reply.success) {
      // Not this module's thread talking; let 'exit' fail the batch.
      void worker.terminate();
      return;
    }
    if ('ready' in reply.data) {
      this.#ready = true;
      return;
    }
    const inFlight = this.#inFlight;
    if (inFlight?.id !== reply.data.id) return;
    this.#inFlight = undefined;
    this.#crashes = 0;
    const failures = reply.data.failures;
    inFlight.batch.forEach((item, i) => {
      const failure = failures?.[i];
      if (failure === undefined || failure === null) item.resolve();
      else item.reject(new SqliteWriteError(failure.code, failure.message), item.row);
    });
    this.#afterBatch(worker);
  }

  #onExit(worker: Worker, cause: unknown): void {
    if (worker !== this.#worker) return;
    this.#worker = undefined;
    const inFlight = this.#inFlight?.batch ?? [];
    this.#inFlight = undefined;
    if (!this.#ready) {
      // The thread never opened the database, so it wrote nothing: its rows are written the other way.
      this.#queue.unshift(...inFlight);
      this.#useMainThread();
    } else {
      // The batch may or may not have been committed before the thread died.
      const error = new KeywayError('KW_STORE_UNAVAILABLE', {
        message:
          'The execution writer thread stopped before confirming this record; it may not have been saved.',
        cause,
      });
      for (const item of inFlight) item.reject(error, item.row);
      this.#crashes++;
      if (this.#crashes >= MAX_WORKER_CRASHES) this.#useMainThread();
    }
    this.#afterBatch(undefined);
  }

  /** Schedules what queued meanwhile, else lets the process exit. */
  #afterBatch(worker: Worker | undefined): void {
    if (this.#queue.length > 0) this.#schedule();
    else worker?.unref();
    const settled = this.#settled;
    this.#settled = [];
    for (const resolve of settled) resolve();
  }

  /** From now on rows are written on the main thread, starting with those still queued. */
  #useMainThread(): void {
    const mainThread = (this.#mainThread ??= this.#openMainThread());
    const queued = this.#queue;
    this.#queue = [];
    for (const item of queued) {
      mainThread.write(item.row).then(item.resolve, (error: unknown) => item.reject(error, item.row));
    }
  }
}
