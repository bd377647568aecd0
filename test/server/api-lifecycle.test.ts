/**
 * The REST API over the whole lifecycle, on SQLite and PostgreSQL: publishing a bundle of real size, customers
 * and instances created, updated and deleted, connections listed by status, cursor pagination and strict
 * queries, API keys, webhook endpoints stored in the database, executions and the audit log. A second app on
 * the same database stands for a second replica.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ComponentRegistry, ConnectFlows, startWebhookDelivery, verifyWebhook } from '../../src/runtime';
import { buildApp, createRuntimeServices } from '../../src/server';
import type { Store } from '../../src/store';
import { buildTestComponent } from '../support/components/build';
import { checkedFetch } from '../support/openapi-check';
import { storeEngines } from '../support/runtime-stores';
import { startHarness } from './harness';
import type { Harness, TestResponse } from './harness';

const MAX_BUNDLE = 8 * 1024 * 1024;

interface Call {
  readonly key?: string;
  readonly json?: unknown;
  readonly body?: Uint8Array;
  readonly headers?: Record<string, string>;
}

let built: Buffer | undefined;

/** The sandbox-password test component, padded with an embedded asset to `size` bytes, as real bundles are. */
function bundleOfSize(size: number): Buffer {
  built ??= readFileSync(buildTestComponent('sandbox-password'));
  const source = built;
  const asset = randomBytes(Math.ceil((size - source.length) * 0.75)).toString('base64');
  return Buffer.concat([Buffer.from(`/* embedded asset: ${asset} */\n`), source]);
}

