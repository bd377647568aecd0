/**
 * An in-process vendor for the trigger tests: a webhook registry (create, delete) and an item feed, behind a
 * bearer token it records, with switches to make each part fail (the feed also answers 401 to revoked tokens).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An in-process vendor: a webhook registry and an item feed, both behind a bearer token. */
export function startVendor() {
  const hooks = new Map<string, { url: string; token: string }>();
  const state = {
    failCreate: false,
    failDelete: false,
    failItems: false,
    items: [] as number[],
    next: 1,
    /** Tokens the item feed answers 401 to (revoked at the vendor), and whether it refuses every token. */
    revoked: new Set<string>(),
    refuseAll: false,
    /** The bearer token of each item feed request, in order. */
    itemTokens: [] as string[],
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const url = new URL(req.url ?? '/', 'http://vendor');
      if (req.method === 'POST' && url.pathname === '/hooks') {
        if (state.failCreate) return send(500, { error: 'down' });
        const id = String(state.next++);
        hooks.set(id, { url: (JSON.parse(body) as { url: string }).url, token });
        return send(201, { id });
      }
      if (req.method === 'DELETE' && url.pathname.startsWith('/hooks/')) {
        if (state.failDelete) return send(500, { error: 'down' });
        return hooks.delete(url.pathname.slice('/hooks/'.length)) ? send(200, {}) : send(404, {});
      }
      if (req.method === 'GET' && url.pathname === '/items') {
        state.itemTokens.push(token);
        if (state.refuseAll || state.revoked.has(token)) return send(401, { error: 'invalid_token' });
        if (state.failItems) return send(503, { error: 'down' });
        return send(200, { items: state.items.slice(Number(url.searchParams.get('since') ?? 0)) });
      }
      return send(404, {});
    });
  });
  return {
    hooks,
    state,
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
