import { createHash, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { KeywayError } from '../errors';
import {
  clientSecretBasic,
  clientSecretPost,
  none,
  type AuthorizationServer,
  type OAuthClient,
} from '../oauth';
import type {
  InteractionDetails,
  KoaContext,
  OidcProvider,
  OidcProviderConstructor,
  OidcProviderErrors,
  StoredToken,
  TokenEndpointContext,
} from './oidc-provider-types';

/** The one account every sandbox authorization is made for. */
export const SANDBOX_ACCOUNT = {
  sub: 'sandbox-user',
  name: 'Sandbox User',
  email: 'user@sandbox.test',
} as const;

/**
 * The sandbox account's username and password for the resource owner password grant (RFC 6749 §4.3), which
 * only the `password` client may use. A documented demo value: the sandbox serves nothing real.
 */
export const SANDBOX_LOGIN = { username: SANDBOX_ACCOUNT.sub, password: 'sandbox-password' } as const;

/** Scopes the sandbox knows. `api:read`/`api:write` guard the demo API. */
export const SANDBOX_SCOPES = [
  'openid',
  'offline_access',
  'profile',
  'email',
  'api:read',
  'api:write',
] as const;

/** Connections waiting to be accepted, at most; see where the sandbox listens. */
const LISTEN_BACKLOG = 4096;

/** Options for {@link startSandbox}. */
export interface SandboxOptions {
  /** Access token lifetime in seconds (default 300). */
  readonly accessTokenTtlS?: number;
  /** Refresh token lifetime in seconds (default 86400). */
  readonly refreshTokenTtlS?: number;
  /** Device code lifetime in seconds (default 600). */
  readonly deviceCodeTtlS?: number;
  /** Extra redirect URIs every authorization-code client accepts, besides `${url}/cb`. */
  readonly redirectUris?: readonly string[];
  /** Port on 127.0.0.1 (default 0: an ephemeral port). `keyway sandbox` and `keyway start` use a fixed one. */
  readonly port?: number;
  /**
   * Show a login/consent page with Approve and Deny buttons instead of consenting automatically, so a person
   * sees what is asked (`keyway sandbox`, `keyway start`). Tests keep the automatic mode.
   */
  readonly interactive?: boolean;
  /**
   * Serve `GET|POST /__sandbox/behaviour` and `POST /__sandbox/revoke-all`, so the switches can be flipped from
   * another terminal while the sandbox runs. Only for a sandbox on a developer's machine.
   */
  readonly adminEndpoints?: boolean;
  /** Initial switches (default: all off). */
  readonly behaviour?: Partial<SandboxBehaviour>;
}

/** Switches that make the sandbox misbehave on purpose. */
export interface SandboxBehaviour {
  /** The automatic consent answers `access_denied` instead of granting. */
  denyConsent: boolean;
  /** Every token endpoint answer is held back this long after the request was handled. */
  tokenDelayMs: number;
}

/** A registered client: what a Keyway client needs to talk to the sandbox as it. */
export interface SandboxClient extends OAuthClient {
  readonly clientSecret?: string;
  readonly redirectUri: string;
}

/** The clients every sandbox registers. */
export interface SandboxClients {
  /** Confidential, `client_secret_basic`, id and secret with characters that need form-encoding. */
  readonly basic: SandboxClient;
  /** Confidential, `client_secret_post`; also allowed client credentials. */
  readonly post: SandboxClient;
  /** Public, `none`, PKCE required. */
  readonly public: SandboxClient;
  /** Client credentials only, `client_secret_basic`. */
  readonly service: SandboxClient;
  /** Device flow, public. */
  readonly device: SandboxClient;
  /**
   * Resource owner password grant (and refresh), `client_secret_basic`; the only client allowed the grant.
   * Sign in as {@link SANDBOX_LOGIN}.
   */
  readonly password: SandboxClient;
}

/** A running sandbox authorization server. */
export interface Sandbox {
  readonly issuer: string;
  /** Same as `issuer`: the base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Endpoints, as discovery would report them. */
  readonly server: AuthorizationServer & { readonly issuer: string };
  readonly clients: SandboxClients;
  /** The demo API: `GET` with `Authorization: Bearer <access token>` answers who the token is for. */
  readonly apiUrl: string;
  /** Mutable switches; see {@link SandboxBehaviour}. */
  readonly behaviour: SandboxBehaviour;
  /** Token endpoint requests received per `grant_type` since start or the last {@link resetCounts}. */
  tokenRequests(): Readonly<Record<string, number>>;
  resetCounts(): void;
  /** Approves a pending device authorization as the sandbox user, as if they confirmed on /device. */
  approveDevice(userCode: string): Promise<void>;
  /** Denies a pending device authorization (the poll then fails with `access_denied`). */
  denyDevice(userCode: string): Promise<void>;
  /** Revokes every grant and client-credentials token issued so far. */
  revokeAll(): Promise<void>;
  close(): Promise<void>;
}

function secret(): string {
  // Characters that break Basic auth unless id and secret are form-urlencoded first (RFC 6749 §2.3.1).
  return `${randomBytes(18).toString('base64url')}:%+ &=`;
}

function normalizeUserCode(userCode: string): string {
  // oidc-provider stores user codes upper-case without separators.
  return userCode.toUpperCase().replace(/\W/g, '');
}

async function loadProvider(): Promise<{ Provider: OidcProviderConstructor; errors: OidcProviderErrors }> {
  // ESM-only package: a real dynamic import (kept as-is by the node16 CommonJS output).
  const specifier = 'oidc-provider';
  const mod = (await import(specifier)) as { default: OidcProviderConstructor; errors: OidcProviderErrors };
  return { Provider: mod.default, errors: mod.errors };
}

/** Compares digests, so the time taken says nothing about how much of a guess was right. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** A patch of {@link SandboxBehaviour}, as `POST /__sandbox/behaviour` accepts it. */
const SandboxBehaviourPatchSchema = z.strictObject({
  denyConsent: z.boolean().optional(),
  tokenDelayMs: z.number().int().min(0).max(600_000).optional(),
});

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > 10_000) return undefined;
    chunks.push(buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // No form-action: browsers apply it to the redirects after the POST, which end at the client's origin.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
  });
  res.end(body);
}

