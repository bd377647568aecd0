/**
 * Where finished execution records go. Every action call writes one, so concurrent calls share a commit (group
 * commit, ./batch-writer): rows written in the same turn of the event loop, or while a batch is in flight, go
 * as one statement.
 *
 * - SQLite: one multi-row insert per batch.
 * - PostgreSQL: one insert per batch whose rows travel as a single JSON parameter, so the main thread does one
 *   `JSON.stringify` per batch instead of serialising 11 parameters per row, through a statement prepared once
 *   per pooled connection.
 *
 * A caller's promise settles only once its row is committed, and a row that fails (a duplicate id, a missing
 * instance) fails only its own caller: a failing batch is written again row by row.
 */
import { CompiledQuery } from 'kysely';
import type { Insertable, Kysely } from 'kysely';
import { BatchWriter } from './batch-writer';
import type { Batch } from './batch-writer';
import type { EngineHandle } from './engine';
import { translateWriteError } from './rows';
import type { Database, ExecutionsTable } from './schema';

/** One finished execution, as inserted. */
export type ExecutionRow = Insertable<ExecutionsTable>;

/** Writes finished execution rows; see the module comment. */
export interface ExecutionWriter {
  /**
   * Queues `row` (a new object per record) and returns its batch: once `settled`, `check(row)` throws the
   * error of writing it alone, if it failed.
   */
  add(row: ExecutionRow): Batch<ExecutionRow>;
  /** Resolves when every row written so far has settled. */
  flush(): Promise<void>;
}

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
 * Most rows in one SQLite insert: 11 parameters each stays far below SQLite's limit, and the SQL texts of 1..64
 * rows fit the statement cache beside the store's other statements.
 */
const SQLITE_BATCH = 64;

/** Most rows in one PostgreSQL batch, whose statement does not grow with the batch. */
const POSTGRES_BATCH = 256;

/** The writer for `handle`'s engine; see the module comment. */
export function openExecutionWriter(handle: EngineHandle): ExecutionWriter {
  const writeMany = handle.engine === 'postgres' ? postgresInsert(handle) : sqliteInsert(handle.db);
  const writer = new BatchWriter<ExecutionRow>({
    writeMany,
    // A row's own failure reaches its caller as the store's typed error (a duplicate id, a missing instance).
    writeOne: (row) =>
      writeMany([row]).catch((err: unknown) => translateWriteError(err, 'An execution with this id')),
    maxBatch: handle.engine === 'postgres' ? POSTGRES_BATCH : SQLITE_BATCH,
  });
  return { add: (row) => writer.add(row), flush: () => writer.idle() };
}

/**
 * A multi-row insert with one placeholder per value; its text is built once per batch size, and a batch's
 * values go in one array in {@link COLUMNS} order.
 */
function sqliteInsert(db: Kysely<Database>): (rows: readonly ExecutionRow[]) => Promise<void> {
  const texts = new Map<number, string>();
  const tuple = `(${COLUMNS.map(() => '?').join(', ')})`;
  return async (rows) => {
    let text = texts.get(rows.length);
    if (text === undefined) {
      text = `insert into executions (${COLUMNS.join(', ')}) values ${Array(rows.length).fill(tuple).join(', ')}`;
      texts.set(rows.length, text);
    }
    const values: unknown[] = [];
    for (const row of rows) for (const column of COLUMNS) values.push(row[column] ?? null);
    await db.executeQuery(CompiledQuery.raw(text, values));
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
