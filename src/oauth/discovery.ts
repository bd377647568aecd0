import { z } from 'zod';
import { KeywayError, isKeywayError } from '../errors';
import { send, type AuthorizationServer, type GrantOptions } from './client';
import { parseBody } from './response';
import { withRetry } from './retry';
import type { HttpRequest, HttpResponse } from './types';

/** Which well-known document to ask for. */
export type DiscoveryKind = 'oauth2' | 'oidc';

/**
 * Builds the metadata request. RFC 8414 inserts the well-known segment between host and path
 * (`/.well-known/oauth-authorization-server/tenant`); OpenID Connect appends it to the issuer
 * (`/tenant/.well-known/openid-configuration`).
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationRequest
 */
export function discoveryRequest(issuer: string, kind: DiscoveryKind = 'oidc'): HttpRequest {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: 'The issuer is not a valid URL.',
      details: { field: 'issuer' },
    });
  }
  const path = url.pathname.replace(/\/$/, '');
  url.pathname =
    kind === 'oauth2'
      ? `/.well-known/oauth-authorization-server${path}`
      : `${path}/.well-known/openid-configuration`;
  url.search = '';
  return { method: 'GET', url: url.toString(), headers: { accept: 'application/json' } };
}

const url = z.url();
const Metadata = z.looseObject({
  issuer: z.string().min(1),
  authorization_endpoint: url.optional(),
  token_endpoint: url.optional(),
  revocation_endpoint: url.optional(),
  device_authorization_endpoint: url.optional(),
  introspection_endpoint: url.optional(),
  userinfo_endpoint: url.optional(),
  authorization_response_iss_parameter_supported: z.boolean().optional(),
  scopes_supported: z.array(z.string()).optional(),
  grant_types_supported: z.array(z.string()).optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
});

/** Discovered metadata: the endpoints plus what the server says it supports, and the raw document. */
export interface DiscoveredServer extends AuthorizationServer {
  readonly issuer: string;
  readonly scopesSupported?: readonly string[] | undefined;
  readonly grantTypesSupported?: readonly string[] | undefined;
  readonly codeChallengeMethodsSupported?: readonly string[] | undefined;
  readonly tokenEndpointAuthMethodsSupported?: readonly string[] | undefined;
  readonly raw: Readonly<Record<string, unknown>>;
}

/**
 * Validates a metadata document. The `issuer` inside must equal the issuer asked for, or an attacker
 * who controls one document could impersonate another server (RFC 8414 §3.3).
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export function processDiscoveryResponse(response: HttpResponse, expectedIssuer: string): DiscoveredServer {
  if (response.status !== 200) {
    throw new KeywayError(response.status >= 500 ? 'KW_OAUTH_SERVER_ERROR' : 'KW_OAUTH_DISCOVERY_FAILED', {
      message: `Discovery for ${expectedIssuer} failed: HTTP ${response.status}.`,
      provider: { status: response.status },
    });
  }
  const parsed = Metadata.safeParse(parseBody(response) ?? {});
  if (!parsed.success) {
    throw new KeywayError('KW_OAUTH_DISCOVERY_FAILED', {
      message: `Discovery for ${expectedIssuer} failed: the metadata is not valid (${parsed.error.issues
        .map((i) => i.path.join('.') || '(body)')
        .join(', ')}).`,
    });
  }
  const m = parsed.data;
  if (m.issuer !== expectedIssuer) {
    throw new KeywayError('KW_OAUTH_DISCOVERY_FAILED', {
      message: `Discovery for ${expectedIssuer} returned metadata for a different issuer (${m.issuer}).`,
      details: { issuer: m.issuer, expectedIssuer },
    });
  }
  return {
    issuer: m.issuer,
    authorizationEndpoint: m.authorization_endpoint,
    tokenEndpoint: m.token_endpoint,
    revocationEndpoint: m.revocation_endpoint,
    deviceAuthorizationEndpoint: m.device_authorization_endpoint,
    introspectionEndpoint: m.introspection_endpoint,
    userinfoEndpoint: m.userinfo_endpoint,
    authorizationResponseIssParameterSupported: m.authorization_response_iss_parameter_supported,
    scopesSupported: m.scopes_supported,
    grantTypesSupported: m.grant_types_supported,
    codeChallengeMethodsSupported: m.code_challenge_methods_supported,
    tokenEndpointAuthMethodsSupported: m.token_endpoint_auth_methods_supported,
    raw: m,
  };
}

/**
 * Fetches an issuer's metadata: OpenID discovery first, then RFC 8414 when the first answers 404
 * (or only the one `kind` asked for). Retried on transient failures.
 * @see https://www.rfc-editor.org/rfc/rfc8414
 */
export async function discover(
  issuer: string,
  options: GrantOptions & { readonly kind?: DiscoveryKind } = {},
): Promise<DiscoveredServer> {
  const kinds: DiscoveryKind[] = options.kind ? [options.kind] : ['oidc', 'oauth2'];
  let last: unknown;
  for (const kind of kinds) {
    const request = discoveryRequest(issuer, kind);
    try {
      return await withRetry(
        'discovery',
        async () => processDiscoveryResponse(await send(request, options), issuer),
        { policy: options.retry, sleep: options.sleep, signal: options.signal },
      );
    } catch (err) {
      last = err;
      const notFound = isKeywayError(err, 'KW_OAUTH_DISCOVERY_FAILED') && err.provider?.status === 404;
      if (!notFound) throw err;
    }
  }
  throw last;
}
