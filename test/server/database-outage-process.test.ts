/**
 * A database outage under a real replica process (started as `keyway serve` starts one:
 * test/runtime/workers/serve-worker.ts) on a throw-away PostgreSQL cluster: while the database is stopped the
 * API answers 503 `KW_STORE_UNAVAILABLE` at once, the process stays up with every background loop running, the
 * logs carry neither the database password nor a stack trace per loop pass, and once the database is back the
 * outbox worker delivers again without a restart.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { openStore, type Store } from '../../src/store';
import { spawnWorker, type Worker } from '../runtime/workers/spawn';
import {
  startThrowawayPostgres,
  throwawayPostgresAvailable,
  type ThrowawayPostgres,
} from '../support/throwaway-postgres';
import { untilValue } from '../support/until';

const WORKER = resolve(__dirname, '../runtime/workers/serve-worker.ts');
/** Trust authentication ignores it; it is here to prove it never reaches a log line. */
const PASSWORD = 'pw-outage-never-logged-91c2';
/** How long the database stays down: many passes of each fast loop below. */
const OUTAGE_MS = 3_000;

(throwawayPostgresAvailable ? describe : describe.skip)('a database outage under a replica process', () => {
  const delivered = new Set<string>();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      delivered.add(String(req.headers['x-keyway-event-id']));
      res.writeHead(204).end();
    });
  });
  let cluster: ThrowawayPostgres;
  let store: Store;
  let worker: Worker;
  let base: string;
  let apiKey: string;

  beforeAll(async () => {
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
    cluster = await startThrowawayPostgres();
    const keys = `k1:${randomBytes(32).toString('base64')}`;
    store = await openStore({ databaseUrl: cluster.url, keys });
    apiKey = (await store.createApiKey({ name: 'outage', scopes: ['*'] })).key;
    worker = spawnWorker(WORKER, {
      env: {
        KEYWAY_DATABASE_URL: cluster.url.replace('root@', `root:${PASSWORD}@`),
        KEYWAY_ENCRYPTION_KEYS: keys,
        KEYWAY_LINK_SECRET: randomBytes(32).toString('base64'),
        KEYWAY_PUBLIC_URL: 'http://keyway.test',
        KEYWAY_PORT: '0',
        KEYWAY_LOG_LEVEL: 'warn',
        KEYWAY_WEBHOOKS: JSON.stringify([{ id: 'platform', url: receiverUrl, secret: 'whsec-outage-0123' }]),
      },
      timings: { pollIntervalMs: 100, deliveryIntervalMs: 100 },
    });
    base = (await worker.waitFor('ready', 60_000)).address ?? '';
  }, 90_000);

  afterAll(async () => {
    if (worker?.child.exitCode === null) worker.child.kill('SIGKILL');
    await store?.close();
    cluster?.destroy();
    await new Promise<void>((done) => receiver.close(() => done()));
  });

  const enqueue = async (): Promise<string> =>
    (await store.enqueueEvent({ type: 'test.outage', payload: { at: Date.now() } })).id;

  it('answers 503 at once, stays up, logs no secret and delivers again once the database is back', async () => {
    const before = await enqueue();
    await untilValue('the event sent before the outage', 15_000, () =>
      Promise.resolve(delivered.has(before) || undefined),
    );

    cluster.stop();
    const stoppedAt = Date.now();
    let answers = 0;
    // At least six refused requests, however slow a loaded host makes each.
    while (Date.now() - stoppedAt < OUTAGE_MS || answers < 6) {
      const started = Date.now();
      const response = await fetch(`${base}/api/customers`, {
        headers: { authorization: `Bearer ${apiKey}` },
        signal: AbortSignal.timeout(10_000),
      });
      // Refused at once (milliseconds on a quiet host); loose for a loaded one, well under the 10 s abort.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'KW_STORE_UNAVAILABLE',
      );
      answers += 1;
      await new Promise((done) => setTimeout(done, 100));
    }
    expect(worker.child.exitCode).toBeNull();

    cluster.start();
    await untilValue('/readyz to answer 200', 20_000, async () =>
      (await fetch(`${base}/readyz`)).status === 200 ? true : undefined,
    );
    const after = await untilValue('the store to accept an event again', 20_000, () =>
      enqueue().catch(() => undefined),
    );
    await untilValue('the event sent after the outage', 15_000, () =>
      Promise.resolve(delivered.has(after) || undefined),
    );
    expect(
      (await fetch(`${base}/api/customers`, { headers: { authorization: `Bearer ${apiKey}` } })).status,
    ).toBe(200);

    worker.child.stdin?.write('stop\n');
    await worker.waitFor('stopped', 15_000);
    expect((await worker.exited).code).toBe(0);

    const logs = worker.stderr();
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toMatch(/unhandled|uncaught/i);
    // ~30 delivery and poller passes failed during the outage: each loop says so once, not once a pass.
    const lines = logs.split('\n').filter((line) => line.includes('database is unavailable'));
    expect(lines.filter((line) => line.includes('webhook delivery')).length).toBe(1);
    expect(lines.filter((line) => line.includes('poller')).length).toBe(1);
    expect(logs).not.toContain('"msg":"webhook delivery pass failed"');
    // Requests refused meanwhile are warnings with the code, not a stack trace each.
    expect(logs).toContain('"msg":"request failed: the database is unavailable"');
    expect(logs).not.toMatch(/"stack":"KeywayError: The database is not answering/);
  }, 90_000);
});
