/**
 * Connections and their tokens, and what guards them: versions, locks, refresh claims, replicas, refresh
 * markers. See {@link Store} in ./types.
 */
import type { NewOutboxEvent } from './outbox-types';
import type { EpochMs, JsonObject } from './types';

/** Life cycle of a connection. */
export type ConnectionStatus = 'pending' | 'connected' | 'needs_reauthorization' | 'error' | 'disconnected';

/** All connection statuses, for validation and iteration. */
export const connectionStatuses: readonly ConnectionStatus[] = [
  'pending',
  'connected',
  'needs_reauthorization',
  'error',
  'disconnected',
];

/** The last error a connection hit, as a stable code and a message safe to show. */
export interface ConnectionError {
  readonly code: string;
  readonly message: string;
  readonly at: EpochMs;
}

/**
 * A named connection of an instance, bound to a component's connection definition. `tokenSet` and
 * `secretFields` are encrypted at rest and decrypted on read.
 */
export interface Connection {
  readonly id: string;
  readonly instanceId: string;
  /** The config variable key this connection fills; unique within the instance. */
  readonly name: string;
  readonly componentKey: string;
  /** The connection definition's `key`, passed to the component unchanged. */
  readonly definitionKey: string;
  /** e.g. `authorization_code`, `client_credentials`, `device_code`, `password`. */
  readonly grantType: string;
  /** Non-secret field values. */
  readonly fields: JsonObject;
  /** Field values the definition marks secret (client secret, API key, ...). */
  readonly secretFields: JsonObject;
  /** The token response as the runtime stores it; its shape belongs to the runtime. */
  readonly tokenSet: JsonObject | null;
  /**
   * The authorization callback's extra query parameters (`realmId`, `shop`, …), spectral's
   * `connection.context`; `{}` when there were none. Encrypted at rest.
   */
  readonly context: JsonObject;
  readonly expiresAt: EpochMs | null;
  /** When the refresher should renew the token; claimed by {@link Store.claimDueRefreshes}. */
  readonly refreshAt: EpochMs | null;
  readonly scopes: readonly string[];
  readonly status: ConnectionStatus;
  readonly lastError: ConnectionError | null;
  /** Bumped by every write; the basis of {@link Store.compareAndSetConnectionTokens}. */
  readonly version: number;
  /** Consecutive failed refreshes, for backoff. */
  readonly refreshFailures: number;
  /** No refresh attempt before this time. */
  readonly cooldownUntil: EpochMs | null;
  readonly createdAt: EpochMs;
  readonly updatedAt: EpochMs;
  readonly connectedAt: EpochMs | null;
}

/** The values a new connection may be given and a {@link ConnectionPatch} may change. */
export interface ConnectionValues {
  readonly fields?: JsonObject;
  readonly secretFields?: JsonObject;
  readonly tokenSet?: JsonObject | null;
  /** The callback context; in a patch it replaces the stored one, and `null` or `{}` clears it. */
  readonly context?: JsonObject | null;
  readonly expiresAt?: EpochMs | null;
  readonly refreshAt?: EpochMs | null;
  readonly scopes?: readonly string[];
  readonly status?: ConnectionStatus;
  readonly connectedAt?: EpochMs | null;
}

/** Input to {@link Store.createConnection}. */
export interface NewConnection extends ConnectionValues {
  readonly id?: string;
  readonly instanceId: string;
  readonly name: string;
  readonly componentKey: string;
  readonly definitionKey: string;
  readonly grantType: string;
}

/** Fields a connection update may change. Omitted fields are left as they are; `null` clears. */
export interface ConnectionPatch extends ConnectionValues {
  readonly componentKey?: string;
  readonly definitionKey?: string;
  readonly grantType?: string;
  readonly lastError?: ConnectionError | null;
  readonly refreshFailures?: number;
  readonly cooldownUntil?: EpochMs | null;
}

