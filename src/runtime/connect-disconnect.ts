/**
 * Disconnecting: the grant revoked at the provider where it can be, the tokens deleted in every case, and one
 * `disconnected` event even when two disconnects race.
 */
import { isKeywayError } from '../errors';
import { revokeToken } from '../oauth';
import type { Connection } from '../store';
import { requireConnection } from './client-config';
import type { FlowKit } from './connect-kit';
import type { DisconnectResult, RevocationOutcome } from './connect-types';
import { connectionEvent } from './events';

/**
 * Disconnects: revokes the token at the provider when a revocation URL is known (the refresh token, which
 * ends the grant, else the access token), deletes the tokens, marks the connection `disconnected` and emits a
 * `disconnected` event. A failed revocation does not keep the tokens: the customer asked for them to be gone.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export async function disconnect(kit: FlowKit, connectionId: string): Promise<DisconnectResult> {
  const now = kit.now();
  const { store } = kit.deps;
  const connection = await requireConnection(store, connectionId);
  if (connection.status === 'disconnected' && connection.tokenSet === null) {
    return { connection, revoked: false, revocation: 'no_tokens', alreadyDisconnected: true };
  }
  const { revocation, revocationError } = await revoke(kit, connection);
  const patch = {
    tokenSet: null,
    context: null,
    expiresAt: null,
    refreshAt: null,
    scopes: [],
    status: 'disconnected',
    lastError: null,
    refreshFailures: 0,
    cooldownUntil: null,
  } as const;
  const events = [connectionEvent('connection.disconnected', connection, { now, status: 'disconnected' })];
  // Conditional on the row read above, so two disconnects racing emit one `disconnected` event.
  const written = await store.compareAndSetConnectionTokens(connection.id, connection.version, patch, {
    events,
  });
  let updated: Connection;
  if (written.ok) updated = written.connection;
  else if (written.current.status === 'disconnected' && written.current.tokenSet === null) {
    return {
      connection: written.current,
      revoked: false,
      revocation: 'no_tokens',
      alreadyDisconnected: true,
    };
  } else {
    // Changed meanwhile (a refresh saved new tokens): the customer still asked for them to be gone.
    updated = await store.updateConnection(connection.id, patch, { events });
  }
  return {
    connection: updated,
    revoked: revocation === 'revoked',
    revocation,
    ...(revocationError ? { revocationError } : {}),
    alreadyDisconnected: false,
  };
}

/** Revokes the stored grant at the provider when it has a revocation URL; never throws. */
async function revoke(
  kit: FlowKit,
  connection: Connection,
): Promise<{ revocation: RevocationOutcome; revocationError?: string }> {
  const tokenSet = connection.tokenSet;
  if (!tokenSet || connection.grantType === 'none') return { revocation: 'no_tokens' };
  try {
    const resolved = await kit.resolveCached(connection);
    if (!resolved.config.revokeUrl) return { revocation: 'no_revocation_url' };
    const refreshToken = typeof tokenSet.refreshToken === 'string' ? tokenSet.refreshToken : undefined;
    const accessToken = typeof tokenSet.accessToken === 'string' ? tokenSet.accessToken : undefined;
    const token = refreshToken ?? accessToken;
    if (!token) return { revocation: 'no_tokens' };
    await revokeToken(
      resolved.server,
      resolved.client,
      { token, tokenTypeHint: refreshToken ? 'refresh_token' : 'access_token' },
      resolved.grantOptions,
    );
    return { revocation: 'revoked' };
  } catch (error) {
    return { revocation: 'failed', revocationError: isKeywayError(error) ? error.code : 'KW_OAUTH_NETWORK' };
  }
}
