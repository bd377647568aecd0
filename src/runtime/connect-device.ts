/**
 * The device authorization grant (RFC 8628): a person approves a user code on another device while the session,
 * kept in the store so any replica can poll it, waits; the poll that sees the approval saves the tokens.
 */
import { KeywayError, isKeywayError } from '../errors';
import {
  deviceCodeGrantRequest,
  processDeviceCodeResponse,
  requestDeviceAuthorization,
  type TokenSet,
} from '../oauth';
import type { DeviceSession } from '../store';
import { requireConnection, type ResolvedClient } from './client-config';
import { chosenValues } from './connect-choices';
import { connectedWrite } from './connect-kit';
import type { FlowKit } from './connect-kit';
import type { DevicePollOutcome, StartDeviceOptions, StartedDeviceAuthorization } from './connect-types';

/**
 * Starts a device authorization: checks the customer's choices (an environment, a subdomain: a forged one is
 * `KW_CONNECT_CHOICE_INVALID` before the provider is asked), asks the chosen endpoint for a device and user code,
 * and keeps the session, with the choices, in the store, so any replica can poll it.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 */
export async function startDeviceAuthorization(
  kit: FlowKit,
  connectionId: string,
  options: StartDeviceOptions = {},
): Promise<StartedDeviceAuthorization> {
  const connection = await requireConnection(kit.deps.store, connectionId);
  const choices = await chosenValues(kit.deps, connection, options.choices ?? {});
  const resolved = await kit.resolve(connectionId, 'device_code', choices, connection);
  const now = kit.now();
  const authorization = await requestDeviceAuthorization(
    resolved.server,
    resolved.client,
    { scopes: resolved.config.scopes },
    resolved.grantOptions,
  );
  const intervalMs = authorization.interval * 1000;
  const session = await kit.deps.store.createDeviceSession({
    connectionId,
    deviceCode: authorization.deviceCode,
    userCode: authorization.userCode,
    verificationUri: authorization.verificationUri,
    verificationUriComplete: authorization.verificationUriComplete ?? null,
    intervalMs,
    nextPollAt: now + intervalMs,
    expiresAt: authorization.expiresAt,
    choices,
  });
  return {
    sessionId: session.id,
    userCode: session.userCode,
    verificationUri: session.verificationUri,
    verificationUriComplete: session.verificationUriComplete,
    expiresAt: session.expiresAt,
    intervalMs: session.intervalMs,
  };
}

/**
 * Polls a device authorization once, if its interval has passed: `pending` with the next poll time, or
 * `connected`. `slow_down` adds five seconds to the interval; `access_denied` and `expired_token` end the
 * session (KW_OAUTH_ACCESS_DENIED, KW_OAUTH_DEVICE_EXPIRED), `invalid_grant` fails it (KW_DEVICE_SESSION_FAILED:
 * start again). A session completes exactly once across replicas, and is approved only together with the save
 * of its tokens: a poll whose save fails throws the store's error and leaves the session pending.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export async function pollDeviceAuthorization(
  kit: FlowKit,
  sessionId: string,
  options: { readonly now?: number },
): Promise<DevicePollOutcome> {
  const now = kit.now(options.now);
  const { store } = kit.deps;
  const session = await store.getDeviceSession(sessionId);
  if (!session) {
    throw new KeywayError('KW_DEVICE_SESSION_NOT_FOUND', { message: `No device session "${sessionId}"` });
  }
  if (session.status !== 'pending') return finished(kit, session);
  if (now >= session.expiresAt) {
    await completeDevice(kit, session, 'expired', now);
    throw new KeywayError('KW_OAUTH_DEVICE_EXPIRED');
  }
  if (now < session.nextPollAt) return { status: 'pending', nextPollAt: session.nextPollAt };

  // Every poll goes to the token endpoint of the environment the customer chose at the start.
  const resolved = await kit.resolve(session.connectionId, 'device_code', session.choices);
  const request = deviceCodeGrantRequest(
    resolved.server,
    resolved.client,
    session.deviceCode,
    resolved.grantOptions,
  );
  const transport = resolved.grantOptions.transport;
  if (!transport) throw new KeywayError('KW_CONFIG_INVALID', { message: 'No HTTP transport' });
  let result;
  try {
    const response = await transport(request, { timeoutMs: resolved.grantOptions.timeoutMs ?? 10_000 });
    result = processDeviceCodeResponse(response, {
      ...resolved.grantOptions,
      secrets: [session.deviceCode, ...resolved.client.auth.secrets()],
    });
  } catch (error) {
    const ended = await endOnProviderError(kit, session, error, now);
    // Another poll (another replica) ended the session first: its outcome is the answer.
    if (ended.lost) return finished(kit, (await store.getDeviceSession(session.id)) ?? session);
    throw ended.error;
  }
  if (result.status === 'pending' || result.status === 'slow_down') {
    const intervalMs = session.intervalMs + (result.status === 'slow_down' ? 5000 : 0);
    const updated = await store.updateDeviceSession(session.id, { intervalMs, nextPollAt: now + intervalMs });
    return { status: 'pending', nextPollAt: updated.nextPollAt };
  }
  return saveApproval(kit, session, resolved, result.tokenSet, now);
}

/**
 * Approves the session and saves its tokens, in one store transaction: when the save fails (the database, an
 * encryption key), the session stays pending and the next poll asks the provider again. The save is a
 * compare-and-set on the connection read at the start of the poll: a change of anything but the grant meanwhile
 * (a field edited, the old grant refreshed) is re-read and the tokens saved over it; a connect by another flow
 * or a disconnect meanwhile wins, and the session fails with KW_DEVICE_SESSION_SUPERSEDED.
 */
