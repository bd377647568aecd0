/**
 * Store section: point read, token upsert and compare-and-set per second, on SQLite (a temporary file)
 * and PostgreSQL (`KEYWAY_BENCH_DATABASE_URL`, default postgres://root@127.0.0.1:5432/test, in a
 * throw-away schema); and execution records at 16 concurrent callers, with the CPU each one costs the
 * calling (main) thread, which is what an action call pays for being recorded.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openStore } from '../src/store';
import type { Store } from '../src/store';
import { CONCURRENCY, RUNS, drive, knob, spread, warmUp } from './run';
import type { BenchCase, BenchRow, BenchSection } from './run';

const key = `bench:${randomBytes(32).toString('base64')}`;

async function casesFor(store: Store, variant: string): Promise<BenchCase[]> {
  const customer = await store.createCustomer({ name: 'bench' });
  const instance = await store.createInstance({ customerId: customer.id, name: 'bench' });
  const connection = await store.createConnection({
    instanceId: instance.id,
    name: 'conn',
    componentKey: 'bench',
    definitionKey: 'bench-oauth',
    grantType: 'authorization_code',
    secretFields: { clientSecret: 's'.repeat(40) },
    tokenSet: { access_token: 'a'.repeat(200), refresh_token: 'r'.repeat(60), expires_in: 3600 },
    status: 'connected',
  });
  const tokenSet = (i: number): Record<string, unknown> => ({
    access_token: `${'a'.repeat(200)}${i}`,
    refresh_token: 'r'.repeat(60),
    expires_in: 3600,
  });
  let version = connection.version;
  return [
    {
      name: 'point read (getConnection, decrypts)',
      variant,
      iterations: 2000,
      run: async (n) => {
        for (let i = 0; i < n; i++) await store.getConnection(connection.id);
      },
    },
    {
      name: 'token upsert (updateConnection, encrypts)',
      variant,
      iterations: 1000,
      run: async (n) => {
        for (let i = 0; i < n; i++) {
          version = (await store.updateConnection(connection.id, { tokenSet: tokenSet(i) })).version;
        }
      },
    },
    {
      name: 'compare-and-set of tokens',
      variant,
      iterations: 1000,
      run: async (n) => {
        for (let i = 0; i < n; i++) {
          const result = await store.compareAndSetConnectionTokens(connection.id, version, {
            tokenSet: tokenSet(i),
          });
          if (!result.ok) throw new Error('unexpected CAS conflict in a single-writer benchmark');
          version = result.connection.version;
        }
      },
    },
  ];
}

/** Linux keeps each thread's CPU time in nanoseconds here; the main thread's id is the process id. */
const MAIN_THREAD_SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/**
 * Milliseconds the main thread has spent so far: its own CPU time where Linux reports it per thread, else
 * the event loop's active time. Not `process.cpuUsage()`, which adds up every thread of the process, and
 * Node 20 has no `process.threadCpuUsage()`.
 */
const mainThreadMs: { readonly source: string; read(): number } = existsSync(MAIN_THREAD_SCHEDSTAT)
  ? {
      source: 'main-thread CPU time (/proc schedstat)',
      read: () => Number(readFileSync(MAIN_THREAD_SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6,
    }
  : { source: 'event-loop active time', read: () => performance.eventLoopUtilization().active };

/**
 * `recordExecution` at 16 concurrent callers, as `runAction` calls it once per run: records per second and
 * the main thread's CPU per record (the cost on the caller's thread; a writer thread's work is not in it).
 */
async function executionRecordRows(store: Store, variant: string): Promise<BenchRow[]> {
  const customer = await store.createCustomer({ name: 'bench executions' });
  const instance = await store.createInstance({ customerId: customer.id, name: 'bench executions' });
  let n = 0;
  const record = async (): Promise<void> => {
    const at = Date.now();
    const i = n++;
    await store.recordExecution({
      instanceId: instance.id,
      componentKey: 'bench',
      actionKey: 'getItem',
      startedAt: at - 3,
      finishedAt: at,
      status: i % 10 === 0 ? 'failed' : 'succeeded',
      ...(i % 10 === 0 ? { errorCode: 'KW_ACTION_FAILED', errorMessage: 'upstream said 500' } : {}),
      log: [{ at, level: 'info', message: `GET /api/item -> 200 (run ${i})` }],
    });
  };
  const iterations = knob('EXECUTION_RECORDS', 20_000, 3000);
  await warmUp(record);
  const rates: number[] = [];
  const mainUs: number[] = [];
  const processUs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const cpu = process.cpuUsage();
    const main = mainThreadMs.read();
    const start = process.hrtime.bigint();
    await drive(record, iterations);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    mainUs.push(((mainThreadMs.read() - main) * 1000) / iterations);
    const used = process.cpuUsage(cpu);
    processUs.push((used.user + used.system) / iterations);
    rates.push(iterations / seconds);
  }
  const name = `execution record, ${CONCURRENCY} concurrent callers`;
  return [
    { section: 'store', name, variant, unit: 'ops/s', value: spread(rates) },
    {
      section: 'store',
      name: `${name}: main-thread CPU per record`,
      variant,
      unit: 'µs',
      value: spread(mainUs),
      note: `${iterations} records per run; ${mainThreadMs.source}; the whole process (every thread) used ${spread(processUs).median.toFixed(1)} µs per record`,
    },
  ];
}

export const section: BenchSection = {
  name: 'store',
  async setup() {
    const cleanups: (() => Promise<void>)[] = [];
    const cases: BenchCase[] = [];
    const scenarios: (() => Promise<BenchRow[]>)[] = [];
    const unavailable: { variant: string; reason: string }[] = [];

    const dataDir = mkdtempSync(join(tmpdir(), 'keyway-bench-'));
    const sqlite = await openStore({ dataDir, keys: key });
    cleanups.push(async () => {
      await sqlite.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    cases.push(...(await casesFor(sqlite, 'sqlite')));
    scenarios.push(() => executionRecordRows(sqlite, 'sqlite'));

    const databaseUrl = process.env['KEYWAY_BENCH_DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';
    const schema = `kw_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    admin.on('error', () => undefined);
    try {
      await admin.query(`create schema ${schema}`);
      const postgres = await openStore({ databaseUrl, postgresSchema: schema, keys: key });
      cleanups.push(async () => {
        await postgres.close();
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.end();
      });
      cases.push(...(await casesFor(postgres, 'postgres')));
      scenarios.push(() => executionRecordRows(postgres, 'postgres'));
    } catch (err) {
      unavailable.push({ variant: 'postgres', reason: err instanceof Error ? err.message : String(err) });
      await admin.end();
    }

    return {
      cases,
      unavailable,
      measure: async () => {
        const rows: BenchRow[] = [];
        for (const scenario of scenarios) rows.push(...(await scenario()));
        return rows;
      },
      teardown: async () => {
        for (const cleanup of cleanups.reverse()) await cleanup();
      },
    };
  },
};
