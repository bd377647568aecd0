/**
 * In-process fake of a Salesforce login host (`/services/oauth2/*`) and an org's REST API
 * (`/services/data/vXX.X/*`). Behaviour follows Salesforce's documentation:
 * - Web server flow with PKCE; token response with `instance_url`, `id`, `issued_at`, `signature`, `scope`,
 *   `token_type`, and no `expires_in`:
 *   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
 * - Refresh responses carry no new refresh token:
 *   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
 * - Errors (`invalid_grant` "expired access/refresh token", `invalid_client_id`, `invalid_client`):
 *   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm
 * - Revocation `POST /services/oauth2/revoke`: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_revoke_token.htm
 * - REST errors are a JSON array, 401 `INVALID_SESSION_ID`:
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 *
 * Start one fake per login host to stand for production and sandbox; `instanceUrl` is what the token
 * response names (the fake's own origin unless set).
 */
import { createHmac } from 'node:crypto';
import { sendJson, startServer, TokenBook, type RunningServer } from './core';

/** Options for {@link startSalesforceFake}. */
export interface SalesforceFakeOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** What `instance_url` says; defaults to the fake's own origin (the API is served there too). */
  readonly instanceUrl?: string;
  /** Refuse an authorization request without a code_challenge (the connected app requires PKCE). */
  readonly requirePkce?: boolean;
  readonly now?: () => number;
}

/** A running Salesforce fake. */
export interface SalesforceFake extends RunningServer {
  readonly book: TokenBook;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Records by object type, then id. */
  readonly records: Map<string, Map<string, Record<string, unknown>>>;
  readonly urls: { authorizeUrl: string; tokenUrl: string; revokeUrl: string; instanceUrl: string };
}

const SESSION_INVALID = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];

