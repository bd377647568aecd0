/**
 * The execution writer on a real SQLite file: rows written by its thread, what callers see when rows fail
 * or the thread dies, and that the thread never holds a process open. On a real PostgreSQL: the prepared
 * insert and its per-row failures. The store-level behaviour (error
 * codes, read-after-write through `recordExecution`) is in the store contract, on both engines.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { isKeywayError } from '../../src/errors';
import type { EngineHandle } from '../../src/store/engine';
import {
  QUEUE_LIMIT,
  SqliteThreadWriter,
  WRITER_THREAD_SOURCE,
  openExecutionWriter,
  postgresJson,
} from '../../src/store/execution-writer';
import type { ExecutionRow } from '../../src/store/execution-writer';
import { migrateToLatest } from '../../src/store/migrations';
import { openPostgresEngine } from '../../src/store/postgres';
import { openSqliteEngine } from '../../src/store/sqlite';

const dataDir = mkdtempSync(join(tmpdir(), 'keyway-execution-writer-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** One customer and one instance in a migrated database; returns the instance id. */
async function seedInstance(handle: EngineHandle): Promise<string> {
  const instanceId = randomUUID();
  await handle.db
    .insertInto('customers')
    .values({ id: 'c1', external_id: null, name: 'Acme', created_at: 1, updated_at: 1 })
    .execute();
  await handle.db
    .insertInto('instances')
    .values({
      id: instanceId,
      customer_id: 'c1',
      name: 'sync',
      component_keys: '[]',
      config: '{}',
      config_vars: '[]',
      status: 'active',
      created_at: 1,
      updated_at: 1,
    })
    .execute();
  return instanceId;
}

/** A migrated database file with one customer and one instance. */
async function openDatabase(name: string): Promise<{ handle: EngineHandle; instanceId: string }> {
  const handle = openSqliteEngine(join(dataDir, name, 'keyway.sqlite'));
  await migrateToLatest(handle.db, handle.engine);
  const instanceId = await seedInstance(handle);
  return { handle, instanceId };
}

function row(instanceId: string, id: string = randomUUID()): ExecutionRow {
  return {
    id,
    instance_id: instanceId,
    component_key: 'c',
    action_key: 'a',
    status: 'succeeded',
    started_at: 1000,
    finished_at: 1040,
    duration_ms: 40,
    error_code: null,
    error_message: null,
    log: '[]',
  };
}

/** A settled write's engine error code, or 'resolved'. */
function codeOf(outcome: PromiseSettledResult<void> | undefined): string {
  return outcome?.status === 'rejected' ? String((outcome.reason as { code?: unknown }).code) : 'resolved';
}

