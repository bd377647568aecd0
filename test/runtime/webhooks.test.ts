import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isKeywayError } from '../../src/errors';
import {
  connectionEvent,
  parseWebhookEndpoints,
  signWebhook,
  startWebhookDelivery,
  verifyWebhook,
  type WebhookDelivery,
  type WebhookDeliveryOptions,
} from '../../src/runtime';
import { openStore, type Store } from '../../src/store';
import { sqliteConfig } from './workers/fixture';

interface Received {
  readonly body: string;
  readonly signature: string | undefined;
  readonly eventId: string | undefined;
}

/** A real HTTP receiver on 127.0.0.1 that answers with the statuses queued for it (200 when none is left). */
async function receiver(): Promise<{
  url: string;
  received: Received[];
  statuses: number[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: req.headers['x-keyway-signature'] as string | undefined,
        eventId: req.headers['x-keyway-event-id'] as string | undefined,
      });
      res.writeHead(statuses.shift() ?? 200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    statuses,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const SECRET = 'whsec-0123456789abcdef';
let store: Store;
let receivers: Awaited<ReturnType<typeof receiver>>[] = [];
let workers: WebhookDelivery[] = [];

beforeEach(async () => {
  store = await openStore(sqliteConfig());
});
afterEach(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  workers = [];
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
  await store.close();
});

async function newReceiver(): Promise<Awaited<ReturnType<typeof receiver>>> {
  const r = await receiver();
  receivers.push(r);
  return r;
}

function worker(options: Omit<WebhookDeliveryOptions, 'store' | 'intervalMs'>): WebhookDelivery {
  const started = startWebhookDelivery({ store, intervalMs: 60_000, ...options });
  workers.push(started);
  return started;
}

async function enqueue(
  now: number,
  type: Parameters<typeof connectionEvent>[0] = 'connection.needs_reauthorization',
) {
  return store.enqueueEvent(
    connectionEvent(
      type,
      { id: 'conn-1', instanceId: 'inst-1', name: 'crm', componentKey: 'demo', definitionKey: 'oauth' },
      { now, status: 'needs_reauthorization', error: { code: 'KW_OAUTH_INVALID_GRANT', message: 'revoked' } },
    ),
  );
}

