import { createHash, randomBytes } from 'node:crypto';
import { KeywayError } from '../errors';

/** PKCE code challenge methods. S256 is the default; `plain` only for servers that support nothing else. */
export type PkceMethod = 'S256' | 'plain';

/**
 * A fresh code verifier: 32 random bytes, base64url (43 characters from the unreserved set).
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export function generateCodeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/** A fresh `state` value (RFC 6749 §10.12): 32 random bytes, base64url. */
export function generateState(): string {
  return randomBytes(32).toString('base64url');
}

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * The code challenge for a verifier: `BASE64URL(SHA256(verifier))` for S256, the verifier itself for plain.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export function codeChallenge(verifier: string, method: PkceMethod = 'S256'): string {
  if (!VERIFIER.test(verifier)) {
    throw new KeywayError('KW_OAUTH_PKCE_INVALID', {
      message: 'A PKCE code verifier must be 43–128 characters from [A-Za-z0-9-._~] (RFC 7636 §4.1).',
    });
  }
  return method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
}

/** A verifier and its challenge, ready for the authorize URL and the code exchange. */
export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
  readonly method: PkceMethod;
}

/**
 * Generates a verifier and derives its challenge.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4
 */
export function generatePkce(method: PkceMethod = 'S256'): Pkce {
  const verifier = generateCodeVerifier();
  return { verifier, challenge: codeChallenge(verifier, method), method };
}
