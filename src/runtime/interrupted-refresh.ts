/**
 * Refreshes interrupted between sending and saving (see docs/reliability.md). The credential manager records a
 * refresh marker before it sends a refresh token; this module decides what a marker found by the next
 * refresher means: a request that may still be answered and saved by its sender (wait for it), or one whose
 * sender is gone (the outcome is unknown: try the stored refresh token once, and if the provider refuses it,
 * say that a refresh was interrupted).
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { KeywayError, isKeywayError } from '../errors';
import { TokenSet, type Clock } from '../oauth';
import type { Connection, LockLease, RefreshMarker, Store } from '../store';

/** How often a refresher waiting for another process's refresh re-reads the row. */
const WAIT_POLL_MS = 100;

/** True when `current` still holds the grant `before` held, i.e. only non-token fields changed meanwhile. */
export function sameGrant(before: Connection, current: Connection): boolean {
  const a = TokenSet.safeParse(before.tokenSet);
  const b = TokenSet.safeParse(current.tokenSet);
  if (!a.success || !b.success) return before.tokenSet === null && current.tokenSet === null;
  return a.data.accessToken === b.data.accessToken && a.data.refreshToken === b.data.refreshToken;
}

/** Which grant a refresh marker is about: a digest of the refresh token (the token itself is a secret). */
export function grantFingerprint(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('base64url').slice(0, 22);
}

/** The reason a connection needs reauthorization after a refresh that was interrupted and then refused. */
export function interruptedRefresh(
  row: Connection,
  marker: RefreshMarker,
  refusal: KeywayError,
): KeywayError {
  return new KeywayError('KW_CREDENTIALS_REFRESH_INTERRUPTED', {
    message: `A token refresh of connection ${row.id} sent by ${marker.owner} at ${new Date(marker.startedAt).toISOString()} was interrupted before its answer was saved, and the provider no longer accepts the previous refresh token; reconnect it through the instance's connect link.`,
    cause: refusal,
    details: { connectionId: row.id, interruptedAt: marker.startedAt },
  });
}

/**
 * Whether the marker's request may still be waiting for its answer: it is younger than a request's timeout and
 * its sender is not known to be dead (a process on this host that no longer exists). Such a sender lost the
 * lock (its database session was terminated) but may still save the answer by compare-and-set.
 */
export function mayStillBeInFlight(marker: RefreshMarker, now: number, inFlightMs: number): boolean {
  if (now - marker.startedAt >= inFlightMs) return false;
  const [host, pid] = marker.owner.split(':');
  if (host !== hostname() || pid === undefined || !/^\d+$/.test(pid)) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as { code?: unknown }).code === 'EPERM';
  }
}

/** What an earlier refresh of the same grant left: nothing, a save to use, or an interrupted request. */
export type EarlierRefresh =
  | { readonly kind: 'none' }
  | { readonly kind: 'saved'; readonly current: Connection | undefined }
  | { readonly kind: 'interrupted'; readonly marker: RefreshMarker };

/**
 * Looks for an earlier refresh of `row`'s grant (the caller holds the connection's lock). A marker whose
 * request may still be answered is waited for, at most until it is stale: its sender either saves (`saved`:
 * the row now holds another grant) or gives up (marker gone). A marker left behind is `interrupted`.
 */
export async function earlierRefresh(
  store: Store,
  row: Connection,
  fingerprint: string,
  timing: { readonly now: Clock; readonly inFlightMs: number },
): Promise<EarlierRefresh> {
  for (;;) {
    const marker = await store.getRefreshMarker(row.id);
    // `row` was read before this marker. A holder writes its marker before it confirms its lock (so before we
    // took the lock) and drops it only after saving the answer: a marker already gone means either no request
    // or a saved answer, and only the row, read after the marker, tells which.
    const current = await store.getConnection(row.id);
    if (current === undefined || !sameGrant(row, current)) return { kind: 'saved', current };
    if (marker?.grantFingerprint !== fingerprint) return { kind: 'none' };
    if (!mayStillBeInFlight(marker, timing.now(), timing.inFlightMs)) return { kind: 'interrupted', marker };
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}

/** What {@link recordRefresh} found: a save to use, or our marker written (and the interrupted one it replaced). */
export type RecordedRefresh =
  | { readonly kind: 'saved'; readonly current: Connection | undefined }
  | {
      readonly kind: 'recorded';
      readonly marker: RefreshMarker;
      readonly interrupted: RefreshMarker | undefined;
    };

/**
 * Looks for an earlier refresh of `row`'s grant (see {@link earlierRefresh}) and records ours, the caller holding
 * the connection's lock. A marker of the same grant written after the look is never replaced: its writer took the
 * lock after us, or held it before us and writes late; it is looked at again, and waited for like any other.
 */
export async function recordRefresh(
  store: Store,
  row: Connection,
  fingerprint: string,
  lease: LockLease,
  timing: { readonly now: Clock; readonly inFlightMs: number; readonly owner: string },
): Promise<RecordedRefresh> {
  for (let attempt = 0; ; attempt++) {
    const earlier = await earlierRefresh(store, row, fingerprint, timing);
    if (earlier.kind === 'saved') return earlier;
    const interrupted = earlier.kind === 'interrupted' ? earlier.marker : undefined;
    lease.assertHeld();
    const marker = {
      connectionId: row.id,
      grantFingerprint: fingerprint,
      owner: timing.owner,
      startedAt: timing.now(),
    };
    if (await store.putRefreshMarker(marker, interrupted)) return { kind: 'recorded', marker, interrupted };
    if (attempt >= 2) {
      throw new KeywayError('KW_STORE_UNAVAILABLE', {
        message: `Other refreshers of connection ${row.id} kept recording refreshes of the same grant; its lock was lost.`,
        retryAfterMs: 1000,
        details: { connectionId: row.id },
      });
    }
  }
}

/** How long the answer of a sent refresh is kept trying to be saved while the database does not answer. */
export const SAVE_PERSISTENCE_MS = 15_000;

/**
 * Runs `save` (the compare-and-set of a refresh's answer) again while it fails with `KW_STORE_UNAVAILABLE`, for
 * up to {@link SAVE_PERSISTENCE_MS}: the answer may hold a rotated refresh token that exists nowhere else, and a
 * terminated session or a restarting server is usually back within seconds.
 */
export async function saveDespiteOutage<T>(save: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + SAVE_PERSISTENCE_MS;
  let delay = 50;
  for (;;) {
    try {
      return await save();
    } catch (err) {
      if (!isKeywayError(err, 'KW_STORE_UNAVAILABLE') || Date.now() + delay > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 1_000);
    }
  }
}