/** Options shared by connection writes. */
export interface ConnectionWriteOptions {
  /**
   * Outbox events written in the same transaction as the connection change, so a webhook is emitted
   * if and only if the change happened.
   */
  readonly events?: readonly NewOutboxEvent[];
}

/** Result of {@link Store.compareAndSetConnectionTokens}. */
export type CompareAndSetResult =
  | { readonly ok: true; readonly connection: Connection }
  | { readonly ok: false; readonly current: Connection };

/** Filter for {@link Store.listConnections}. */
export interface ConnectionFilter {
  readonly instanceId?: string;
  readonly status?: ConnectionStatus;
}

/** Options for {@link Store.withConnectionLock}. */
export interface LockOptions {
  /** Give up with `KW_STORE_LOCK_TIMEOUT` after this long. */
  readonly timeoutMs: number;
  /**
   * SQLite only: how long a held lock survives its holder crashing. Defaults to 30 s; a live holder
   * keeps it for as long as `fn` runs.
   */
  readonly leaseMs?: number;
}

/**
 * What a lock holder can ask about its lock while `fn` runs. A lock can be lost without `fn` knowing: the
 * PostgreSQL session holding an advisory lock was terminated (the lock died with it), or a SQLite lease was
 * taken over after renewals failed. `held` and `assertHeld` say what this process has learnt so far, which can
 * lag: a terminated session is noticed only when its socket's close event is handled. Before doing something
 * that must not happen twice, write down what the next holder must know, then `confirm`.
 */
export interface LockLease {
  /** False once the lock is known to be lost. */
  readonly held: boolean;
  /** Throws `KW_STORE_UNAVAILABLE` when the lock is known to be lost. */
  assertHeld(): void;
  /**
   * Asks the database whether the lock is still held; throws `KW_STORE_UNAVAILABLE` when it is not or the
   * database does not answer. Whatever this holder committed before a confirmation that succeeds is seen by
   * every later holder, because none can take the lock before that moment.
   */
  confirm(): Promise<void>;
}

/** A live process's heartbeat: which encryption keys it holds (see {@link Store.publishReplica}). */
export interface Replica {
  readonly id: string;
  /** Where it runs, for people reading a refusal (`host:pid`). */
  readonly label: string;
  readonly keyIds: readonly string[];
  readonly primaryKeyId: string;
  readonly seenAt: EpochMs;
  /** The heartbeat counts as live until then. */
  readonly expiresAt: EpochMs;
}

/** What {@link Store.publishReplica} records. */
export interface ReplicaHeartbeat {
  readonly id: string;
  readonly label: string;
  /** How long the heartbeat counts as live without being published again. */
  readonly ttlMs: number;
}

/**
 * A refresh request recorded as sent but not yet answered and saved (see {@link Store.putRefreshMarker}). Found
 * by the next refresher of the connection, it means a refresh was interrupted (crash, lost database).
 */
export interface RefreshMarker {
  readonly connectionId: string;
  /** Which grant was being refreshed: a digest of its refresh token, never the token. */
  readonly grantFingerprint: string;
  /** Who sent it (`host:pid`). */
  readonly owner: string;
  readonly startedAt: EpochMs;
}

/** Options for claiming due work across replicas. */
export interface ClaimOptions {
  /** Work due at or before this instant is claimable. */
  readonly now: EpochMs;
  readonly limit: number;
  /** The claim expires after this long, so work of a crashed replica is picked up again. */
  readonly leaseMs: number;
  /** Identifies the claiming replica (e.g. `hostname:pid:uuid`). */
  readonly owner: string;
}

/**
 * A connection claimed for a refresh: which one and the version it had when claimed. The refresher reads the
 * row itself under the connection's lock, so a claim carries no tokens (and decrypts nothing).
 */
export interface RefreshClaim {
  readonly id: string;
  readonly version: number;
  readonly refreshAt: EpochMs | null;
}