describe('webhook delivery', () => {
  it('posts each event signed so verifyWebhook accepts it, and marks it delivered', async () => {
    const hooks = await newReceiver();
    const event = await enqueue(Date.now());
    const pass = await worker({
      owner: 'a',
      endpoints: [{ id: 'ops', url: hooks.url, secret: SECRET }],
    }).runOnce();

    expect(pass).toMatchObject({ claimed: 1, delivered: 1, failed: 0 });
    expect(hooks.received).toHaveLength(1);
    const [delivery] = hooks.received;
    expect(delivery?.eventId).toBe(event.id);
    const body = JSON.parse(delivery?.body ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({
      id: event.id,
      type: 'connection.needs_reauthorization',
      data: { connection: { id: 'conn-1', status: 'needs_reauthorization' } },
    });
    expect(
      verifyWebhook({ body: delivery?.body ?? '', signature: delivery?.signature, secret: SECRET }),
    ).toEqual({
      timestamp: expect.any(Number),
    });
    expect((await store.getEvent(event.id))?.status).toBe('delivered');
  });

  it('retries a failed delivery with backoff and gives up after maxAttempts', async () => {
    const hooks = await newReceiver();
    hooks.statuses.push(500, 503, 500);
    let now = Date.now();
    const event = await enqueue(now);
    const delivery = worker({
      owner: 'a',
      endpoints: [{ id: 'ops', url: hooks.url, secret: SECRET }],
      now: () => now,
      retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000 },
    });

    expect(await delivery.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
    let stored = await store.getEvent(event.id);
    expect(stored).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: now + 1000 });
    expect(stored?.lastError).toContain('HTTP 500');
    // Not due yet: nothing is posted.
    expect(await delivery.runOnce()).toMatchObject({ claimed: 0 });

    now += 1000;
    expect(await delivery.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
    stored = await store.getEvent(event.id);
    expect(stored).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: now + 2000 });

    now += 2000;
    expect(await delivery.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
    expect((await store.getEvent(event.id))?.status).toBe('failed');
    expect(hooks.received).toHaveLength(3);
  });

  it('delivers each event once when two replicas poll the same outbox', async () => {
    const hooks = await newReceiver();
    const now = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await enqueue(now, 'connection.refreshed')).id);
    const endpoints = [{ id: 'ops', url: hooks.url, secret: SECRET }];
    const a = worker({ owner: 'a', endpoints, batchSize: 7 });
    const b = worker({ owner: 'b', endpoints, batchSize: 7 });

    await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);

    expect(hooks.received.map((r) => r.eventId).sort()).toEqual([...ids].sort());
  });

  it('splits an event for two endpoints so a failing one never causes duplicates at the working one', async () => {
    const good = await newReceiver();
    const bad = await newReceiver();
    bad.statuses.push(500);
    let now = Date.now();
    await enqueue(now);
    const delivery = worker({
      owner: 'a',
      now: () => now,
      endpoints: [
        { id: 'good', url: good.url, secret: SECRET },
        { id: 'bad', url: bad.url, secret: 'another-secret-0123' },
        { id: 'other', url: good.url, secret: SECRET, events: ['connection.refreshed'] },
      ],
      retry: { baseDelayMs: 1000 },
    });

    expect(await delivery.runOnce()).toMatchObject({ claimed: 1, fannedOut: 1 });
    expect(await delivery.runOnce()).toMatchObject({ claimed: 2, delivered: 1, failed: 1 });
    now += 1000;
    expect(await delivery.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });

    expect(good.received).toHaveLength(1);
    expect(bad.received).toHaveLength(2);
    const original = JSON.parse(good.received[0]?.body ?? '{}') as { id: string };
    for (const r of [...good.received, ...bad.received]) {
      expect((JSON.parse(r.body) as { id: string }).id).toBe(original.id);
    }
    expect(() =>
      verifyWebhook({
        body: bad.received[1]?.body ?? '',
        signature: bad.received[1]?.signature,
        secret: 'another-secret-0123',
      }),
    ).not.toThrow();
  });
});

describe('verifyWebhook', () => {
  const body = JSON.stringify({ id: 'e1', type: 'connection.refreshed' });

  it('rejects a tampered body, a wrong secret and a malformed header', () => {
    const signature = signWebhook(body, SECRET, Date.now());
    for (const attempt of [
      { body: body.replace('refreshed', 'connected'), signature, secret: SECRET },
      { body, signature, secret: 'not-the-right-secret' },
      { body, signature: 'v1=abc', secret: SECRET },
      { body, signature: undefined, secret: SECRET },
    ]) {
      const error = (() => {
        try {
          verifyWebhook(attempt);
          return undefined;
        } catch (err) {
          return err;
        }
      })();
      expect(isKeywayError(error, 'KW_WEBHOOK_SIGNATURE_INVALID')).toBe(true);
    }
  });

  it('rejects a replayed delivery signed outside the tolerance and accepts a rotated secret', () => {
    const now = Date.now();
    const old = signWebhook(body, SECRET, now - 10 * 60_000);
    let error: unknown;
    try {
      verifyWebhook({ body, signature: old, secret: SECRET, now: () => now });
    } catch (err) {
      error = err;
    }
    expect(isKeywayError(error, 'KW_WEBHOOK_SIGNATURE_EXPIRED')).toBe(true);
    const fresh = signWebhook(body, SECRET, now);
    expect(
      verifyWebhook({ body, signature: fresh, secret: ['new-secret-0123456', SECRET], now: () => now }),
    ).toEqual({
      timestamp: Math.floor(now / 1000) * 1000,
    });
  });
});

describe('parseWebhookEndpoints', () => {
  it('rejects a bad endpoint naming the field without echoing the secret', () => {
    const error = (() => {
      try {
        parseWebhookEndpoints([{ id: 'ops', url: 'ftp://example.com', secret: 'short-secret-xyz-123' }]);
        return undefined;
      } catch (err) {
        return err;
      }
    })();
    expect(isKeywayError(error, 'KW_CONFIG_INVALID')).toBe(true);
    expect(String(error)).toContain('0.url');
    expect(JSON.stringify(error)).not.toContain('short-secret-xyz-123');
  });
});
