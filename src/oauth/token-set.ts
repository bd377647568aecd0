import { z } from 'zod';
import { KeywayError } from '../errors';
import { bodySnippet } from '../redact';
import { atPath, expectOkBody, type ProcessOptions, type ScopeSeparator } from './response';
import type { Clock, HttpResponse } from './types';

/**
 * A token response, normalised once: `tokenType` lower case, `expiresIn` a number of seconds,
 * `expiresAt` absolute milliseconds from the injected clock, `scope` the granted scopes as an array,
 * and `raw` the provider's whole response with every extra field (e.g. Salesforce's `instance_url`),
 * which is what spectral passes to components as `connection.token`.
 */
export const TokenSet = z.object({
  accessToken: z.string().min(1),
  tokenType: z.string().min(1),
  expiresIn: z.number().nonnegative().optional(),
  expiresAt: z.number().optional(),
  refreshToken: z.string().min(1).optional(),
  scope: z.array(z.string()).optional(),
  idToken: z.string().optional(),
  raw: z.record(z.string(), z.unknown()),
});
/** See the {@link TokenSet} schema. */
export type TokenSet = z.infer<typeof TokenSet>;

const optionalString = z
  .union([z.string(), z.null()])
  .optional()
  .transform((value) => (value === null || value === '' ? undefined : value));

// expires_in arrives as a number, a numeric string ("3600"), null or not at all.
const expiresIn = z
  .union([z.number().nonnegative(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/), z.null()])
  .optional()
  .transform((value) => (value === null || value === undefined ? undefined : Math.floor(Number(value))));

/**
 * The token fields of a provider response (RFC 6749 §5.1); unknown fields pass through untouched.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export const TokenResponseBody = z.looseObject({
  access_token: z.string().min(1),
  token_type: optionalString,
  expires_in: expiresIn,
  refresh_token: optionalString,
  scope: z
    .union([z.string(), z.array(z.string()), z.null()])
    .optional()
    .transform((value) => (value === null ? undefined : value)),
  id_token: optionalString,
});

/** Splits a granted `scope` value by the provider's separator. */
export function splitScope(scope: string | readonly string[], separator: ScopeSeparator = ' '): string[] {
  if (typeof scope !== 'string') return scope.filter((s) => s.length > 0);
  const pattern = separator === ',' ? /[,\s]+/ : /[\s+]+/;
  return scope.split(pattern).filter((s) => s.length > 0);
}

function hasAccessToken(fields: Record<string, unknown>): boolean {
  return typeof fields.access_token === 'string' && fields.access_token.length > 0;
}

/** Options for {@link processTokenResponse}. */
export interface TokenResponseOptions extends ProcessOptions {
  /** The clock `expiresAt` is computed from. */
  readonly now?: Clock;
  /** Names the step in error messages ("Code exchange", "Refresh"). */
  readonly what?: string;
}

/**
 * Validates a token endpoint response and normalises it into a {@link TokenSet}. Survives real
 * providers: JSON or form bodies, `expires_in` as a number, numeric string or absent, `token_type` in
 * any case (absent means `bearer`), errors in 200 bodies, HTML error pages (a short redacted snippet
 * goes into the error), token fields nested under a configurable path (used when the object there has an
 * `access_token`, else the top level is read), vendor error codes mapped to standard ones.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function processTokenResponse(response: HttpResponse, options: TokenResponseOptions = {}): TokenSet {
  const what = options.what ?? 'Token request';
  const body = expectOkBody(response, what, options);
  const nested = atPath(body, options.tokenPath);
  // A token path applies only when it holds a token: Slack nests the user token under authed_user on the
  // code exchange, but a refresh under token rotation returns it at the top level.
  const tokenFields = nested !== undefined && hasAccessToken(nested) ? nested : body;
  const parsed = TokenResponseBody.safeParse(tokenFields);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(body)');
    throw new KeywayError('KW_OAUTH_UNEXPECTED_RESPONSE', {
      message: `${what} failed: the provider's answer has no usable ${[...new Set(fields)].join(', ')}${
        options.tokenPath ? ` under "${options.tokenPath}" nor at the top level` : ''
      }.`,
      provider: { status: response.status },
      details: { fields, snippet: bodySnippet(response.body, options.secrets ?? [], 120) },
    });
  }
  const data = parsed.data;
  const now = (options.now ?? Date.now)();
  return {
    accessToken: data.access_token,
    tokenType: (data.token_type ?? 'bearer').toLowerCase(),
    ...(data.expires_in !== undefined
      ? { expiresIn: data.expires_in, expiresAt: now + data.expires_in * 1000 }
      : {}),
    ...(data.refresh_token !== undefined ? { refreshToken: data.refresh_token } : {}),
    ...(data.scope !== undefined ? { scope: splitScope(data.scope, options.scopeSeparator) } : {}),
    ...(data.id_token !== undefined ? { idToken: data.id_token } : {}),
    raw: body,
  };
}

/** The RFC 6749 §5.1 token fields (plus OIDC's `id_token`): what a refresh replaces in `raw`. */
const TOKEN_FIELDS = ['access_token', 'token_type', 'expires_in', 'refresh_token', 'scope', 'id_token'];

