/**
 * What every connect flow shares: the clock, resolving a connection for one grant (with the customer's choices
 * for that one flow), and saving a token set as `connected` with its `connected` event in the same write.
 */
import { KeywayError } from '../errors';
import type { TokenSet } from '../oauth';
import type { Connection, ConnectionPatch, NewOutboxEvent } from '../store';
import { cachedClientResolver, requireConnection, resolveClient } from './client-config';
import type { ResolvedClient } from './client-config';
import type { Choices, ConnectDeps } from './connect-types';
import { refreshSchedule } from './credentials';
import { connectionEvent } from './events';

/** The grants a connect flow resolves a connection for. */
export type FlowGrant = 'authorization_code' | 'implicit' | 'client_credentials' | 'password' | 'device_code';

/**
 * The chosen values as a patch of the connection's fields, saved when the flow connects (none when nothing was
 * chosen, so a flow without choices leaves the fields as they are).
 */
export function choicesPatch(resolved: ResolvedClient, choices: Choices): ConnectionPatch {
  return Object.keys(choices).length > 0 ? { fields: { ...resolved.connection.fields, ...choices } } : {};
}

/** The shared steps of the connect flows, on one set of dependencies. */
export class FlowKit {
  readonly deps: ConnectDeps;
  /**
   * Resolving parses and validates the whole definition; a flow resolves the same row at start and at the
   * callback, so the result is kept until the connection's fields or the component change (see
   * cachedClientResolver).
   */
  readonly resolveCached: (connection: Connection) => Promise<ResolvedClient>;

  constructor(deps: ConnectDeps) {
    this.deps = deps;
    this.resolveCached = cachedClientResolver(deps);
  }

  /** `given`, else the injected clock's time. */
  now(given?: number): number {
    return given ?? (this.deps.now ?? Date.now)();
  }

  /**
   * The connection resolved for `grant` (KW_CONNECT_GRANT_UNSUPPORTED when it uses another), with `extraValues`
   * (choices, a password) over its stored fields for this one call.
   */
  async resolve(
    connectionId: string,
    grant: FlowGrant,
    extraValues: Readonly<Record<string, string>> = {},
    alreadyRead?: Connection,
  ): Promise<ResolvedClient> {
    const connection = alreadyRead ?? (await requireConnection(this.deps.store, connectionId));
    if (connection.grantType !== grant) {
      throw new KeywayError('KW_CONNECT_GRANT_UNSUPPORTED', {
        message: `Connection "${connection.name}" uses the ${connection.grantType} grant, not ${grant}`,
        details: { connectionId, grantType: connection.grantType },
      });
    }
    // Values given for this one call (a password) are never cached.
    return Object.keys(extraValues).length === 0
      ? this.resolveCached(connection)
      : resolveClient(this.deps, connection, extraValues);
  }

  /** Saves `tokenSet` and marks the connection `connected`, with `extra` (fields, context) in the same write. */
  async saveConnected(
    resolved: ResolvedClient,
    tokenSet: TokenSet,
    now: number,
    extra: ConnectionPatch = {},
  ): Promise<Connection> {
    const { patch, events } = connectedWrite(resolved, tokenSet, now, extra);
    return this.deps.store.updateConnection(resolved.connection.id, patch, { events });
  }
}

/**
 * The write that connects: `tokenSet` with its refresh schedule, status `connected`, `extra` (fields, context)
 * and the `connection.connected` event, for {@link FlowKit.saveConnected} or a store write that does more in
 * the same transaction (a device session's approval).
 */
export function connectedWrite(
  resolved: ResolvedClient,
  tokenSet: TokenSet,
  now: number,
  extra: ConnectionPatch = {},
): { readonly patch: ConnectionPatch; readonly events: NewOutboxEvent[] } {
  // The same schedule the credential manager uses, so the background refresher picks the connection up.
  const { expiresAt, refreshAt } = refreshSchedule(tokenSet, {
    grantType: resolved.connection.grantType,
    ...(resolved.config.refreshMarginSeconds !== undefined
      ? { marginMs: resolved.config.refreshMarginSeconds * 1000 }
      : {}),
  });
  const stored = JSON.parse(JSON.stringify(tokenSet)) as Record<string, unknown>;
  return {
    patch: {
      ...extra,
      tokenSet: stored,
      expiresAt,
      refreshAt,
      scopes: tokenSet.scope ?? resolved.config.scopes,
      status: 'connected',
      lastError: null,
      refreshFailures: 0,
      cooldownUntil: null,
      connectedAt: now,
    },
    events: [connectionEvent('connection.connected', resolved.connection, { now, status: 'connected' })],
  };
}
