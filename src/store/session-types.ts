/**
 * Connect-flow sessions: the authorization-code session and the device-authorization session. See {@link
 * Store} in ./types.
 */
import type { Connection, ConnectionPatch } from './connection-types';
import type { NewOutboxEvent } from './outbox-types';
import type { EpochMs, JsonObject } from './types';

/** A single-use authorization session of the connect flow. `codeVerifier` is encrypted at rest. */
export interface AuthSession {
  /** The OAuth `state` value; the session's key. */
  readonly state: string;
  readonly connectionId: string;
  /** PKCE verifier (RFC 7636), or null when the definition does not use PKCE. */
  readonly codeVerifier: string | null;
  /** A hash of a browser cookie binding the callback to the browser that started the flow. */
  readonly browserBinding: string | null;
  readonly redirectUri: string;
  /** Where to send the user after the callback (success page, popup, app URL). */
  readonly returnTo: string | null;
  readonly nonce: string | null;
  readonly scopes: readonly string[];
  /** Anything else the runtime needs across the redirect; not secret. */
  readonly extra: JsonObject;
  readonly createdAt: EpochMs;
  readonly expiresAt: EpochMs;
  readonly consumedAt: EpochMs | null;
}

/**
 * A session {@link Store.consumeAuthSession} consumed, with its connection as the same statement found it: the
 * callback needs both, and on PostgreSQL they come back in one round trip.
 */
export interface ConsumedAuthSession extends AuthSession {
  /** The session's connection; undefined only if it was deleted while the callback ran. */
  readonly connection: Connection | undefined;
}

/** Input to {@link Store.createAuthSession}. */
export interface NewAuthSession {
  readonly state: string;
  readonly connectionId: string;
  readonly codeVerifier?: string | null;
  readonly browserBinding?: string | null;
  readonly redirectUri: string;
  readonly returnTo?: string | null;
  readonly nonce?: string | null;
  readonly scopes?: readonly string[];
  readonly extra?: JsonObject;
  readonly expiresAt: EpochMs;
}

/** Options for {@link Store.consumeAuthSession}. */
export interface ConsumeAuthSessionOptions {
  readonly now: EpochMs;
  /** Must equal the session's binding when the session has one. */
  readonly browserBinding?: string | null;
}

/**
 * State of a device authorization (RFC 8628). `failed`: the provider no longer accepts the device code (it was
 * used, e.g. by a poll whose tokens could not be saved); the customer starts again.
 */
export type DeviceSessionStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'failed';

/** A device authorization session (RFC 8628). `deviceCode` is encrypted at rest. */
export interface DeviceSession {
  readonly id: string;
  readonly connectionId: string;
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete: string | null;
  /** Minimum polling interval; raised on `slow_down`. */
  readonly intervalMs: number;
  readonly nextPollAt: EpochMs;
  readonly expiresAt: EpochMs;
  readonly status: DeviceSessionStatus;
  readonly createdAt: EpochMs;
  readonly completedAt: EpochMs | null;
  /** What the customer chose on the connect page (an environment, a subdomain); `{}` when nothing. */
  readonly choices: Readonly<Record<string, string>>;
}

/** Input to {@link Store.createDeviceSession}. */
export interface NewDeviceSession {
  readonly id?: string;
  readonly connectionId: string;
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete?: string | null;
  readonly intervalMs: number;
  readonly nextPollAt?: EpochMs;
  readonly expiresAt: EpochMs;
  /** What the customer chose on the connect page, for the flow's endpoints and saved when it connects. */
  readonly choices?: Readonly<Record<string, string>>;
}

/** Input to {@link Store.approveDeviceSession}: the tokens (and fields) the approval saves on the connection. */
export interface DeviceApproval {
  readonly now: EpochMs;
  /** The connection's version the patch was computed from: the save is a compare-and-set on it. */
  readonly expectedVersion: number;
  /** The patch of the session's connection: tokens, `status: 'connected'`, chosen fields. */
  readonly patch: ConnectionPatch;
  /** Outbox events written with it (`connection.connected`). */
  readonly events?: readonly NewOutboxEvent[];
}

/**
 * Result of {@link Store.approveDeviceSession}: the approved session and its saved connection, or, when the
 * connection no longer had the expected version, nothing written (the session still pending) and the current row.
 */
export type ApprovedDeviceSession =
  | { readonly ok: true; readonly session: DeviceSession; readonly connection: Connection }
  | { readonly ok: false; readonly current: Connection };

/** Fields {@link Store.updateDeviceSession} may change while the session is pending. */
export interface DeviceSessionPatch {
  readonly intervalMs?: number;
  readonly nextPollAt?: EpochMs;
}