/** Starts the Salesforce fake on 127.0.0.1. */
export async function startSalesforceFake(options: SalesforceFakeOptions = {}): Promise<SalesforceFake> {
  const now = options.now ?? Date.now;
  const book = new TokenBook(now);
  const clientId = options.clientId ?? '3MVG9fakeSalesforceConsumerKey';
  const clientSecret = options.clientSecret ?? 'salesforce-fake-secret';
  book.addClient(clientId, clientSecret);
  const records = new Map<string, Map<string, Record<string, unknown>>>([
    ['Account', new Map([['001000000000001AAA', { Id: '001000000000001AAA', Name: 'Edge Communications' }]])],
  ]);
  let instanceUrl = '';
  let baseUrl = '';
  let counter = 2;

  const tokenResponse = (
    grant: ReturnType<TokenBook['createGrant']>,
    withRefresh: boolean,
  ): Record<string, string> => {
    const issued = book.issueTokens(grant, { withRefresh, accessPrefix: '00Dfake!' });
    const issuedAt = String(now());
    const id = `${baseUrl}/id/00Dfake0000000001/005fake0000000001`;
    return {
      access_token: issued.accessToken,
      ...(issued.refreshToken !== undefined ? { refresh_token: issued.refreshToken } : {}),
      signature: createHmac('sha256', clientSecret)
        .update(id + issuedAt)
        .digest('base64'),
      scope: grant.scope,
      instance_url: instanceUrl,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  };

  const server = await startServer((req, res) => {
    const route = `${req.method} ${req.path}`;
    if (route === 'GET /services/oauth2/authorize') {
      const redirectUri = req.query.get('redirect_uri') ?? '';
      const requested = req.query.get('client_id') ?? '';
      if (!book.clients.has(requested) || redirectUri === '') {
        sendJson(res, 400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
        return;
      }
      const target = new URL(redirectUri);
      const state = req.query.get('state');
      if (state !== null) target.searchParams.set('state', state);
      const challenge = req.query.get('code_challenge') ?? undefined;
      if (options.requirePkce && challenge === undefined) {
        target.searchParams.set('error', 'invalid_request');
        target.searchParams.set('error_description', 'missing required code challenge');
      } else {
        target.searchParams.set(
          'code',
          book.issueCode({
            clientId: requested,
            redirectUri,
            scope: req.query.get('scope') ?? 'api refresh_token',
            codeChallenge: challenge,
            codeChallengeMethod: req.query.get('code_challenge_method') ?? 'S256',
          }),
        );
      }
      res.writeHead(302, { location: target.toString() });
      res.end();
      return;
    }
    if (route === 'POST /services/oauth2/token') {
      const id = req.param('client_id') ?? req.basic?.username;
      const secret = req.param('client_secret') ?? req.basic?.password;
      if (id === undefined || !book.clients.has(id)) {
        sendJson(res, 400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
        return;
      }
      if (!book.checkClient(id, secret)) {
        sendJson(res, 400, { error: 'invalid_client', error_description: 'invalid client credentials' });
        return;
      }
      const grantType = req.param('grant_type');
      if (grantType === 'refresh_token') {
        const grant = book.useRefreshToken(req.param('refresh_token'), id, false);
        if (!grant) {
          sendJson(res, 400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
          return;
        }
        // Salesforce keeps the refresh token: the response has none.
        sendJson(res, 200, tokenResponse(grant, false));
        return;
      }
      if (grantType !== 'authorization_code') {
        sendJson(res, 400, {
          error: 'unsupported_grant_type',
          error_description: 'grant type not supported',
        });
        return;
      }
      const redeemed = book.redeemCode({
        code: req.param('code'),
        clientId: id,
        redirectUri: req.param('redirect_uri'),
        codeVerifier: req.param('code_verifier'),
      });
      if ('error' in redeemed) {
        sendJson(res, 400, {
          error: 'invalid_grant',
          error_description:
            redeemed.error === 'redirect_uri_mismatch'
              ? 'redirect_uri must match configuration'
              : 'invalid authorization code',
        });
        return;
      }
      const scopes = redeemed.grant.scope.split(' ');
      sendJson(
        res,
        200,
        tokenResponse(redeemed.grant, scopes.includes('refresh_token') || scopes.includes('offline_access')),
      );
      return;
    }
    if (route === 'POST /services/oauth2/revoke') {
      const value = req.param('token');
      if (value === undefined) {
        sendJson(res, 400, {
          error: 'unsupported_token_type',
          error_description: 'this token type is not supported',
        });
        return;
      }
      book.revokeGrantOf(value);
      res.writeHead(200);
      res.end();
      return;
    }

    const api = /^\/services\/data\/v\d+\.\d+(\/.*)$/.exec(req.path);
    if (!api) {
      sendJson(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      return;
    }
    if (!book.checkAccessToken(req.bearer).ok) {
      sendJson(res, 401, SESSION_INVALID);
      return;
    }
    const rest = api[1] ?? '';
    if (req.method === 'GET' && rest === '/query') {
      const soql = req.query.get('q') ?? '';
      const from = /\bfrom\s+(\w+)/i.exec(soql)?.[1];
      if (!from) {
        sendJson(res, 400, [{ message: 'unexpected token: <EOF>', errorCode: 'MALFORMED_QUERY' }]);
        return;
      }
      const table = records.get(from);
      if (!table) {
        sendJson(res, 400, [
          { message: `sObject type '${from}' is not supported.`, errorCode: 'INVALID_TYPE' },
        ]);
        return;
      }
      const rows = [...table.values()].map((row) => ({
        attributes: { type: from, url: `/services/data/v62.0/sobjects/${from}/${String(row.Id)}` },
        ...row,
      }));
      sendJson(res, 200, { totalSize: rows.length, done: true, records: rows });
      return;
    }
    const sobject = /^\/sobjects\/(\w+)\/?([\w]*)$/.exec(rest);
    if (sobject) {
      const type = sobject[1] ?? '';
      const id = sobject[2] ?? '';
      if (req.method === 'GET' && id !== '') {
        const row = records.get(type)?.get(id);
        if (!row) {
          sendJson(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
          return;
        }
        sendJson(res, 200, {
          attributes: { type, url: `/services/data/v62.0/sobjects/${type}/${id}` },
          ...row,
        });
        return;
      }
      if (req.method === 'POST' && id === '') {
        const fields = req.json;
        if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
          sendJson(res, 400, [
            { message: 'The request body is not a JSON object', errorCode: 'JSON_PARSER_ERROR' },
          ]);
          return;
        }
        const newId = `001fake${String(counter++).padStart(11, '0')}`;
        const table = records.get(type) ?? new Map<string, Record<string, unknown>>();
        table.set(newId, { Id: newId, ...(fields as Record<string, unknown>) });
        records.set(type, table);
        sendJson(res, 201, { id: newId, success: true, errors: [] });
        return;
      }
    }
    sendJson(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  });
  baseUrl = server.baseUrl;
  instanceUrl = options.instanceUrl ?? baseUrl;
  return {
    ...server,
    book,
    clientId,
    clientSecret,
    records,
    urls: {
      authorizeUrl: `${baseUrl}/services/oauth2/authorize`,
      tokenUrl: `${baseUrl}/services/oauth2/token`,
      revokeUrl: `${baseUrl}/services/oauth2/revoke`,
      instanceUrl,
    },
  };
}
