/**
 * In-process fake of Slack's OAuth v2 and the Web API methods the Slack component calls. Behaviour follows
 * Slack's documentation:
 * - https://api.slack.com/authentication/oauth-v2 — `scope` (bot scopes) and `user_scope` (user scopes),
 *   comma-separated; the `oauth.v2.access` response has the bot token at the top level (only when bot scopes
 *   were asked for) and the user token under `authed_user` (only when user scopes were). The bot token
 *   belongs to its own grant (its `auth.test` names the bot user); `book.revokeAll()` uninstalls the app.
 * - https://api.slack.com/methods/oauth.v2.access — client credentials as HTTP Basic or form parameters;
 *   every error is HTTP 200 with `{"ok": false, "error": "..."}` (`invalid_code`, `bad_client_secret`,
 *   `invalid_client_id`, `bad_redirect_uri`, `invalid_refresh_token`, `invalid_grant_type`).
 * - https://api.slack.com/authentication/rotation — with token rotation, tokens expire (`expires_in`) and
 *   are refreshed with `grant_type=refresh_token`; the refresh answer carries the token at the top level.
 * - https://api.slack.com/web#responses — Web API errors `not_authed`, `invalid_auth`, `token_revoked`,
 *   `token_expired`, all with HTTP 200.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, startServer, TokenBook, type FakeRequest, type RunningServer } from './core';

/** Options for {@link startSlackFake}. */
export interface SlackFakeOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Token rotation on: user tokens expire after `accessTokenTtlSeconds` and come with a refresh token. */
  readonly tokenRotation?: boolean;
  readonly accessTokenTtlSeconds?: number;
  readonly now?: () => number;
  /**
   * The most items a paginated method returns per page, whatever `limit` asks for: Slack "may return fewer than
   * the requested number of items" (https://api.slack.com/docs/pagination), so clients must follow the cursor.
   */
  readonly maxPageSize?: number;
}

/** A running Slack fake. */
export interface SlackFake extends RunningServer {
  readonly book: TokenBook;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Messages posted, by channel id. */
  readonly messages: Map<string, Array<{ ts: string; text: string; user: string }>>;
  readonly urls: { authorizeUrl: string; tokenUrl: string; apiBaseUrl: string };
}

const CHANNELS = [
  { id: 'C012AB3CD', name: 'general', is_channel: true, is_archived: false, is_private: false },
  { id: 'C061EG9T2', name: 'random', is_channel: true, is_archived: false, is_private: false },
  { id: 'C07ANNOUNCE', name: 'announcements', is_channel: true, is_archived: false, is_private: false },
  { id: 'C05OLDPROJ', name: 'old-project', is_channel: true, is_archived: true, is_private: false },
  { id: 'G0PRIVATE1', name: 'leadership', is_channel: true, is_archived: false, is_private: true },
];

/**
 * conversations.list as https://api.slack.com/methods/conversations.list describes it: `types` (comma-separated,
 * default `public_channel`), `exclude_archived` (default false), `limit` (default 100, at most 1000) and cursor
 * pagination (`cursor` in, `response_metadata.next_cursor` out, `""` on the last page; a bad cursor is
 * `invalid_cursor`).
 */
function listConversations(req: FakeRequest, maxPageSize: number): Record<string, unknown> {
  const types = new Set((req.param('types') ?? 'public_channel').split(','));
  const excludeArchived = req.param('exclude_archived') === 'true';
  const limit = Math.min(Number(req.param('limit') ?? 100) || 100, 1000, maxPageSize);
  const matching = CHANNELS.filter(
    (c) =>
      types.has(c.is_private ? 'private_channel' : 'public_channel') && !(excludeArchived && c.is_archived),
  );
  const cursor = req.param('cursor') ?? '';
  const start =
    cursor === '' ? 0 : Number(/^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString())?.[1]);
  if (!Number.isInteger(start) || start > matching.length) return { ok: false, error: 'invalid_cursor' };
  const end = start + limit;
  const next = end < matching.length ? Buffer.from(`offset:${end}`).toString('base64') : '';
  return { ok: true, channels: matching.slice(start, end), response_metadata: { next_cursor: next } };
}