/** A second app on its own store handle to the same database: another replica. */
async function startReplica(h: Harness): Promise<{ url: string; store: Store; close: () => Promise<void> }> {
  const store = await h.openReplica();
  const components = new ComponentRegistry({ store });
  const flows = new ConnectFlows({ store, components });
  const app = buildApp(createRuntimeServices({ store, components, flows }), {
    publicBaseUrl: h.baseUrl,
    linkSecret: h.linkSecret,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    store,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

describe.each(storeEngines)('REST API lifecycle on %s', (_engine, openTestStore) => {
  let h: Harness;
  let admin: string;
  let adminId: string;

  beforeAll(async () => {
    h = await startHarness({ openStore: openTestStore, config: { maxBundleBytes: MAX_BUNDLE } });
    const created = await h.store.createApiKey({ name: 'platform', scopes: ['*'] });
    admin = created.key;
    adminId = created.apiKey.id;
  });
  afterAll(async () => {
    await h.close();
  });

  function call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    c: Call = {},
  ): Promise<TestResponse> {
    return h.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${c.key ?? admin}`,
        ...(c.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...c.headers,
      },
      ...(c.json !== undefined ? { payload: JSON.stringify(c.json) } : {}),
      ...(c.body !== undefined ? { payload: c.body } : {}),
    });
  }

  async function json<T>(res: Promise<TestResponse>, status: number): Promise<T> {
    const done = await res;
    if (done.statusCode !== status)
      throw new Error(`expected ${status}, got ${done.statusCode}: ${done.body}`);
    return done.json() as T;
  }

  /** Every item of a list endpoint, page by page (`limit` per page), and how many pages that took. */
  async function allPages<T>(
    url: string,
    field: string,
    limit: number,
  ): Promise<{ items: T[]; pages: number }> {
    const items: T[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const page: Record<string, unknown> = await json(
        call('GET', `${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`),
        200,
      );
      items.push(...(page[field] as T[]));
      cursor = page['nextCursor'] as string | null;
      pages += 1;
    } while (cursor !== null && pages < 50);
    return { items, pages };
  }

  describe('components', () => {
    it('publishes a 5 MB bundle as raw bytes and gzip-compressed, and lists its versions page by page', async () => {
      const first = bundleOfSize(5.2 * 1024 * 1024);
      expect(first.length).toBeGreaterThanOrEqual(5 * 1024 * 1024);
      const raw = await json<{ component: { key: string; version: number } }>(
        call('POST', '/api/components', {
          body: first,
          headers: { 'content-type': 'application/octet-stream' },
        }),
        201,
      );
      expect(raw.component).toMatchObject({ key: 'sandboxPassword', version: 1 });

      const second = gzipSync(bundleOfSize(6 * 1024 * 1024));
      const gzipped = await json<{ component: { version: number } }>(
        call('POST', '/api/components', {
          body: second,
          headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' },
        }),
        201,
      );
      expect(gzipped.component.version).toBe(2);

      const versions = await allPages<{ version: number }>(
        '/api/components/sandboxPassword/versions',
        'versions',
        1,
      );
      expect(versions.items.map((v) => v.version)).toEqual([1, 2]);
      expect(versions.pages).toBe(2);
      expect((await call('GET', '/api/components/nothing/versions')).statusCode).toBe(404);
      // Two bundles of 5-6 MB loaded and stored: 24 s at load 16 on 2 cores (3 CPU burners), near jest's 30 s.
    }, 120_000);

    it('refuses a bundle over the configured limit, raw or inflated from gzip, and publishes nothing', async () => {
      const big = bundleOfSize(MAX_BUNDLE + 1024 * 1024);
      const raw = await call('POST', '/api/components', {
        body: big,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(raw.statusCode).toBe(413);
      expect(raw.json()).toMatchObject({ error: { code: 'KW_BODY_TOO_LARGE' } });
      // Zeros compress to almost nothing: the limit holds for the inflated size, not the bytes on the wire.
      const bomb = gzipSync(Buffer.alloc(2 * MAX_BUNDLE));
      const inflated = await call('POST', '/api/components', {
        body: bomb,
        headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' },
      });
      expect(inflated.statusCode).toBe(413);
      // One code for every too-large body: the bundle's own limit, fastify's after inflating, any other route.
      expect(inflated.json()).toMatchObject({ error: { code: 'KW_BODY_TOO_LARGE' } });
      const base64 = await call('POST', '/api/components', {
        json: { bundleBase64: big.toString('base64') },
      });
      expect(base64.statusCode).toBe(413);
      expect(base64.json()).toMatchObject({ error: { code: 'KW_BODY_TOO_LARGE' } });
      const customer = await call('POST', '/api/customers', { json: { name: 'x'.repeat(2 * 1024 * 1024) } });
      expect(customer.statusCode).toBe(413);
      expect(customer.json()).toMatchObject({ error: { code: 'KW_BODY_TOO_LARGE' } });
      const versions = await json<{ versions: unknown[] }>(
        call('GET', '/api/components/sandboxPassword/versions'),
        200,
      );
      expect(versions.versions).toHaveLength(2);
    });

    it('validates a published bundle as the CLI does', async () => {
      const res = await call('POST', '/api/components', {
        body: Buffer.from('module.exports = { default: 42 };'),
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect((res.json() as { error: { code: string } }).error.code).toMatch(/^KW_COMPONENT_/);
    });
  });

  describe('customers and instances', () => {
    it('pages through customers with an opaque cursor and refuses unknown parameters and bad limits', async () => {
      for (let i = 0; i < 5; i += 1) await call('POST', '/api/customers', { json: { name: `Paged ${i}` } });
      const expected = (await h.store.listCustomers()).map((c) => c.id);
      const paged = await allPages<{ id: string }>('/api/customers', 'customers', 2);
      expect(paged.items.map((c) => c.id)).toEqual(expected);
      expect(paged.pages).toBe(Math.ceil(expected.length / 2));

      const unknown = await call('GET', '/api/customers?limt=2');
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json()).toMatchObject({ error: { code: 'KW_REQUEST_INVALID' } });
      expect(unknown.body).toContain('limt');
      for (const query of ['limit=0', 'limit=201', 'limit=two', 'cursor=bm90LWEtY3Vyc29y']) {
        const res = await call('GET', `/api/customers?${query}`);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({ error: { code: 'KW_REQUEST_INVALID' } });
      }
      expect((await call('GET', '/api/instances?customerId=x&color=red')).statusCode).toBe(400);
    });

    it('updates and deletes a customer; its instances go with it', async () => {
      const { customer } = await json<{ customer: { id: string } }>(
        call('POST', '/api/customers', { json: { name: 'Old name' } }),
        201,
      );
      const patched = await json<{ customer: { name: string; externalId: string } }>(
        call('PATCH', `/api/customers/${customer.id}`, { json: { name: 'New name', externalId: 'ext-9' } }),
        200,
      );
      expect(patched.customer).toMatchObject({ name: 'New name', externalId: 'ext-9' });
      expect((await call('PATCH', `/api/customers/${customer.id}`, { json: { nme: 'x' } })).statusCode).toBe(
        400,
      );
      expect((await call('PATCH', '/api/customers/nobody', { json: { name: 'x' } })).statusCode).toBe(404);

      const { instance } = await json<{ instance: { id: string } }>(
        call('POST', '/api/instances', {
          json: { customerId: customer.id, name: 'Doomed', components: ['serverTest'] },
        }),
        201,
      );
      expect((await call('DELETE', `/api/customers/${customer.id}`)).statusCode).toBe(204);
      expect((await call('GET', `/api/customers/${customer.id}`)).statusCode).toBe(404);
      expect(await h.store.getInstance(instance.id)).toBeUndefined();
      expect((await call('DELETE', `/api/customers/${customer.id}`)).statusCode).toBe(404);
    });

    it('updates an instance’s config and connection fields (secrets stored encrypted, never returned)', async () => {
      const customer = await h.store.createCustomer({ name: 'Fields' });
      const { instance } = await json<{ instance: { id: string } }>(
        call('POST', '/api/instances', {
          json: {
            customerId: customer.id,
            name: 'Service',
            components: ['serverTest'],
            config: { region: 'us', keep: 1 },
            connections: [
              {
                name: 'service',
                componentKey: 'serverTest',
                definitionKey: 'sandboxCc',
                fields: { issuer: h.sandbox.url },
              },
            ],
          },
        }),
        201,
      );
      const secret = h.sandbox.clients.service.clientSecret ?? '';
      const res = await call('PATCH', `/api/instances/${instance.id}`, {
        json: {
          name: 'Service (EU)',
          config: { region: 'eu', keep: null },
          connections: {
            service: { fields: { clientId: h.sandbox.clients.service.clientId, clientSecret: secret } },
          },
        },
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(secret);
      expect(res.json()).toMatchObject({ instance: { name: 'Service (EU)', config: { region: 'eu' } } });
      expect((res.json() as { instance: { config: object } }).instance.config).not.toHaveProperty('keep');
      const stored = await h.connection(instance.id, 'service');
      expect(stored.fields['clientId']).toBe(h.sandbox.clients.service.clientId);
      expect(stored.secretFields['clientSecret']).toBe(secret);

      const unknown = await call('PATCH', `/api/instances/${instance.id}`, {
        json: { name: 'Renamed', connections: { nope: { fields: { a: 'b' } } } },
      });
      expect(unknown.statusCode).toBe(400);
      expect((await h.store.getInstance(instance.id))?.name).toBe('Service (EU)');
    });

    it('lists connections by status, and deleting an instance disconnects, revokes and reports its connections', async () => {
      const customer = await h.store.createCustomer({ name: 'Delete me' });
      const { instance } = await json<{ instance: { id: string } }>(
        call('POST', '/api/instances', {
          json: {
            customerId: customer.id,
            name: 'Connected',
            components: ['serverTest'],
            connections: [
              {
                name: 'service',
                componentKey: 'serverTest',
                definitionKey: 'sandboxCc',
                fields: {
                  issuer: h.sandbox.url,
                  clientId: h.sandbox.clients.service.clientId,
                  clientSecret: h.sandbox.clients.service.clientSecret ?? '',
                },
              },
              {
                name: 'crm',
                componentKey: 'serverTest',
                definitionKey: 'sandboxOAuth',
                fields: { issuer: h.sandbox.url },
              },
            ],
          },
        }),
        201,
      );
      const service = await h.connection(instance.id, 'service');
      await new ConnectFlows({ store: h.store, components: h.components }).connectWithClientCredentials(
        service.id,
      );
      const token = (await h.connection(instance.id, 'service')).tokenSet?.['accessToken'];
      expect(typeof token).toBe('string');
      const me = () => fetch(h.sandbox.apiUrl, { headers: { authorization: `Bearer ${String(token)}` } });
      expect((await me()).status).toBe(200);

      const connected = await json<{ connections: { id: string; status: string }[] }>(
        call('GET', `/api/connections?instanceId=${instance.id}&status=connected`),
        200,
      );
      expect(connected.connections.map((c) => c.id)).toEqual([service.id]);
      const pending = await json<{ connections: { name: string }[] }>(
        call('GET', `/api/instances/${instance.id}/connections?status=pending`),
        200,
      );
      expect(pending.connections.map((c) => c.name)).toEqual(['crm']);
      expect((await call('GET', '/api/connections?status=sleeping')).statusCode).toBe(400);
      const everyConnected = await allPages<{ status: string }>(
        '/api/connections?status=connected',
        'connections',
        1,
      );
      expect(everyConnected.items.every((c) => c.status === 'connected')).toBe(true);

      expect((await call('DELETE', `/api/instances/${instance.id}`)).statusCode).toBe(204);
      expect(await h.store.getInstance(instance.id)).toBeUndefined();
      expect((await me()).status).toBe(401);
      const events = await h.store.claimOutboxEvents({
        now: Date.now() + 1000,
        limit: 100,
        leaseMs: 1000,
        owner: 't',
      });
      expect(events.filter((e) => e.connectionId === service.id).map((e) => e.type)).toContain(
        'connection.disconnected',
      );
      expect((await call('DELETE', `/api/instances/${instance.id}`)).statusCode).toBe(404);
    });
  });

  describe('API keys', () => {
    it('creates, lists and revokes keys through the API; a revoked key is refused at once by another replica', async () => {
      const replica = await startReplica(h);
      try {
        const created = await json<{ key: string; apiKey: { id: string; name: string } }>(
          call('POST', '/api/api-keys', { json: { name: 'reader', scopes: ['customers:read'] } }),
          201,
        );
        const listed = await allPages<{ id: string; name: string }>('/api/api-keys', 'apiKeys', 100);
        expect(listed.items.map((k) => k.name)).toContain('reader');
        expect(JSON.stringify(listed.items)).not.toContain(created.key);

        const onReplica = () =>
          checkedFetch(`${replica.url}/api/customers`, {
            headers: { authorization: `Bearer ${created.key}` },
          });
        expect((await onReplica()).status).toBe(200);
        await json(call('POST', `/api/api-keys/${created.apiKey.id}/revoke`), 200);
        expect((await onReplica()).status).toBe(401);
        expect((await call('GET', '/api/customers', { key: created.key })).statusCode).toBe(401);
        expect((await call('POST', '/api/api-keys/nope/revoke')).statusCode).toBe(404);
      } finally {
        await replica.close();
      }
    });

    it('lets a key grant only the scopes it holds', async () => {
      const keyAdmin = (
        await h.store.createApiKey({ name: 'key-admin', scopes: ['apiKeys:write', 'customers:read'] })
      ).key;
      const wider = await call('POST', '/api/api-keys', {
        key: keyAdmin,
        json: { name: 'x', scopes: ['*'] },
      });
      expect(wider.statusCode).toBe(403);
      expect(
        (await call('POST', '/api/api-keys', { json: { name: 'x', scopes: ['root'] } })).statusCode,
      ).toBe(400);
      const narrower = await call('POST', '/api/api-keys', {
        key: keyAdmin,
        json: { name: 'y', scopes: ['customers:read'] },
      });
      expect(narrower.statusCode).toBe(201);
    });
  });

  describe('webhook endpoints', () => {
    it('are created, tested and deleted through the API and reach another replica’s worker without a restart', async () => {
      const received: { body: string; signature: string | undefined }[] = [];
      const receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const signature = req.headers['x-keyway-signature'];
          received.push({
            body: Buffer.concat(chunks).toString('utf8'),
            signature: signature as string | undefined,
          });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const replica = await startReplica(h);
      const worker = startWebhookDelivery({
        store: replica.store,
        endpoints: [],
        loadEndpoints: async () =>
          (await replica.store.admin.listWebhookEndpoints()).map((e) => ({
            id: e.id,
            url: e.url,
            secret: e.secret,
            ...(e.events ? { events: [...e.events] } : {}),
          })),
        owner: 'replica-2',
        intervalMs: 3_600_000,
      });
      try {
        // Drain what earlier tests queued, so this test sees its own event only.
        await h.store.claimOutboxEvents({
          now: Date.now() + 1000,
          limit: 1000,
          leaseMs: 3_600_000,
          owner: 'x',
        });
        const event = await h.store.enqueueEvent({ type: 'connection.test', payload: { n: 1 } });
        expect((await worker.runOnce()).claimed).toBe(0);

        const created = await json<{ endpoint: { id: string; source: string }; secret: string }>(
          call('POST', '/api/webhooks', { json: { id: 'ops', url: receiverUrl } }),
          201,
        );
        expect(created.endpoint).toMatchObject({ id: 'ops', source: 'api' });
        expect(created.secret.length).toBeGreaterThanOrEqual(16);
        expect(
          (await call('POST', '/api/webhooks', { json: { id: 'ops', url: receiverUrl } })).statusCode,
        ).toBe(409);
        const listed = await json<{ endpoints: { id: string }[] }>(call('GET', '/api/webhooks'), 200);
        expect(listed.endpoints.map((e) => e.id)).toEqual(['ops']);
        expect(JSON.stringify(listed)).not.toContain(created.secret);

        expect((await worker.runOnce()).delivered).toBe(1);
        const delivered = received.find((r) => r.body.includes(event.id));
        expect(delivered).toBeDefined();
        verifyWebhook({
          body: delivered?.body ?? '',
          signature: delivered?.signature,
          secret: created.secret,
        });

        const tested = await json<{ test: { delivered: boolean } }>(
          call('POST', '/api/webhooks/ops/test'),
          200,
        );
        expect(tested.test.delivered).toBe(true);
        expect(received.some((r) => r.body.includes('"webhook.test"'))).toBe(true);

        expect((await call('DELETE', '/api/webhooks/ops')).statusCode).toBe(204);
        expect((await call('DELETE', '/api/webhooks/ops')).statusCode).toBe(404);
        expect((await replica.store.admin.listWebhookEndpoints()).length).toBe(0);
      } finally {
        await worker.stop();
        await replica.close();
        await new Promise((resolve) => receiver.close(resolve));
      }
    });
  });

  describe('executions', () => {
    it('are read by instance, by status and by id, their logs redacted', async () => {
      const base = { instanceId: h.instanceB, componentKey: 'serverTest', actionKey: 'whoami' } as const;
      const ok = await h.store.recordExecution({
        ...base,
        status: 'succeeded',
        startedAt: 1000,
        finishedAt: 1010,
      });
      const failed = await h.store.recordExecution({
        ...base,
        status: 'failed',
        startedAt: 2000,
        finishedAt: 2020,
        errorCode: 'KW_ACTION_FAILED',
        errorMessage: 'upstream said access_token=sekret-value-123',
        log: [{ at: 2001, level: 'info', message: 'calling with Authorization: Bearer sekret-bearer-456' }],
      });
      const byInstance = await allPages<{ id: string }>(
        `/api/executions?instanceId=${h.instanceB}`,
        'executions',
        1,
      );
      expect(byInstance.items.map((e) => e.id)).toEqual([failed.id, ok.id]);
      const byStatus = await json<{ executions: { id: string }[] }>(
        call('GET', `/api/executions?instanceId=${h.instanceB}&status=failed`),
        200,
      );
      expect(byStatus.executions.map((e) => e.id)).toEqual([failed.id]);
      const one = await call('GET', `/api/executions/${failed.id}`);
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({
        execution: { id: failed.id, status: 'failed', errorCode: 'KW_ACTION_FAILED' },
      });
      expect(one.body).not.toContain('sekret');
      expect((await call('GET', '/api/executions/none')).statusCode).toBe(404);
      expect((await call('GET', '/api/executions?status=done')).statusCode).toBe(400);
    });
  });

  describe('audit log', () => {
    it('records every change with the API key that made it, newest first, page by page', async () => {
      const { customer } = await json<{ customer: { id: string } }>(
        call('POST', '/api/customers', { json: { name: 'Audited' } }),
        201,
      );
      await json(call('PATCH', `/api/customers/${customer.id}`, { json: { name: 'Audited 2' } }), 200);
      await call('GET', `/api/customers/${customer.id}`);
      const first = await json<{
        entries: { action: string; target: string; actorKeyId: string; actorName: string }[];
      }>(call('GET', '/api/audit?limit=2'), 200);
      expect(first.entries).toEqual([
        expect.objectContaining({
          action: 'PATCH /api/customers/:id',
          target: customer.id,
          actorKeyId: adminId,
          actorName: 'platform',
          status: 200,
        }),
        expect.objectContaining({ action: 'POST /api/customers', target: customer.id, status: 201 }),
      ]);
      const all = await allPages<{ action: string }>('/api/audit', 'entries', 50);
      const actions = new Set(all.items.map((e) => e.action));
      for (const action of [
        'POST /api/components',
        'DELETE /api/instances/:id',
        'POST /api/api-keys/:id/revoke',
        'DELETE /api/webhooks/:id',
      ]) {
        expect(actions).toContain(action);
      }
      expect([...actions].some((a) => a.startsWith('GET'))).toBe(false);
      const reader = (await h.store.createApiKey({ name: 'no-audit', scopes: ['customers:read'] })).key;
      expect((await call('GET', '/api/audit', { key: reader })).statusCode).toBe(403);
    });
  });
});
