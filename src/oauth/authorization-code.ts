import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { KeywayError } from '../errors';
import { redactText } from '../redact';
import {
  requireEndpoint,
  send,
  tokenEndpointRequest,
  type AuthorizationServer,
  type GrantOptions,
  type OAuthClient,
  type ProviderQuirks,
} from './client';
import type { PkceMethod } from './pkce';
import type { ScopeSeparator } from './response';
import { processTokenResponse, splitScope, type TokenResponseOptions, type TokenSet } from './token-set';
import type { Clock, HttpRequest, HttpResponse } from './types';

/** Parameters of an authorization request. */
export interface AuthorizationUrlParams {
  readonly redirectUri: string;
  readonly scopes?: readonly string[] | undefined;
  readonly state: string;
  /** The PKCE challenge and its method; omit only for providers that reject PKCE. */
  readonly pkce?: { readonly challenge: string; readonly method: PkceMethod } | undefined;
  /** `code` (default) or `token` (implicit, only when the quirks opt in). */
  readonly responseType?: 'code' | 'token' | undefined;
  /** Per-request extras (e.g. `login_hint`); provider-wide extras come from the quirks. */
  readonly extraParams?: Readonly<Record<string, string>> | undefined;
}

const SEPARATOR_ON_WIRE: Readonly<Record<ScopeSeparator, string>> = { ' ': '%20', ',': ',', '+': '+' };

/** Authorize URL parameters Keyway sets itself; a scope parameter must not be named like one. */
const PROTOCOL_PARAMS = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'state',
  'code_challenge',
  'code_challenge_method',
]);

/**
 * Builds the authorize URL: `response_type`, `client_id`, the scopes joined by the provider's separator
 * (space as `%20`, or a literal `,` or `+`) under the provider's scope parameter (`scope`, or e.g.
 * Slack's `user_scope`), `redirect_uri`, `state`, the PKCE challenge, then provider extras (which never
 * override protocol parameters or the scopes).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
export function buildAuthorizationUrl(
  server: AuthorizationServer,
  clientId: string,
  params: AuthorizationUrlParams,
  quirks: ProviderQuirks = {},
): string {
  const responseType = params.responseType ?? 'code';
  if (responseType === 'token' && quirks.allowImplicit !== true) {
    throw new KeywayError('KW_OAUTH_GRANT_DISABLED', {
      message:
        'The implicit grant (response_type=token) is disabled; a definition must opt in with allowImplicit for a legacy provider.',
    });
  }
  const url = new URL(requireEndpoint(server, 'authorizationEndpoint'));
  const scopeParam = quirks.scopeParam ?? 'scope';
  if (PROTOCOL_PARAMS.has(scopeParam)) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `The scope parameter name "${scopeParam}" is a protocol parameter of the authorize URL; use the provider's scope parameter (e.g. "scope" or "user_scope").`,
      details: { field: 'scopeParam' },
    });
  }
  // Values are stored already encoded: the scope value keeps its separator literal (`,` or `+`).
  const query: [string, string][] = [];
  const setEncoded = (key: string, encodedValue: string): void => {
    if (!query.some(([k]) => k === key) && !url.searchParams.has(key)) query.push([key, encodedValue]);
  };
  const set = (key: string, value: string): void => setEncoded(key, encodeURIComponent(value));
  set('response_type', responseType);
  set('client_id', clientId);
  const scopes = params.scopes ?? [];
  if (scopes.length > 0) {
    const separator = SEPARATOR_ON_WIRE[quirks.scopeSeparator ?? ' '];
    setEncoded(scopeParam, scopes.map((s) => encodeURIComponent(s)).join(separator));
  }
  set('redirect_uri', params.redirectUri);
  set('state', params.state);
  if (params.pkce) {
    set('code_challenge', params.pkce.challenge);
    set('code_challenge_method', params.pkce.method);
  }
  for (const extras of [params.extraParams, quirks.extraAuthorizeParams]) {
    for (const [key, value] of Object.entries(extras ?? {})) set(key, value);
  }
  const encoded = query.map(([k, v]) => `${encodeURIComponent(k)}=${v}`);
  const existing = url.search.length > 1 ? `${url.search.slice(1)}&` : '';
  url.search = `?${existing}${encoded.join('&')}`;
  return url.toString();
}

/** Parameters of an authorization callback, from a query string, a URL or a parsed object. */
export type CallbackInput =
  URLSearchParams | string | Readonly<Record<string, string | readonly string[] | undefined>>;

/** A validated callback: the code to exchange. */
export interface AuthorizationCallback {
  readonly code: string;
  readonly state: string;
  readonly iss?: string | undefined;
}

