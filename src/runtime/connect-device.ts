/**
 * The device authorization grant (RFC 8628): a person approves a user code on another device while the session,
 * kept in the store so any replica can poll it, waits; the poll that sees the approval saves the tokens.
 */
import { KeywayError, isKeywayError } from '../errors';
import { deviceCodeGrantRequest, processDeviceCodeResponse, requestDeviceAuthorization } from '../oauth';
import type { DeviceSession } from '../store';
import { requireConnection } from './client-config';
import { chosenValues } from './connect-choices';
import { choicesPatch } from './connect-kit';
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
 * session (KW_OAUTH_ACCESS_DENIED, KW_OAUTH_DEVICE_EXPIRED). A session completes exactly once across replicas.
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
    if (isKeywayError(error, 'KW_OAUTH_ACCESS_DENIED')) await completeDevice(kit, session, 'denied', now);
    else if (isKeywayError(error, 'KW_OAUTH_DEVICE_EXPIRED') || isExpiredToken(error)) {
      await completeDevice(kit, session, 'expired', now);
      throw new KeywayError('KW_OAUTH_DEVICE_EXPIRED', { cause: error });
    } else if (isKeywayError(error) && error.transient) {
      // Polling is safe to repeat: wait one interval and let the caller poll again.
      await store.updateDeviceSession(session.id, { nextPollAt: now + session.intervalMs });
    }
    throw error;
  }
  if (result.status === 'pending' || result.status === 'slow_down') {
    const intervalMs = session.intervalMs + (result.status === 'slow_down' ? 5000 : 0);
    const updated = await store.updateDeviceSession(session.id, { intervalMs, nextPollAt: now + intervalMs });
    return { status: 'pending', nextPollAt: updated.nextPollAt };
  }
  const won = await completeDevice(kit, session, 'approved', now);
  if (!won) return finished(kit, (await store.getDeviceSession(session.id)) ?? session);
  const connection = await kit.saveConnected(
    resolved,
    result.tokenSet,
    now,
    choicesPatch(resolved, session.choices),
  );
  return { status: 'connected', connection };
}

/** Ends a pending session; false when another poll (another replica) ended it first. */
async function completeDevice(
  kit: FlowKit,
  session: DeviceSession,
  status: 'approved' | 'denied' | 'expired',
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
  throw new KeywayError('KW_OAUTH_DEVICE_EXPIRED');
}

function isExpiredToken(error: unknown): boolean {
  return isKeywayError(error) && error.provider?.error === 'expired_token';
}
