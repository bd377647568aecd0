/**
 * Redaction helpers shared by every module that writes a message, a log line or a printed URL.
 *
 * Keyway never puts a secret (client secret, authorization code, PKCE verifier, access or refresh
 * token, password, key) in an error message or a log line. These helpers are the one place that
 * knows how to scrub text that may contain one.
 */

/** What replaces a secret in redacted text. */
export const REDACTED = '[REDACTED]';

/** Shorter "secrets" are not replaced verbatim: replacing a 3-letter value would shred ordinary text. */
const MIN_SECRET_LENGTH = 6;

/**
 * Field names whose values are secrets wherever they appear (JSON bodies, form bodies, query strings).
 * Lower case; matching is case-insensitive.
 */
export const SECRET_FIELD_NAMES = [
  'access_token',
  'refresh_token',
  'id_token',
  'device_code',
  'code',
  'code_verifier',
  'client_secret',
  'client_assertion',
  'password',
  'assertion',
  'token',
] as const;

/**
 * Where an OAuth authorization code sits in a logged object: a callback's query or a token request's form.
 * Redacted by these paths, not by the bare name `code`, which would also hide every error's `code` field
 * (`"code":"KW_OAUTH_INVALID_GRANT"`), the one thing an operator reads a failure line for.
 */
const AUTHORIZATION_CODE_PATHS = ['query.code', 'req.query.code', 'body.code', 'form.code', 'params.code'];

/**
 * Paths for pino's `redact` option: authorization headers, cookies, the authorization code where it sits
 * (see {@link AUTHORIZATION_CODE_PATHS}) and every other secret field at the top level and one level down
 * (`*.access_token`).
 */
export const pinoRedactPaths: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...AUTHORIZATION_CODE_PATHS.flatMap((path) => [path, `*.${path}`]),
  ...SECRET_FIELD_NAMES.filter((name) => name !== 'code').flatMap((name) => [name, `*.${name}`]),
  'clientSecret',
  '*.clientSecret',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'codeVerifier',
  '*.codeVerifier',
];

const FIELD_ALTERNATION = SECRET_FIELD_NAMES.join('|');
// "access_token":"…"  and  access_token=…  (JSON, form bodies, query strings, fragments)
const JSON_FIELD = new RegExp(`("(?:${FIELD_ALTERNATION})"\\s*:\\s*")([^"]*)(")`, 'gi');
const FORM_FIELD = new RegExp(`(^|[?&#;\\s])((?:${FIELD_ALTERNATION})=)([^&#\\s"'<]*)`, 'gi');
const AUTH_HEADER = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi;
/**
 * A trigger URL's path, `/trigger/<token>`: the token (32 random bytes, base64url; see
 * src/runtime/webhook-directory.ts) is the credential that fires the trigger, so whoever reads the URL can.
 */
const TRIGGER_TOKEN = /(\/trigger\/)[A-Za-z0-9_-]{20,}/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces every known secret in `text`, plus anything that looks like one (`Bearer …`, `Basic …`,
 * `access_token=…`, `"refresh_token":"…"`, a trigger URL's `/trigger/<token>`), with {@link REDACTED}. Also
 * replaces the secrets' URL-encoded forms, since they often appear inside URLs and form bodies.
 */
export function redactText(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  const variants = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret.length < MIN_SECRET_LENGTH) continue;
    variants.add(secret);
    variants.add(encodeURIComponent(secret));
    variants.add(new URLSearchParams({ s: secret }).toString().slice(2));
  }
  // Longest first so a secret that contains another is replaced whole.
  for (const variant of [...variants].sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(escapeRegExp(variant), 'g'), REDACTED);
  }
  return out
    .replace(JSON_FIELD, `$1${REDACTED}$3`)
    .replace(FORM_FIELD, `$1$2${REDACTED}`)
    .replace(AUTH_HEADER, `$1 ${REDACTED}`)
    .replace(TRIGGER_TOKEN, `$1${REDACTED}`);
}

/**
 * A short, readable, redacted snippet of a response body for an error message: tags, scripts and
 * styles stripped, whitespace collapsed, capped at `max` characters, secrets replaced.
 */
export function bodySnippet(body: string, secrets: Iterable<string | undefined> = [], max = 200): string {
  const text = body
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/\s+/g, ' ')
    .trim();
  // Redact before cutting, so a secret is never left half-visible at the edge of the snippet.
  const redacted = redactText(text, secrets);
  return redacted.length > max ? `${redacted.slice(0, max)}…` : redacted;
}

/**
 * Shows a token the way people recognise it without revealing it: the first four characters, then
 * `…(redacted)`. Tokens shorter than 12 characters show nothing.
 */
export function maskToken(token: string | undefined): string {
  if (token === undefined || token.length === 0) return '(none)';
  if (token.length < 12) return '…(redacted)';
  return `${token.slice(0, 4)}…(redacted)`;
}
