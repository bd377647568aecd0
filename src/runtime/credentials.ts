/**
 * Fresh credentials: the one place in Keyway where tokens are refreshed.
 *
 * The path of a refresh (Nango's refresh.ts, tightened):
 * 1. decide from the stored row, with no lock, whether the token can be served as it is;
 * 2. single-flight: concurrent callers in this process share one promise per connection;
 * 3. take the store's cross-process lock on the connection, then re-read the row — another process may
 *    have refreshed while we waited, and then its token is used;
 * 4. call the token endpoint once (a refresh is never repeated once sent: rotating servers revoke the grant
 *    when a refresh token is presented twice);
 * 5. save the response by compare-and-set before anything else sees it, so a rotated refresh token is on
 *    disk before the new access token is used;
 * 6. emit `connection.refreshed` in the same transaction.
 *
 * `invalid_grant` marks the connection `needs_reauthorization` at once; a transient failure sets a cooldown
 * (exponential backoff) during which a still-valid token keeps being served.
 *
 * A refresh-token request is recorded as in flight (a refresh marker) before it is sent. A process that dies
 * between sending it and saving the answer leaves the marker behind; the next refresher finds it, knows the
 * outcome is unknown (the provider may have rotated the refresh token already), tries the stored refresh
 * token once (many providers allow reuse for a grace period), and only if the provider refuses it marks the
 * connection `needs_reauthorization` with `KW_CREDENTIALS_REFRESH_INTERRUPTED`. See docs/reliability.md.
 */
import { hostname } from 'node:os';
import { KeywayError, isKeywayError } from '../errors';
import {
  DEFAULT_TIMEOUT_MS,
  TokenSet,
  clientCredentialsGrant,
  mergeRefreshedTokenSet,
  passwordGrant,
  refreshTokenGrant,
  shouldRefresh,
  type Clock,
  type Transport,
} from '../oauth';
import type { Connection, ConnectionError, ConnectionPatch, LockLease, RefreshMarker, Store } from '../store';
import { cachedClientResolver, type ResolvedClient } from './client-config';
import {
  DEFAULT_REFRESH_MARGIN_MS,
  effectiveMargin,
  keepWarmRefreshAt,
  refreshSchedule,
  renewalOf,
} from './refresh-schedule';
import type { ComponentRegistry } from './components';
import { connectionEvent, type ConnectionEventType } from './events';
import {
  grantFingerprint,
  interruptedRefresh,
  recordRefresh,
  sameGrant,
  saveDespiteOutage,
} from './interrupted-refresh';
import { ParsedTokens, toAccessToken } from './parsed-tokens';
import type { AccessToken, CredentialSource, GetTokenOptions } from './types';

export { DEFAULT_REFRESH_MARGIN_MS, refreshSchedule } from './refresh-schedule';

/**
 * Turns a connection row into what the OAuth engine needs (server, client, quirks, I/O). The default is the
 * runtime's `resolveClient` over a {@link ComponentRegistry}.
 */
export type ClientResolver = (connection: Connection) => Promise<ResolvedClient>;

/** Backoff after failed refreshes: `baseMs`, doubled per consecutive failure, at most `maxMs`. */
export interface RefreshBackoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Default backoff: 30 s doubling up to 5 min. An expired token is unusable while it lasts, so the cap is
 * minutes, not an hour: a provider back after an outage is used again within 5 minutes at worst.
 */
export const DEFAULT_REFRESH_BACKOFF: RefreshBackoff = { baseMs: 30_000, maxMs: 300_000 };

/** Options for {@link CredentialManager}: a store, and components or a {@link ClientResolver}. */
export type CredentialManagerOptions = CredentialManagerSettings &
  (
    | { readonly components: ComponentRegistry; readonly resolveClient?: undefined }
    | { readonly resolveClient: ClientResolver; readonly components?: undefined }
  );

