/**
 * A PostgreSQL restart under a serving Keyway, on a throw-away cluster of the test's own: requests fail with a
 * retryable 503 and `Retry-After`, `/readyz` says not ready, the process stays up, and service resumes on its
 * own once the database is back. A database that hangs (its processes frozen) makes `/readyz` answer 503 within
 * its ping timeout rather than hang with it, and API calls answer 503 within the store's statement deadline.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ComponentRegistry, ConnectFlows } from '../../src/runtime';
import { buildApp, createRuntimeServices } from '../../src/server';
import { openStore, type Store } from '../../src/store';
import {
  startThrowawayPostgres,
  throwawayPostgresAvailable,
  type ThrowawayPostgres,
} from '../support/throwaway-postgres';
import { until } from '../support/until';

/** The store's statement deadline here (default 15 s), short to keep the test short. */
const STATEMENT_TIMEOUT_MS = 2_000;

(throwawayPostgresAvailable ? describe : describe.skip)('a PostgreSQL restart under a serving Keyway', () => {
  let cluster: ThrowawayPostgres;
  let store: Store;
  let app: FastifyInstance;
  let base: string;
  let apiKey: string;

  beforeAll(async () => {
    cluster = await startThrowawayPostgres();
    store = await openStore({
      databaseUrl: cluster.url,
      keys: `k1:${randomBytes(32).toString('base64')}`,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    });
    const components = new ComponentRegistry({ store });
    const services = createRuntimeServices({
      store,
      components,
      flows: new ConnectFlows({ store, components }),
    });
    app = buildApp(services, {
      publicBaseUrl: 'http://127.0.0.1:1',
      linkSecret: randomBytes(32).toString('hex'),
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    apiKey = (await store.createApiKey({ name: 'restart', scopes: ['customers:read'] })).key;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await store?.close();
    cluster?.destroy();
  });

  const customers = (): Promise<Response> =>
    fetch(`${base}/api/customers`, { headers: { authorization: `Bearer ${apiKey}` } });

  /** Ready again by itself, and serving the API, once the database answers. */
  async function servingAgain(): Promise<void> {
    await until('/readyz to answer 200', async () => (await fetch(`${base}/readyz`)).status === 200, 20_000);
    expect((await customers()).status).toBe(200);
  }

  it('answers 503 with Retry-After while the database is down and is ready again on its own', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await customers()).status).toBe(200);

    cluster.stop();
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, reason: 'KW_STORE_UNAVAILABLE' });
    const refused = await customers();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('KW_STORE_UNAVAILABLE');
    expect(body.error.message).not.toMatch(/\bat .*\.ts:\d+/);

    cluster.start();
    await servingAgain();
  }, 60_000);

  it('says not ready within seconds while the database hangs, and is ready again once it answers', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    cluster.freeze();
    try {
      // Each probe must answer by itself: a probe that hangs until the load balancer gives up tells it nothing.
      for (let probe = 0; probe < 3; probe += 1) {
        const started = Date.now();
        const notReady = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(15_000) });
        // The probe gives up after 2 s; the bound is loose for a loaded host, well under the 15 s abort.
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(notReady.status).toBe(503);
        expect(await notReady.json()).toMatchObject({ ready: false, reason: 'KW_STORE_UNAVAILABLE' });
      }
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      cluster.thaw();
    }
    await servingAgain();
    // Its own waits allow 65 s (three probes of up to 15 s, then 20 s to be ready): more than a 60 s limit.
  }, 120_000);

  it('answers API calls 503 within the statement deadline while the database hangs, and serves after', async () => {
    // Pool connections already open, as on a replica that has been serving: no connect timeout applies.
    const warm = await Promise.all([customers(), customers(), customers()]);
    expect(warm.map((r) => r.status)).toEqual([200, 200, 200]);
    cluster.freeze();
    try {
      for (let call = 0; call < 2; call += 1) {
        const started = Date.now();
        const refused = await fetch(`${base}/api/customers`, {
          headers: { authorization: `Bearer ${apiKey}` },
          signal: AbortSignal.timeout(20_000),
        });
        // The deadline is 2 s (a new connection gives up after 5 s); loose for a loaded host, under the abort.
        expect(Date.now() - started).toBeLessThan(12_000);
        expect(refused.status).toBe(503);
        expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
        const body = (await refused.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('KW_STORE_UNAVAILABLE');
      }
      // The process is up and says so.
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      cluster.thaw();
    }
    await servingAgain();
    // Its own waits allow 60 s (two calls of up to 20 s, then 20 s to be ready): more than a 60 s limit.
  }, 120_000);
});
