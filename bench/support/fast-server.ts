/**
 * The benchmark's fast local servers in one child process (so their CPU is not counted as the runtime's):
 *
 * - a minimal OAuth 2.0 authorization server: `GET /authorize` answers at once with a 302 to the redirect URI
 *   carrying a code and the state (no login page); `POST /token` exchanges a code (single use, PKCE S256
 *   checked, client secret checked) or a refresh token (rotated on every use; a used one is answered with
 *   `invalid_grant`, as a rotating server with reuse detection does), and counts every request;
 * - a small API: `GET /api/item` answers 200 JSON to a bearer token this server issued (or `at_baseline`);
 * - `GET /__stats` and `POST /__reset` for the benchmark's counters.
 *
 * It is deliberately not oidc-provider: at 100,000 refreshes the thing measured must be Keyway, not the
 * authorization server. Usage: `node --require tsx/cjs bench/support/fast-server.ts <client secret>`; prints
 * `{"port":n}` on stdout once listening.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const clientSecret = process.argv[2] ?? '';

interface PendingCode {
  readonly challenge: string | undefined;
  readonly redirectUri: string;
}

const codes = new Map<string, PendingCode>();
/** Refresh token family → the generation currently valid. Families are created on first sight (seeded rows). */
const families = new Map<string, number>();
/** Family → refresh requests answered with new tokens. */
const refreshesPerFamily = new Map<string, number>();
let counters = { authorize: 0, authorizationCode: 0, refreshToken: 0, reused: 0, rejected: 0, api: 0 };

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function tokenError(res: ServerResponse, error: string): void {
  counters.rejected++;
  json(res, 400, { error });
}

function newToken(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

function clientOk(req: IncomingMessage, form: URLSearchParams): boolean {
  const header = req.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const [, secret] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
    return decodeURIComponent(secret ?? '') === clientSecret;
  }
  return form.get('client_secret') === clientSecret;
}

function issue(res: ServerResponse, family: string, generation: number): void {
  families.set(family, generation);
  json(res, 200, {
    access_token: newToken('at_'),
    token_type: 'Bearer',
    expires_in: 3600,
    refresh_token: `rt_${family}_${generation}`,
    scope: 'items:read',
  });
}

function token(req: IncomingMessage, res: ServerResponse, body: string): void {
  const form = new URLSearchParams(body);
  if (!clientOk(req, form)) {
    counters.rejected++;
    json(res, 401, { error: 'invalid_client' });
    return;
  }
  const grant = form.get('grant_type');
  if (grant === 'authorization_code') {
    counters.authorizationCode++;
    const code = form.get('code') ?? '';
    const pending = codes.get(code);
    codes.delete(code);
    if (!pending || pending.redirectUri !== form.get('redirect_uri')) return tokenError(res, 'invalid_grant');
    if (pending.challenge !== undefined) {
      const verifier = form.get('code_verifier') ?? '';
      const computed = createHash('sha256').update(verifier).digest('base64url');
      if (computed !== pending.challenge) return tokenError(res, 'invalid_grant');
    }
    return issue(res, randomBytes(8).toString('hex'), 0);
  }
  if (grant === 'refresh_token') {
    counters.refreshToken++;
    const match = /^rt_([^_]+)_(\d+)$/.exec(form.get('refresh_token') ?? '');
    if (!match) return tokenError(res, 'invalid_grant');
    const family = match[1] ?? '';
    const generation = Number(match[2]);
    const current = families.get(family) ?? 0;
    if (generation !== current) {
      // Reuse of a rotated refresh token: exactly what the runtime must never cause.
      counters.reused++;
      return tokenError(res, 'invalid_grant');
    }
    refreshesPerFamily.set(family, (refreshesPerFamily.get(family) ?? 0) + 1);
    return issue(res, family, generation + 1);
  }
  tokenError(res, 'unsupported_grant_type');
}

function stats(): Record<string, number> {
  let maxPerFamily = 0;
  for (const n of refreshesPerFamily.values()) if (n > maxPerFamily) maxPerFamily = n;
  return { ...counters, refreshedFamilies: refreshesPerFamily.size, maxPerFamily };
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'GET' && url.pathname === '/api/item') {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer at_')) {
      json(res, 401, { error: 'invalid_token' });
      return;
    }
    counters.api++;
    json(res, 200, { id: 'item-1', name: 'A thing', price: 42 });
    return;
  }
  if (req.method === 'GET' && url.pathname === '/authorize') {
    counters.authorize++;
    const redirectUri = url.searchParams.get('redirect_uri');
    const state = url.searchParams.get('state');
    if (!redirectUri || !state || url.searchParams.get('response_type') !== 'code') {
      json(res, 400, { error: 'invalid_request' });
      return;
    }
    const code = newToken('code_');
    const method = url.searchParams.get('code_challenge_method');
    const challenge = url.searchParams.get('code_challenge') ?? undefined;
    if (challenge !== undefined && method !== 'S256') {
      json(res, 400, { error: 'invalid_request' });
      return;
    }
    codes.set(code, { challenge, redirectUri });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', state);
    res.writeHead(302, { location: target.toString(), 'content-length': 0 });
    res.end();
    return;
  }
  if (req.method === 'GET' && url.pathname === '/__stats') {
    json(res, 200, stats());
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.method === 'POST' && url.pathname === '/token') return token(req, res, body);
    if (req.method === 'POST' && url.pathname === '/__reset') {
      counters = { authorize: 0, authorizationCode: 0, refreshToken: 0, reused: 0, rejected: 0, api: 0 };
      refreshesPerFamily.clear();
      families.clear();
      codes.clear();
      return json(res, 200, stats());
    }
    json(res, 404, { error: 'not_found' });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
// The parent holds our stdin open: when it dies without stopping us (killed from outside), the pipe closes
// and we go too, instead of lingering as an orphan that listens forever.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
