/**
 * In-process fake of Smartenit's OAuth 2 server (`/v2/oauth2/*`) and the device endpoints the Smartenit component
 * calls. Behaviour follows Smartenit's documentation:
 * - Endpoints and grants (authorization code, implicit, resource owner password, client credentials); the
 *   password grant "must be used in conjunction with the client credentials grant": the client is verified first,
 *   then the user: https://docs.smartenit.io/display/SMAR/Authentication+and+Authorization
 * - Client credentials in the request body, answering `{access_token, token_type: "Bearer", expires_in: 10800}`;
 *   `POST /v2/devices` registers a device: https://docs.smartenit.io/display/SMAR/Device+Registration+Flow
 * - `POST /v2/devices/discover` and `POST /v2/devices/link` (`{deviceId}`), answers wrapped in `data`:
 *   https://docs.smartenit.io/display/SMAR/Discover+and+Link+Devices+to+Account
 * Token requests may be JSON (as the docs' curl examples) or form-encoded (RFC 6749); both are read.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, startServer, TokenBook, type FakeRequest, type RunningServer } from './core';

/** Options for {@link startSmartenitFake}. */
export interface SmartenitFakeOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly username?: string;
  readonly password?: string;
  readonly accessTokenTtlSeconds?: number;
  readonly now?: () => number;
}

/** A running Smartenit fake. */
export interface SmartenitFake extends RunningServer {
  readonly book: TokenBook;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly username: string;
  readonly password: string;
  /** Device ids linked to each account (user). */
  readonly links: Map<string, string[]>;
}

const GATEWAY = { _id: '5759a2c6fb73933d7b513bf2', name: 'Demo 2 Harmony G2', type: 'gateway' };

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description });
}

/** Starts the Smartenit fake on 127.0.0.1. */
export async function startSmartenitFake(options: SmartenitFakeOptions = {}): Promise<SmartenitFake> {
  const book = new TokenBook(options.now ?? Date.now);
  const clientId = options.clientId ?? 'smartenit-app-client';
  const clientSecret = options.clientSecret ?? 'smartenit-app-secret';
  const username = options.username ?? 'owner@example.com';
  const password = options.password ?? 'correct horse battery staple';
  book.addClient(clientId, clientSecret);
  const ttl = options.accessTokenTtlSeconds ?? 10_800;
  const links = new Map<string, string[]>();

  function authorize(req: FakeRequest, res: ServerResponse): void {
    const redirectUri = req.query.get('redirect_uri') ?? '';
    const requested = req.query.get('client_id') ?? '';
    if (!book.clients.has(requested) || redirectUri === '') {
      oauthError(res, 400, 'invalid_client', 'Unknown client or missing redirect_uri');
      return;
    }
    const target = new URL(redirectUri);
    const state = req.query.get('state') ?? '';
    const responseType = req.query.get('response_type');
    if (responseType === 'token') {
      // Implicit: the token travels in the fragment, never in a query the server sees (RFC 6749 §4.2.2).
      const issued = book.issueTokens(book.createGrant(requested, '', username), { ttlSeconds: ttl });
      const fragment = new URLSearchParams({
        access_token: issued.accessToken,
        token_type: 'Bearer',
        expires_in: String(ttl),
        state,
      });
      target.hash = fragment.toString();
    } else if (responseType === 'code') {
      target.searchParams.set('state', state);
      target.searchParams.set(
        'code',
        book.issueCode({ clientId: requested, redirectUri, scope: '', user: username }),
      );
    } else {
      target.searchParams.set('state', state);
      target.searchParams.set('error', 'unsupported_response_type');
    }
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  function issue(
    res: ServerResponse,
    grant: ReturnType<TokenBook['createGrant']>,
    withRefresh: boolean,
  ): void {
    const issued = book.issueTokens(grant, { ttlSeconds: ttl, withRefresh });
    sendJson(res, 200, {
      access_token: issued.accessToken,
      ...(issued.refreshToken !== undefined ? { refresh_token: issued.refreshToken } : {}),
      token_type: 'Bearer',
      expires_in: ttl,
    });
  }

  function tokenEndpoint(req: FakeRequest, res: ServerResponse): void {
    const id = req.param('client_id') ?? req.basic?.username;
    // Every grant authenticates the client first; the password grant checks the user only after that.
    if (!book.checkClient(id, req.param('client_secret') ?? req.basic?.password)) {
      oauthError(res, 401, 'invalid_client', 'Client authentication failed');
      return;
    }
    const client = id ?? '';
    switch (req.param('grant_type')) {
      case 'client_credentials':
        return issue(res, book.createGrant(client, '', `client:${client}`), false);
      case 'password':
        if (req.param('username') !== username || req.param('password') !== password) {
          return oauthError(res, 400, 'invalid_grant', 'Invalid resource owner credentials');
        }
        return issue(res, book.createGrant(client, '', username), true);
      case 'authorization_code': {
        const redeemed = book.redeemCode({
          code: req.param('code'),
          clientId: client,
          redirectUri: req.param('redirect_uri'),
          codeVerifier: req.param('code_verifier'),
        });
        if ('error' in redeemed) return oauthError(res, 400, 'invalid_grant', redeemed.description);
        return issue(res, redeemed.grant, true);
      }
      case 'refresh_token': {
        const grant = book.useRefreshToken(req.param('refresh_token'), client, true);
        if (!grant) return oauthError(res, 400, 'invalid_grant', 'Invalid refresh token');
        return issue(res, grant, true);
      }
      default:
        return oauthError(res, 400, 'unsupported_grant_type', 'Unsupported grant type');
    }
  }

  function devices(req: FakeRequest, res: ServerResponse, account: string): void {
    const route = `${req.method} ${req.path}`;
    if (route === 'POST /v2/devices/discover') {
      sendJson(res, 200, { data: [{ ...GATEWAY, accountId: null }] });
      return;
    }
    if (route === 'POST /v2/devices/link') {
      const deviceId = req.param('deviceId');
      if (deviceId !== GATEWAY._id) {
        sendJson(res, 404, { message: `Device ${deviceId ?? ''} not found` });
        return;
      }
      links.set(account, [...(links.get(account) ?? []), deviceId]);
      sendJson(res, 200, { data: { ...GATEWAY, accountId: account } });
      return;
    }
    if (route === 'POST /v2/devices') {
      const body = (req.json ?? {}) as { name?: unknown; type?: unknown; hwId?: unknown };
      if (typeof body.name !== 'string' || typeof body.hwId !== 'string') {
        sendJson(res, 400, { message: 'name and hwId are required' });
        return;
      }
      sendJson(res, 200, { data: { _id: `dev-${body.hwId}`, name: body.name, type: body.type ?? 'wifi' } });
      return;
    }
    sendJson(res, 404, { message: `No route ${route}` });
  }

  const server = await startServer((req, res) => {
    if (req.method === 'GET' && req.path === '/v2/oauth2/authorize') return authorize(req, res);
    if (req.method === 'POST' && req.path === '/v2/oauth2/token') return tokenEndpoint(req, res);
    const check = book.checkAccessToken(req.bearer);
    if (!check.ok) {
      sendJson(res, 401, { message: `Unauthorized: token ${check.reason}` });
      return;
    }
    devices(req, res, check.grant.user);
  });
  return { ...server, book, clientId, clientSecret, username, password, links };
}
