import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeywayError } from '../errors';
import { clientSecretBasic, clientSecretPost, none, type OAuthClient } from '../oauth';
import type { KoaContext, OidcProvider } from './oidc-provider-types';
import { CLIENT_IDS, createProvider, loadProvider, newClientSecrets } from './provider';
import type { ClientSecrets } from './provider';
import { sandboxRequestHandler } from './routes';
import { SANDBOX_ACCOUNT } from './types';
import type { Sandbox, SandboxBehaviour, SandboxClient, SandboxClients, SandboxOptions } from './types';

export { SANDBOX_ACCOUNT, SANDBOX_LOGIN, SANDBOX_SCOPES } from './types';
export type { Sandbox, SandboxBehaviour, SandboxClient, SandboxClients, SandboxOptions } from './types';

/** Connections waiting to be accepted, at most; see where the sandbox listens. */
const LISTEN_BACKLOG = 4096;

/** How long an idle kept-alive connection stays open (fastify's default, as Keyway's own server has it). */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

function normalizeUserCode(userCode: string): string {
  // oidc-provider stores user codes upper-case without separators.
  return userCode.toUpperCase().replace(/\W/g, '');
}

/**
 * Starts an in-process OAuth 2.0 / OpenID Connect authorization server (oidc-provider) on 127.0.0.1 with
 * an ephemeral port (or `options.port`), for tests, the demo and `keyway sandbox`. Login and consent happen
 * automatically (no pages) unless `options.interactive` asks for a consent page; refresh tokens rotate (presenting a used one revokes the grant), and revocation,
 * discovery, device flow, the password grant (for the `password` client, as {@link SANDBOX_LOGIN}) and a small
 * protected API are on.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const loaded = await loadProvider();
  const http = await listen(options.port ?? 0);
  const { port } = http.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const callbackUri = `${issuer}/cb`;
  const secrets = newClientSecrets();
  const provider = createProvider(
    loaded,
    issuer,
    secrets,
    [callbackUri, ...(options.redirectUris ?? [])],
    options,
  );

  const behaviour: SandboxBehaviour = {
    denyConsent: options.behaviour?.denyConsent ?? false,
    tokenDelayMs: options.behaviour?.tokenDelayMs ?? 0,
  };
  const counter = countTokenRequests(provider, behaviour);
  const revokeAll = trackIssued(provider);
  // After the middleware above: provider.callback() builds the handler from what is registered so far.
  http.on('request', sandboxRequestHandler({ provider, issuer, options, behaviour, revokeAll }));

  return {
    issuer,
    url: issuer,
    server: {
      issuer,
      authorizationEndpoint: `${issuer}/auth`,
      tokenEndpoint: `${issuer}/token`,
      revocationEndpoint: `${issuer}/token/revocation`,
      introspectionEndpoint: `${issuer}/token/introspection`,
      deviceAuthorizationEndpoint: `${issuer}/device/auth`,
      userinfoEndpoint: `${issuer}/me`,
      authorizationResponseIssParameterSupported: true,
    },
    apiUrl: `${issuer}/api/me`,
    behaviour,
    clients: sandboxClients(secrets, callbackUri),
    ...counter,
    ...deviceControls(provider),
    revokeAll,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.close((err) => (err ? reject(err) : resolve()));
        http.closeAllConnections();
      }),
  };
}

/** An HTTP server listening on 127.0.0.1:`port`, or a typed error saying the port cannot be used. */
async function listen(port: number): Promise<Server> {
  // Not node's 5 s: after one long turn of its event loop (a loaded host, a thousand requests read at once) node
  // runs due timers before it reads, so a short keep-alive timer reset connections whose next request had arrived.
  const http = createServer();
  http.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    http.once('error', (cause: NodeJS.ErrnoException) =>
      reject(
        new KeywayError('KW_SANDBOX_FAILED', {
          message: `The sandbox cannot listen on 127.0.0.1:${port} (${cause.code ?? cause.message}); choose another port.`,
          cause,
        }),
      ),
    );
    // A burst of new connections (a refresh storm, a load test: a thousand calls at once, each on a connection of
    // its own) must wait in the accept queue, not be dropped: node's default of 511 lets the kernel drop the rest,
    // and each dropped connection is retried a whole second later. The kernel caps this at net.core.somaxconn.
    http.listen({ port, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, () => resolve());
  });
  return http;
}

/** What a Keyway client needs to act as each registered client. */
function sandboxClients(secrets: ClientSecrets, redirectUri: string): SandboxClients {
  const client = (clientId: string, auth: OAuthClient['auth'], clientSecret?: string): SandboxClient => ({
    clientId,
    auth,
    redirectUri,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
  });
  return {
    basic: client(CLIENT_IDS.basic, clientSecretBasic(secrets.basic), secrets.basic),
    post: client(CLIENT_IDS.post, clientSecretPost(secrets.post), secrets.post),
    public: client(CLIENT_IDS.public, none()),
    service: client(CLIENT_IDS.service, clientSecretBasic(secrets.service), secrets.service),
    device: client(CLIENT_IDS.device, none()),
    password: client(CLIENT_IDS.password, clientSecretBasic(secrets.password), secrets.password),
  };
}

/** Counts token requests per `grant_type`, and holds answers back by `behaviour.tokenDelayMs`. */
function countTokenRequests(
  provider: OidcProvider,
  behaviour: SandboxBehaviour,
): Pick<Sandbox, 'tokenRequests' | 'resetCounts'> {
  let counts: Record<string, number> = {};
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
  return {
    tokenRequests: () => ({ ...counts }),
    resetCounts: () => {
      counts = {};
    },
  };
}

/** Remembers every grant and client-credentials token issued; returns what revokes them all. */
function trackIssued(provider: OidcProvider): () => Promise<void> {
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
  return async () => {
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
  };
}

/** Approving or denying a pending device authorization as the sandbox user. */
function deviceControls(provider: OidcProvider): Pick<Sandbox, 'approveDevice' | 'denyDevice'> {
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
  return {
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
  };
}
