import { KeywayError } from '../errors';
import { redactUrl } from '../oauth';

/** Options for {@link followAuthorization}. */
export interface FollowOptions {
  /** Where the provider sends the browser back; following stops there. */
  readonly redirectUri: string;
  readonly maxRedirects?: number;
  readonly timeoutMs?: number;
}

/**
 * Plays the browser for an authorization request against a server with automatic login and consent
 * (the sandbox): follows redirects with a cookie jar until the provider redirects to `redirectUri`, and
 * returns that callback URL (with `code`, `state`, `iss`, or an `error`) without requesting it.
 */
export async function followAuthorization(authorizeUrl: string, options: FollowOptions): Promise<string> {
  const jar = new Map<string, string>();
  let url = authorizeUrl;
  for (let hop = 0; hop < (options.maxRedirects ?? 10); hop++) {
    if (url.startsWith(options.redirectUri)) return url;
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const res = await get(url, {
      redirect: 'manual',
      headers: cookie ? { cookie } : {},
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a),
      );
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
    await res.arrayBuffer();
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) {
      throw new KeywayError('KW_SANDBOX_FAILED', {
        message: `The authorization stopped at ${redactUrl(url)} with HTTP ${res.status} instead of redirecting back.`,
      });
    }
    url = new URL(location, url).toString();
  }
  if (url.startsWith(options.redirectUri)) return url;
  throw new KeywayError('KW_SANDBOX_FAILED', { message: 'The authorization redirected too many times.' });
}

/**
 * A GET sent on a kept-alive socket that the server closed at the same moment fails with ECONNRESET before any
 * answer; a browser sends it again on a new socket, and so does this user agent (once).
 */
async function get(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (!isConnectionReset(err)) throw err;
    return fetch(url, init);
  }
}

/** Not `instanceof TypeError`: fetch's errors may come from another realm (a VM context, as under jest). */
function isConnectionReset(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  return cause?.code === 'ECONNRESET';
}
