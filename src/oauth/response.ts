import { z } from 'zod';
import { KeywayError, type ErrorCode, type ProviderErrorFields } from '../errors';
import { bodySnippet, redactText } from '../redact';
import { header, parseRetryAfter } from './http';
import type { HttpResponse } from './types';

/**
 * How a provider signals an error inside an HTTP 200, as data. `{ okField: 'ok' }` means a body whose
 * `ok` field is `false` is an error (Slack). Without it, a 200 body that has an `error` string and no
 * `access_token` is still treated as an error.
 */
export interface ErrorInOkBody {
  readonly okField: string;
}

/** Provider quirks that change how a response is read. Plain data, from a provider definition. */
export interface ResponseQuirks {
  /** See {@link ErrorInOkBody}. */
  readonly errorInOkBody?: ErrorInOkBody | undefined;
  /**
   * A dotted path to the object holding the token fields, e.g. `authed_user` for Slack's user token.
   * Used only when the object there has an `access_token`; otherwise the top level is read (Slack returns
   * refreshed tokens at the top level under token rotation). The whole body is still kept as `raw`.
   */
  readonly tokenPath?: string | undefined;
  /** How the provider separates granted scopes in the `scope` field; defaults to a space. */
  readonly scopeSeparator?: ScopeSeparator | undefined;
  /**
   * Vendor error code → the RFC 6749 §5.2 code it means (`{ bad_refresh_token: 'invalid_grant' }` for
   * GitHub), so a dead grant is classified as one whatever the vendor calls it. Only classification uses
   * the mapped code; `err.provider.error` keeps the vendor's own string.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
   */
  readonly errorCodes?: Readonly<Record<string, string>> | undefined;
}

/** Scope separators seen in the wild. */
export type ScopeSeparator = ' ' | ',' | '+';

/** What the caller knows that must never appear in an error: the secrets sent with the request. */
export interface ProcessOptions extends ResponseQuirks {
  readonly secrets?: readonly (string | undefined)[] | undefined;
  /** Used for `Retry-After` dates. */
  readonly now?: () => number;
}

/** A parsed body: an object for JSON and form bodies, `undefined` when the body is neither. */
export type ParsedBody = Record<string, unknown> | undefined;

/**
 * Parses a JSON or `application/x-www-form-urlencoded` body. Some providers (GitHub without an
 * `Accept` header, old Facebook endpoints) answer token requests with a form body.
 */
export function parseBody(response: HttpResponse): ParsedBody {
  const contentType = (header(response, 'content-type') ?? '').toLowerCase();
  const text = response.body.trim();
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      return undefined;
    }
    return undefined;
  }
  const looksLikeForm = /^[\w.%+-]+=[^<>\s]*(&[\w.%+-]+=[^<>\s]*)*$/.test(text);
  if (contentType.includes('application/x-www-form-urlencoded') || (looksLikeForm && text.length > 0)) {
    if (!looksLikeForm) return undefined;
    return Object.fromEntries(new URLSearchParams(text));
  }
  return undefined;
}

const ProviderErrorBody = z.object({
  error: z.string().min(1),
  error_description: z.string().optional(),
  error_uri: z.string().optional(),
});

const PERMANENT_CODES: Readonly<Record<string, ErrorCode>> = {
  invalid_grant: 'KW_OAUTH_INVALID_GRANT',
  invalid_client: 'KW_OAUTH_INVALID_CLIENT',
  unauthorized_client: 'KW_OAUTH_INVALID_CLIENT',
  access_denied: 'KW_OAUTH_ACCESS_DENIED',
  temporarily_unavailable: 'KW_OAUTH_SERVER_ERROR',
  server_error: 'KW_OAUTH_SERVER_ERROR',
  expired_token: 'KW_OAUTH_DEVICE_EXPIRED',
};

