import { KeywayError } from '../errors';
import type { ClientAuth } from './client-auth';
import { httpTransport } from './http';
import type { ResponseQuirks, ScopeSeparator } from './response';
import type { RetryPolicy } from './retry';
import { DEFAULT_TIMEOUT_MS, type HttpRequest, type HttpResponse, type IoOptions, type Sleep } from './types';

/**
 * The authorization server's endpoints, filled by hand or by discovery (RFC 8414 names in camelCase).
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export interface AuthorizationServer {
  readonly issuer?: string | undefined;
  readonly authorizationEndpoint?: string | undefined;
  readonly tokenEndpoint?: string | undefined;
  readonly revocationEndpoint?: string | undefined;
  readonly deviceAuthorizationEndpoint?: string | undefined;
  readonly introspectionEndpoint?: string | undefined;
  readonly userinfoEndpoint?: string | undefined;
  /** RFC 9207: the server always sends `iss` on the authorization response, so a missing one is an error. */
  readonly authorizationResponseIssParameterSupported?: boolean | undefined;
}

/** A registered client: its id and how it authenticates. */
export interface OAuthClient {
  readonly clientId: string;
  readonly auth: ClientAuth;
}

/**
 * Provider quirks that change requests and responses, as data (from `connections/<provider>.ts`).
 */
export interface ProviderQuirks extends ResponseQuirks {
  /** How requested scopes are joined in the authorize URL; defaults to a space. */
  readonly scopeSeparator?: ScopeSeparator | undefined;
  /** Extra authorize URL parameters (`access_type=offline`, `prompt=consent`, `audience`, …). */
  readonly extraAuthorizeParams?: Readonly<Record<string, string>> | undefined;
  /**
   * The authorize URL parameter that carries the requested scopes; defaults to `scope`. Slack asks for
   * user-token scopes with `user_scope`. Token-endpoint requests always use `scope`.
   */
  readonly scopeParam?: string | undefined;
  /** Extra token request parameters (`audience`, `resource`, …). */
  readonly extraTokenParams?: Readonly<Record<string, string>> | undefined;
  /**
   * Extra HTTP headers on token-endpoint requests (GitHub answers form-encoded unless sent
   * `Accept: application/json`). Names are case-insensitive. They never replace `Authorization`,
   * `Content-Type` or the framing headers the transport owns; they may replace the default `Accept`.
   */
  readonly extraTokenHeaders?: Readonly<Record<string, string>> | undefined;
  /**
   * How token-endpoint requests carry their parameters: `form` (RFC 6749, the default) or `json`, one JSON
   * object with the same names and string values (Notion and Square accept nothing else). Client
   * authentication is applied first, so `client_secret_post` credentials travel inside the JSON object.
   * Revocation and device authorization requests stay form-encoded.
   */
  readonly tokenRequestFormat?: TokenRequestFormat | undefined;
  /** The implicit grant is refused unless a definition opts in (legacy providers only). */
  readonly allowImplicit?: boolean | undefined;
}

/** How a token-endpoint request body is encoded; see {@link ProviderQuirks.tokenRequestFormat}. */
export type TokenRequestFormat = 'form' | 'json';

/** What every convenience function takes: I/O, quirks and retry settings. */
export interface GrantOptions extends IoOptions, ProviderQuirks {
  readonly retry?: RetryPolicy | undefined;
  readonly sleep?: Sleep | undefined;
}

/** Returns the named endpoint or fails with `KW_CONFIG_INVALID` naming it. */
export function requireEndpoint(server: AuthorizationServer, name: keyof AuthorizationServer): string {
  const value = server[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `The authorization server has no ${name}; set it in the provider definition or use discovery.`,
      details: { field: name },
    });
  }
  try {
    new URL(value);
  } catch {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `The authorization server's ${name} is not a valid URL.`,
      details: { field: name },
    });
  }
  return value;
}

/** Headers a provider's extra headers may not set: client authentication, the body's type, framing. */
const PROTECTED_HEADERS = new Set([
  'authorization',
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
]);

/**
 * Builds an authenticated form POST to one of the server's endpoints. Client authentication is the
 * strategy's business; this never branches on it. `extraHeaders` (a provider quirk) are lower-cased and
 * added, except the protected ones: client authentication and the form body's type always win.
 */
export function authenticatedPost(
  url: string,
  client: OAuthClient,
  params: URLSearchParams,
  extraHeaders?: Readonly<Record<string, string>>,
): HttpRequest {
  const base: Record<string, string> = { accept: 'application/json' };
  for (const [name, value] of Object.entries(extraHeaders ?? {})) {
    const lower = name.toLowerCase();
    if (!PROTECTED_HEADERS.has(lower)) base[lower] = value;
  }
  base['content-type'] = 'application/x-www-form-urlencoded';
  const { body, headers, query } = client.auth.apply(client.clientId, params, base);
  return { method: 'POST', url: query ? withQuery(url, query) : url, headers, body: body.toString() };
}

/** `url` with `query`'s parameters set in its query string (replacing any of the same name). */
function withQuery(url: string, query: URLSearchParams): string {
  const parsed = new URL(url);
  for (const [name, value] of query) parsed.searchParams.set(name, value);
  return parsed.toString();
}

/** Sends a built request through the injected transport with the timeout and signal. */
export function send(request: HttpRequest, options: IoOptions): Promise<HttpResponse> {
  const transport = options.transport ?? httpTransport;
  return transport(request, {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/**
 * Sets `scope` in a form body, joined by the provider's separator; leaves it out when there are no scopes.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function setFormScope(
  body: URLSearchParams,
  scopes: readonly string[] | undefined,
  quirks: Pick<ProviderQuirks, 'scopeSeparator'>,
): void {
  // In a form body the separator is sent as-is; a space becomes '+' through form encoding.
  if (scopes && scopes.length > 0) body.set('scope', scopes.join(quirks.scopeSeparator ?? ' '));
}

/**
 * Builds an authenticated POST of a grant's form body to the token endpoint: the request's own extra
 * parameters, then the provider's `extraTokenParams` (neither overrides what the grant set), and the
 * provider's `extraTokenHeaders`; sent as JSON when the provider's `tokenRequestFormat` says so.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export function tokenEndpointRequest(
  server: AuthorizationServer,
  client: OAuthClient,
  body: URLSearchParams,
  quirks: ProviderQuirks,
  extraParams?: Readonly<Record<string, string>>,
): HttpRequest {
  addExtraParams(body, extraParams, quirks.extraTokenParams);
  const request = authenticatedPost(
    requireEndpoint(server, 'tokenEndpoint'),
    client,
    body,
    quirks.extraTokenHeaders,
  );
  return quirks.tokenRequestFormat === 'json' ? asJsonRequest(request) : request;
}

/**
 * The same request with its form body re-encoded as one JSON object of string values, and the content type
 * to match. Parameter names and values are unchanged; a repeated name cannot occur in a token request.
 */
function asJsonRequest(request: HttpRequest): HttpRequest {
  const params = Object.fromEntries(new URLSearchParams(request.body ?? ''));
  return {
    ...request,
    headers: { ...request.headers, 'content-type': 'application/json' },
    body: JSON.stringify(params),
  };
}

/** Merges extra parameters into a form body without overriding protocol parameters already set. */
export function addExtraParams(
  body: URLSearchParams,
  ...extras: (Readonly<Record<string, string>> | undefined)[]
): URLSearchParams {
  for (const extra of extras) {
    if (!extra) continue;
    for (const [key, value] of Object.entries(extra)) if (!body.has(key)) body.set(key, value);
  }
  return body;
}
