/**
 * Shared parts of the in-process vendor fakes: an HTTP server on 127.0.0.1:0, body parsing, and a token book
 * (clients, codes, grants, access and refresh tokens) that tests control directly — mark a token valid,
 * expire it, revoke a whole grant.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received (secrets included: tests assert on them; never log these). */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly form: URLSearchParams | undefined;
  readonly json: unknown;
  readonly raw: string;
}

/** A parsed request plus helpers to answer it. */
export interface FakeRequest extends RecordedRequest {
  readonly bearer: string | undefined;
  readonly basic: { readonly username: string; readonly password: string } | undefined;
  /** A body or query parameter, whichever carries it (form, then JSON, then query). */
  param(name: string): string | undefined;
}

/** Writes a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

/** Writes an `application/x-www-form-urlencoded` body. */
export function sendForm(res: ServerResponse, status: number, body: Record<string, string | number>): void {
  const form = new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]));
  res.writeHead(status, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
  res.end(form.toString());
}

/** A running fake server. */
export interface RunningServer {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 with a free port; `handle` answers every request. */
export async function startServer(
  handle: (req: FakeRequest, res: ServerResponse) => void | Promise<void>,
): Promise<RunningServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const type = req.headers['content-type'] ?? '';
      let form: URLSearchParams | undefined;
      let json: unknown;
      if (type.includes('application/x-www-form-urlencoded')) form = new URLSearchParams(raw);
      if (type.includes('application/json') && raw !== '') {
        try {
          json = JSON.parse(raw);
        } catch {
          json = undefined;
        }
      }
      const auth = req.headers.authorization ?? '';
      const bearer = /^(?:bearer|token) (.+)$/i.exec(auth)?.[1];
      let basic: FakeRequest['basic'];
      const basicMatch = /^basic (.+)$/i.exec(auth);
      if (basicMatch?.[1]) {
        const decoded = Buffer.from(basicMatch[1], 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        basic = {
          username: decodeURIComponent(decoded.slice(0, colon)),
          password: decodeURIComponent(decoded.slice(colon + 1)),
        };
      }
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        form,
        json,
        raw,
      };
      requests.push(recorded);
      const request: FakeRequest = {
        ...recorded,
        bearer,
        basic,
        param(name) {
          const fromForm = form?.get(name) ?? undefined;
          if (fromForm !== undefined && fromForm !== null) return fromForm;
          if (typeof json === 'object' && json !== null) {
            const value = (json as Record<string, unknown>)[name];
            if (typeof value === 'string' || typeof value === 'number') return String(value);
          }
          return url.searchParams.get(name) ?? undefined;
        },
      };
      Promise.resolve(handle(request, res)).catch((error: unknown) => {
        if (!res.headersSent)
          sendJson(res, 500, { message: error instanceof Error ? error.message : 'fake failed' });
      });
    });
  });
  // As the sandbox: node's 5 s keep-alive timer can reset a kept-alive connection whose next request arrived
  // while this (test) process was busy for seconds; 72 s is fastify's default.
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A registered OAuth client of a fake. */
export interface FakeClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** One authorization a user gave a client; revoking it kills all its tokens. */
export interface FakeGrant {
  readonly id: string;
  readonly clientId: string;
  readonly scope: string;
  readonly user: string;
  revoked: boolean;
}

interface AccessTokenRecord {
  readonly grant: FakeGrant;
  expiresAt: number | undefined;
  revoked: boolean;
}

interface CodeRecord {
  readonly clientId: string;
  readonly redirectUri: string | undefined;
  readonly scope: string;
  readonly user: string;
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: string | undefined;
  used: boolean;
  readonly expiresAt: number;
}

/** Why an access token was refused, so each fake can answer in its vendor's words. */
export type AccessCheck =
  | { readonly ok: true; readonly grant: FakeGrant }
  | { readonly ok: false; readonly reason: 'missing' | 'unknown' | 'expired' | 'revoked' };

/** Random token text with a vendor-looking prefix. */
export function token(prefix: string): string {
  return `${prefix}${randomBytes(18).toString('base64url')}`;
}

/**
 * Clients, codes, grants and tokens of one fake. Time comes from `now`, so tests expire tokens without
 * sleeping.
 */
export class TokenBook {
  readonly clients = new Map<string, FakeClient>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly grants = new Map<string, FakeGrant>();
  private readonly access = new Map<string, AccessTokenRecord>();
  private readonly refresh = new Map<string, FakeGrant>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Registers a client the token endpoint accepts. */
  addClient(clientId: string, clientSecret: string): FakeClient {
    const client = { clientId, clientSecret };
    this.clients.set(clientId, client);
    return client;
  }

  /** True when the client exists and (when `secret` is given or required) the secret matches. */
  checkClient(clientId: string | undefined, secret: string | undefined, secretRequired = true): boolean {
    const client = clientId === undefined ? undefined : this.clients.get(clientId);
    if (!client) return false;
    if (secret === undefined) return !secretRequired;
    return client.clientSecret === secret;
  }

  /** Starts a grant for `user` (what a consent screen would do). */
  createGrant(clientId: string, scope: string, user = 'user-1'): FakeGrant {
    const grant: FakeGrant = { id: token('grant_'), clientId, scope, user, revoked: false };
    this.grants.set(grant.id, grant);
    return grant;
  }

