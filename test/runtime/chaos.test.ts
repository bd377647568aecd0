/**
 * Chaos on PostgreSQL: 3 OS processes keep actions running (with the background refresher) while the test
 * terminates every one of their database sessions several times at random moments, and makes each round a
 * refresh storm by expiring the stored token just before. Every process must stay alive, the grant must survive
 * (no refresh token sent twice, no token lost), no advisory lock may stay held, and service must resume by itself.
 * Only this test's own sessions are terminated (found by their application_name) on the shared server.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { openStore, type Store, type StoreConfig } from '../../src/store';
import {
  connectedSandboxConnection,
  demoComponents,
  dropPostgresSchema,
  expireStoredToken,
  postgresConfig,
  runPostgres,
} from './workers/fixture';
import { spawnWorker, type Worker } from './workers/spawn';

const WORKER = resolve(__dirname, 'workers/chaos-worker.ts');
const PROCESSES = 3;
const ROUNDS = 4;

const pause = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
const between = (low: number, high: number): number => low + Math.floor(Math.random() * (high - low));

(runPostgres ? describe : describe.skip)('database sessions terminated under load (PostgreSQL)', () => {
  const application = `kw_chaos_${randomBytes(4).toString('hex')}`;
  let sandbox: Sandbox;
  let config: StoreConfig;
  let store: Store;
  let admin: pg.Client;
  let workers: Worker[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
    config = await postgresConfig();
    store = await openStore(config);
    admin = new pg.Client({ connectionString: config.databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.exited));
    await admin.end();
    await store.close();
    await sandbox.close();
    await dropPostgresSchema(config);
  });

  const terminateAll = async (): Promise<number> =>
    (
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [application],
      )
    ).rowCount ?? 0;

  it('keeps every process alive, loses no token, leaves no lock held and resumes by itself', async () => {
    const { instanceId, connection } = await connectedSandboxConnection(
      store,
      demoComponents(store),
      sandbox,
    );
    await expireStoredToken(store, connection.id);
    sandbox.behaviour.tokenDelayMs = 50;
    const job = {
      config: {
        ...config,
        databaseUrl: `${config.databaseUrl ?? ''}?application_name=${application}`,
        notice: undefined,
      },
      instanceId,
      concurrency: 8,
    };
    workers = Array.from({ length: PROCESSES }, () => spawnWorker(WORKER, job));
    await Promise.all(workers.map((worker) => worker.waitFor('ready', 60_000)));
    for (const worker of workers) worker.child.stdin?.write('go\n');

    let terminated = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await pause(between(300, 1200));
      // A refresh storm: every process finds the token expired at once, and the sessions die at a random
      // moment of it (before, during or after the refresh request).
      await expireStoredToken(store, connection.id);
      await pause(between(0, 150));
      terminated += await terminateAll();
    }
    expect(terminated).toBeGreaterThan(ROUNDS);
    for (const worker of workers) {
      expect(worker.child.exitCode).toBeNull();
      worker.child.stdin?.write('stop\n');
    }
    const results = await Promise.all(workers.map((worker) => worker.waitFor('done', 120_000)));

    for (const result of results) {
      // The whole result on failure: `last` says why the process did not recover.
      expect(result).toEqual(expect.objectContaining({ recovered: true }));
      expect(result.ok).toBeGreaterThan(0);
      // Only the retryable database error (and lock waits cut short by it) may reach a caller.
      const unexpected = Object.keys(result.codes ?? {}).filter(
        (code) => !/^(refresher:)?KW_STORE_(UNAVAILABLE|LOCK_TIMEOUT)$/.test(code),
      );
      expect(unexpected).toEqual([]);
    }
    const after = await store.getConnection(connection.id);
    expect(after?.status).toBe('connected');
    expect(after?.lastError).toBeNull();
    // Each round's expired token was refreshed, and none of those refreshes revoked the grant.
    expect(sandbox.tokenRequests()['refresh_token']).toBeGreaterThanOrEqual(1);
    const locks = await admin.query(
      `select 1 from pg_locks l join pg_stat_activity a using (pid)
       where l.locktype = 'advisory' and a.application_name = $1`,
      [application],
    );
    expect(locks.rowCount).toBe(0);
    for (const worker of workers) {
      expect(worker.child.exitCode).toBeNull();
      worker.child.stdin?.write('exit\n');
    }
    for (const worker of workers) expect((await worker.exited).code).toBe(0);
  }, 240_000);
});