/**
 * The RFC 6749 §5.2 code a provider's `error` stands for: its entry in the definition's `errorCodes`
 * (e.g. GitHub's `bad_verification_code` → `invalid_grant`), else the string itself.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function standardErrorCode(
  error: string | undefined,
  errorCodes: Readonly<Record<string, string>> | undefined,
): string | undefined {
  if (error === undefined || errorCodes === undefined || !Object.hasOwn(errorCodes, error)) return error;
  return errorCodes[error];
}

/**
 * The Keyway code for a provider error, after mapping a vendor code through `errorCodes` (see
 * {@link standardErrorCode}): `invalid_grant` → `KW_OAUTH_INVALID_GRANT`,
 * `invalid_client`/`unauthorized_client` → `KW_OAUTH_INVALID_CLIENT`, `access_denied` →
 * `KW_OAUTH_ACCESS_DENIED`, `server_error`/`temporarily_unavailable`/5xx → `KW_OAUTH_SERVER_ERROR`,
 * 429 → `KW_OAUTH_RATE_LIMITED`, anything else → `KW_OAUTH_PROVIDER_ERROR`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function classifyProviderError(
  status: number,
  error: string | undefined,
  errorCodes?: Readonly<Record<string, string>>,
): ErrorCode {
  if (status === 429) return 'KW_OAUTH_RATE_LIMITED';
  const standard = standardErrorCode(error, errorCodes);
  // Own keys only: an error named "constructor" or "toString" must not find Object.prototype's members.
  const mapped =
    standard !== undefined && Object.hasOwn(PERMANENT_CODES, standard)
      ? PERMANENT_CODES[standard]
      : undefined;
  if (mapped) return mapped;
  if (status >= 500) return 'KW_OAUTH_SERVER_ERROR';
  return 'KW_OAUTH_PROVIDER_ERROR';
}

function isOkBodyError(body: ParsedBody, quirks: ResponseQuirks): boolean {
  if (!body) return false;
  if (quirks.errorInOkBody) {
    const ok = body[quirks.errorInOkBody.okField];
    if (ok === false || ok === 'false') return true;
  }
  return typeof body.error === 'string' && body.access_token === undefined;
}

/**
 * Turns a provider's error answer into a {@link KeywayError}, keeping `error`, `error_description`,
 * `error_uri` and the HTTP status on `err.provider`, and `retryAfterMs` from `Retry-After`. The code is
 * classified from the standard code `options.errorCodes` maps the vendor's `error` to; `err.provider.error`
 * stays the vendor's own string.
 * Every string that reaches the error is scrubbed of the request's secrets.
 */
export function providerError(
  response: HttpResponse,
  body: ParsedBody,
  what: string,
  options: ProcessOptions = {},
): KeywayError {
  const secrets = options.secrets ?? [];
  const parsed = ProviderErrorBody.safeParse(body ?? {});
  const now = options.now ?? Date.now;
  const retryAfterMs = parseRetryAfter(header(response, 'retry-after'), now());
  if (parsed.success) {
    const fields: ProviderErrorFields = {
      error: redactText(parsed.data.error, secrets),
      ...(parsed.data.error_description !== undefined
        ? { error_description: redactText(parsed.data.error_description, secrets) }
        : {}),
      ...(parsed.data.error_uri !== undefined
        ? { error_uri: redactText(parsed.data.error_uri, secrets) }
        : {}),
      status: response.status,
    };
    const code = classifyProviderError(response.status, parsed.data.error, options.errorCodes);
    const description = fields.error_description ? `: ${fields.error_description}` : '';
    return new KeywayError(code, {
      message: `${what} failed: the provider answered HTTP ${response.status} "${fields.error ?? ''}"${description}.`,
      provider: fields,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  const snippet = bodySnippet(response.body, secrets);
  if (response.status === 429 || response.status >= 500) {
    return new KeywayError(classifyProviderError(response.status, undefined), {
      message: `${what} failed: the provider answered HTTP ${response.status}${snippet ? ` (${snippet})` : ''}.`,
      provider: { status: response.status },
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      details: { snippet },
    });
  }
  return new KeywayError('KW_OAUTH_UNEXPECTED_RESPONSE', {
    message: `${what} failed: the provider answered HTTP ${response.status} with something that is not an OAuth response${snippet ? ` (${snippet})` : ''}.`,
    provider: { status: response.status },
    details: { snippet },
  });
}

/**
 * Reads a successful JSON/form response body or throws the classified error: non-2xx statuses, error
 * bodies (RFC 6749 §5.2), errors inside a 200 (per {@link ResponseQuirks.errorInOkBody}), HTML pages.
 */
export function expectOkBody(
  response: HttpResponse,
  what: string,
  options: ProcessOptions = {},
): Record<string, unknown> {
  const body = parseBody(response);
  if (response.status < 200 || response.status >= 300 || isOkBodyError(body, options)) {
    throw providerError(response, body, what, options);
  }
  if (!body) {
    const snippet = bodySnippet(response.body, options.secrets ?? []);
    throw new KeywayError('KW_OAUTH_UNEXPECTED_RESPONSE', {
      message: `${what} failed: HTTP ${response.status} but the body is neither JSON nor form-encoded${snippet ? ` (${snippet})` : ''}.`,
      provider: { status: response.status },
      details: { snippet },
    });
  }
  return body;
}

/** Follows a dotted path (`authed_user`, `data.token`) into a parsed body. */
export function atPath(
  body: Record<string, unknown>,
  path: string | undefined,
): Record<string, unknown> | undefined {
  if (path === undefined || path === '') return body;
  let current: unknown = body;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return typeof current === 'object' && current !== null && !Array.isArray(current)
    ? (current as Record<string, unknown>)
    : undefined;
}