async function saveApproval(
  kit: FlowKit,
  session: DeviceSession,
  resolved: ResolvedClient,
  tokenSet: TokenSet,
  now: number,
): Promise<DevicePollOutcome> {
  const { store } = kit.deps;
  const read = resolved.connection;
  let current = read;
  for (let attempt = 0; attempt < 5; attempt++) {
    const chosen =
      Object.keys(session.choices).length > 0 ? { fields: { ...current.fields, ...session.choices } } : {};
    const { patch, events } = connectedWrite(resolved, tokenSet, now, chosen);
    let saved;
    try {
      saved = await store.approveDeviceSession(session.id, {
        now,
        expectedVersion: current.version,
        patch,
        events,
      });
    } catch (error) {
      if (!isKeywayError(error, 'KW_DEVICE_SESSION_COMPLETED')) throw error;
      // Another poll (another replica) finished the session first.
      return finished(kit, (await store.getDeviceSession(session.id)) ?? session);
    }
    if (saved.ok) return { status: 'connected', connection: saved.connection };
    current = saved.current;
    if (current.status === 'disconnected' || current.connectedAt !== read.connectedAt) {
      if (!(await completeDevice(kit, session, 'failed', now))) {
        return finished(kit, (await store.getDeviceSession(session.id)) ?? session);
      }
      throw new KeywayError('KW_DEVICE_SESSION_SUPERSEDED', {
        message: `Connection "${current.name}" was ${current.status === 'disconnected' ? 'disconnected' : 'connected another way'} while device session "${session.id}" was completing; that change stands and the device's tokens were not saved. Start the device flow again to connect with the device.`,
        details: { id: session.id, connectionId: current.id, status: current.status },
      });
    }
  }
  throw new KeywayError('KW_STORE_CONFLICT', {
    message: `Connection ${read.id} kept changing while the tokens of device session "${session.id}" were being saved; poll again.`,
    details: { id: session.id, connectionId: read.id },
  });
}

/**
 * What the token endpoint's refusal does to a pending session, and the error the poll throws; `lost` when
 * another poll ended the session first. `access_denied` and `expired_token` end it (RFC 8628 section 3.5);
 * `invalid_grant` means the provider no longer accepts the device code (it was used, typically by a poll whose
 * tokens could not be saved), so the session fails and the customer starts again; a transient failure waits
 * one interval.
 */
async function endOnProviderError(
  kit: FlowKit,
  session: DeviceSession,
  error: unknown,
  now: number,
): Promise<{ readonly lost: true } | { readonly lost: false; readonly error: unknown }> {
  const end = async (status: 'denied' | 'expired' | 'failed', thrown: unknown) =>
    (await completeDevice(kit, session, status, now))
      ? { lost: false as const, error: thrown }
      : { lost: true as const };
  if (isKeywayError(error, 'KW_OAUTH_ACCESS_DENIED')) return end('denied', error);
  if (isKeywayError(error, 'KW_OAUTH_DEVICE_EXPIRED') || isExpiredToken(error)) {
    return end('expired', new KeywayError('KW_OAUTH_DEVICE_EXPIRED', { cause: error }));
  }
  if (isKeywayError(error, 'KW_OAUTH_INVALID_GRANT')) {
    return end(
      'failed',
      new KeywayError('KW_DEVICE_SESSION_FAILED', { cause: error, details: { id: session.id } }),
    );
  }
  if (isKeywayError(error) && error.transient) {
    // Polling is safe to repeat: wait one interval and let the caller poll again.
    await kit.deps.store.updateDeviceSession(session.id, { nextPollAt: now + session.intervalMs });
  }
  return { lost: false, error };
}

/** Ends a pending session; false when another poll (another replica) ended it first. */
async function completeDevice(
  kit: FlowKit,
  session: DeviceSession,
  status: 'denied' | 'expired' | 'failed',
  now: number,
): Promise<boolean> {
  try {
    await kit.deps.store.completeDeviceSession(session.id, { status, now });
    return true;
  } catch (error) {
    if (isKeywayError(error, 'KW_DEVICE_SESSION_COMPLETED')) return false;
    throw error;
  }
}

/** The outcome of a session that is no longer pending. */
async function finished(kit: FlowKit, session: DeviceSession): Promise<DevicePollOutcome> {
  if (session.status === 'approved') {
    return { status: 'connected', connection: await requireConnection(kit.deps.store, session.connectionId) };
  }
  if (session.status === 'denied') throw new KeywayError('KW_OAUTH_ACCESS_DENIED');
  if (session.status === 'failed') {
    throw new KeywayError('KW_DEVICE_SESSION_FAILED', { details: { id: session.id } });
  }
  throw new KeywayError('KW_OAUTH_DEVICE_EXPIRED');
}

function isExpiredToken(error: unknown): boolean {
  return isKeywayError(error) && error.provider?.error === 'expired_token';
}