function withAtPath(
  body: Record<string, unknown>,
  path: readonly string[],
  value: Record<string, unknown>,
): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const child = body[head];
  const next = typeof child === 'object' && child !== null && !Array.isArray(child) ? child : {};
  return { ...body, [head]: withAtPath(next as Record<string, unknown>, rest, value) };
}

/**
 * The `raw` of a refreshed token set whose token lived under `tokenPath` while the refresh answered at the
 * top level (Slack: the user token under `authed_user`, its rotation refresh at the top level). The fresh
 * token fields go where the old token was, and the top-level fields of the old response (Slack's bot token)
 * stay as they were, so a component reading either place keeps finding its token.
 */
function nestedRaw(
  old: TokenSet,
  fresh: TokenSet,
  refreshToken: string | undefined,
  tokenPath: string | undefined,
): Record<string, unknown> | undefined {
  if (tokenPath === undefined || tokenPath === '') return undefined;
  const oldNested = atPath(old.raw, tokenPath);
  if (oldNested?.access_token !== old.accessToken) return undefined;
  const freshNested = atPath(fresh.raw, tokenPath);
  if (freshNested !== undefined && hasAccessToken(freshNested)) return undefined;
  const tokenFields: Record<string, unknown> = {};
  const others: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fresh.raw)) {
    if (TOKEN_FIELDS.includes(key)) tokenFields[key] = value;
    else others[key] = value;
  }
  const nested = {
    ...oldNested,
    ...freshNested,
    ...tokenFields,
    ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {}),
  };
  return withAtPath({ ...old.raw, ...others }, tokenPath.split('.'), nested);
}

/**
 * Combines the token set a refresh returned with the one it replaces. A server that does not rotate
 * refresh tokens returns none (RFC 6749 §6): the old one stays valid and is kept, also in `raw`. A
 * rotated one replaces it. Granted scope is kept when the refresh response omits it (§5.1: omitted means
 * "identical to the scope requested"). With `tokenPath` (the provider nests the token on the code exchange
 * but answers a refresh at the top level), `raw` keeps the shape of the code exchange's response.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function mergeRefreshedTokenSet(
  old: TokenSet,
  fresh: TokenSet,
  options: { readonly tokenPath?: string | undefined } = {},
): TokenSet {
  const refreshToken = fresh.refreshToken ?? old.refreshToken;
  const scope = fresh.scope ?? old.scope;
  return {
    ...fresh,
    ...(refreshToken !== undefined ? { refreshToken } : {}),
    ...(scope !== undefined ? { scope } : {}),
    raw: nestedRaw(old, fresh, refreshToken, options.tokenPath) ?? {
      ...fresh.raw,
      ...(fresh.refreshToken === undefined && old.refreshToken !== undefined
        ? { refresh_token: old.refreshToken }
        : {}),
    },
  };
}

/** Why {@link shouldRefresh} decided what it decided. */
export type RefreshReason = 'expired' | 'inside_margin' | 'no_expiry' | 'fresh' | 'no_refresh_token';

/** The refresh decision and its reason. */
export interface RefreshDecision {
  readonly refresh: boolean;
  readonly reason: RefreshReason;
}

/**
 * Decides whether to refresh before use: yes when expired or within `marginMs` of expiry; no when the
 * token has no known expiry, is fresh, or there is no refresh token to use.
 */
export function shouldRefresh(
  tokenSet: Pick<TokenSet, 'expiresAt' | 'refreshToken'>,
  options: { readonly now: Clock; readonly marginMs: number },
): RefreshDecision {
  if (tokenSet.refreshToken === undefined) return { refresh: false, reason: 'no_refresh_token' };
  if (tokenSet.expiresAt === undefined) return { refresh: false, reason: 'no_expiry' };
  const now = options.now();
  if (tokenSet.expiresAt <= now) return { refresh: true, reason: 'expired' };
  if (tokenSet.expiresAt - now <= options.marginMs) return { refresh: true, reason: 'inside_margin' };
  return { refresh: false, reason: 'fresh' };
}
