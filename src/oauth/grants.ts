import {
  send,
  setFormScope,
  tokenEndpointRequest,
  type AuthorizationServer,
  type GrantOptions,
  type OAuthClient,
  type ProviderQuirks,
} from './client';
import { withRetry } from './retry';
import { processTokenResponse, type TokenSet } from './token-set';
import type { HttpRequest } from './types';

/** Parameters of a client credentials request. */
export interface ClientCredentialsParams {
  readonly scopes?: readonly string[] | undefined;
  /** e.g. `{ audience: 'https://api.example.com' }` or `{ resource: … }` (RFC 8707). */
  readonly extraParams?: Readonly<Record<string, string>> | undefined;
}

/**
 * Builds a client credentials request (`grant_type=client_credentials`, optional `scope`, extras such
 * as `audience` or `resource`); the client authenticates by its strategy (Basic or body).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
 */
export function clientCredentialsGrantRequest(
  server: AuthorizationServer,
  client: OAuthClient,
  params: ClientCredentialsParams = {},
  quirks: ProviderQuirks = {},
): HttpRequest {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  setFormScope(body, params.scopes, quirks);
  return tokenEndpointRequest(server, client, body, quirks, params.extraParams);
}

/**
 * Runs the client credentials grant. Safe to repeat, so transient failures are retried.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export function clientCredentialsGrant(
  server: AuthorizationServer,
  client: OAuthClient,
  params: ClientCredentialsParams = {},
  options: GrantOptions = {},
): Promise<TokenSet> {
  const request = clientCredentialsGrantRequest(server, client, params, options);
  return withRetry(
    'client_credentials',
    async () =>
      processTokenResponse(await send(request, options), {
        ...options,
        what: 'Client credentials request',
        secrets: client.auth.secrets(),
      }),
    { policy: options.retry, sleep: options.sleep, signal: options.signal },
  );
}

/** Parameters of a refresh request. */
export interface RefreshParams {
  readonly refreshToken: string;
  /** A narrower scope than originally granted; omit to keep the grant's scope. */
  readonly scopes?: readonly string[] | undefined;
  readonly extraParams?: Readonly<Record<string, string>> | undefined;
}

/**
 * Builds a refresh request (`grant_type=refresh_token`).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function refreshTokenGrantRequest(
  server: AuthorizationServer,
  client: OAuthClient,
  params: RefreshParams,
  quirks: ProviderQuirks = {},
): HttpRequest {
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: params.refreshToken });
  setFormScope(body, params.scopes, quirks);
  return tokenEndpointRequest(server, client, body, quirks, params.extraParams);
}

/**
 * Refreshes an access token and returns the server's fresh {@link TokenSet}; combine it with the old one
 * through `mergeRefreshedTokenSet` (which keeps the old refresh token when none is returned). Repeated
 * only when the request provably never left: rotating servers revoke the whole grant when a refresh token
 * is presented twice, and after a timeout or reset the first attempt may already have consumed it.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
export function refreshTokenGrant(
  server: AuthorizationServer,
  client: OAuthClient,
  params: RefreshParams,
  options: GrantOptions = {},
): Promise<TokenSet> {
  const request = refreshTokenGrantRequest(server, client, params, options);
  return withRetry(
    'refresh',
    async () =>
      processTokenResponse(await send(request, options), {
        ...options,
        what: 'Refresh',
        secrets: [params.refreshToken, ...client.auth.secrets()],
      }),
    { policy: options.retry, sleep: options.sleep, signal: options.signal },
  );
}

/** Parameters of a resource owner password credentials request. */
export interface PasswordParams {
  readonly username: string;
  readonly password: string;
  readonly scopes?: readonly string[] | undefined;
  readonly extraParams?: Readonly<Record<string, string>> | undefined;
}

/**
 * Builds a resource owner password credentials request, authenticated by the client's strategy. Some
 * providers still require this grant for service accounts.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 */
export function passwordGrantRequest(
  server: AuthorizationServer,
  client: OAuthClient,
  params: PasswordParams,
  quirks: ProviderQuirks = {},
): HttpRequest {
  const body = new URLSearchParams({
    grant_type: 'password',
    username: params.username,
    password: params.password,
  });
  setFormScope(body, params.scopes, quirks);
  return tokenEndpointRequest(server, client, body, quirks, params.extraParams);
}

/**
 * Runs the password grant. Not retried: a repeated failed login can lock the account.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3
 */
export async function passwordGrant(
  server: AuthorizationServer,
  client: OAuthClient,
  params: PasswordParams,
  options: GrantOptions = {},
): Promise<TokenSet> {
  const request = passwordGrantRequest(server, client, params, options);
  return processTokenResponse(await send(request, options), {
    ...options,
    what: 'Password grant',
    secrets: [params.password, ...client.auth.secrets()],
  });
}
