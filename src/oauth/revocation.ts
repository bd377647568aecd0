import { KeywayError } from '../errors';
import {
  authenticatedPost,
  requireEndpoint,
  send,
  type AuthorizationServer,
  type GrantOptions,
  type OAuthClient,
} from './client';
import { parseBody, providerError } from './response';
import { withRetry } from './retry';
import type { HttpRequest, HttpResponse } from './types';

/** Parameters of a revocation request. */
export interface RevocationParams {
  readonly token: string;
  readonly tokenTypeHint?: 'access_token' | 'refresh_token' | undefined;
}

/**
 * Builds a token revocation request.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export function revocationRequest(
  server: AuthorizationServer,
  client: OAuthClient,
  params: RevocationParams,
): HttpRequest {
  const body = new URLSearchParams({ token: params.token });
  if (params.tokenTypeHint) body.set('token_type_hint', params.tokenTypeHint);
  return authenticatedPost(requireEndpoint(server, 'revocationEndpoint'), client, body);
}

/**
 * Validates a revocation response: any 200 is success (an unknown or already revoked token is not an
 * error, §2.2); errors are classified like token errors (503 with Retry-After is transient, §2.2.1).
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2
 */
export function processRevocationResponse(
  response: HttpResponse,
  options: { readonly secrets?: readonly (string | undefined)[]; readonly now?: () => number } = {},
): void {
  if (response.status === 200) return;
  const error = providerError(response, parseBody(response), 'Revocation', options);
  if (error.code === 'KW_OAUTH_UNEXPECTED_RESPONSE' && response.status < 400) {
    throw new KeywayError('KW_OAUTH_UNEXPECTED_RESPONSE', {
      message: `Revocation failed: the provider answered HTTP ${response.status} instead of 200.`,
      provider: { status: response.status },
    });
  }
  throw error;
}

/**
 * Revokes a token. Revocation is idempotent, so transient failures are retried.
 * @see https://www.rfc-editor.org/rfc/rfc7009
 */
export function revokeToken(
  server: AuthorizationServer,
  client: OAuthClient,
  params: RevocationParams,
  options: GrantOptions = {},
): Promise<void> {
  const request = revocationRequest(server, client, params);
  return withRetry(
    'revocation',
    async () =>
      processRevocationResponse(await send(request, options), {
        secrets: [params.token, ...client.auth.secrets()],
        ...(options.now ? { now: options.now } : {}),
      }),
    { policy: options.retry, sleep: options.sleep, signal: options.signal },
  );
}
