/**
 * When a connection's token is renewed without anyone asking: the refresh-token schedule every connection gets,
 * and the optional keep-warm window for tokens got by repeating a grant (client credentials, a stored password).
 */
import { type TokenSet } from '../oauth';
import type { ResolvedClient } from './client-config';

/** Refresh this long before expiry unless the connection definition says otherwise. */
export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * How a connection gets its next token without the user: `'grant'` repeats its grant (client credentials;
 * a password connection whose provider issued no refresh token, with the stored password), `'refresh'`
 * uses the refresh token, `null` means it cannot (the user must reconnect).
 */
export function renewalOf(
  config: ResolvedClient['config'],
  tokenSet: TokenSet | undefined,
): 'grant' | 'refresh' | null {
  if (config.grantType === 'client_credentials') return 'grant';
  if (tokenSet?.refreshToken !== undefined) return 'refresh';
  if (config.grantType === 'password' && config.username !== undefined && config.password !== undefined) {
    return 'grant';
  }
  return null;
}

/**
 * The margin actually used: the configured one, but never more than half the token's lifetime — a provider
 * issuing 60-second tokens with a 5-minute margin would otherwise be refreshed on every single use.
 */
export function effectiveMargin(tokenSet: TokenSet | undefined, marginMs: number): number {
  if (tokenSet?.expiresIn === undefined) return marginMs;
  return Math.min(marginMs, (tokenSet.expiresIn * 1000) / 2);
}

/**
 * When the background refresher should renew `tokenSet`: `marginMs` (capped at half the lifetime) before
 * expiry, or `null` when it cannot or need not be renewed in the background (no expiry; no refresh token).
 * Connect flows store this as the row's `refreshAt` alongside the tokens.
 *
 * Only a refresh token is kept alive in the background: it may expire from disuse, and the user would have to
 * sign in again. A token got by repeating a grant that needs no person (client credentials, a stored password)
 * is fetched on demand instead, when an action needs it: renewing it in the background would fetch a token
 * every lifetime for connections no one uses.
 */
export function refreshSchedule(
  tokenSet: TokenSet,
  options: { readonly grantType: string; readonly marginMs?: number },
): { expiresAt: number | null; refreshAt: number | null } {
  const expiresAt = tokenSet.expiresAt ?? null;
  const renewable = tokenSet.refreshToken !== undefined && options.grantType !== 'client_credentials';
  if (expiresAt === null || !renewable) return { expiresAt, refreshAt: null };
  return {
    expiresAt,
    refreshAt: expiresAt - effectiveMargin(tokenSet, options.marginMs ?? DEFAULT_REFRESH_MARGIN_MS),
  };
}

/**
 * The keep-warm window (off by default): a token got by repeating a grant is renewed in the background at its
 * usual time (`expiresAt` less the margin) only when the connection was used within `windowMs` before that time.
 * Called on a use at `now` of a connection whose token is not scheduled: the first use inside the window
 * schedules it (one write per token lifetime); a connection nobody uses in the window is never scheduled, so it
 * costs no token request and gets its next token on demand.
 * @returns the `refreshAt` to store, or `null` to leave the row unscheduled.
 */
export function keepWarmRefreshAt(
  tokenSet: TokenSet,
  options: { readonly now: number; readonly marginMs: number; readonly windowMs: number },
): number | null {
  if (options.windowMs <= 0 || tokenSet.expiresAt === undefined) return null;
  const due = tokenSet.expiresAt - effectiveMargin(tokenSet, options.marginMs);
  return options.now >= due - options.windowMs && options.now < due ? due : null;
}
