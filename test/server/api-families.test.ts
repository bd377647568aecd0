/**
 * The API operations no other test calls: listing components (and publishing one as
 * `application/javascript`), reading and disconnecting one connection, and reading and removing a platform
 * OAuth app. test/server/openapi.test.ts checks that every operation of the document is called by some test.
 */
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { buildTestComponent } from '../support/components/build';
import { adminHarness } from './harness';
import type { TestRequest } from './harness';

const ctx = adminHarness();

function api(
  method: TestRequest['method'],
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return ctx.h.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${ctx.admin}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

describe('components', () => {
  it('publishes a bundle sent as application/javascript, gzip-compressed, and lists it page by page', async () => {
    const bundle = readFileSync(buildTestComponent('sandbox-password'));
    const published = await ctx.h.inject({
      method: 'POST',
      url: '/api/components',
      headers: {
        authorization: `Bearer ${ctx.admin}`,
        'content-type': 'application/javascript',
        'content-encoding': 'gzip',
      },
      payload: gzipSync(bundle),
    });
    expect(published.statusCode).toBe(201);
    expect(published.json()).toMatchObject({ component: { key: 'sandboxPassword', version: 1 } });

    const keys: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api('GET', `/api/components?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json() as { components: { key: string }[]; nextCursor: string | null };
      expect(page.components.length).toBeLessThanOrEqual(1);
      keys.push(...page.components.map((c) => c.key));
      cursor = page.nextCursor;
    } while (cursor !== null);
    // The harness's own component and the one just published, each once, in key order.
    expect(keys).toEqual([...new Set(keys)].sort());
    expect(keys).toEqual(expect.arrayContaining(['sandboxPassword', 'serverTest']));
  });
});

describe('one connection', () => {
  it('is read by id, and disconnected: its tokens are deleted and it reads as disconnected', async () => {
    const service = await ctx.h.connection(ctx.h.instanceA, 'service');
    const { clientId, clientSecret = '' } = ctx.h.sandbox.clients.service;
    const patched = await api('PATCH', `/api/instances/${ctx.h.instanceA}`, {
      connections: { service: { fields: { clientId, clientSecret } } },
    });
    expect(patched.statusCode).toBe(200);
    const activated = await api('POST', `/api/instances/${ctx.h.instanceA}/connections/service/activate`);
    expect(activated.statusCode).toBe(200);

    const read = await api('GET', `/api/connections/${service.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      connection: { id: service.id, name: 'service', status: 'connected' },
    });

    const disconnected = await api('POST', `/api/connections/${service.id}/disconnect`);
    expect(disconnected.statusCode).toBe(200);
    expect(disconnected.json()).toMatchObject({
      connection: { id: service.id, status: 'disconnected' },
      revocation: expect.stringMatching(/^(revoked|no_revocation_url)$/),
    });
    expect((await ctx.h.connection(ctx.h.instanceA, 'service')).tokenSet).toBeNull();
    expect((await api('GET', `/api/connections/${service.id}`)).json()).toMatchObject({
      connection: { status: 'disconnected' },
    });
    expect((await api('GET', '/api/connections/nope')).statusCode).toBe(404);
    expect((await api('POST', '/api/connections/nope/disconnect')).statusCode).toBe(404);
  });
});

describe('a platform OAuth app', () => {
  it('is read and removed through the API, never showing its secret', async () => {
    const { service } = ctx.h.sandbox.clients;
    const secret = service.clientSecret ?? '';
    const put = await api('POST', '/api/oauth-apps', {
      componentKey: 'serverTest',
      definitionKey: 'sandboxCc',
      fields: { clientId: service.clientId, clientSecret: secret },
    });
    expect(put.statusCode).toBe(200);

    const read = await api('GET', '/api/oauth-apps/serverTest/sandboxCc');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      oauthApp: { componentKey: 'serverTest', definitionKey: 'sandboxCc', secretFields: ['clientSecret'] },
    });
    expect(read.body).not.toContain(secret);

    const removed = await api('DELETE', '/api/oauth-apps/serverTest/sandboxCc');
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toMatchObject({
      deleted: { componentKey: 'serverTest', definitionKey: 'sandboxCc' },
    });
    expect((await api('GET', '/api/oauth-apps/serverTest/sandboxCc')).statusCode).toBe(404);
  });
});
