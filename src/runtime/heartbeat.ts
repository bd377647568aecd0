/**
 * This replica's heartbeat: the key ids it holds, published to the store at start and every `intervalMs`
 * with an expiry of `ttlMs`, withdrawn on stop. `keys rotate` reads the live heartbeats to refuse a key some
 * replica lacks; a crashed replica's heartbeat simply expires.
 */
import type { Store } from '../store';
import { startPolling } from './polling';

/** Options for {@link startHeartbeat}. */
export interface HeartbeatOptions {
  readonly store: Store;
  /** Identifies this replica (e.g. `hostname:pid:uuid`). */
  readonly id: string;
  /** Shown to people (`hostname:pid`). */
  readonly label: string;
  /** Default 10 s. */
  readonly intervalMs?: number;
  /** How long one heartbeat counts as live; default three intervals. */
  readonly ttlMs?: number;
  /** Called when publishing fails (the database is down); the heartbeat keeps going. */
  readonly onError?: (err: unknown) => void;
}

/** A running heartbeat. */
export interface Heartbeat {
  /** Publishes now. */
  beat(): Promise<void>;
  /** Stops publishing and withdraws the heartbeat (best effort: otherwise it expires). */
  stop(): Promise<void>;
}

/** Starts the heartbeat; the first one is published before this resolves (or its failure reported). */
export async function startHeartbeat(options: HeartbeatOptions): Promise<Heartbeat> {
  const intervalMs = options.intervalMs ?? 10_000;
  const ttlMs = options.ttlMs ?? intervalMs * 3;
  const { store, id, label } = options;
  const onError = options.onError ?? (() => undefined);
  const pass = async (): Promise<void> => {
    await store.publishReplica({ id, label, ttlMs });
  };
  const polling = startPolling({ pass, intervalMs, onError });
  await polling.runOnce().catch(onError);
  return {
    beat: () => polling.runOnce(),
    async stop() {
      await polling.stop();
      await store.withdrawReplica(id).catch(onError);
    },
  };
}