/** The interactive mode's page: who is signed in, which client asks for which scopes, Approve / Deny. */
function consentPage(details: InteractionDetails): string {
  const uid = encodeURIComponent(details.uid);
  const clientId = escapeHtml(String(details.params.client_id));
  const scope = typeof details.params.scope === 'string' ? details.params.scope : '';
  const scopes = scope
    .split(' ')
    .filter((s) => s !== '')
    .map((s) => `<li><code>${escapeHtml(s)}</code></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keyway sandbox: allow access?</title>
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}
.card{border:1px solid #ccc;border-radius:8px;padding:1.5rem}button{font:inherit;padding:.5rem 1.25rem;margin-right:.5rem;border-radius:6px;border:1px solid #888;cursor:pointer}
button[value=approve]{background:#1a7f37;color:#fff;border-color:#1a7f37}</style></head>
<body><main class="card"><p>Keyway sandbox authorization server</p>
<h1>Allow access?</h1>
<p>Signed in as <strong>${escapeHtml(SANDBOX_ACCOUNT.name)}</strong> (${escapeHtml(SANDBOX_ACCOUNT.email)}).</p>
<p>The application <strong>${clientId}</strong> asks for:</p><ul>${scopes || '<li>no scopes</li>'}</ul>
<form method="post" action="/interaction/${uid}/approve" style="display:inline"><button type="submit" name="decision" value="approve">Approve</button></form>
<form method="post" action="/interaction/${uid}/deny" style="display:inline"><button type="submit" name="decision" value="deny">Deny</button></form>
</main></body></html>`;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Starts an in-process OAuth 2.0 / OpenID Connect authorization server (oidc-provider) on 127.0.0.1 with
 * an ephemeral port (or `options.port`), for tests, the demo and `keyway sandbox`. Login and consent happen
 * automatically (no pages) unless `options.interactive` asks for a consent page; refresh tokens rotate (presenting a used one revokes the grant), and revocation,
 * discovery, device flow, the password grant (for the `password` client, as {@link SANDBOX_LOGIN}) and a small
 * protected API are on.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const { Provider, errors } = await loadProvider();
  const http = createServer();
  await new Promise<void>((resolve, reject) => {
    http.once('error', (cause: NodeJS.ErrnoException) =>
      reject(
        new KeywayError('KW_SANDBOX_FAILED', {
          message: `The sandbox cannot listen on 127.0.0.1:${options.port ?? 0} (${cause.code ?? cause.message}); choose another port.`,
          cause,
        }),
      ),
    );
    // A burst of new connections (a refresh storm, a load test: a thousand calls at once, each on a connection of
    // its own) must wait in the accept queue, not be dropped: node's default of 511 lets the kernel drop the rest,
    // and each dropped connection is retried a whole second later. The kernel caps this at net.core.somaxconn.
    http.listen({ port: options.port ?? 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const callbackUri = `${issuer}/cb`;
  const redirectUris = [callbackUri, ...(options.redirectUris ?? [])];

  const ids = {
    basic: 'keyway:basic client',
    post: 'keyway-post',
    public: 'keyway-public',
    service: 'keyway-service',
    device: 'keyway-device',
    password: 'keyway-password',
  } as const;
  const secrets = { basic: secret(), post: secret(), service: secret(), password: secret() };
  const allScopes = SANDBOX_SCOPES.join(' ');
  const codeGrants = ['authorization_code', 'refresh_token'];

  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: ids.basic,
        client_secret: secrets.basic,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [...codeGrants, 'client_credentials'],
        redirect_uris: redirectUris,
        scope: allScopes,
      },
      {
        client_id: ids.post,
        client_secret: secrets.post,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: [...codeGrants, 'client_credentials'],
        redirect_uris: redirectUris,
        scope: allScopes,
      },
      {
        client_id: ids.public,
        token_endpoint_auth_method: 'none',
        grant_types: codeGrants,
        redirect_uris: redirectUris,
        scope: allScopes,
      },
      {
        client_id: ids.service,
        client_secret: secrets.service,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'api:read api:write',
      },
      {
        client_id: ids.device,
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        response_types: [],
        redirect_uris: [],
        scope: allScopes,
      },
      {
        client_id: ids.password,
        client_secret: secrets.password,
        token_endpoint_auth_method: 'client_secret_basic',
        // Registered below with registerGrantType; static clients are validated on first use, after that.
        grant_types: ['password', 'refresh_token'],
        response_types: [],
        redirect_uris: [],
        scope: allScopes,
      },
    ],
    jwks: { keys: [{ ...jwk, use: 'sig', kid: 'sandbox' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: [...SANDBOX_SCOPES],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    findAccount: (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: () => ({ sub, name: SANDBOX_ACCOUNT.name, email: SANDBOX_ACCOUNT.email }),
    }),
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
      revocation: { enabled: true, allowedPolicy: () => true },
      introspection: { enabled: true, allowedPolicy: () => true },
      clientCredentials: { enabled: true },
    },
    // Refresh tokens for every client allowed the grant, without OIDC's offline_access + prompt=consent dance.
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    expiresWithSession: () => false,
    rotateRefreshToken: true,
    ttl: {
      AccessToken: options.accessTokenTtlS ?? 300,
      ClientCredentials: options.accessTokenTtlS ?? 300,
      RefreshToken: options.refreshTokenTtlS ?? 86_400,
      DeviceCode: options.deviceCodeTtlS ?? 600,
      AuthorizationCode: 60,
      IdToken: 300,
      Interaction: 600,
      Session: 3600,
      Grant: 86_400,
    },
    renderError: (ctx: { type: string; body: unknown }, out: Record<string, string>) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  });

  /**
   * The resource owner password grant, which oidc-provider does not ship (OAuth 2.1 drops it). It issues tokens
   * the way the built-in grants do (lib/actions/grants): a Grant holding the scopes, an AccessToken and, for a
   * client allowed `refresh_token`, a RefreshToken bound to that grant, so the built-in refresh grant, rotation,
   * revocation and `revokeAll` treat them like any other.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
   */
  async function passwordGrant(ctx: TokenEndpointContext): Promise<void> {
    const { params, client } = ctx.oidc;
    const username = typeof params.username === 'string' ? params.username : '';
    const password = typeof params.password === 'string' ? params.password : '';
    if (username === '' || password === '') {
      throw new errors.InvalidRequest('username and password are required');
    }
    // Both compared every time, so a wrong username answers exactly like a wrong password.
    const userOk = sameSecret(username, SANDBOX_LOGIN.username);
    const passwordOk = sameSecret(password, SANDBOX_LOGIN.password);
    if (!userOk || !passwordOk) {
      const error = new errors.InvalidGrant('wrong username or password');
      error.error_description = 'The username or password is not correct.';
      throw error;
    }
    const allowed = new Set((client.scope ?? '').split(' ').filter((s) => s !== ''));
    const requested =
      typeof params.scope === 'string' ? params.scope.split(' ').filter((s) => s !== '') : [...allowed];
    const refused = requested.filter((s) => !allowed.has(s));
    if (refused.length > 0) {
      throw new errors.InvalidScope('requested scope is not allowed for this client', refused.join(' '));
    }
    const scope = requested.join(' ');
    const accountId = SANDBOX_ACCOUNT.sub;
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    if (scope !== '') grant.addOIDCScope(scope);
    const grantId = await grant.save();
    const token = { accountId, client, grantId, gty: 'password', scope };
    const accessToken = new provider.AccessToken(token);
    const accessTokenValue = await accessToken.save();
    const refreshToken = client.grantTypeAllowed('refresh_token')
      ? await new provider.RefreshToken({
          ...token,
          authTime: Math.floor(Date.now() / 1000),
          rotations: 0,
        }).save()
      : undefined;
    ctx.body = {
      access_token: accessTokenValue,
      token_type: accessToken.tokenType ?? 'Bearer',
      expires_in: accessToken.expiration,
      ...(scope !== '' ? { scope } : {}),
      ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {}),
    };
  }
  provider.registerGrantType('password', passwordGrant, ['username', 'password', 'scope']);

  const behaviour: SandboxBehaviour = {
    denyConsent: options.behaviour?.denyConsent ?? false,
    tokenDelayMs: options.behaviour?.tokenDelayMs ?? 0,
  };
  let counts: Record<string, number> = {};
  const grantIds = new Set<string>();
  const clientCredentialTokens = new Set<string>();

  provider.on('grant.saved', (grant) => {
    const jti = (grant as { jti?: unknown }).jti;
    if (typeof jti === 'string') grantIds.add(jti);
  });
  provider.on('client_credentials.saved', (token) => {
    const jti = (token as { jti?: unknown }).jti;
    if (typeof jti === 'string') clientCredentialTokens.add(jti);
  });

  provider.use(async (ctx: KoaContext, next) => {
    await next();
    if (ctx.method === 'POST' && ctx.path === '/token') {
      const grantType = ctx.oidc?.params?.grant_type;
      const key = typeof grantType === 'string' ? grantType : '(none)';
      counts[key] = (counts[key] ?? 0) + 1;
      // Delay the answer, not the request: the server has already acted (a refresh token is consumed)
      // when the client gives up, which is the case retry rules must survive.
      if (behaviour.tokenDelayMs > 0)
        await new Promise((resolve) => setTimeout(resolve, behaviour.tokenDelayMs));
    }
  });

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details: InteractionDetails = await provider.interactionDetails(req, res);
    if (behaviour.denyConsent) {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The sandbox user denied consent.' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: SANDBOX_ACCOUNT.sub } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (options.interactive === true) {
      sendHtml(res, 200, consentPage(details));
      return;
    }
    await grantConsent(req, res, details);
  }

  async function grantConsent(
    req: IncomingMessage,
    res: ServerResponse,
    details: InteractionDetails,
  ): Promise<void> {
    const clientId = String(details.params.client_id);
    const accountId = details.session?.accountId ?? SANDBOX_ACCOUNT.sub;
    const grant =
      (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
      new provider.Grant({ accountId, clientId });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  /** The person's answer on the consent page (interactive mode). */
  async function decide(req: IncomingMessage, res: ServerResponse, approve: boolean): Promise<void> {
    const details: InteractionDetails = await provider.interactionDetails(req, res);
    if (!approve || behaviour.denyConsent) {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The sandbox user denied consent.' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    await grantConsent(req, res, details);
  }

  async function admin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'POST' && path === '/__sandbox/revoke-all') {
      await revokeAll();
      sendJson(res, 200, { revoked: true });
      return;
    }
    if (path === '/__sandbox/behaviour' && req.method === 'POST') {
      const parsed = SandboxBehaviourPatchSchema.safeParse(await readJson(req));
      if (!parsed.success) {
        sendJson(res, 400, {
          error: 'invalid_request',
          error_description: parsed.error.issues
            .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
            .join('; '),
        });
        return;
      }
      if (parsed.data.denyConsent !== undefined) behaviour.denyConsent = parsed.data.denyConsent;
      if (parsed.data.tokenDelayMs !== undefined) behaviour.tokenDelayMs = parsed.data.tokenDelayMs;
    }
    if (path === '/__sandbox/behaviour' && (req.method === 'POST' || req.method === 'GET')) {
      sendJson(res, 200, { ...behaviour });
      return;
    }
    sendJson(res, 404, { error: 'not_found' });
  }

  async function findBearer(req: IncomingMessage): Promise<StoredToken | undefined> {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1]) return undefined;
    const token =
      (await provider.AccessToken.find(match[1])) ?? (await provider.ClientCredentials.find(match[1]));
    if (!token || token.isExpired) return undefined;
    // A revoked grant takes its access tokens with it.
    if (token.grantId !== undefined && !(await provider.Grant.find(token.grantId))) return undefined;
    return token;
  }

  async function apiMe(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = await findBearer(req);
    if (!token) {
      sendJson(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      return;
    }
    const user = token.accountId !== undefined;
    sendJson(res, 200, {
      sub: token.accountId ?? token.clientId,
      client_id: token.clientId,
      scope: token.scope ?? '',
      ...(user ? { name: SANDBOX_ACCOUNT.name, email: SANDBOX_ACCOUNT.email } : {}),
    });
  }

  /** Revokes every grant and client-credentials token issued so far. */
  async function revokeAll(): Promise<void> {
    for (const grantId of grantIds) {
      for (const model of [provider.AccessToken, provider.RefreshToken, provider.AuthorizationCode]) {
        await model.revokeByGrantId?.(grantId);
      }
      await (await provider.Grant.find(grantId))?.destroy();
    }
    grantIds.clear();
    for (const jti of clientCredentialTokens) {
      const token = await provider.ClientCredentials.find(jti);
      await (token as { destroy?: () => Promise<void> } | undefined)?.destroy?.();
    }
    clientCredentialTokens.clear();
  }

  const oidc = provider.callback();
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    let handled: Promise<void> | undefined;
    const decision = /^\/interaction\/[^/]+\/(approve|deny)$/.exec(path);
    if (req.method === 'POST' && decision && options.interactive === true)
      handled = decide(req, res, decision[1] === 'approve');
    else if (req.method === 'GET' && path.startsWith('/interaction/')) handled = interaction(req, res);
    else if (path.startsWith('/__sandbox/') && options.adminEndpoints === true)
      handled = admin(req, res, path);
    else if (path === '/api/me') handled = apiMe(req, res);
    else if (path === '/cb') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('The sandbox callback page: a Keyway client reads the code from this URL.');
      return;
    } else {
      oidc(req, res);
      return;
    }
    handled.catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      else res.end();
    });
  });

  async function findDeviceCode(
    userCode: string,
  ): Promise<NonNullable<Awaited<ReturnType<OidcProvider['DeviceCode']['findByUserCode']>>>> {
    const code = await provider.DeviceCode.findByUserCode(normalizeUserCode(userCode), {
      ignoreExpiration: true,
    });
    if (!code || code.isExpired || code.accountId !== undefined || code.error !== undefined) {
      throw new KeywayError('KW_SANDBOX_FAILED', {
        message: 'No pending device authorization has this user code (unknown, expired or already answered).',
      });
    }
    return code;
  }

  const server = {
    issuer,
    authorizationEndpoint: `${issuer}/auth`,
    tokenEndpoint: `${issuer}/token`,
    revocationEndpoint: `${issuer}/token/revocation`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    deviceAuthorizationEndpoint: `${issuer}/device/auth`,
    userinfoEndpoint: `${issuer}/me`,
    authorizationResponseIssParameterSupported: true,
  };

  const client = (clientId: string, auth: OAuthClient['auth'], clientSecret?: string): SandboxClient => ({
    clientId,
    auth,
    redirectUri: callbackUri,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
  });

  return {
    issuer,
    url: issuer,
    server,
    apiUrl: `${issuer}/api/me`,
    behaviour,
    clients: {
      basic: client(ids.basic, clientSecretBasic(secrets.basic), secrets.basic),
      post: client(ids.post, clientSecretPost(secrets.post), secrets.post),
      public: client(ids.public, none()),
      service: client(ids.service, clientSecretBasic(secrets.service), secrets.service),
      device: client(ids.device, none()),
      password: client(ids.password, clientSecretBasic(secrets.password), secrets.password),
    },
    tokenRequests: () => ({ ...counts }),
    resetCounts: () => {
      counts = {};
    },
    async approveDevice(userCode) {
      const code = await findDeviceCode(userCode);
      const grant = new provider.Grant({ accountId: SANDBOX_ACCOUNT.sub, clientId: code.clientId });
      const scope = typeof code.params.scope === 'string' ? code.params.scope : '';
      if (scope) grant.addOIDCScope(scope);
      const grantId = await grant.save();
      Object.assign(code, {
        accountId: SANDBOX_ACCOUNT.sub,
        grantId,
        scope,
        authTime: Math.floor(Date.now() / 1000),
      });
      await code.save();
    },
    async denyDevice(userCode) {
      const code = await findDeviceCode(userCode);
      Object.assign(code, {
        error: 'access_denied',
        errorDescription: 'The sandbox user denied the device.',
      });
      await code.save();
    },
    revokeAll,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.close((err) => (err ? reject(err) : resolve()));
        http.closeAllConnections();
      }),
  };
}
