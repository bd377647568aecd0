/**
 * The token set of each connection's stored row, parsed once, and until when it may be served as it is. A cached
 * instance snapshot hands every action call the same row object, so the zod parse, the access token built from
 * it and the serve-or-refresh decision are made once per snapshot, not once per call: per call they were 3.3 KB
 * and 2.1 KB of what a warm call allocated (bench/README.md). Entries are keyed by connection id and count only
 * for the very row object they were made from, which must be frozen: a changed row (a refresh, a snapshot read
 * again) starts afresh.
 */
import type { TokenSet } from '../oauth';
import type { Connection } from '../store';
import { platformToken } from './connection-value';
import type { AccessToken } from './types';

/** A stored token set, parsed, and the access token served from it. */
export interface ParsedToken {
  readonly tokenSet: TokenSet;
  readonly token: AccessToken;
}

interface Entry extends ParsedToken {
  /** The row this was parsed from. */
  readonly source: Connection;
  /** Until when (epoch ms) the token may be served without a decision; see {@link ParsedTokens.servable}. */
  servableUntil: number;
}

/** Connections remembered; the least recently parsed goes first. */
const CAPACITY = 10_000;

/**
 * The access token a component is given for `tokenSet`, with the token it sees worked out once (its expiry as
 * ISO 8601 included): frozen, as one is shared by every call.
 */
export function toAccessToken(tokenSet: TokenSet): AccessToken {
  const { raw, accessToken, expiresAt } = tokenSet;
  const platform = Object.freeze(platformToken(raw, expiresAt));
  return Object.freeze(
    expiresAt === undefined ? { raw, accessToken, platform } : { raw, accessToken, expiresAt, platform },
  );
}

/** Parsed token sets by connection; see the module comment. */
export class ParsedTokens {
  readonly #entries = new Map<string, Entry>();
  readonly #parse: (row: Connection) => TokenSet | undefined;

  /** `parse` reads a row's token set (or throws for a malformed one); `undefined` when it has none. */
  constructor(parse: (row: Connection) => TokenSet | undefined) {
    this.#parse = parse;
  }

  /** The row's token set and access token, parsed now or when this very row object was last seen. */
  of(row: Connection): ParsedToken | undefined {
    if (row.tokenSet === null) return undefined;
    const known = this.#entries.get(row.id);
    if (known !== undefined && known.source === row) return known;
    const tokenSet = this.#parse(row);
    if (tokenSet === undefined) return undefined;
    // Only a frozen row (a cached snapshot's) cannot change under its entry.
    if (!Object.isFrozen(row)) return { tokenSet, token: toAccessToken(tokenSet) };
    const entry: Entry = {
      source: row,
      tokenSet,
      token: toAccessToken(tokenSet),
      servableUntil: Number.NEGATIVE_INFINITY,
    };
    if (known !== undefined) this.#entries.delete(row.id);
    else if (this.#entries.size >= CAPACITY) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(row.id, entry);
    return entry;
  }

  /** The row's access token if a decision on this very row object found it servable until after `now`. */
  servable(row: Connection, now: number): AccessToken | undefined {
    const known = this.#entries.get(row.id);
    return known !== undefined && known.source === row && now < known.servableUntil ? known.token : undefined;
  }

  /** Records that the row's token may be served until `until` (its refresh margin) without a decision. */
  markServable(row: Connection, until: number): void {
    const known = this.#entries.get(row.id);
    if (known !== undefined && known.source === row) known.servableUntil = until;
  }
}