/** What the callback is checked against. */
export interface CallbackExpectations {
  readonly expectedState: string;
  /** The issuer the authorization was started with (RFC 9207). */
  readonly expectedIssuer?: string | undefined;
  /** The server promised `iss` (`authorization_response_iss_parameter_supported`): a missing one is an error. */
  readonly issRequired?: boolean | undefined;
}

const CallbackParams = z.object({
  code: z.string().min(1).optional(),
  state: z.string().min(1).optional(),
  iss: z.string().min(1).optional(),
  error: z.string().min(1).optional(),
  error_description: z.string().optional(),
  error_uri: z.string().optional(),
});

/**
 * Normalises a callback input (a URL or query string, URLSearchParams, or a parsed query object whose values
 * may repeat) into URLSearchParams, keeping repeated parameters so callers can reject them.
 */
export function callbackSearchParams(input: CallbackInput): URLSearchParams {
  if (input instanceof URLSearchParams) return input;
  if (typeof input === 'string') {
    const query = input.includes('?') ? input.slice(input.indexOf('?') + 1) : input;
    return new URLSearchParams(query.split('#')[0] ?? '');
  }
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (typeof value === 'string') out.append(key, value);
    else for (const v of value) out.append(key, v);
  }
  return out;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function parseResponseParams(input: CallbackInput, what: string): z.infer<typeof CallbackParams> {
  const params = callbackSearchParams(input);
  for (const key of ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'access_token']) {
    if (params.getAll(key).length > 1) {
      throw new KeywayError('KW_OAUTH_CALLBACK_INVALID', {
        message: `The ${what} repeats the "${key}" parameter; refusing an ambiguous response.`,
        details: { parameter: key },
      });
    }
  }
  const parsed = CallbackParams.safeParse(Object.fromEntries(params));
  if (!parsed.success) {
    throw new KeywayError('KW_OAUTH_CALLBACK_INVALID', {
      message: `The ${what} has an empty or malformed parameter.`,
      details: { fields: parsed.error.issues.map((i) => i.path.join('.')) },
    });
  }
  return parsed.data;
}

function checkStateAndIssuer(
  data: z.infer<typeof CallbackParams>,
  expectations: CallbackExpectations,
  what: string,
): string {
  if (data.state === undefined) {
    throw new KeywayError('KW_OAUTH_CALLBACK_INVALID', { message: `The ${what} has no state parameter.` });
  }
  if (!sameSecret(data.state, expectations.expectedState)) {
    throw new KeywayError('KW_OAUTH_STATE_MISMATCH', {
      message: `The ${what}'s state does not match this authorization; start again from the connect page.`,
    });
  }
  if (
    data.iss !== undefined &&
    expectations.expectedIssuer !== undefined &&
    data.iss !== expectations.expectedIssuer
  ) {
    throw new KeywayError('KW_OAUTH_ISSUER_MISMATCH', {
      message: `The ${what} came from issuer "${data.iss}" but this authorization was sent to "${expectations.expectedIssuer}".`,
      details: { iss: data.iss, expectedIssuer: expectations.expectedIssuer },
    });
  }
  if (data.iss === undefined && expectations.issRequired === true) {
    throw new KeywayError('KW_OAUTH_ISSUER_MISMATCH', {
      message: `The ${what} has no iss parameter although the server declares it always sends one (RFC 9207).`,
    });
  }
  return data.state;
}

function throwCallbackError(data: z.infer<typeof CallbackParams>, what: string): void {
  if (data.error === undefined) return;
  const provider = {
    error: data.error,
    ...(data.error_description !== undefined ? { error_description: data.error_description } : {}),
    ...(data.error_uri !== undefined ? { error_uri: data.error_uri } : {}),
  };
  const description = data.error_description ? `: ${data.error_description}` : '';
  throw new KeywayError(
    data.error === 'access_denied' ? 'KW_OAUTH_ACCESS_DENIED' : 'KW_OAUTH_CALLBACK_ERROR',
    {
      message: `The provider returned the ${what} with error "${data.error}"${description}.`,
      provider,
    },
  );
}