async function storedIds(handle: EngineHandle): Promise<string[]> {
  const rows = await handle.db.selectFrom('executions').select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** The thread's program, made to exit on a batch whose first row has the id `crash`. */
const crashingSource = `{
  const { parentPort } = require('node:worker_threads');
  parentPort.on('message', (message) => { if (message.values && message.values[0] === 'crash') process.exit(3); });
}
${WRITER_THREAD_SOURCE}`;

function threadWriter(handle: EngineHandle, source?: string): SqliteThreadWriter {
  const file = handle.file;
  if (file === undefined) throw new Error('expected a database file');
  return new SqliteThreadWriter({
    file,
    mainThread: () => {
      const write = (r: ExecutionRow): Promise<void> =>
        handle.db
          .insertInto('executions')
          .values(r)
          .execute()
          .then(() => undefined);
      return {
        write,
        append: (r, onError) => {
          write(r).catch((error: unknown) => onError(error, r));
          return undefined;
        },
        flush: () => Promise.resolve(),
        close: () => Promise.resolve(),
      };
    },
    ...(source !== undefined ? { source } : {}),
  });
}

describe('execution writer on SQLite', () => {
  it('writes rows on its own thread, each readable on the main connection once its write resolves', async () => {
    const { handle, instanceId } = await openDatabase('thread');
    const writer = openExecutionWriter(handle);
    expect(writer).toBeInstanceOf(SqliteThreadWriter);
    // Every column distinct, so a value sent in the wrong position shows.
    const rows = Array.from({ length: 300 }, (_, i) => ({
      ...row(instanceId),
      status: 'failed',
      started_at: 1000 + i,
      finished_at: 2000 + i,
      duration_ms: 1000,
      error_code: 'KW_ACTION_FAILED',
      error_message: `run ${i} failed`,
      log: `[{"at":${1500 + i},"level":"info","message":"run ${i}"}]`,
    }));
    const seen = await Promise.all(
      rows.map((r) =>
        writer
          .write(r)
          .then(() =>
            handle.db.selectFrom('executions').selectAll().where('id', '=', r.id).executeTakeFirst(),
          ),
      ),
    );
    expect(seen).toEqual(rows);
    expect((writer as SqliteThreadWriter).thread).toBeDefined();
    expect((writer as SqliteThreadWriter).onMainThread).toBe(false);
    await writer.close();
    expect((writer as SqliteThreadWriter).thread).toBeUndefined();
    await handle.close();
  });

  it('asks appenders to wait once more than QUEUE_LIMIT rows are waiting, and writes every row', async () => {
    const { handle, instanceId } = await openDatabase('backpressure');
    const writer = openExecutionWriter(handle);
    const failures: unknown[] = [];
    const onError = (error: unknown): void => {
      failures.push(error);
    };
    // All in one synchronous stretch: the thread cannot confirm a batch meanwhile, so the queue only grows.
    const waits: (Promise<void> | undefined)[] = [];
    for (let i = 0; i < QUEUE_LIMIT + 50; i++) waits.push(writer.append(row(instanceId), onError));
    const firstWait = waits.findIndex((wait) => wait !== undefined);
    expect(firstWait).toBe(QUEUE_LIMIT);
    expect(waits.slice(firstWait).every((wait) => wait !== undefined)).toBe(true);
    // A wait ends once a batch is confirmed, long before the whole queue is written.
    await waits[waits.length - 1];
    expect((await storedIds(handle)).length).toBeLessThan(QUEUE_LIMIT + 50);
    await writer.flush();
    expect(await storedIds(handle)).toHaveLength(QUEUE_LIMIT + 50);
    expect(failures).toEqual([]);
    await writer.close();
    await handle.close();
  });

  it('asks appenders to wait past QUEUE_LIMIT on the main-thread writer too', async () => {
    const { handle, instanceId } = await openDatabase('backpressure-main-thread');
    // Without a file (as for an in-memory database) rows are written on the main thread.
    const { file: _file, ...withoutFile } = handle;
    const writer = openExecutionWriter(withoutFile);
    expect(writer).not.toBeInstanceOf(SqliteThreadWriter);
    const failures: unknown[] = [];
    const waits: (Promise<void> | undefined)[] = [];
    for (let i = 0; i < QUEUE_LIMIT + 10; i++) {
      waits.push(writer.append(row(instanceId), (error) => failures.push(error)));
    }
    expect(waits.findIndex((wait) => wait !== undefined)).toBe(QUEUE_LIMIT);
    await Promise.all(waits.filter((wait): wait is Promise<void> => wait !== undefined));
    await writer.flush();
    expect(await storedIds(handle)).toHaveLength(QUEUE_LIMIT + 10);
    expect(failures).toEqual([]);
    await writer.close();
    await handle.close();
  });

  it('fails only the bad rows of a batch, with the error codes better-sqlite3 gives', async () => {
    const { handle, instanceId } = await openDatabase('bad-rows');
    const writer = openExecutionWriter(handle);
    const existing = row(instanceId);
    await writer.write(existing);
    const twice = randomUUID();
    const good = Array.from({ length: 10 }, () => row(instanceId));
    const outcomes = await Promise.allSettled([
      writer.write(good[0] ?? row(instanceId)),
      writer.write(row(instanceId, existing.id)),
      writer.write(row('no-such-instance')),
      writer.write(row(instanceId, twice)),
      writer.write(row(instanceId, twice)),
      ...good.slice(1).map((r) => writer.write(r)),
    ]);
    expect(outcomes.map(codeOf)).toEqual([
      'resolved',
      'SQLITE_CONSTRAINT_PRIMARYKEY',
      'SQLITE_CONSTRAINT_FOREIGNKEY',
      'resolved',
      'SQLITE_CONSTRAINT_PRIMARYKEY',
      ...good.slice(1).map(() => 'resolved'),
    ]);
    expect(await storedIds(handle)).toEqual([existing.id, twice, ...good.map((r) => r.id)].sort());
    await writer.close();
    await handle.close();
  });

  it('tells one shared handler of each appended row that fails, with the row as it was appended', async () => {
    const { handle, instanceId } = await openDatabase('append-failures');
    const writer = openExecutionWriter(handle);
    const existing = row(instanceId);
    await writer.write(existing);
    const failed: { code: string; row: ExecutionRow }[] = [];
    const onError = (error: unknown, failedRow: ExecutionRow): void => {
      failed.push({ code: String((error as { code?: unknown }).code), row: failedRow });
    };
    const orphan = { ...row('no-such-instance'), finished_at: null, duration_ms: null, error_code: 'KW_X' };
    const duplicate = { ...row(instanceId, existing.id), error_message: 'it broke', log: '[{"at":1}]' };
    const good = Array.from({ length: 300 }, () => row(instanceId));
    for (const r of good.slice(0, 150)) expect(writer.append(r, onError)).toBeUndefined();
    expect(writer.append(orphan, onError)).toBeUndefined();
    expect(writer.append(duplicate, onError)).toBeUndefined();
    for (const r of good.slice(150)) expect(writer.append(r, onError)).toBeUndefined();
    await writer.flush();
    expect(failed).toEqual([
      { code: 'SQLITE_CONSTRAINT_FOREIGNKEY', row: orphan },
      { code: 'SQLITE_CONSTRAINT_PRIMARYKEY', row: duplicate },
    ]);
    expect(await storedIds(handle)).toEqual([existing.id, ...good.map((r) => r.id)].sort());
    await writer.close();
    await handle.close();
  });

  it('writes appended rows on the main thread when the thread cannot open the database', async () => {
    const { handle, instanceId } = await openDatabase('append-no-thread');
    const writer = threadWriter(handle, `throw new Error('cannot load the driver');`);
    const rows = Array.from({ length: 300 }, () => row(instanceId));
    const failures: unknown[] = [];
    for (const r of rows) expect(writer.append(r, (error) => failures.push(error))).toBeUndefined();
    await writer.flush();
    expect(writer.onMainThread).toBe(true);
    expect(failures).toEqual([]);
    expect(await storedIds(handle)).toEqual(rows.map((r) => r.id).sort());
    await writer.close();
    await handle.close();
  });

  it('fails the batch in flight with KW_STORE_UNAVAILABLE when the thread dies, and starts a new one', async () => {
    const { handle, instanceId } = await openDatabase('crash');
    const writer = threadWriter(handle, crashingSource);
    const lost = row(instanceId);
    const outcomes = await Promise.allSettled([writer.write(row(instanceId, 'crash')), writer.write(lost)]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = outcome.status === 'rejected' ? (outcome.reason as unknown) : undefined;
      expect(isKeywayError(reason) && reason.code).toBe('KW_STORE_UNAVAILABLE');
    }
    const next = row(instanceId);
    await writer.write(next);
    expect(writer.thread).toBeDefined();
    expect(writer.onMainThread).toBe(false);
    expect(await storedIds(handle)).toEqual([next.id]);
    await writer.close();
    await handle.close();
  });

  it('writes on the main thread after the thread died three times in a row', async () => {
    const { handle, instanceId } = await openDatabase('crash-loop');
    const writer = threadWriter(handle, crashingSource);
    for (let i = 0; i < 3; i++) {
      await expect(writer.write(row(instanceId, 'crash'))).rejects.toMatchObject({
        code: 'KW_STORE_UNAVAILABLE',
      });
    }
    const next = row(instanceId);
    await writer.write(next);
    expect(writer.onMainThread).toBe(true);
    expect(writer.thread).toBeUndefined();
    expect(await storedIds(handle)).toEqual([next.id]);
    await writer.close();
    await handle.close();
  });

  it('writes on the main thread, losing nothing, when the thread cannot open the database', async () => {
    const { handle, instanceId } = await openDatabase('no-thread');
    const writer = threadWriter(handle, `throw new Error('cannot load the driver');`);
    const rows = Array.from({ length: 5 }, () => row(instanceId));
    await Promise.all(rows.map((r) => writer.write(r)));
    expect(writer.onMainThread).toBe(true);
    expect(await storedIds(handle)).toEqual(rows.map((r) => r.id).sort());
    await writer.close();
    await handle.close();
  });

  it('commits every queued row before close() resolves, then ends the thread', async () => {
    const { handle, instanceId } = await openDatabase('close');
    const writer = openExecutionWriter(handle) as SqliteThreadWriter;
    const rows = Array.from({ length: 600 }, () => row(instanceId));
    const settled = Promise.allSettled(rows.map((r) => writer.write(r)));
    await writer.close();
    expect(writer.thread).toBeUndefined();
    // Read with a connection of its own: the store's is closed right after the writer in KyselyStore.close.
    await handle.close();
    const database = new BetterSqlite3(join(dataDir, 'close', 'keyway.sqlite'), { readonly: true });
    try {
      const count = database.prepare('select count(*) as n from executions').get() as { n: number };
      expect(count.n).toBe(rows.length);
    } finally {
      database.close();
    }
    expect((await settled).every((o) => o.status === 'fulfilled')).toBe(true);
  });

  it('writes on the main thread when the engine names no database file (in memory)', async () => {
    const { handle, instanceId } = await openDatabase('no-file');
    const { file, ...inMemory } = handle;
    expect(file).toBeDefined();
    const writer = openExecutionWriter(inMemory);
    expect(writer).not.toBeInstanceOf(SqliteThreadWriter);
    const written = row(instanceId);
    await writer.write(written);
    expect(await storedIds(handle)).toEqual([written.id]);
    await writer.close();
    await handle.close();
  });

  it('lets a process that recorded executions exit without closing its store', async () => {
    const dir = join(dataDir, 'child');
    const result = await new Promise<{ code: number | null; out: string; err: string; ms: number }>(
      (resolve, reject) => {
        const started = Date.now();
        const child = spawn(
          process.execPath,
          ['--require', 'tsx/cjs', join(__dirname, 'record-child.ts'), dir],
          { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        child.on('error', reject);
        child.on('exit', (code) => resolve({ code, out, err, ms: Date.now() - started }));
      },
    );
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const reported = JSON.parse(result.out.trim()) as { recorded: number; stored: number };
    expect(reported).toEqual({ recorded: 50, stored: 50 });
  });
});

describe('execution writer on PostgreSQL', () => {
  const databaseUrl = process.env['KEYWAY_TEST_DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';
  const schema = `kw_ew_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  admin.on('error', () => undefined);
  afterAll(async () => {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('writes every batch through one prepared statement, and still fails only the bad rows', async () => {
    // Unreachable PostgreSQL fails here (never skips).
    await admin.query(`create schema ${schema}`);
    // One pooled connection, so the prepared statement is visible to the check below.
    const handle = openPostgresEngine({ databaseUrl, schema, poolMax: 1 });
    await migrateToLatest(handle.db, handle.engine);
    const instanceId = await seedInstance(handle);
    const writer = openExecutionWriter(handle);
    const existing = row(instanceId);
    await writer.write(existing);
    const good = Array.from({ length: 10 }, () => row(instanceId));
    const outcomes = await Promise.allSettled([
      writer.write(row(instanceId, existing.id)),
      writer.write(row('no-such-instance')),
      ...good.map((r) => writer.write(r)),
    ]);
    // 23505 unique_violation, 23503 foreign_key_violation.
    expect(outcomes.map(codeOf)).toEqual(['23505', '23503', ...good.map(() => 'resolved')]);
    expect(await storedIds(handle)).toEqual([existing.id, ...good.map((r) => r.id)].sort());
    const prepared = await sql<{
      name: string;
    }>`select name from pg_prepared_statements where statement like 'insert into executions%'`.execute(
      handle.db,
    );
    expect(prepared.rows.map((r) => r.name)).toEqual(['keyway_insert_executions']);
    await writer.close();
    await handle.close();
  });
});

describe('execution rows as PostgreSQL JSON', () => {
  it('replaces lone surrogates, which PostgreSQL rejects in json, with U+FFFD', () => {
    const rows = [{ a: 'cut \ud83d', b: '\ude00 cut', c: 'pair \ud83d\ude00' }];
    expect(JSON.parse(postgresJson(rows))).toEqual([
      { a: 'cut \ufffd', b: '\ufffd cut', c: 'pair \ud83d\ude00' },
    ]);
  });

  it('leaves text that only looks like an escape alone', () => {
    // A backslash followed by "ud83d" in the text, and a JSON log whose own escape is text here.
    const rows = [{ a: '\\ud83d', b: '\\\\ud83d', log: JSON.stringify([{ message: 'x\ud83d' }]) }];
    expect(postgresJson(rows)).toBe(JSON.stringify(rows));
  });
});
