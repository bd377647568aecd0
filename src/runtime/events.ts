/**
 * Connection events: what happened to a connection, written to the store's outbox in the same transaction
 * as the change itself (so a webhook goes out if and only if the change happened), then delivered by the
 * webhook worker (./webhooks.ts).
 */
import type { Connection, NewOutboxEvent } from '../store';

/** Every connection event type Keyway emits. */
export const connectionEventTypes = [
  'connection.connected',
  'connection.refreshed',
  'connection.refresh_failed',
  'connection.needs_reauthorization',
  'connection.disconnected',
  /** An action reported a spectral ConnectionError (runtime A, run-action.ts). */
  'connection.error',
] as const;

/** One of {@link connectionEventTypes}. */
export type ConnectionEventType = (typeof connectionEventTypes)[number];

/** The non-secret error facts an event may carry. */
export interface ConnectionEventError {
  readonly code: string;
  readonly message: string;
  readonly transient?: boolean;
  /** When the next refresh attempt may happen (epoch ms), for `refresh_failed`. */
  readonly retryAt?: number;
}

/**
 * Builds an outbox event for a connection. The payload names the connection and never carries a token,
 * a field value or a secret: receivers look the connection up through the API when they need more.
 */
export function connectionEvent(
  type: ConnectionEventType,
  connection: Pick<Connection, 'id' | 'instanceId' | 'name' | 'componentKey' | 'definitionKey'>,
  options: { readonly now: number; readonly status: string; readonly error?: ConnectionEventError },
): NewOutboxEvent {
  return {
    type,
    instanceId: connection.instanceId,
    connectionId: connection.id,
    payload: {
      connection: {
        id: connection.id,
        instanceId: connection.instanceId,
        name: connection.name,
        componentKey: connection.componentKey,
        definitionKey: connection.definitionKey,
        status: options.status,
      },
      occurredAt: options.now,
      ...(options.error ? { error: { ...options.error } } : {}),
    },
    nextAttemptAt: options.now,
  };
}