/** Starts the Slack fake on 127.0.0.1. */
export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const now = options.now ?? Date.now;
  const book = new TokenBook(now);
  const clientId = options.clientId ?? '1111111111.2222222222';
  const clientSecret = options.clientSecret ?? 'slack-fake-secret';
  book.addClient(clientId, clientSecret);
  const messages = new Map<string, Array<{ ts: string; text: string; user: string }>>();
  const ttl = options.tokenRotation ? (options.accessTokenTtlSeconds ?? 43_200) : undefined;
  const fail = (res: ServerResponse, error: string): void => sendJson(res, 200, { ok: false, error });
  const team = { id: 'T9TK3CUKW', name: 'Slack Softball Team' };
  // Bot scopes asked for with each code; the book's own scope is the user scope.
  const botScopes = new Map<string, string>();
  const BOT_USER = 'U0BOTUSER1';

  const oauthAccess = (req: FakeRequest, res: ServerResponse): void => {
    const id = req.basic?.username ?? req.param('client_id');
    const secret = req.basic?.password ?? req.param('client_secret');
    if (id === undefined || !book.clients.has(id)) return fail(res, 'invalid_client_id');
    if (!book.checkClient(id, secret)) return fail(res, 'bad_client_secret');
    const grantType = req.param('grant_type') ?? 'authorization_code';
    if (grantType === 'refresh_token') {
      const grant = book.useRefreshToken(req.param('refresh_token'), id, true);
      if (!grant) return fail(res, 'invalid_refresh_token');
      const issued = book.issueTokens(grant, {
        ttlSeconds: ttl,
        withRefresh: true,
        accessPrefix: grant.user === BOT_USER ? 'xoxe.xoxb-1-' : 'xoxe.xoxp-1-',
        refreshPrefix: 'xoxe-1-',
      });
      sendJson(res, 200, {
        ok: true,
        app_id: 'A0KRD7HC3',
        authed_user: { id: grant.user },
        access_token: issued.accessToken,
        refresh_token: issued.refreshToken,
        expires_in: ttl,
        scope: grant.scope,
        token_type: grant.user === BOT_USER ? 'bot' : 'user',
        team,
        enterprise: null,
        is_enterprise_install: false,
      });
      return;
    }
    if (grantType !== 'authorization_code') return fail(res, 'invalid_grant_type');
    const redeemed = book.redeemCode({
      code: req.param('code'),
      clientId: id,
      redirectUri: req.param('redirect_uri'),
      codeVerifier: req.param('code_verifier'),
    });
    if ('error' in redeemed)
      return fail(res, redeemed.error === 'redirect_uri_mismatch' ? 'bad_redirect_uri' : 'invalid_code');
    const botScope = botScopes.get(req.param('code') ?? '') ?? '';
    const userScope = redeemed.grant.scope;
    const rotation = (issued: { refreshToken: string | undefined }) =>
      issued.refreshToken !== undefined ? { refresh_token: issued.refreshToken, expires_in: ttl } : {};
    const user =
      userScope === ''
        ? undefined
        : book.issueTokens(redeemed.grant, {
            ttlSeconds: ttl,
            withRefresh: options.tokenRotation === true,
            accessPrefix: options.tokenRotation ? 'xoxe.xoxp-1-' : 'xoxp-1-',
            refreshPrefix: 'xoxe-1-',
          });
    const bot =
      botScope === ''
        ? undefined
        : book.issueTokens(book.createGrant(id, botScope, BOT_USER), {
            ttlSeconds: ttl,
            withRefresh: options.tokenRotation === true,
            accessPrefix: options.tokenRotation ? 'xoxe.xoxb-1-' : 'xoxb-1-',
            refreshPrefix: 'xoxe-1-',
          });
    sendJson(res, 200, {
      ok: true,
      app_id: 'A0KRD7HC3',
      ...(bot
        ? {
            access_token: bot.accessToken,
            token_type: 'bot',
            scope: botScope,
            bot_user_id: BOT_USER,
            ...rotation(bot),
          }
        : {}),
      authed_user: {
        id: redeemed.grant.user,
        ...(user
          ? { scope: userScope, access_token: user.accessToken, token_type: 'user', ...rotation(user) }
          : {}),
      },
      team,
      enterprise: null,
      is_enterprise_install: false,
    });
  };

  const server = await startServer((req, res) => {
    if (req.method === 'GET' && req.path === '/oauth/v2/authorize') {
      const redirectUri = req.query.get('redirect_uri') ?? '';
      const requested = req.query.get('client_id') ?? '';
      if (!book.clients.has(requested) || redirectUri === '') {
        sendJson(res, 400, { ok: false, error: 'invalid_client_id' });
        return;
      }
      const target = new URL(redirectUri);
      const code = book.issueCode({
        clientId: requested,
        redirectUri,
        scope: req.query.get('user_scope') ?? '',
      });
      botScopes.set(code, req.query.get('scope') ?? '');
      target.searchParams.set('code', code);
      const state = req.query.get('state');
      if (state !== null) target.searchParams.set('state', state);
      res.writeHead(302, { location: target.toString() });
      res.end();
      return;
    }
    const method = /^\/api\/([\w.]+)$/.exec(req.path)?.[1];
    if (method === 'oauth.v2.access') return oauthAccess(req, res);
    if (method === undefined) {
      sendJson(res, 404, { ok: false, error: 'unknown_method' });
      return;
    }
    const check = book.checkAccessToken(req.bearer ?? req.param('token'));
    if (!check.ok) {
      const reason = {
        missing: 'not_authed',
        unknown: 'invalid_auth',
        revoked: 'token_revoked',
        expired: 'token_expired',
      };
      return fail(res, reason[check.reason]);
    }
    if (method === 'auth.test') {
      sendJson(res, 200, {
        ok: true,
        url: 'https://subarachnoid.slack.com/',
        team: team.name,
        user: 'grace',
        team_id: team.id,
        user_id: check.grant.user,
      });
      return;
    }
    if (method === 'conversations.list') {
      sendJson(res, 200, listConversations(req, options.maxPageSize ?? 1000));
      return;
    }
    if (method === 'chat.postMessage') {
      if (req.method !== 'POST') return fail(res, 'invalid_request');
      const channel = req.param('channel');
      const text = req.param('text');
      if (channel === undefined || !CHANNELS.some((c) => c.id === channel))
        return fail(res, 'channel_not_found');
      if (text === undefined || text === '') return fail(res, 'no_text');
      const ts = `${Math.floor(now() / 1000)}.${String((messages.get(channel)?.length ?? 0) + 1).padStart(6, '0')}`;
      const list = messages.get(channel) ?? [];
      list.push({ ts, text, user: check.grant.user });
      messages.set(channel, list);
      sendJson(res, 200, {
        ok: true,
        channel,
        ts,
        message: { type: 'message', text, user: check.grant.user, ts },
      });
      return;
    }
    fail(res, 'unknown_method');
  });
  return {
    ...server,
    book,
    clientId,
    clientSecret,
    messages,
    urls: {
      authorizeUrl: `${server.baseUrl}/oauth/v2/authorize`,
      tokenUrl: `${server.baseUrl}/api/oauth.v2.access`,
      apiBaseUrl: `${server.baseUrl}/api`,
    },
  };
}
