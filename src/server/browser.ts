/**
 * Browser binding and CSRF protection for the connect page.
 *
 * Each browser gets one random id in an HttpOnly, SameSite=Lax cookie (Secure when the public URL is https).
 * Only a hash of that id leaves this module: it is what the auth session stores as its browser binding, so a
 * callback arriving in another browser (or with no cookie) does not match. CSRF tokens are synchronizer
 * tokens derived from the same id (HMAC under the server secret), so they need no storage and a token taken
 * from one browser is useless in another.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The browser cookie's name. */
export const BROWSER_COOKIE = 'kw_browser';

/** Browser ids are 32 random bytes, base64url. */
const BROWSER_ID = /^[A-Za-z0-9_-]{43}$/;

/** Parses a `Cookie` header into name → value (the first occurrence of a name wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!cookies.has(name)) {
      try {
        cookies.set(name, decodeURIComponent(value));
      } catch {
        cookies.set(name, value);
      }
    }
  }
  return cookies;
}

/** The browser id from a `Cookie` header, when present and well-formed. */
export function readBrowserId(cookieHeader: string | undefined): string | undefined {
  const id = parseCookies(cookieHeader).get(BROWSER_COOKIE);
  return id !== undefined && BROWSER_ID.test(id) ? id : undefined;
}

/** A new random browser id. */
export function newBrowserId(): string {
  return randomBytes(32).toString('base64url');
}

/** The `Set-Cookie` value for a browser id. */
export function browserCookie(id: string, options: { readonly secure: boolean }): string {
  // Lax (not Strict): the provider's redirect back to /oauth/callback is a cross-site top-level GET and must
  // carry the cookie, or every callback would look like it came from another browser.
  const maxAge = 60 * 60 * 24 * 30;
  return `${BROWSER_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${options.secure ? '; Secure' : ''}`;
}

/** What the auth session stores: a SHA-256 of the browser id, so a database reader cannot forge the cookie. */
export function browserBinding(browserId: string): string {
  return createHash('sha256').update(`keyway-browser.${browserId}`).digest('base64url');
}

/** The CSRF token for forms shown to this browser. */
export function csrfToken(browserId: string, secret: string): string {
  return createHmac('sha256', secret).update(`keyway-csrf.${browserId}`).digest('base64url');
}

/** True when `token` is this browser's CSRF token (constant-time). False when either is missing. */
export function verifyCsrfToken(browserId: string | undefined, token: unknown, secret: string): boolean {
  if (browserId === undefined || typeof token !== 'string' || token.length === 0) return false;
  const expected = Buffer.from(csrfToken(browserId, secret));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