/** The settings every {@link CredentialManager} takes. */
export interface CredentialManagerSettings {
  readonly store: Store;
  /** Token endpoint transport (default `fetch`); used with `components`. */
  readonly transport?: Transport;
  readonly now?: Clock;
  /** Used when the definition sets no refresh margin; default {@link DEFAULT_REFRESH_MARGIN_MS}. */
  readonly refreshMarginMs?: number;
  /** How long to wait for another process's refresh of the same connection; default 30 s. */
  readonly lockTimeoutMs?: number;
  /** SQLite: how long a crashed lock holder blocks others; default the store's (30 s). */
  readonly lockLeaseMs?: number;
  readonly backoff?: RefreshBackoff;
  /** Token endpoint timeout; default the OAuth engine's. Used with `components`. */
  readonly requestTimeoutMs?: number;
  /** Names this process in refresh markers; default `hostname:pid`. */
  readonly owner?: string;
  /**
   * Keep-warm window for tokens got by repeating a grant (client credentials, a stored password): renewed in
   * the background only for connections used within this long before the renewal is due. Default 0: off, such
   * tokens are fetched on demand only. See {@link keepWarmRefreshAt}.
   */
  readonly recentUseWindowMs?: number;
}

/** What {@link CredentialManager.refreshIfDue} did. */
export type RefreshOutcome =
  | { readonly outcome: 'refreshed' }
  | { readonly outcome: 'fresh' }
  | { readonly outcome: 'cooling_down'; readonly retryAt: number }
  | { readonly outcome: 'failed'; readonly error: KeywayError };

/** Who asks: an action using the token, a caller whose token the provider rejected, or the refresher. */
type Intent =
  | { readonly kind: 'use' }
  | { readonly kind: 'forced'; readonly rejected: string | undefined }
  | { readonly kind: 'background' };

type Verdict = { readonly action: 'serve' } | { readonly action: 'refresh' };

interface Flight {
  readonly token: AccessToken;
  readonly refreshed: boolean;
  /** Set when a refresh failed but the old token is still being served. */
  readonly failure?: KeywayError;
}

interface Prepared {
  readonly row: Connection;
  readonly resolved: ResolvedClient;
  readonly config: ResolvedClient['config'];
  readonly tokenSet: TokenSet | undefined;
  /** The access token served from `tokenSet`. */
  readonly token: AccessToken | undefined;
  readonly marginMs: number;
}

const USABLE_STATUSES: ReadonlySet<string> = new Set(['connected', 'error']);

/** The row's token set, parsed; a malformed one is KW_CREDENTIALS_TOKEN_MALFORMED. */
function parseTokenSet(row: Connection): TokenSet | undefined {
  if (row.tokenSet === null) return undefined;
  const parsed = TokenSet.safeParse(row.tokenSet);
  if (!parsed.success) {
    throw new KeywayError('KW_CREDENTIALS_TOKEN_MALFORMED', {
      message: `The stored token set of connection ${row.id} is not a Keyway token set (bad: ${parsed.error.issues
        .map((issue) => issue.path.join('.') || '(root)')
        .join(', ')}); reconnect it.`,
      details: { connectionId: row.id },
    });
  }
  return parsed.data;
}

function notConnected(row: Connection, status: string = row.status, cause?: unknown): KeywayError {
  const message =
    status === 'needs_reauthorization'
      ? `Connection "${row.name}" (${row.id}) needs to be authorized again: the provider no longer accepts its grant. Reconnect it through the instance's connect link.`
      : `Connection "${row.name}" (${row.id}) has no usable credentials (status ${status}); connect it first.`;
  return new KeywayError('KW_CONNECTION_NOT_CONNECTED', {
    message,
    ...(cause !== undefined ? { cause } : {}),
    details: { connectionId: row.id, status },
  });
}

function errorFacts(err: KeywayError, at: number): ConnectionError {
  return { code: err.code, message: err.message, at };
}

/**
 * Hands out valid access tokens for connections, refreshing them before they expire. Implements the
 * runtime's {@link CredentialSource}. One instance per process; many processes may share a store.
 */
export class CredentialManager implements CredentialSource {
  readonly #store: Store;
  readonly #resolve: ClientResolver;
  readonly #now: Clock;
  readonly #defaultMarginMs: number;
  readonly #lockTimeoutMs: number;
  readonly #lockLeaseMs: number | undefined;
  readonly #backoff: RefreshBackoff;
  readonly #owner: string;
  readonly #windowMs: number;
  /** How long another process's refresh request can still be waiting for its answer. */
  readonly #inFlightMs: number;
  readonly #inflight = new Map<string, Promise<Flight>>();
  /** Stored token sets parsed once per snapshot row, and until when each may be served (./parsed-tokens). */
  readonly #parsed = new ParsedTokens(parseTokenSet);

