/**
 * An in-process vendor for the trigger tests: a webhook registry (create, delete) and an item feed, behind a
 * bearer token it records, with switches to make each part fail (the feed also answers 401 to revoked tokens),
 * to hold feed requests unanswered (a poll blocked at the vendor) and to grow the feed by one item per request
 * served.
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
    /** Park feed requests until {@link release} (the poll blocks at the vendor). */
    holdItems: false,
    /** After each feed request served, append the next item (1, 2, 3, …). */
    grow: false,
    items: [] as number[],
    next: 1,
    /** Tokens the item feed answers 401 to (revoked at the vendor), and whether it refuses every token. */
    revoked: new Set<string>(),
    refuseAll: false,
    /** The bearer token of each item feed request, in order. */
    itemTokens: [] as string[],
  };
  /** The `since` of every feed request received, in order. */
  const itemRequests: number[] = [];
  const held: (() => void)[] = [];
  const waiters: (() => void)[] = [];
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
        const since = Number(url.searchParams.get('since') ?? 0);
        itemRequests.push(since);
        state.itemTokens.push(token);
        const answer = (): void => {
          if (state.refuseAll || state.revoked.has(token)) return send(401, { error: 'invalid_token' });
          if (state.failItems) return send(503, { error: 'down' });
          send(200, { items: state.items.slice(since) });
          if (state.grow) state.items.push(state.items.length + 1);
        };
        if (!state.holdItems) return answer();
        held.push(answer);
        for (const wake of waiters.splice(0)) wake();
        return undefined;
      }
      return send(404, {});
    });
  });
  // As the sandbox: node's 5 s keep-alive timer can reset a kept-alive connection whose next request arrived
  // while this (test) process was busy for seconds; 72 s is fastify's default.
  server.keepAliveTimeout = 72_000;
  return {
    hooks,
    state,
    itemRequests,
    /** Resolves once a feed request is held (see `holdItems`). */
    waitForHeld: (timeoutMs: number) =>
      new Promise<void>((resolve, reject) => {
        if (held.length > 0) return resolve();
        const timer = setTimeout(() => reject(new Error('no feed request was held in time')), timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    /** Stops holding and answers every held request (a caller that is gone gets nothing). */
    release: () => {
      state.holdItems = false;
      for (const answer of held.splice(0)) answer();
    },
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
