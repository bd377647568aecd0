/**
 * Scenario 4, scheduler scale: N connections (default 100,000; KEYWAY_BENCH_SCHEDULER_CONNECTIONS) whose
 * tokens expire staggered, refreshed by the background refresher (`startRefresher`, default batch and
 * concurrency) in 2 replica processes on PostgreSQL and 1 on SQLite, against the fast local token endpoint
 * (rotating refresh tokens; a reused one is refused and counted). Checks every connection was refreshed exactly
 * once (token endpoint: one request per refresh-token family, no reuse; store: no row left due), reports each
 * replica's peak RSS (target < 300 MB) and the time per refresh at N/10 and N (target: linear, i.e. the
 * time per refresh at N within 1.25× of that at N/10, which runs once before and once after N).
 *
 * Seeding 100,000 rows through the store API would take minutes on PostgreSQL (one durable commit each), so
 * rows are cloned from one connection made by a real connect flow, with every secret cell re-encrypted for its
 * own row (AES-256-GCM, the row's identity as associated data) by the store's own KeyRing, in batched INSERTs.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { KeyRing, cellAad, openStore, sqliteFile } from '../src/store';
import { knob, spread, verdict } from './run';
import type { BenchRow, BenchSection } from './run';
import {
  benchComponents,
  benchFlows,
  connectOnce,
  createBenchInstance,
  postgresEngine,
  sqliteEngine,
  startFastServer,
} from './support/common';
import type { BenchEngine, FastServer } from './support/common';
import { spawnWorker } from './support/workers';
import type { BenchWorker, WorkerMessage } from './support/workers';

const WORKER = 'workers/refresher-worker';
const RSS_TARGET_MB = 300;
const LINEAR_TOLERANCE = 1.25;
const BATCH = 500;

/** Raw SQL on the engine's database, for seeding and checking only. */
interface RawDb {
  all(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

async function rawDb(engine: BenchEngine): Promise<RawDb> {
  if (engine.variant === 'sqlite') {
    const db = new Database(sqliteFile(engine.config));
    db.pragma('busy_timeout = 10000');
    return {
      all: (sql, params = []) => Promise.resolve(db.prepare(sql).all(...params) as Record<string, unknown>[]),
      run: (sql, params = []) => {
        db.prepare(sql).run(...params);
        return Promise.resolve();
      },
      close: () => {
        db.close();
        return Promise.resolve();
      },
    };
  }
  const client = new pg.Client({ connectionString: engine.config.databaseUrl });
  await client.connect();
  await client.query(`set search_path to ${engine.config.postgresSchema ?? 'public'}`);
  let n = 0;
  // `?` placeholders in, `$n` out, so one SQL text serves both engines.
  const numbered = (sql: string): string => sql.replace(/\?/g, () => `$${++n}`);
  return {
    all: async (sql, params = []) => {
      n = 0;
      return (await client.query(numbered(sql), params)).rows as Record<string, unknown>[];
    },
    run: async (sql, params = []) => {
      n = 0;
      await client.query(numbered(sql), params);
    },
    close: () => client.end(),
  };
}

/** Clones the template connection `count` times, all due now, refresh times staggered 1 ms apart. */
async function seed(
  engine: BenchEngine,
  db: RawDb,
  templateId: string,
  tokenSet: Record<string, unknown>,
  secretFields: Record<string, unknown>,
  count: number,
  now: number,
): Promise<void> {
  const keys = engine.config.keys ?? '';
  const ring = typeof keys === 'string' ? KeyRing.parse(keys) : keys;
  const [template] = await db.all('select * from connections where id = ?', [templateId]);
  if (!template) throw new Error('template connection missing');
  const columns = Object.keys(template);
  const raw = (tokenSet['raw'] ?? {}) as Record<string, unknown>;
  await db.run('begin');
  for (let start = 0; start < count; start += BATCH) {
    const values: unknown[] = [];
    const size = Math.min(BATCH, count - start);
    for (let i = start; i < start + size; i++) {
      const id = randomUUID();
      const refreshAt = now - count + i;
      const expiresAt = refreshAt + 5 * 60_000;
      const family = `s${i}`;
      const tokens = {
        ...tokenSet,
        accessToken: `at_seed${i}`,
        refreshToken: `rt_${family}_0`,
        expiresAt,
        raw: { ...raw, access_token: `at_seed${i}`, refresh_token: `rt_${family}_0` },
      };
      const row: Record<string, unknown> = {
        ...template,
        id,
        name: `seed${i}`,
        secret_fields: ring.encrypt(
          JSON.stringify(secretFields),
          cellAad('connections', id, 'secret_fields'),
        ),
        token_set: ring.encrypt(JSON.stringify(tokens), cellAad('connections', id, 'token_set')),
        expires_at: expiresAt,
        refresh_at: refreshAt,
        status: 'connected',
        version: 1,
        lease_owner: null,
        lease_until: null,
      };
      for (const column of columns) values.push(row[column]);
    }
    const placeholders = Array.from({ length: size }, () => `(${columns.map(() => '?').join(', ')})`);
    await db.run(`insert into connections (${columns.join(', ')}) values ${placeholders.join(', ')}`, values);
  }
  await db.run('commit');
}

interface SizeResult {
  readonly count: number;
  readonly seconds: number;
  readonly maxRssMb: number;
  /** RSS per replica once started (store open, component loaded), before the first refresh. */
  readonly readyRssMb: number;
  /** The replica with the highest peak RSS: its peak V8 heap (used, reserved) and memory outside the heap. */
  readonly heap: { readonly usedMb: number; readonly totalMb: number; readonly externalMb: number };
  readonly cpuMsPerRefresh: number;
  /** Grants the token endpoint refreshed, when none was refreshed twice. */
  readonly onceEach: number;
  readonly problems: string[];
}

async function runSize(
  makeEngine: () => Promise<BenchEngine>,
  server: FastServer,
  replicas: number,
  count: number,
): Promise<SizeResult> {
  const engine = await makeEngine();
  const workers: BenchWorker[] = [];
  try {
    const store = await openStore(engine.config);
    let templateId: string;
    try {
      const components = await benchComponents(store);
      const { connections } = await createBenchInstance(store, components, server.url);
      const first = connections[0];
      if (!first) throw new Error('no template connection');
      const template = await connectOnce(benchFlows(store, components), first.id);
      templateId = template.id;
      const db = await rawDb(engine);
      try {
        await seed(engine, db, templateId, template.tokenSet ?? {}, template.secretFields, count, Date.now());
      } finally {
        await db.close();
      }
    } finally {
      await store.close();
    }

    for (let i = 0; i < replicas; i++) {
      workers.push(
        spawnWorker(WORKER, { config: { ...engine.config, notice: undefined }, owner: `replica-${i}` }),
      );
    }
    let readyRssMb = 0;
    for (const worker of workers) {
      const ready = await worker.next(120_000);
      if (ready.event !== 'ready') throw new Error(`replica said ${ready.event}`);
      readyRssMb = Math.max(readyRssMb, Number(ready['readyRssMb'] ?? 0));
    }
    await server.reset();
    const goAt = Date.now();
    for (const worker of workers) worker.send({ cmd: 'go' });
    const done: WorkerMessage[] = [];
    for (const worker of workers) done.push(await worker.next(3_600_000));
    const lastRefreshAt = Math.max(...done.map((d) => Number(d['lastRefreshAt'] ?? 0)));
    const seconds = (lastRefreshAt - goAt) / 1000;

    const problems: string[] = [];
    const stats = await server.stats();
    const refreshed = done.reduce((sum, d) => sum + Number(d['refreshed'] ?? 0), 0);
    const failed = done.reduce((sum, d) => sum + Number(d['failed'] ?? 0), 0);
    if (refreshed !== count) problems.push(`replicas refreshed ${refreshed} of ${count}`);
    if (failed > 0) problems.push(`${failed} failed: ${JSON.stringify(done.map((d) => d['failures']))}`);
    if (stats['refreshedFamilies'] !== count) {
      problems.push(`token endpoint refreshed ${stats['refreshedFamilies']} of ${count} grants`);
    }
    if (stats['maxPerFamily'] !== 1) problems.push(`a grant was refreshed ${stats['maxPerFamily']} times`);
    if (stats['reused'] !== 0)
      problems.push(`${stats['reused']} rotated refresh tokens were presented again`);
    const db = await rawDb(engine);
    try {
      const [due] = await db.all(
        "select count(*) as n from connections where status <> 'connected' or refresh_at is null or refresh_at <= ?",
        [goAt],
      );
      if (Number(due?.['n']) !== 0)
        problems.push(`${String(due?.['n'])} rows not refreshed or not connected`);
    } finally {
      await db.close();
    }
    const cpuMs = done.reduce((sum, d) => sum + Number(d['cpuMs'] ?? 0), 0);
    const peak = done.reduce((a, b) => (Number(b['maxRssMb'] ?? 0) > Number(a['maxRssMb'] ?? 0) ? b : a));
    return {
      count,
      seconds,
      maxRssMb: Number(peak['maxRssMb'] ?? 0),
      readyRssMb,
      heap: {
        usedMb: Number(peak['heapUsedMb'] ?? 0),
        totalMb: Number(peak['heapTotalMb'] ?? 0),
        externalMb: Number(peak['externalMb'] ?? 0),
      },
      cpuMsPerRefresh: cpuMs / count,
      onceEach: stats['maxPerFamily'] === 1 ? Number(stats['refreshedFamilies']) : 0,
      problems,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await engine.dispose();
  }
}

async function scale(
  variant: string,
  makeEngine: () => Promise<BenchEngine>,
  server: FastServer,
  replicas: number,
  full: number,
): Promise<BenchRow[]> {
  const small = Math.max(100, Math.floor(full / 10));
  // The small size runs before and after the full one, so that the host's drift over the full run (minutes, on
  // a host whose speed moves by a third from one minute to the next) is bracketed rather than compared
  // against one earlier snapshot.
  process.stderr.write(`  ${variant}: ${small} connections…\n`);
  const before = await runSize(makeEngine, server, replicas, small);
  process.stderr.write(`  ${variant}: ${full} connections…\n`);
  const large = await runSize(makeEngine, server, replicas, full);
  process.stderr.write(`  ${variant}: ${small} connections again…\n`);
  const after = await runSize(makeEngine, server, replicas, small);
  const perRefresh = (r: SizeResult): number => (r.seconds * 1000) / r.count;
  const perA = (perRefresh(before) + perRefresh(after)) / 2;
  const perB = perRefresh(large);
  const problems = [...before.problems, ...large.problems, ...after.problems];
  const exact = problems.length === 0;
  const fmt = (n: number): string => n.toLocaleString('en-US');
  return [
    {
      section: 'scheduler',
      name: `every connection refreshed exactly once (${fmt(small)} and ${fmt(large.count)})`,
      variant,
      unit: 'refreshes',
      value: spread([large.onceEach]),
      target: 'exactly once each, no reuse',
      verdict: verdict(exact),
      ...(exact ? {} : { note: problems.slice(0, 4).join('; ') }),
    },
    {
      section: 'scheduler',
      name: `peak RSS per replica at ${fmt(large.count)}`,
      variant,
      unit: 'MB',
      // The peak at the full size, with the range over every run.
      value: {
        median: large.maxRssMb,
        min: Math.min(before.maxRssMb, large.maxRssMb, after.maxRssMb),
        max: Math.max(before.maxRssMb, large.maxRssMb, after.maxRssMb),
      },
      target: `< ${RSS_TARGET_MB} MB`,
      verdict: verdict(Math.max(before.maxRssMb, large.maxRssMb, after.maxRssMb) < RSS_TARGET_MB),
      note:
        `value is the peak at ${fmt(large.count)}; range over all three runs; ${fmt(large.readyRssMb)} MB once started, before the first refresh; ` +
        `at the peak, V8 heap ${fmt(large.heap.usedMb)} MB used of ${fmt(large.heap.totalMb)} MB reserved, ${fmt(large.heap.externalMb)} MB outside it`,
    },
    {
      section: 'scheduler',
      name: `wall time per refresh at ${fmt(large.count)}`,
      variant,
      unit: 'ms',
      value: spread([perB]),
      baseline: {
        label: `same at ${fmt(small)}, before and after`,
        value: {
          median: perA,
          min: Math.min(perRefresh(before), perRefresh(after)),
          max: Math.max(perRefresh(before), perRefresh(after)),
        },
      },
      ratio: perB / perA,
      target: `linear (≤ ${LINEAR_TOLERANCE}×)`,
      verdict: verdict(perB / perA <= LINEAR_TOLERANCE),
      note: `${fmt(large.count)} refreshes in ${large.seconds.toFixed(1)} s (${Math.round(large.count / large.seconds)}/s), CPU ${large.cpuMsPerRefresh.toFixed(2)} ms per refresh summed over replicas; one run at ${fmt(large.count)}, the baseline the mean of the runs at ${fmt(small)} before it (${perRefresh(before).toFixed(2)} ms) and after it (${perRefresh(after).toFixed(2)} ms)`,
    },
  ];
}

export const section: BenchSection = {
  name: 'scheduler',
  async setup() {
    const full = knob('SCHEDULER_CONNECTIONS', 100_000, 5000);
    const server = await startFastServer();
    const unavailable: { variant: string; reason: string }[] = [];
    let postgresOk = true;
    try {
      await (await postgresEngine()).dispose();
    } catch (err) {
      postgresOk = false;
      unavailable.push({ variant: 'postgres', reason: err instanceof Error ? err.message : String(err) });
    }
    return {
      unavailable,
      notes: [
        `token endpoint: the fast local server (bench/support/fast-server.ts, child process, rotating refresh tokens), not oidc-provider; all ${full.toLocaleString('en-US')} rows are due at the start with refresh times staggered 1 ms apart, so the figure is the refresher's sustained capacity`,
      ],
      measure: async () => {
        const rows: BenchRow[] = [];
        if (postgresOk) rows.push(...(await scale('postgres, 2 replicas', postgresEngine, server, 2, full)));
        rows.push(
          ...(await scale('sqlite, 1 replica', () => Promise.resolve(sqliteEngine()), server, 1, full)),
        );
        return rows;
      },
      teardown: () => server.close(),
    };
  },
};
