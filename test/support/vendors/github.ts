/**
 * In-process fake of GitHub's OAuth endpoints (github.com) and the REST endpoints the GitHub component calls
 * (api.github.com), served from one origin. Behaviour follows GitHub's documentation:
 * - https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps — the token
 *   endpoint answers form-encoded unless `Accept: application/json`; errors come back with HTTP 200;
 *   device flow `/login/device/code` + polling errors (`authorization_pending`, `slow_down`, `expired_token`,
 *   `access_denied`, `incorrect_device_code`, `unsupported_grant_type`, `incorrect_client_credentials`).
 * - https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
 *   — expiring user tokens (`expires_in`, `refresh_token`, `refresh_token_expires_in`), `bad_refresh_token`.
 * - https://docs.github.com/en/rest/overview/troubleshooting-the-rest-api — 401 `{"message":"Bad credentials"}`.
 * - https://docs.github.com/en/rest/repos/webhooks — `POST /repos/{owner}/{repo}/hooks` (201 with the hook and its
 *   `id`; 422 without `config.url`; the secret is never echoed) and `DELETE …/hooks/{hook_id}` (204; 404 unknown).
 * - https://docs.github.com/en/rest/issues/issues#list-repository-issues — `state` (default `open`), `sort`
 *   (`created` default, `updated`, `comments`), `direction` (default `desc`), `since` (ISO 8601; issues updated at
 *   or after it, compared at whole seconds), page-number pagination; timestamps as `YYYY-MM-DDTHH:MM:SSZ`.
 */
import type { ServerResponse } from 'node:http';
import {
  sendForm,
  sendJson,
  startServer,
  token,
  TokenBook,
  type FakeRequest,
  type RunningServer,
} from './core';

/** Options for {@link startGitHubFake}. */
export interface GitHubFakeOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Issue expiring user tokens with refresh tokens (GitHub App behaviour); OAuth apps' tokens do not expire. */
  readonly expiringTokens?: boolean;
  readonly accessTokenTtlSeconds?: number;
  /** Device flow polling interval in seconds (GitHub sends 5). */
  readonly deviceInterval?: number;
  readonly deviceExpiresIn?: number;
  readonly now?: () => number;
}

interface DeviceRecord {
  readonly clientId: string;
  readonly scope: string;
  readonly userCode: string;
  readonly expiresAt: number;
  interval: number;
  lastPollAt: number | undefined;
  state: 'pending' | 'approved' | 'denied' | 'redeemed';
}

/** A running GitHub fake. Point `authorizeUrl`/`tokenUrl`/`deviceAuthorizationUrl`/`apiBaseUrl` at `baseUrl`. */
export interface GitHubFake extends RunningServer {
  readonly book: TokenBook;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly urls: {
    authorizeUrl: string;
    tokenUrl: string;
    deviceAuthorizationUrl: string;
    apiBaseUrl: string;
  };
  /** Issues are created here, keyed `owner/repo`. */
  readonly issues: Map<string, Array<Record<string, unknown>>>;
  /** Repository webhooks by id, as created (the secret included, which GitHub never shows back). */
  readonly hooks: Map<number, GitHubHook>;
  /** Changes issue `number` of `repo` (`owner/repo`) as someone editing it would: `updated_at` becomes now. */
  updateIssue(repo: string, number: number, changes: Record<string, unknown>): void;
  /** Failure injection: while true every REST call answers 401 Bad credentials, whatever the token. */
  readonly faults: { badCredentials: boolean };
  /** The user approves the device code shown as `userCode`. */
  approveDevice(userCode: string): void;
  denyDevice(userCode: string): void;
}

/** A repository webhook held by the fake. */
export interface GitHubHook {
  readonly id: number;
  readonly repo: string;
  readonly events: string[];
  readonly config: { url: string; content_type: string; secret?: string; insecure_ssl: string };
}

const BAD_CREDENTIALS = {
  message: 'Bad credentials',
  documentation_url: 'https://docs.github.com/rest',
  status: '401',
};

/**
 * GitHub's page-number pagination: `per_page` (default 30, at most 100) and `page` (from 1), and a Link header
 * (RFC 8288) with `next`/`last` when there are more pages, keeping the other query parameters.
 * https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
 */
