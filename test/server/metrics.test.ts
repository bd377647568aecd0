/**
 * Metrics stay bounded and private: action-call labels come only from components and actions that exist, and
 * `/metrics` is never public on the customer-facing port (a bearer token, or a separate metrics app).
 */
import { Metrics, buildMetricsApp } from '../../src/server';
import { startHarness } from './harness';
import type { Harness } from './harness';

const METRICS_TOKEN = 'metrics-token-0123456789';

let h: Harness;
let plain: Harness;
let adminKey: string;

beforeAll(async () => {
  [h, plain] = await Promise.all([startHarness({ config: { metricsToken: METRICS_TOKEN } }), startHarness()]);
  adminKey = (await h.store.createApiKey({ name: 'admin', scopes: ['*'] })).key;
});
afterAll(async () => {
  await Promise.all([h.close(), plain.close()]);
});

async function scrape(): Promise<string> {
  const res = await h.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  expect(res.statusCode).toBe(200);
  return res.body;
}

describe('action-call metrics', () => {
  it('counts calls to made-up components and actions in one `unknown` series', async () => {
    for (let i = 0; i < 30; i += 1) {
      const res = await h.inject({
        method: 'POST',
        url: `/api/instances/${h.instanceA}/actions/made-up-${i}/${i % 2 === 0 ? 'whoami' : `act-${i}`}`,
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        payload: '{}',
      });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
    }
    // A real component with a made-up action is unknown too.
    await h.inject({
      method: 'POST',
      url: `/api/instances/${h.instanceA}/actions/serverTest/nope`,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      payload: '{}',
    });
    const series = (await scrape())
      .split('\n')
      .filter((line) => line.startsWith('keyway_action_calls_total{'));
    expect(series).toEqual([
      'keyway_action_calls_total{action="unknown",component="unknown",outcome="failed"} 31',
    ]);
  });

  it('labels a call to a real action with its component and action', async () => {
    await h.inject({
      method: 'POST',
      url: `/api/instances/${h.instanceA}/actions/serverTest/whoami`,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(await scrape()).toMatch(
      /keyway_action_calls_total\{action="whoami",component="serverTest",outcome="\w+"\} 1/,
    );
  });
});

describe('where /metrics is served', () => {
  it('is not served on the customer-facing app without a configured token', async () => {
    const res = await plain.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('keyway_');
  });

  it('needs the bearer token when one is configured', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${METRICS_TOKEN}`]) {
      const res = await h.inject({
        method: 'GET',
        url: '/metrics',
        ...(authorization ? { headers: { authorization } } : {}),
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: 'KW_API_UNAUTHORIZED' } });
      expect(res.body).not.toContain('keyway_');
    }
    expect(await scrape()).toContain('# TYPE keyway_http_requests_total counter');
  });

  it('is served without a token by the separate metrics app, which serves nothing else', async () => {
    const metrics = new Metrics();
    metrics.inc('keyway_token_refreshes_total', { outcome: 'refreshed' });
    const app = buildMetricsApp(metrics);
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const res = await fetch(`${url}/metrics`);
      expect(await res.text()).toContain('keyway_token_refreshes_total{outcome="refreshed"} 1');
      expect((await fetch(`${url}/api/customers`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
