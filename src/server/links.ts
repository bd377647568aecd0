/**
 * Connect links: signed, expiring URLs that let a customer manage the connections of one instance.
 *
 * A link token is `<payload>.<mac>`, both base64url: the payload is a small JSON object (instance id, the
 * connection ids it is limited to, expiry, a random link id, optional completion URLs), the MAC is
 * HMAC-SHA256 over the payload's encoded form under the deployment's link signing secret. Nothing is stored:
 * the server trusts a link exactly as far as its MAC verifies, and checks it again on every request.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { KeywayError } from '../errors';

/** The signing secret must carry at least this much entropy (bytes of UTF-8). */
export const MIN_LINK_SECRET_LENGTH = 32;

/** What a connect link grants, as signed into its token. */
export const ConnectLinkClaimsSchema = z.strictObject({
  /** Format version, so a future format can be told apart. */
  v: z.literal(1),
  /** Random link id, for logs and audit; not a secret. */
  lid: z.string().min(8).max(64),
  /** The instance the link manages. */
  iid: z.string().min(1),
  /** When present, only these connections of the instance; otherwise all of them. */
  cids: z.array(z.string().min(1)).min(1).optional(),
  /** Expiry, epoch milliseconds. */
  exp: z.number().int().positive(),
  /** Per-link completion URLs (already checked against the allowed origins when the link was made). */
  ok: z.string().optional(),
  fail: z.string().optional(),
  /** Popup mode: finish by posting a message to the opener instead of redirecting. */
  pop: z.literal(true).optional(),
});
/** A parsed {@link ConnectLinkClaimsSchema}. */
export type ConnectLinkClaims = z.infer<typeof ConnectLinkClaimsSchema>;

/** Input of {@link signConnectLink}. */
export interface ConnectLinkRequest {
  readonly instanceId: string;
  /** Limit the link to these connections of the instance. */
  readonly connectionIds?: readonly string[];
  /** Lifetime in milliseconds. */
  readonly ttlMs: number;
  readonly successUrl?: string;
  readonly failureUrl?: string;
  readonly popup?: boolean;
}

/** A freshly signed link. */
export interface SignedConnectLink {
  readonly token: string;
  readonly claims: ConnectLinkClaims;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`keyway-connect-link.${payload}`).digest();
}

function assertSecret(secret: string): void {
  if (Buffer.byteLength(secret, 'utf8') < MIN_LINK_SECRET_LENGTH) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `The link signing secret must be at least ${MIN_LINK_SECRET_LENGTH} characters long (KEYWAY_LINK_SECRET)`,
    });
  }
}

/**
 * Signs a connect link for one instance. The caller builds the URL as `<publicBaseUrl>/connect/<token>`.
 * Throws `KW_CONFIG_INVALID` for a short secret and `KW_REQUEST_INVALID` for a non-positive lifetime.
 */
export function signConnectLink(
  request: ConnectLinkRequest,
  options: { readonly secret: string; readonly now: number },
): SignedConnectLink {
  assertSecret(options.secret);
  if (!Number.isFinite(request.ttlMs) || request.ttlMs <= 0) {
    throw new KeywayError('KW_REQUEST_INVALID', { message: 'A connect link needs a positive lifetime' });
  }
  const claims: ConnectLinkClaims = ConnectLinkClaimsSchema.parse({
    v: 1,
    lid: randomBytes(12).toString('base64url'),
    iid: request.instanceId,
    ...(request.connectionIds && request.connectionIds.length > 0
      ? { cids: [...request.connectionIds] }
      : {}),
    exp: Math.floor(options.now + request.ttlMs),
    ...(request.successUrl !== undefined ? { ok: request.successUrl } : {}),
    ...(request.failureUrl !== undefined ? { fail: request.failureUrl } : {}),
    ...(request.popup ? { pop: true } : {}),
  });
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return { token: `${payload}.${mac(options.secret, payload).toString('base64url')}`, claims };
}

/**
 * Verifies a link token and returns its claims. The MAC is checked (in constant time) before the payload is
 * parsed, so a forged payload is never interpreted. Throws `KW_LINK_INVALID` for anything malformed or
 * tampered with and `KW_LINK_EXPIRED` once the expiry has passed.
 */
export function verifyConnectLink(
  token: string,
  options: { readonly secret: string; readonly now: number },
): ConnectLinkClaims {
  assertSecret(options.secret);
  const parts = token.split('.');
  const [payload, signature] = parts;
  if (parts.length !== 2 || !payload || !signature || !/^[A-Za-z0-9_-]+$/.test(payload + signature)) {
    throw new KeywayError('KW_LINK_INVALID', { message: 'This connect link is malformed' });
  }
  const expected = mac(options.secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new KeywayError('KW_LINK_INVALID', {
      message: 'This connect link is not valid (its signature does not match); ask for a new link',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new KeywayError('KW_LINK_INVALID', { message: 'This connect link is malformed' });
  }
  const parsed = ConnectLinkClaimsSchema.safeParse(json);
  if (!parsed.success) {
    throw new KeywayError('KW_LINK_INVALID', { message: 'This connect link is malformed' });
  }
  if (options.now >= parsed.data.exp) {
    throw new KeywayError('KW_LINK_EXPIRED', {
      message: 'This connect link has expired; ask for a new one',
      details: { linkId: parsed.data.lid, expiredAt: new Date(parsed.data.exp).toISOString() },
    });
  }
  return parsed.data;
}

/** True when the link covers `connectionId` (which must already be known to belong to the link's instance). */
export function linkCoversConnection(claims: ConnectLinkClaims, connectionId: string): boolean {
  return claims.cids === undefined || claims.cids.includes(connectionId);
}