  constructor(options: CredentialManagerOptions) {
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    if (options.resolveClient !== undefined) {
      this.#resolve = options.resolveClient;
    } else {
      const { components, transport, requestTimeoutMs } = options;
      const io = {
        now: this.#now,
        ...(transport ? { transport } : {}),
        ...(requestTimeoutMs !== undefined ? { timeoutMs: requestTimeoutMs } : {}),
      };
      this.#resolve = cachedClientResolver({ store: options.store, components, ...io });
    }
    this.#defaultMarginMs = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    this.#lockLeaseMs = options.lockLeaseMs;
    this.#backoff = options.backoff ?? DEFAULT_REFRESH_BACKOFF;
    this.#owner = options.owner ?? `${hostname()}:${process.pid}`;
    this.#windowMs = Math.max(0, options.recentUseWindowMs ?? 0);
    this.#inFlightMs = (options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS) + 2_000;
  }

  /**
   * A usable access token for the connection: the stored one when it is outside the refresh margin,
   * otherwise a refreshed one (client credentials connections fetch a new one). With `forceRefresh` (the
   * provider answered 401) the token is refreshed unless the stored one already differs from
   * `rejectedAccessToken`, which means someone else refreshed meanwhile.
   *
   * @throws KeywayError `KW_CONNECTION_NOT_CONNECTED` (pending, disconnected, needs reauthorization — the
   *   last also right after the provider answered `invalid_grant`), `KW_CREDENTIALS_COOLDOWN` (expired and
   *   the last refresh failed moments ago), a transient `KW_OAUTH_*` error (expired and the refresh just
   *   failed), `KW_STORE_LOCK_TIMEOUT`.
   */
  async getToken(
    connectionId: string,
    options?: GetTokenOptions,
    connection?: Connection,
  ): Promise<AccessToken> {
    // No default object: this runs on every action call, most of them without options.
    const forced = options?.forceRefresh === true;
    if (!forced && connection?.id === connectionId) {
      // The row of a cached snapshot whose token an earlier call found servable: no client lookup, no decision.
      const servable = this.#parsed.servable(connection, this.#now());
      if (servable !== undefined) return servable;
    }
    const intent: Intent = forced
      ? { kind: 'forced', rejected: options?.rejectedAccessToken }
      : { kind: 'use' };
    // A row the caller just read spares the first read; a forced refresh must look at the current row.
    const given = intent.kind === 'use' && connection?.id === connectionId ? connection : undefined;
    const { token, joined } = await this.#run(connectionId, intent, true, given);
    if (intent.kind === 'forced' && joined && token.accessToken === options?.rejectedAccessToken) {
      // The flight we joined found nothing to do (it was not forced); the provider still rejects this token.
      return (await this.#run(connectionId, intent, false)).token;
    }
    return token;
  }

  /**
   * Refreshes the connection if its `refreshAt` has passed or it is inside the margin; used by the
   * background refresher. Never throws for refresh failures: the outcome says what happened.
   */
  async refreshIfDue(connectionId: string): Promise<RefreshOutcome> {
    try {
      const flight = await this.#run(connectionId, { kind: 'background' }, true);
      if (flight.failure) return { outcome: 'failed', error: flight.failure };
      if (!flight.refreshed) await this.#dropStaleSchedule(connectionId);
      return flight.refreshed ? { outcome: 'refreshed' } : { outcome: 'fresh' };
    } catch (err) {
      if (isKeywayError(err, 'KW_CREDENTIALS_COOLDOWN')) {
        return { outcome: 'cooling_down', retryAt: this.#now() + (err.retryAfterMs ?? 0) };
      }
      if (isKeywayError(err)) return { outcome: 'failed', error: err };
      throw err;
    }
  }

  /**
   * A row claimed as due whose token cannot be renewed (no refresh token) would be claimed again on every
   * pass; point its `refreshAt` at what the token allows, usually nothing.
   */
  async #dropStaleSchedule(connectionId: string): Promise<void> {
    const row = await this.#store.getConnection(connectionId);
    const now = this.#now();
    if (!row || row.refreshAt === null || row.refreshAt > now) return;
    const parsed = TokenSet.safeParse(row.tokenSet);
    const next = parsed.success ? refreshSchedule(parsed.data, { grantType: row.grantType }).refreshAt : null;
    // A lost compare-and-set means the row changed meanwhile and got a schedule of its own.
    await this.#store.compareAndSetConnectionTokens(row.id, row.version, {
      refreshAt: next !== null && next > now ? next : null,
    });
  }

  async #run(
    connectionId: string,
    intent: Intent,
    mayJoin: boolean,
    given?: Connection,
  ): Promise<Flight & { joined: boolean }> {
    const prepared = await this.#prepare(connectionId, given);
    if (this.#decide(prepared, intent) === 'serve') {
      const token = prepared.token ?? toAccessToken(prepared.tokenSet as TokenSet);
      if (intent.kind === 'use') {
        this.#rememberServable(prepared);
        if (this.#windowMs > 0) await this.#keepWarm(prepared);
      }
      return { token, refreshed: false, joined: false };
    }
    const existing = mayJoin ? this.#inflight.get(connectionId) : undefined;
    if (existing) return { ...(await existing), joined: true };
    const flight = this.#refreshLocked(connectionId, intent).finally(() => {
      if (this.#inflight.get(connectionId) === flight) this.#inflight.delete(connectionId);
    });
    this.#inflight.set(connectionId, flight);
    const done = await flight;
    // A token fetched on demand is a use too: inside the keep-warm window it is scheduled right away.
    if (intent.kind === 'use' && done.refreshed && this.#windowMs > 0) {
      await this.#keepWarm(await this.#prepare(connectionId));
    }
    return { ...done, joined: false };
  }

  /** Schedules a used, unscheduled grant-renewed token when the use falls inside the keep-warm window. */
  async #keepWarm(prepared: Prepared): Promise<void> {
    const { row, config, tokenSet } = prepared;
    if (this.#windowMs === 0 || tokenSet === undefined || row.refreshAt !== null) return;
    if (renewalOf(config, tokenSet) !== 'grant') return;
    const now = this.#now();
    const refreshAt = keepWarmRefreshAt(tokenSet, {
      now,
      marginMs: prepared.marginMs,
      windowMs: this.#windowMs,
    });
    // A lost compare-and-set means the row changed meanwhile (a new token, a disconnect): nothing to keep warm.
    if (refreshAt !== null)
      await this.#store.compareAndSetConnectionTokens(row.id, row.version, { refreshAt });
  }

  async #prepare(connectionId: string, given?: Connection): Promise<Prepared> {
    const row = given ?? (await this.#store.getConnection(connectionId));
    if (!row) {
      throw new KeywayError('KW_CONNECTION_NOT_FOUND', {
        message: `No connection with id ${connectionId}.`,
        details: { connectionId },
      });
    }
    const parsed = this.#parsed.of(row);
    const resolved = await this.#resolve(row);
    const config = resolved.config;
    const marginMs =
      config.refreshMarginSeconds !== undefined ? config.refreshMarginSeconds * 1000 : this.#defaultMarginMs;
    return { row, resolved, config, tokenSet: parsed?.tokenSet, token: parsed?.token, marginMs };
  }

  /**
   * Remembers a snapshot row's servable token until its refresh margin starts. Only a plain verdict counts: a
   * token served during a cooldown (inside the margin, refresh failing) is decided afresh on every call.
   */
  #rememberServable(prepared: Prepared): void {
    const { row, tokenSet } = prepared;
    if (tokenSet === undefined || !Object.isFrozen(row)) return;
    const now = this.#now();
    if (this.#verdict(prepared, { kind: 'use' }, now).action !== 'serve') return;
    let until =
      tokenSet.expiresAt === undefined
        ? Number.POSITIVE_INFINITY
        : tokenSet.expiresAt - effectiveMargin(tokenSet, prepared.marginMs);
    // With a keep-warm window, the first use inside it must reach getToken, which schedules the renewal.
    if (this.#windowMs > 0 && row.refreshAt === null && renewalOf(prepared.config, tokenSet) === 'grant') {
      until -= this.#windowMs;
    }
    if (until > now) this.#parsed.markServable(row, until);
  }

  /** Serve or refresh; throws when there is nothing to serve and no way to refresh now. */
  #decide(prepared: Prepared, intent: Intent): 'serve' | 'refresh' {
    const { row, config, tokenSet } = prepared;
    const now = this.#now();
    // A connection whose grant needs no person (client credentials; a password the platform supplied) gets its
    // first token on first use: `pending` only means no one has asked for one yet.
    const unattended = renewalOf(config, tokenSet) === 'grant';
    const usable = USABLE_STATUSES.has(row.status) || (unattended && row.status === 'pending');
    if (!usable || (!tokenSet && !unattended)) throw notConnected(row);

    const verdict = this.#verdict(prepared, intent, now);
    if (verdict.action === 'serve') return 'serve';

    if (row.cooldownUntil !== null && row.cooldownUntil > now) {
      const stillValid =
        tokenSet !== undefined && (tokenSet.expiresAt === undefined || tokenSet.expiresAt > now);
      // Inside the margin but not expired: the old token keeps working while the provider recovers.
      if (stillValid && intent.kind === 'use') return 'serve';
      throw new KeywayError('KW_CREDENTIALS_COOLDOWN', {
        message: `Connection ${row.id}: the last token refresh failed (${row.lastError?.code ?? 'unknown'}); the next attempt is allowed in ${Math.ceil((row.cooldownUntil - now) / 1000)} s.`,
        retryAfterMs: row.cooldownUntil - now,
        details: { connectionId: row.id, lastErrorCode: row.lastError?.code ?? null },
      });
    }
    return 'refresh';
  }

  #verdict(prepared: Prepared, intent: Intent, now: number): Verdict {
    const { row, config, tokenSet } = prepared;
    if (!tokenSet) return { action: 'refresh' };
    if (intent.kind === 'forced') {
      const alreadyReplaced = intent.rejected !== undefined && tokenSet.accessToken !== intent.rejected;
      return { action: alreadyReplaced ? 'serve' : 'refresh' };
    }
    const renewal = renewalOf(config, tokenSet);
    if (
      intent.kind === 'background' &&
      renewal === 'refresh' &&
      row.refreshAt !== null &&
      row.refreshAt <= now
    ) {
      return { action: 'refresh' };
    }
    const marginMs = effectiveMargin(tokenSet, prepared.marginMs);
    if (renewal === 'grant') {
      // On demand (see refreshSchedule), or in the background when a recent use scheduled it (keep-warm window);
      // otherwise a row still scheduled from before is dropped by the caller.
      if (intent.kind === 'background') {
        const kept = this.#windowMs > 0 && row.refreshAt !== null && row.refreshAt <= now;
        return { action: kept ? 'refresh' : 'serve' };
      }
      const due = tokenSet.expiresAt !== undefined && tokenSet.expiresAt - now <= marginMs;
      return { action: due ? 'refresh' : 'serve' };
    }
    const decision = shouldRefresh(tokenSet, { now: () => now, marginMs });
    if (decision.refresh) return { action: 'refresh' };
    // Expired with nothing to refresh it with: refreshing is how the row gets marked for reauthorization.
    const dead =
      decision.reason === 'no_refresh_token' && tokenSet.expiresAt !== undefined && tokenSet.expiresAt <= now;
    return { action: dead ? 'refresh' : 'serve' };
  }

  async #refreshLocked(connectionId: string, intent: Intent): Promise<Flight> {
    try {
      return await this.#store.withConnectionLock(
        connectionId,
        {
          timeoutMs: this.#lockTimeoutMs,
          ...(this.#lockLeaseMs !== undefined ? { leaseMs: this.#lockLeaseMs } : {}),
        },
        async (lease) => {
          // Re-read under the lock: another process may have refreshed while we waited for it.
          const prepared = await this.#prepare(connectionId);
          if (this.#decide(prepared, intent) === 'serve') {
            return { token: toAccessToken(prepared.tokenSet as TokenSet), refreshed: false };
          }
          return await this.#refreshNow(prepared, intent, lease);
        },
      );
    } catch (err) {
      if (!isKeywayError(err, 'KW_STORE_LOCK_TIMEOUT')) throw err;
      // The holder is slow (a slow provider); a token that still works beats an error.
      const prepared = await this.#prepare(connectionId);
      const tokenSet = prepared.tokenSet;
      const now = this.#now();
      const valid = tokenSet !== undefined && (tokenSet.expiresAt === undefined || tokenSet.expiresAt > now);
      const rejected = intent.kind === 'forced' && tokenSet?.accessToken === intent.rejected;
      if (valid && !rejected && USABLE_STATUSES.has(prepared.row.status)) {
        return { token: toAccessToken(tokenSet), refreshed: false };
      }
      throw err;
    }
  }

  async #refreshNow(prepared: Prepared, intent: Intent, lease: LockLease): Promise<Flight> {
    const { row, config, tokenSet, resolved } = prepared;
    const renewal = renewalOf(config, tokenSet);
    if (renewal === null) {
      const reason = new KeywayError('KW_CONNECTION_NOT_CONNECTED', {
        message:
          intent.kind === 'forced'
            ? 'The provider rejected the access token and issued no refresh token.'
            : 'The access token expired and the provider issued no refresh token.',
      });
      await this.#markNeedsReauthorization(row, reason);
      throw notConnected(row, 'needs_reauthorization');
    }

    if (renewal === 'refresh') return this.#refreshWithMarker(prepared, intent, lease);

    const { server, client, grantOptions } = resolved;
    let fresh: TokenSet;
    try {
      if (config.grantType === 'client_credentials') {
        fresh = await clientCredentialsGrant(server, client, { scopes: config.scopes }, grantOptions);
      } else {
        // A password connection whose provider issues no refresh token: sign in again with the stored password.
        fresh = await passwordGrant(
          server,
          client,
          { username: config.username ?? '', password: config.password ?? '', scopes: config.scopes },
          grantOptions,
        );
      }
    } catch (err) {
      return this.#recordFailure(prepared, intent, err);
    }
    const saved = await this.#saveTokens(prepared, fresh);
    return { token: toAccessToken(saved), refreshed: true };
  }

  /**
   * The refresh-token grant, recorded as in flight first (see the module comment). A marker left for the same
   * grant by an earlier refresher means that refresh was interrupted: the stored refresh token is still tried
   * once, and if the provider refuses it the connection is marked with `KW_CREDENTIALS_REFRESH_INTERRUPTED`.
   */
  async #refreshWithMarker(prepared: Prepared, intent: Intent, lease: LockLease): Promise<Flight> {
    const { row, config, resolved } = prepared;
    const old = prepared.tokenSet as TokenSet & { refreshToken: string };
    const fingerprint = grantFingerprint(old.refreshToken);
    // A refresh token must never be sent twice: no marker once the lock is known to be lost, and no request
    // unless the lock is confirmed after the marker is committed. `held` can lag a terminated session, and the
    // next holder may already have looked for a marker; after the confirmation, every later holder finds it and
    // waits for this answer. A failed confirmation sent nothing: its marker is removed, so that the next holder
    // does not wait for an answer that will never come.
    const recorded = await recordRefresh(this.#store, row, fingerprint, lease, {
      now: this.#now,
      inFlightMs: this.#inFlightMs,
      owner: this.#owner,
    });
    if (recorded.kind === 'saved') {
      const theirs = TokenSet.safeParse(recorded.current?.tokenSet);
      if (recorded.current !== undefined && theirs.success && USABLE_STATUSES.has(recorded.current.status)) {
        return { token: toAccessToken(theirs.data), refreshed: false };
      }
      throw notConnected(recorded.current ?? row);
    }
    const { marker, interrupted } = recorded;
    try {
      await lease.confirm();
    } catch (err) {
      await this.#dropMarker(marker);
      throw err;
    }
    let fresh: TokenSet;
    try {
      const answer = await refreshTokenGrant(
        resolved.server,
        resolved.client,
        { refreshToken: old.refreshToken },
        resolved.grantOptions,
      );
      fresh = mergeRefreshedTokenSet(old, answer, { tokenPath: config.tokenResponse.tokenPath });
    } catch (err) {
      // The provider answered: its refusal is the outcome, the request is no longer in doubt.
      if (isKeywayError(err) && err.provider?.status !== undefined) await this.#dropMarker(marker);
      if (interrupted && isKeywayError(err, 'KW_OAUTH_INVALID_GRANT')) {
        const reason = interruptedRefresh(row, interrupted, err);
        await this.#markNeedsReauthorization(row, reason);
        throw notConnected(row, 'needs_reauthorization', reason);
      }
      return this.#recordFailure(prepared, intent, err);
    }
    const saved = await saveDespiteOutage(() => this.#saveTokens(prepared, fresh));
    await this.#dropMarker(marker);
    return { token: toAccessToken(saved), refreshed: true };
  }

  /**
   * Removes our refresh marker, never one another refresher wrote over it. Best effort: a marker left behind
   * is for a grant no longer stored (after a save), or makes the next holder wait for it (never the reverse).
   */
  async #dropMarker(marker: RefreshMarker): Promise<void> {
    await this.#store.deleteRefreshMarker(marker).catch(() => undefined);
  }

  /**
   * Saves a fresh token set by compare-and-set. We hold the refresh lock, so a version change means a
   * non-refresh write (fields edited, reconnected, disconnected): edits are re-applied over, a new grant or a
   * disconnect wins and our tokens are dropped.
   */
  async #saveTokens(prepared: Prepared, fresh: TokenSet): Promise<TokenSet> {
    const { row, config } = prepared;
    const now = this.#now();
    const firstToken = row.tokenSet === null;
    const type: ConnectionEventType = firstToken ? 'connection.connected' : 'connection.refreshed';
    const patch: ConnectionPatch = {
      tokenSet: fresh,
      ...refreshSchedule(fresh, { grantType: config.grantType, marginMs: prepared.marginMs }),
      ...(fresh.scope !== undefined ? { scopes: fresh.scope } : {}),
      status: 'connected',
      lastError: null,
      refreshFailures: 0,
      cooldownUntil: null,
      ...(firstToken ? { connectedAt: now } : {}),
    };
    let expected = row;
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = await this.#store.compareAndSetConnectionTokens(row.id, expected.version, patch, {
        events: [connectionEvent(type, row, { now, status: 'connected' })],
      });
      if (result.ok) return fresh;
      const current = result.current;
      if (!sameGrant(row, current) || !USABLE_STATUSES.has(current.status)) {
        const theirs = TokenSet.safeParse(current.tokenSet);
        if (theirs.success && USABLE_STATUSES.has(current.status)) return theirs.data;
        throw notConnected(current);
      }
      expected = current;
    }
    throw new KeywayError('KW_STORE_CONFLICT', {
      message: `Connection ${row.id} kept changing while its refreshed tokens were being saved.`,
      details: { connectionId: row.id },
    });
  }

  async #recordFailure(prepared: Prepared, intent: Intent, err: unknown): Promise<Flight> {
    const { row, tokenSet } = prepared;
    if (!isKeywayError(err)) throw err;
    const now = this.#now();
    if (err.code === 'KW_OAUTH_INVALID_GRANT') {
      await this.#markNeedsReauthorization(row, err);
      throw notConnected(row, 'needs_reauthorization', err);
    }
    const failures = row.refreshFailures + 1;
    const backoff = Math.min(this.#backoff.maxMs, this.#backoff.baseMs * 2 ** (failures - 1));
    // A provider's Retry-After is honoured up to the same cap: a day-long value must not strand the token.
    const cooldownUntil = now + Math.min(this.#backoff.maxMs, Math.max(backoff, err.retryAfterMs ?? 0));
    await this.#store.compareAndSetConnectionTokens(
      row.id,
      row.version,
      { refreshFailures: failures, cooldownUntil, lastError: errorFacts(err, now) },
      {
        events: [
          connectionEvent('connection.refresh_failed', row, {
            now,
            status: row.status,
            error: { code: err.code, message: err.message, transient: err.transient, retryAt: cooldownUntil },
          }),
        ],
      },
    );
    // A lost compare-and-set means someone else changed the row meanwhile; their state stands.
    const stillValid =
      tokenSet !== undefined && (tokenSet.expiresAt === undefined || tokenSet.expiresAt > now);
    if (stillValid && intent.kind !== 'forced') {
      return { token: toAccessToken(tokenSet), refreshed: false, failure: err };
    }
    throw err;
  }

  async #markNeedsReauthorization(row: Connection, reason: KeywayError): Promise<void> {
    const now = this.#now();
    let expected = row;
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = await this.#store.compareAndSetConnectionTokens(
        row.id,
        expected.version,
        {
          status: 'needs_reauthorization',
          lastError: errorFacts(reason, now),
          refreshAt: null,
          cooldownUntil: null,
        },
        {
          events: [
            connectionEvent('connection.needs_reauthorization', row, {
              now,
              status: 'needs_reauthorization',
              error: { code: reason.code, message: reason.message, transient: false },
            }),
          ],
        },
      );
      if (result.ok) return;
      // Reconnected meanwhile: the new grant is not the one the provider rejected.
      if (!sameGrant(row, result.current)) return;
      expected = result.current;
    }
  }
}
