/**
 * The execution writer (group commit of finished execution rows) on a real SQLite file and a real PostgreSQL:
 * one statement per batch, and a bad row fails only its own writer. The store-level behaviour (error codes,
 * read-after-write through `recordExecution`) is in the store contract, on both engines.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import type { EngineHandle } from '../../src/store/engine';
import { openExecutionWriter, postgresJson } from '../../src/store/execution-writer';
import type { ExecutionRow, ExecutionWriter } from '../../src/store/execution-writer';
import { migrateToLatest } from '../../src/store/migrations';
import { openPostgresEngine } from '../../src/store/postgres';
import { openSqliteEngine } from '../../src/store/sqlite';

/** Writes `row` the way the store does: resolves once it is committed, rejects with its own failure. */
async function write(writer: ExecutionWriter, row: ExecutionRow): Promise<void> {
  const batch = writer.add(row);
  await batch.settled;
  batch.check(row);
}

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

/** A settled write's error code (the store's typed error, translated from the engine's), or 'resolved'. */
function codeOf(outcome: PromiseSettledResult<void> | undefined): string {
  return outcome?.status === 'rejected' ? String((outcome.reason as { code?: unknown }).code) : 'resolved';
}

async function storedIds(handle: EngineHandle): Promise<string[]> {
  const rows = await handle.db.selectFrom('executions').select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}

describe('execution writer on SQLite', () => {
  it('fails only the bad rows of a batch, each with a typed store error', async () => {
    const { handle, instanceId } = await openDatabase('bad-rows');
    const writer = openExecutionWriter(handle);
    const existing = row(instanceId);
    await write(writer, existing);
    const twice = randomUUID();
    const good = Array.from({ length: 10 }, () => row(instanceId));
    const outcomes = await Promise.allSettled([
      write(writer, good[0] ?? row(instanceId)),
      write(writer, row(instanceId, existing.id)),
      write(writer, row('no-such-instance')),
      write(writer, row(instanceId, twice)),
      write(writer, row(instanceId, twice)),
      ...good.slice(1).map((r) => write(writer, r)),
    ]);
    expect(outcomes.map(codeOf)).toEqual([
      'resolved',
      'KW_STORE_CONFLICT',
      'KW_STORE_NOT_FOUND',
      'resolved',
      'KW_STORE_CONFLICT',
      ...good.slice(1).map(() => 'resolved'),
    ]);
    expect(await storedIds(handle)).toEqual([existing.id, twice, ...good.map((r) => r.id)].sort());
    await writer.flush();
    await handle.close();
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
    await write(writer, existing);
    const good = Array.from({ length: 10 }, () => row(instanceId));
    const outcomes = await Promise.allSettled([
      write(writer, row(instanceId, existing.id)),
      write(writer, row('no-such-instance')),
      ...good.map((r) => write(writer, r)),
    ]);
    // 23505 unique_violation and 23503 foreign_key_violation, as the store's typed errors.
    expect(outcomes.map(codeOf)).toEqual([
      'KW_STORE_CONFLICT',
      'KW_STORE_NOT_FOUND',
      ...good.map(() => 'resolved'),
    ]);
    expect(await storedIds(handle)).toEqual([existing.id, ...good.map((r) => r.id)].sort());
    const prepared = await sql<{
      name: string;
    }>`select name from pg_prepared_statements where statement like 'insert into executions%'`.execute(
      handle.db,
    );
    expect(prepared.rows.map((r) => r.name)).toEqual(['keyway_insert_executions']);
    await writer.flush();
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
