/**
 * Completion URLs: where a customer is sent after connecting. Only absolute http(s) URLs on an allowed origin
 * pass, compared as parsed origins (never as string prefixes), so `https://app.example.com.evil.test`,
 * `//evil.test`, `javascript:` and `https://user@evil.test` all fail.
 */
import { KeywayError } from '../errors';

/** Normalises a configured origin (`https://app.example.com/`) to `URL.origin` form; throws KW_CONFIG_INVALID. */
export function normaliseOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `"${value}" is not an origin like https://app.example.com`,
    });
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.pathname.length > 1 ||
    url.search ||
    url.hash
  ) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `"${value}" is not an origin like https://app.example.com (scheme and host only)`,
    });
  }
  return url.origin;
}

/**
 * Checks a completion URL against the allowed origins and returns it normalised. Throws
 * `KW_REDIRECT_NOT_ALLOWED` otherwise; the message names the origin, not the whole URL.
 */
export function checkCompletionUrl(value: string, allowedOrigins: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new KeywayError('KW_REDIRECT_NOT_ALLOWED', {
      message: 'The completion URL must be an absolute http(s) URL',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new KeywayError('KW_REDIRECT_NOT_ALLOWED', {
      message: 'The completion URL must be an absolute http(s) URL',
    });
  }
  if (url.username || url.password) {
    throw new KeywayError('KW_REDIRECT_NOT_ALLOWED', {
      message: 'The completion URL must not carry credentials',
    });
  }
  if (!allowedOrigins.includes(url.origin)) {
    throw new KeywayError('KW_REDIRECT_NOT_ALLOWED', {
      message: `The completion URL's origin ${url.origin} is not an allowed redirect origin`,
      details: { origin: url.origin },
    });
  }
  return url.toString();
}

/** The facts appended to a completion URL. Never tokens or codes. */
export interface CompletionFacts {
  readonly status: 'connected' | 'failed' | 'disconnected';
  readonly instanceId: string;
  readonly connectionId: string;
  readonly errorCode?: string;
}

/** Appends `keyway_status`, `instance_id`, `connection_id` (and `error`) to a checked completion URL. */
export function completionRedirect(checkedUrl: string, facts: CompletionFacts): string {
  const url = new URL(checkedUrl);
  url.searchParams.set('keyway_status', facts.status);
  url.searchParams.set('instance_id', facts.instanceId);
  url.searchParams.set('connection_id', facts.connectionId);
  if (facts.errorCode !== undefined) url.searchParams.set('error', facts.errorCode);
  return url.toString();
}
