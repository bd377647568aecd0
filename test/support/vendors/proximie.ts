/**
 * In-process fake of one Proximie environment (development or production): its Auth0 authorization server and
 * the API the Proximie component calls. Start one per environment. Behaviour follows Proximie's documentation:
 * - Two environments, development `https://my.proximiestaging.com` and production `https://my.proximie.net`;
 *   flows: authorization code with PKCE (user apps) and client credentials (servers, devices):
 *   https://docs.proximie.net/docs/oauth-20
 * - Client credentials: `POST /oauth/token` with `grant_type=client_credentials`, `client_id`, `client_secret`
 *   and `audience` (the API called, `https://proximie.com/api/v2/`) in a form body:
 *   https://docs.proximie.net/docs/client-credentials. The page's sample answer is camelCase
 *   (`accessToken`, `expires`); the server is Auth0 (https://proximie.github.io/sdk-docs/guide/sdk-features/auth.html),
 *   which answers as RFC 6749 §5.1 says (`access_token`, `token_type`, `expires_in`), and so does this fake.
 * - Auth0 refuses a token request without an audience with `access_denied` (HTTP 403) and answers a wrong client
 *   with `invalid_client` (HTTP 401); `offline_access` in the scope issues a refresh token.
 * - Users and organisations (https://docs.proximie.net/docs/users) and sessions are read with the bearer token.
 *   The paths of those reads are NOT in Proximie's public docs (components/proximie/README.md): this fake answers
 *   the component's unsourced guesses, so it checks the bearer token and the environment, not the paths.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, startServer, TokenBook, type FakeRequest, type RunningServer } from './core';

/** The API audience every Proximie token request names. */
export const PROXIMIE_AUDIENCE = 'https://proximie.com/api/v2/';

/** Options for {@link startProximieFake}. */
export interface ProximieFakeOptions {
  /** Shown in API answers, so a test can tell the environments apart. */
  readonly environment: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly accessTokenTtlSeconds?: number;
  readonly now?: () => number;
}

/** A running Proximie environment. */
export interface ProximieFake extends RunningServer {
  readonly book: TokenBook;
  readonly clientId: string;
  readonly clientSecret: string;
}

const ORGANISATIONS = [{ id: 'org-1', name: 'St Elsewhere Hospital' }];
const SESSIONS = [
  { id: 'session-1', organisationId: 'org-1', title: 'Knee arthroscopy', status: 'scheduled' },
  { id: 'session-2', organisationId: 'org-1', title: 'Cardiac review', status: 'ended' },
];

function tokenError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description });
}

/** Starts a Proximie environment fake on 127.0.0.1. */
export async function startProximieFake(options: ProximieFakeOptions): Promise<ProximieFake> {
  const book = new TokenBook(options.now ?? Date.now);
  const clientId = options.clientId ?? `proximie-${options.environment}-client`;
  const clientSecret = options.clientSecret ?? `proximie-${options.environment}-secret`;
  book.addClient(clientId, clientSecret);
  const ttl = options.accessTokenTtlSeconds ?? 86_400;

  function authorize(req: FakeRequest, res: ServerResponse): void {
    const redirectUri = req.query.get('redirect_uri') ?? '';
    if (!book.clients.has(req.query.get('client_id') ?? '') || redirectUri === '') {
      tokenError(res, 400, 'invalid_request', 'Unknown client or missing redirect_uri');
      return;
    }
    const target = new URL(redirectUri);
    const state = req.query.get('state');
    if (state !== null) target.searchParams.set('state', state);
    const challenge = req.query.get('code_challenge') ?? undefined;
    if (req.query.get('response_type') !== 'code' || challenge === undefined) {
      target.searchParams.set('error', 'invalid_request');
      target.searchParams.set('error_description', 'Authorization code with PKCE (S256) is required');
    } else if (req.query.get('audience') !== PROXIMIE_AUDIENCE) {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'Service not found: audience');
    } else {
      const code = book.issueCode({
        clientId: req.query.get('client_id') ?? '',
        redirectUri,
        scope: req.query.get('scope') ?? '',
        user: 'dr-grey',
        codeChallenge: challenge,
        codeChallengeMethod: req.query.get('code_challenge_method') ?? 'plain',
      });
      target.searchParams.set('code', code);
    }
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  function issue(res: ServerResponse, grant: ReturnType<TokenBook['createGrant']>): void {
    const withRefresh = grant.scope.split(' ').includes('offline_access');
    const issued = book.issueTokens(grant, { ttlSeconds: ttl, withRefresh, accessPrefix: 'eyJprox.' });
    sendJson(res, 200, {
      access_token: issued.accessToken,
      ...(issued.refreshToken !== undefined ? { refresh_token: issued.refreshToken } : {}),
      token_type: 'Bearer',
      expires_in: ttl,
      ...(grant.scope !== '' ? { scope: grant.scope } : {}),
    });
  }

  function tokenEndpoint(req: FakeRequest, res: ServerResponse): void {
    const id = req.param('client_id');
    if (!book.checkClient(id, req.param('client_secret'))) {
      tokenError(res, 401, 'invalid_client', 'Client authentication failed');
      return;
    }
    const grantType = req.param('grant_type');
    if (grantType === 'client_credentials') {
      if (req.param('audience') !== PROXIMIE_AUDIENCE) {
        tokenError(res, 403, 'access_denied', 'No audience parameter was provided');
        return;
      }
      issue(res, book.createGrant(id ?? '', '', `client:${id ?? ''}`));
      return;
    }
    if (grantType === 'authorization_code') {
      const redeemed = book.redeemCode({
        code: req.param('code'),
        clientId: id ?? '',
        redirectUri: req.param('redirect_uri'),
        codeVerifier: req.param('code_verifier'),
      });
      if ('error' in redeemed) tokenError(res, 403, 'invalid_grant', redeemed.description);
      else issue(res, redeemed.grant);
      return;
    }
    if (grantType === 'refresh_token') {
      const grant = book.useRefreshToken(req.param('refresh_token'), id ?? '', false);
      if (!grant) tokenError(res, 403, 'invalid_grant', 'Unknown or invalid refresh token.');
      else issue(res, grant);
      return;
    }
    tokenError(res, 403, 'unsupported_grant_type', `Unsupported grant type: ${grantType ?? ''}`);
  }

  const server = await startServer((req, res) => {
    const route = `${req.method} ${req.path}`;
    if (route === 'GET /authorize') return authorize(req, res);
    if (route === 'POST /oauth/token') return tokenEndpoint(req, res);
    const check = book.checkAccessToken(req.bearer);
    if (!check.ok) {
      sendJson(res, 401, { statusCode: 401, error: 'Unauthorized', message: `Token ${check.reason}` });
      return;
    }
    const user = check.grant.user;
    if (route === 'GET /api/v2/users/me') {
      sendJson(res, 200, { id: user, environment: options.environment });
      return;
    }
    if (route === 'GET /api/v2/organisations') {
      sendJson(res, 200, { data: ORGANISATIONS });
      return;
    }
    if (route === 'GET /api/v2/sessions') {
      const organisationId = req.query.get('organisationId');
      sendJson(res, 200, {
        data: SESSIONS.filter((s) => organisationId === null || s.organisationId === organisationId),
      });
      return;
    }
    sendJson(res, 404, { statusCode: 404, error: 'Not Found', message: `No route ${route}` });
  });
  return { ...server, book, clientId, clientSecret };
}