function paged(
  query: URLSearchParams,
  total: number,
  url: string,
): { page: { start: number; end: number }; headers: Record<string, string> } {
  const perPage = Math.min(Number(query.get('per_page') ?? 30), 100);
  const number = Math.max(Number(query.get('page') ?? 1), 1);
  const last = Math.max(Math.ceil(total / perPage), 1);
  const link = (page: number, rel: string): string => {
    const params = new URLSearchParams(query);
    params.set('page', String(page));
    return `<${url}?${params.toString()}>; rel="${rel}"`;
  };
  const links = number < last ? [link(number + 1, 'next'), link(last, 'last')] : [];
  return {
    page: { start: (number - 1) * perPage, end: number * perPage },
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}

/**
 * The connection fields that point a GitHub connection at `fake`: the code flow's (authorize URL, client secret)
 * or the device flow's (device authorization URL, a public client), with the token URL, API base URL and client
 * id both need.
 */
export function githubFakeFields(fake: GitHubFake, flow: 'code' | 'device' = 'code'): Record<string, string> {
  return {
    ...(flow === 'code'
      ? { authorizeUrl: fake.urls.authorizeUrl, clientSecret: fake.clientSecret }
      : { deviceAuthorizationUrl: fake.urls.deviceAuthorizationUrl }),
    tokenUrl: fake.urls.tokenUrl,
    apiBaseUrl: fake.urls.apiBaseUrl,
    clientId: fake.clientId,
  };
}

/** GitHub's timestamp format: ISO 8601 in UTC at whole seconds. */
export function githubTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The issues listing's filters and order: `state`, `since` (at or after, whole seconds), `sort`, `direction`.
 * Without `sort` the fake keeps the order issues were created in (oldest first), which older tests rely on;
 * GitHub's default would be newest first.
 */
function listIssues(
  all: readonly Record<string, unknown>[],
  query: URLSearchParams,
): Record<string, unknown>[] {
  const state = query.get('state') ?? 'open';
  const since = query.get('since');
  const from = since === null ? undefined : Math.floor(Date.parse(since) / 1000) * 1000;
  const sort = query.get('sort');
  const field = sort === 'updated' ? 'updated_at' : sort === 'comments' ? 'comments' : 'created_at';
  const sign = query.get('direction') === 'asc' ? 1 : -1;
  const value = (issue: Record<string, unknown>): number =>
    field === 'comments' ? Number(issue[field] ?? 0) : Date.parse(String(issue[field]));
  const found = all
    .filter((i) => state === 'all' || i['state'] === state)
    .filter((i) => from === undefined || Date.parse(String(i['updated_at'])) >= from);
  if (sort === null) return found;
  return found.sort(
    (a, b) => sign * (value(a) - value(b)) || sign * (Number(a['number']) - Number(b['number'])),
  );
}

/** Starts the GitHub fake on 127.0.0.1. */
export async function startGitHubFake(options: GitHubFakeOptions = {}): Promise<GitHubFake> {
  const now = options.now ?? Date.now;
  const book = new TokenBook(now);
  const clientId = options.clientId ?? 'Iv1.fakegithubclient';
  const clientSecret = options.clientSecret ?? 'github-fake-secret';
  book.addClient(clientId, clientSecret);
  const devices = new Map<string, DeviceRecord>();
  const issues = new Map<string, Array<Record<string, unknown>>>();
  const hooks = new Map<number, GitHubHook>();
  const faults = { badCredentials: false };
  let nextHookId = 12345678;
  const repos = [
    {
      id: 1296269,
      name: 'Hello-World',
      full_name: 'octocat/Hello-World',
      private: false,
      owner: { login: 'octocat' },
    },
    {
      id: 1300192,
      name: 'Spoon-Knife',
      full_name: 'octocat/Spoon-Knife',
      private: false,
      owner: { login: 'octocat' },
    },
  ];
  let baseUrl = '';

  const answer = (req: FakeRequest, res: ServerResponse, body: Record<string, string | number>): void => {
    // GitHub: "By default, the response takes the following form: access_token=...&scope=...&token_type=bearer";
    // JSON only when asked for with the Accept header. Errors use HTTP 200 as well.
    if ((req.headers.accept ?? '').includes('application/json')) sendJson(res, 200, body);
    else sendForm(res, 200, body);
  };
  const error = (
    req: FakeRequest,
    res: ServerResponse,
    code: string,
    description: string,
    extra = {},
  ): void =>
    answer(req, res, {
      error: code,
      error_description: description,
      error_uri:
        'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors',
      ...extra,
    });

  const tokens = (
    req: FakeRequest,
    res: ServerResponse,
    grant: ReturnType<TokenBook['createGrant']>,
  ): void => {
    const ttl = options.expiringTokens ? (options.accessTokenTtlSeconds ?? 28_800) : undefined;
    const issued = book.issueTokens(grant, {
      ttlSeconds: ttl,
      withRefresh: options.expiringTokens === true,
      accessPrefix: 'ghu_',
      refreshPrefix: 'ghr_',
    });
    answer(req, res, {
      access_token: issued.accessToken,
      token_type: 'bearer',
      scope: grant.scope
        .split(/[\s,]+/)
        .filter(Boolean)
        .join(','),
      ...(issued.refreshToken !== undefined && ttl !== undefined
        ? { expires_in: ttl, refresh_token: issued.refreshToken, refresh_token_expires_in: 15_897_600 }
        : {}),
    });
  };

  const notFound = (res: ServerResponse, doc: string): void =>
    sendJson(res, 404, {
      message: 'Not Found',
      documentation_url: `https://docs.github.com/rest/repos/webhooks#${doc}`,
      status: '404',
    });

  /** `POST /repos/{owner}/{repo}/hooks` and `DELETE /repos/{owner}/{repo}/hooks/{hook_id}`. */
  const repositoryHooks = (req: FakeRequest, res: ServerResponse): void => {
    const [, , owner = '', repo = '', , id] = req.path.split('/');
    const full = `${decodeURIComponent(owner)}/${decodeURIComponent(repo)}`;
    const known = repos.some((r) => r.full_name === full);
    if (req.method === 'POST' && id === undefined) {
      if (!known) return notFound(res, 'create-a-repository-webhook');
      const body = (req.json ?? {}) as { events?: unknown; config?: Record<string, unknown> };
      const config = body.config ?? {};
      if (typeof config['url'] !== 'string' || config['url'] === '') {
        sendJson(res, 422, {
          message: 'Validation Failed',
          errors: [{ resource: 'Hook', code: 'custom', message: 'Config must contain URL for webhooks' }],
          documentation_url: 'https://docs.github.com/rest/repos/webhooks#create-a-repository-webhook',
          status: '422',
        });
        return;
      }
      const hook: GitHubHook = {
        id: nextHookId++,
        repo: full,
        events: Array.isArray(body.events) ? body.events.map(String) : ['push'],
        config: {
          url: config['url'],
          content_type: typeof config['content_type'] === 'string' ? config['content_type'] : 'form',
          insecure_ssl: config['insecure_ssl'] === '1' ? '1' : '0',
          ...(typeof config['secret'] === 'string' ? { secret: config['secret'] } : {}),
        },
      };
      hooks.set(hook.id, hook);
      const hookUrl = `${baseUrl}/repos/${full}/hooks/${hook.id}`;
      const { secret, ...shown } = hook.config;
      sendJson(res, 201, {
        type: 'Repository',
        id: hook.id,
        name: 'web',
        active: true,
        events: hook.events,
        config: { ...shown, ...(secret !== undefined ? { secret: '********' } : {}) },
        created_at: new Date(now()).toISOString(),
        updated_at: new Date(now()).toISOString(),
        url: hookUrl,
        test_url: `${hookUrl}/test`,
        ping_url: `${hookUrl}/pings`,
        deliveries_url: `${hookUrl}/deliveries`,
        last_response: { code: null, status: 'unused', message: null },
      });
      return;
    }
    if (req.method === 'DELETE' && id !== undefined) {
      const hook = hooks.get(Number(id));
      if (!known || hook?.repo !== full) return notFound(res, 'delete-a-repository-webhook');
      hooks.delete(hook.id);
      res.writeHead(204);
      res.end();
      return;
    }
    notFound(res, 'repository-webhooks');
  };

  const server = await startServer((req, res) => {
    const route = `${req.method} ${req.path}`;
    if (route === 'GET /login/oauth/authorize') {
      // Consent is automatic: the fake stands in for a user who clicks "Authorize".
      const redirectUri = req.query.get('redirect_uri') ?? undefined;
      const requestedClient = req.query.get('client_id') ?? '';
      if (!book.clients.has(requestedClient) || redirectUri === undefined) {
        sendJson(res, 404, { message: 'Not Found' });
        return;
      }
      const code = book.issueCode({
        clientId: requestedClient,
        redirectUri,
        scope: req.query.get('scope') ?? '',
      });
      const target = new URL(redirectUri);
      target.searchParams.set('code', code);
      const state = req.query.get('state');
      if (state !== null) target.searchParams.set('state', state);
      res.writeHead(302, { location: target.toString() });
      res.end();
      return;
    }
    if (route === 'POST /login/device/code') {
      const id = req.param('client_id');
      if (id === undefined || !book.clients.has(id)) {
        sendJson(res, 404, { error: 'Not Found' });
        return;
      }
      const deviceCode = token('dc_');
      const userCode = `${token('').slice(0, 4).toUpperCase()}-${token('').slice(0, 4).toUpperCase()}`;
      const interval = options.deviceInterval ?? 5;
      const expiresIn = options.deviceExpiresIn ?? 899;
      devices.set(deviceCode, {
        clientId: id,
        scope: req.param('scope') ?? '',
        userCode,
        expiresAt: now() + expiresIn * 1000,
        interval,
        lastPollAt: undefined,
        state: 'pending',
      });
      answer(req, res, {
        device_code: deviceCode,
        user_code: userCode,
        verification_uri: `${baseUrl}/login/device`,
        expires_in: expiresIn,
        interval,
      });
      return;
    }
    if (route === 'POST /login/oauth/access_token') {
      const id = req.param('client_id') ?? req.basic?.username;
      const secret = req.param('client_secret') ?? req.basic?.password;
      const grantType = req.param('grant_type') ?? 'authorization_code';
      if (grantType === 'urn:ietf:params:oauth:grant-type:device_code') {
        const device = devices.get(req.param('device_code') ?? '');
        if (!device || device.clientId !== id || device.state === 'redeemed') {
          error(req, res, 'incorrect_device_code', 'The device_code provided is not valid.');
          return;
        }
        if (device.expiresAt <= now()) {
          error(req, res, 'expired_token', 'The device_code has expired.');
          return;
        }
        const tooSoon = device.lastPollAt !== undefined && now() - device.lastPollAt < device.interval * 1000;
        device.lastPollAt = now();
        if (tooSoon) {
          device.interval += 5;
          error(req, res, 'slow_down', 'Too many requests have been made in the same timeframe.', {
            interval: device.interval,
          });
          return;
        }
        if (device.state === 'denied') {
          error(req, res, 'access_denied', 'The authorization request was denied.');
          return;
        }
        if (device.state === 'pending') {
          error(req, res, 'authorization_pending', 'The authorization request is still pending.');
          return;
        }
        device.state = 'redeemed';
        tokens(req, res, book.createGrant(device.clientId, device.scope));
        return;
      }
      if (!book.checkClient(id, secret)) {
        error(
          req,
          res,
          'incorrect_client_credentials',
          'The client_id and/or client_secret passed are incorrect.',
        );
        return;
      }
      if (grantType === 'refresh_token') {
        const grant = book.useRefreshToken(req.param('refresh_token'), id ?? '', true);
        if (!grant) {
          error(req, res, 'bad_refresh_token', 'The refresh token passed is incorrect or expired.');
          return;
        }
        tokens(req, res, grant);
        return;
      }
      if (grantType !== 'authorization_code') {
        error(req, res, 'unsupported_grant_type', 'The grant type is not supported.');
        return;
      }
      const redeemed = book.redeemCode({
        code: req.param('code'),
        clientId: id ?? '',
        redirectUri: req.param('redirect_uri'),
        codeVerifier: req.param('code_verifier'),
      });
      if ('error' in redeemed) {
        if (redeemed.error === 'redirect_uri_mismatch') {
          error(
            req,
            res,
            'redirect_uri_mismatch',
            'The redirect_uri MUST match the registered callback URL.',
          );
        } else {
          error(req, res, 'bad_verification_code', 'The code passed is incorrect or expired.');
        }
        return;
      }
      tokens(req, res, redeemed.grant);
      return;
    }

    // REST API: every call needs a live token.
    const check = book.checkAccessToken(req.bearer);
    if (!check.ok || faults.badCredentials) {
      sendJson(res, 401, BAD_CREDENTIALS);
      return;
    }
    if (route === 'GET /user') {
      sendJson(res, 200, { login: 'octocat', id: 583231, name: 'The Octocat', type: 'User' });
      return;
    }
    if (route === 'GET /user/repos') {
      const { page, headers } = paged(req.query, repos.length, `${baseUrl}${req.path}`);
      sendJson(res, 200, repos.slice(page.start, page.end), headers);
      return;
    }
    if (/^\/repos\/[^/]+\/[^/]+\/hooks(\/[^/]+)?$/.test(req.path)) {
      repositoryHooks(req, res);
      return;
    }
    const issue = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(req.path);
    if (req.method === 'GET' && issue) {
      const full = `${decodeURIComponent(issue[1] ?? '')}/${decodeURIComponent(issue[2] ?? '')}`;
      if (!repos.some((repo) => repo.full_name === full)) {
        sendJson(res, 404, {
          message: 'Not Found',
          documentation_url: 'https://docs.github.com/rest/issues/issues#list-repository-issues',
          status: '404',
        });
        return;
      }
      const list = listIssues(issues.get(full) ?? [], req.query);
      const { page, headers } = paged(req.query, list.length, `${baseUrl}${req.path}`);
      sendJson(res, 200, list.slice(page.start, page.end), headers);
      return;
    }
    if (req.method === 'POST' && issue) {
      const full = `${decodeURIComponent(issue[1] ?? '')}/${decodeURIComponent(issue[2] ?? '')}`;
      if (!repos.some((repo) => repo.full_name === full)) {
        sendJson(res, 404, {
          message: 'Not Found',
          documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
          status: '404',
        });
        return;
      }
      const body = (req.json ?? {}) as Record<string, unknown>;
      if (typeof body.title !== 'string' || body.title === '') {
        sendJson(res, 422, {
          message: 'Validation Failed',
          errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
          documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
          status: '422',
        });
        return;
      }
      const list = issues.get(full) ?? [];
      const created = {
        id: 1000 + list.length,
        number: list.length + 1,
        title: body.title,
        body: typeof body.body === 'string' ? body.body : null,
        state: 'open',
        html_url: `https://github.com/${full}/issues/${list.length + 1}`,
        comments: 0,
        created_at: githubTime(now()),
        updated_at: githubTime(now()),
      };
      list.push(created);
      issues.set(full, list);
      sendJson(res, 201, created);
      return;
    }
    sendJson(res, 404, {
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
      status: '404',
    });
  });
  baseUrl = server.baseUrl;

  const setDevice = (userCode: string, state: 'approved' | 'denied'): void => {
    const device = [...devices.values()].find((d) => d.userCode === userCode);
    if (!device) throw new Error(`no device flow with user code ${userCode}`);
    device.state = state;
  };

  return {
    ...server,
    book,
    clientId,
    clientSecret,
    issues,
    hooks,
    faults,
    updateIssue: (repo, number, changes) => {
      const issue = issues.get(repo)?.find((i) => i['number'] === number);
      if (!issue) throw new Error(`no issue ${repo}#${number}`);
      Object.assign(issue, changes, { updated_at: githubTime(now()) });
    },
    urls: {
      authorizeUrl: `${baseUrl}/login/oauth/authorize`,
      tokenUrl: `${baseUrl}/login/oauth/access_token`,
      deviceAuthorizationUrl: `${baseUrl}/login/device/code`,
      apiBaseUrl: baseUrl,
    },
    approveDevice: (userCode) => setDevice(userCode, 'approved'),
    denyDevice: (userCode) => setDevice(userCode, 'denied'),
  };
}