/**
 * Validates the authorization response on the redirect URI, in the order that keeps forged responses
 * out: no duplicated parameters, `state` equal to the one sent (constant-time), `iss` equal to the
 * expected issuer when the server sends one (RFC 9207), then an `error` (→ `KW_OAUTH_ACCESS_DENIED` for
 * `access_denied`, else `KW_OAUTH_CALLBACK_ERROR`, with `error_description`/`error_uri` kept), then the code.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export function validateAuthorizationCallback(
  input: CallbackInput,
  expectations: CallbackExpectations,
): AuthorizationCallback {
  const data = parseResponseParams(input, 'authorization callback');
  const state = checkStateAndIssuer(data, expectations, 'authorization callback');
  throwCallbackError(data, 'authorization callback');
  if (data.code === undefined) {
    throw new KeywayError('KW_OAUTH_CALLBACK_INVALID', {
      message: 'The authorization callback has no code.',
    });
  }
  return { code: data.code, state, ...(data.iss !== undefined ? { iss: data.iss } : {}) };
}

/** Parameters of the code exchange. */
export interface CodeExchangeParams {
  readonly code: string;
  /** Must equal the one in the authorize URL (RFC 6749 §4.1.3). */
  readonly redirectUri: string;
  readonly codeVerifier?: string | undefined;
  readonly extraParams?: Readonly<Record<string, string>> | undefined;
}

/**
 * Builds the code exchange request (`grant_type=authorization_code`, `code`, `redirect_uri`,
 * `code_verifier`).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 */
export function authorizationCodeGrantRequest(
  server: AuthorizationServer,
  client: OAuthClient,
  params: CodeExchangeParams,
  quirks: ProviderQuirks = {},
): HttpRequest {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: params.code,
    redirect_uri: params.redirectUri,
  });
  if (params.codeVerifier !== undefined) body.set('code_verifier', params.codeVerifier);
  return tokenEndpointRequest(server, client, body, quirks, params.extraParams);
}

/**
 * Validates the code exchange response into a {@link TokenSet}.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.4
 */
export function processAuthorizationCodeResponse(
  response: HttpResponse,
  options: TokenResponseOptions = {},
): TokenSet {
  return processTokenResponse(response, { what: 'Code exchange', ...options });
}

/**
 * Exchanges an authorization code for tokens. Never retried: a code is single-use, and presenting it
 * twice may make the server revoke the tokens it already issued (RFC 6749 §4.1.2).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 */
export async function exchangeAuthorizationCode(
  server: AuthorizationServer,
  client: OAuthClient,
  params: CodeExchangeParams,
  options: GrantOptions = {},
): Promise<TokenSet> {
  const request = authorizationCodeGrantRequest(server, client, params, options);
  const response = await send(request, options);
  return processAuthorizationCodeResponse(response, {
    ...options,
    secrets: [params.code, params.codeVerifier, ...client.auth.secrets()],
  });
}

/** What an implicit response is checked against. */
export interface ImplicitExpectations extends CallbackExpectations {
  readonly allowImplicit: boolean | undefined;
  readonly now?: Clock | undefined;
  readonly scopeSeparator?: ScopeSeparator | undefined;
}

/**
 * Parses an implicit grant response from the redirect URI's fragment. Refused with
 * `KW_OAUTH_GRANT_DISABLED` unless the definition opts in: the implicit grant leaks tokens through
 * browser history and referrers, and is kept only for legacy providers.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.2.2
 */
export function parseImplicitResponse(fragment: string, expectations: ImplicitExpectations): TokenSet {
  if (expectations.allowImplicit !== true) {
    throw new KeywayError('KW_OAUTH_GRANT_DISABLED', {
      message:
        'The implicit grant is disabled; a definition must opt in with allowImplicit for a legacy provider.',
    });
  }
  const text = fragment.includes('#') ? fragment.slice(fragment.indexOf('#') + 1) : fragment;
  const params = new URLSearchParams(text);
  const data = parseResponseParams(params, 'implicit response');
  checkStateAndIssuer(data, expectations, 'implicit response');
  throwCallbackError(data, 'implicit response');
  const accessToken = params.get('access_token');
  if (!accessToken) {
    throw new KeywayError('KW_OAUTH_CALLBACK_INVALID', {
      message: 'The implicit response has no access_token.',
    });
  }
  const raw = Object.fromEntries(params);
  const expiresInText = params.get('expires_in');
  const expiresIn = expiresInText !== null && /^\d+$/.test(expiresInText) ? Number(expiresInText) : undefined;
  const now = (expectations.now ?? Date.now)();
  const scope = params.get('scope');
  return {
    accessToken,
    tokenType: (params.get('token_type') ?? 'bearer').toLowerCase(),
    ...(expiresIn !== undefined ? { expiresIn, expiresAt: now + expiresIn * 1000 } : {}),
    ...(scope ? { scope: splitScope(scope, expectations.scopeSeparator) } : {}),
    raw,
  };
}

/** Redacts an authorize URL or callback URL for printing (codes, tokens and states are secrets). */
export function redactUrl(url: string): string {
  return redactText(url).replace(/([?&#](?:state|code_challenge)=)[^&#]*/g, '$1[REDACTED]');
}
