/**
 * The sandbox's oidc-provider: its registered clients, its configuration, and the resource owner password grant
 * it adds.
 */
import { createHash, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type {
  OidcProvider,
  OidcProviderConstructor,
  OidcProviderErrors,
  TokenEndpointContext,
} from './oidc-provider-types';
import { SANDBOX_ACCOUNT, SANDBOX_LOGIN, SANDBOX_SCOPES } from './types';
import type { SandboxOptions } from './types';

/** The client ids every sandbox registers. */
export const CLIENT_IDS = {
  basic: 'keyway:basic client',
  post: 'keyway-post',
  public: 'keyway-public',
  service: 'keyway-service',
  device: 'keyway-device',
  password: 'keyway-password',
} as const;

/** The secrets of the confidential clients, new for every sandbox. */
export interface ClientSecrets {
  readonly basic: string;
  readonly post: string;
  readonly service: string;
  readonly password: string;
}

function secret(): string {
  // Characters that break Basic auth unless id and secret are form-urlencoded first (RFC 6749 §2.3.1).
  return `${randomBytes(18).toString('base64url')}:%+ &=`;
}

/** Fresh secrets for the confidential clients. */
export function newClientSecrets(): ClientSecrets {
  return { basic: secret(), post: secret(), service: secret(), password: secret() };
}

/** Loads oidc-provider, an ES module, from this CommonJS package. */
export async function loadProvider(): Promise<{
  Provider: OidcProviderConstructor;
  errors: OidcProviderErrors;
}> {
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

/** The clients every sandbox registers, in oidc-provider's client metadata format. */
function clientMetadata(secrets: ClientSecrets, redirectUris: readonly string[]): Record<string, unknown>[] {
  const allScopes = SANDBOX_SCOPES.join(' ');
  const codeGrants = ['authorization_code', 'refresh_token'];
  return [
    {
      client_id: CLIENT_IDS.basic,
      client_secret: secrets.basic,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [...codeGrants, 'client_credentials'],
      redirect_uris: redirectUris,
      scope: allScopes,
    },
    {
      client_id: CLIENT_IDS.post,
      client_secret: secrets.post,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: [...codeGrants, 'client_credentials'],
      redirect_uris: redirectUris,
      scope: allScopes,
    },
    {
      client_id: CLIENT_IDS.public,
      token_endpoint_auth_method: 'none',
      grant_types: codeGrants,
      redirect_uris: redirectUris,
      scope: allScopes,
    },
    {
      client_id: CLIENT_IDS.service,
      client_secret: secrets.service,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'api:read api:write',
    },
    {
      client_id: CLIENT_IDS.device,
      token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
      scope: allScopes,
    },
    {
      client_id: CLIENT_IDS.password,
      client_secret: secrets.password,
      token_endpoint_auth_method: 'client_secret_basic',
      // Registered below with registerGrantType; static clients are validated on first use, after that.
      grant_types: ['password', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
      scope: allScopes,
    },
  ];
}

/**
 * The oidc-provider for `issuer`: the sandbox's clients, one account, rotating refresh tokens, revocation,
 * introspection, device flow, client credentials and the password grant.
 */
export function createProvider(
  loaded: { Provider: OidcProviderConstructor; errors: OidcProviderErrors },
  issuer: string,
  secrets: ClientSecrets,
  redirectUris: readonly string[],
  options: SandboxOptions,
): OidcProvider {
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new loaded.Provider(issuer, {
    clients: clientMetadata(secrets, redirectUris),
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
  const password = options.password ?? SANDBOX_LOGIN.password;
  provider.registerGrantType('password', passwordGrant(provider, loaded.errors, password), [
    'username',
    'password',
    'scope',
  ]);
  return provider;
}

/**
 * The resource owner password grant, which oidc-provider does not ship (OAuth 2.1 drops it). It issues tokens
 * the way the built-in grants do (lib/actions/grants): a Grant holding the scopes, an AccessToken and, for a
 * client allowed `refresh_token`, a RefreshToken bound to that grant, so the built-in refresh grant, rotation,
 * revocation and `revokeAll` treat them like any other.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 */
function passwordGrant(
  provider: OidcProvider,
  errors: OidcProviderErrors,
  expectedPassword: string,
): (ctx: TokenEndpointContext) => Promise<void> {
  return async (ctx) => {
    const { params, client } = ctx.oidc;
    const username = typeof params.username === 'string' ? params.username : '';
    const password = typeof params.password === 'string' ? params.password : '';
    if (username === '' || password === '') {
      throw new errors.InvalidRequest('username and password are required');
    }
    // Both compared every time, so a wrong username answers exactly like a wrong password.
    const userOk = sameSecret(username, SANDBOX_LOGIN.username);
    const passwordOk = sameSecret(password, expectedPassword);
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
  };
}