  /** Issues an authorization code, as the authorize endpoint would after consent. */
  issueCode(input: {
    clientId: string;
    redirectUri?: string | undefined;
    scope: string;
    user?: string;
    codeChallenge?: string | undefined;
    codeChallengeMethod?: string | undefined;
  }): string {
    const code = token('code_');
    this.codes.set(code, {
      clientId: input.clientId,
      redirectUri: input.redirectUri,
      scope: input.scope,
      user: input.user ?? 'user-1',
      codeChallenge: input.codeChallenge,
      codeChallengeMethod: input.codeChallengeMethod,
      used: false,
      expiresAt: this.now() + 10 * 60_000,
    });
    return code;
  }

  /**
   * Redeems a code once. Returns the new grant, or why not (`invalid_grant` covers unknown, used, expired,
   * another client's code, a redirect_uri mismatch and a failed PKCE check — RFC 6749 §5.2, RFC 7636 §4.6).
   */
  redeemCode(input: {
    code: string | undefined;
    clientId: string;
    redirectUri: string | undefined;
    codeVerifier: string | undefined;
  }): { grant: FakeGrant } | { error: 'invalid_grant' | 'redirect_uri_mismatch'; description: string } {
    const record = input.code === undefined ? undefined : this.codes.get(input.code);
    if (!record || record.used || record.expiresAt <= this.now() || record.clientId !== input.clientId) {
      return { error: 'invalid_grant', description: 'The code is unknown, expired, or already used.' };
    }
    record.used = true;
    if (record.redirectUri !== undefined && record.redirectUri !== input.redirectUri) {
      return {
        error: 'redirect_uri_mismatch',
        description: 'The redirect_uri does not match the authorize request.',
      };
    }
    if (record.codeChallenge !== undefined) {
      const verifier = input.codeVerifier ?? '';
      const expected =
        record.codeChallengeMethod === 'plain'
          ? verifier
          : createHash('sha256').update(verifier).digest('base64url');
      if (verifier === '' || expected !== record.codeChallenge) {
        return { error: 'invalid_grant', description: 'PKCE verification failed.' };
      }
    }
    return { grant: this.createGrant(record.clientId, record.scope, record.user) };
  }

  /** Issues an access token (and a refresh token when asked) for a grant. */
  issueTokens(
    grant: FakeGrant,
    options: {
      ttlSeconds?: number | undefined;
      withRefresh?: boolean;
      accessPrefix?: string;
      refreshPrefix?: string;
    } = {},
  ): { accessToken: string; refreshToken: string | undefined } {
    const accessToken = token(options.accessPrefix ?? 'at_');
    this.access.set(accessToken, {
      grant,
      expiresAt: options.ttlSeconds === undefined ? undefined : this.now() + options.ttlSeconds * 1000,
      revoked: false,
    });
    let refreshToken: string | undefined;
    if (options.withRefresh) {
      refreshToken = token(options.refreshPrefix ?? 'rt_');
      this.refresh.set(refreshToken, grant);
    }
    return { accessToken, refreshToken };
  }

  /** Makes `accessToken` valid for a new grant: the quickest way for a test to hold a working token. */
  addAccessToken(
    accessToken: string,
    options: { scope?: string; user?: string; clientId?: string } = {},
  ): FakeGrant {
    const grant = this.createGrant(options.clientId ?? 'test-client', options.scope ?? '', options.user);
    this.access.set(accessToken, { grant, expiresAt: undefined, revoked: false });
    return grant;
  }

  /** The grant behind a refresh token, if it is still alive. `rotate` retires the old refresh token. */
  useRefreshToken(
    refreshToken: string | undefined,
    clientId: string,
    rotate: boolean,
  ): FakeGrant | undefined {
    const grant = refreshToken === undefined ? undefined : this.refresh.get(refreshToken);
    if (!grant || grant.revoked || grant.clientId !== clientId) return undefined;
    if (rotate && refreshToken !== undefined) this.refresh.delete(refreshToken);
    return grant;
  }

  /** Checks a bearer token. */
  checkAccessToken(accessToken: string | undefined): AccessCheck {
    if (accessToken === undefined || accessToken === '') return { ok: false, reason: 'missing' };
    const record = this.access.get(accessToken);
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.revoked || record.grant.revoked) return { ok: false, reason: 'revoked' };
    if (record.expiresAt !== undefined && record.expiresAt <= this.now())
      return { ok: false, reason: 'expired' };
    return { ok: true, grant: record.grant };
  }

  /** Expires one access token now; its refresh token still works. */
  expireAccessToken(accessToken: string): void {
    const record = this.access.get(accessToken);
    if (record) record.expiresAt = this.now();
  }

  /** Revokes one access token only. */
  revokeAccessToken(accessToken: string): void {
    const record = this.access.get(accessToken);
    if (record) record.revoked = true;
  }

  /**
   * Revokes the whole grant behind an access or refresh token (the user removed the app): every token of it
   * stops working and refreshing it fails with invalid_grant.
   */
  revokeGrantOf(tokenValue: string): void {
    const grant = this.access.get(tokenValue)?.grant ?? this.refresh.get(tokenValue);
    if (grant) grant.revoked = true;
  }

  /** Revokes every grant (all users removed the app). */
  revokeAll(): void {
    for (const grant of this.grants.values()) grant.revoked = true;
  }
}
