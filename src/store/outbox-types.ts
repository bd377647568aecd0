/**
 * Outbox events: written with the change they announce, delivered as webhooks at least once. See {@link
 * Store} in ./types.
 */
import type { EpochMs, JsonObject } from './types';

/** Delivery state of an outbox event. */
export type OutboxStatus = 'pending' | 'delivered' | 'failed';

/** An event waiting to be delivered as a webhook. */
export interface OutboxEvent {
  readonly id: string;
  /** e.g. `connection.needs_reauthorization`. */
  readonly type: string;
  readonly payload: JsonObject;
  readonly instanceId: string | null;
  readonly connectionId: string | null;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly nextAttemptAt: EpochMs;
  readonly lastError: string | null;
  readonly createdAt: EpochMs;
  readonly deliveredAt: EpochMs | null;
}

/** Input to {@link Store.enqueueEvent}. */
export interface NewOutboxEvent {
  readonly id?: string;
  readonly type: string;
  readonly payload: JsonObject;
  readonly instanceId?: string | null;
  readonly connectionId?: string | null;
  /** Defaults to now. */
  readonly nextAttemptAt?: EpochMs;
}

/** Options for {@link Store.markEventFailed}. */
export interface MarkEventFailedOptions {
  /** Try again at this time; `null` gives up and marks the event `failed`. */
  readonly nextAttemptAt: EpochMs | null;
  /** A short, non-secret reason. */
  readonly error: string;
}
