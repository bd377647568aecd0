/**
 * The background refresher: keeps tokens fresh for idle connections, so the first action after a quiet
 * weekend does not pay for a refresh (or find a refresh token that expired from disuse).
 *
 * Every replica may run one. Each pass claims due connections from the store with a lease
 * (`claimDueRefreshes`), so two live refreshers never get the same connection; the refresh itself still
 * goes through the credential manager's lock-and-re-read, so even a claim that outlived its lease cannot
 * cause a second token request.
 */
import type { Store } from '../store';
import type { CredentialManager, RefreshOutcome } from './credentials';
import { startPolling } from './polling';

/** Options for {@link startRefresher}. */
export interface RefresherOptions {
  readonly store: Store;
  readonly credentials: Pick<CredentialManager, 'refreshIfDue'>;
  /** How often to look for due connections; default 30 s. */
  readonly intervalMs?: number;
  /** Identifies this replica in claims (e.g. `hostname:pid:uuid`). */
  readonly owner: string;
  /** How long a claim lasts; must exceed one refresh's worst case. Default 2 min. */
  readonly leaseMs?: number;
  /** Connections per pass; default 50. */
  readonly batchSize?: number;
  /** How many refreshes run at once within a pass; default 5. */
  readonly concurrency?: number;
  readonly now?: () => number;
  /** Called with errors of a pass itself (e.g. the store is down); the refresher keeps going. */
  readonly onError?: (err: unknown) => void;
  /** Called once per claimed connection with what happened; for logs and metrics. */
  readonly onOutcome?: (connectionId: string, outcome: RefreshOutcome) => void;
}

/** What one pass did, by outcome. */
export interface RefresherPass {
  readonly claimed: number;
  readonly refreshed: number;
  readonly fresh: number;
  readonly coolingDown: number;
  readonly failed: number;
}

/** A running refresher. */
export interface Refresher {
  /** Runs one pass now; passes never overlap. */
  runOnce(): Promise<RefresherPass>;
  /** Stops polling and waits for the pass in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Starts the background refresher. The first pass runs after `intervalMs`; call `runOnce()` to run one
 * immediately. Timers are unref'd, so a refresher never keeps a process alive by itself.
 */
export function startRefresher(options: RefresherOptions): Refresher {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 30_000;
  const leaseMs = options.leaseMs ?? 120_000;
  const batchSize = options.batchSize ?? 50;
  const concurrency = Math.max(1, options.concurrency ?? 5);
  const { store, credentials, owner } = options;

  async function refreshOne(id: string): Promise<RefreshOutcome> {
    let outcome: RefreshOutcome;
    try {
      outcome = await credentials.refreshIfDue(id);
    } finally {
      // Give the claim back at once: the row's refreshAt / cooldownUntil now say when it is due again.
      await store.releaseRefreshClaim(id, owner).catch((err: unknown) => options.onError?.(err));
    }
    options.onOutcome?.(id, outcome);
    return outcome;
  }

  async function pass(): Promise<RefresherPass> {
    const due = await store.claimDueRefreshes({ now: now(), limit: batchSize, leaseMs, owner });
    const outcomes: RefreshOutcome[] = [];
    const queue = due.map((connection) => connection.id);
    const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          outcomes.push(await refreshOne(id));
        } catch (err) {
          // refreshIfDue reports refresh failures as outcomes; what lands here is a store or code failure.
          options.onError?.(err);
        }
      }
    });
    await Promise.all(workers);
    const count = (kind: RefreshOutcome['outcome']): number =>
      outcomes.filter((o) => o.outcome === kind).length;
    return {
      claimed: due.length,
      refreshed: count('refreshed'),
      fresh: count('fresh'),
      coolingDown: count('cooling_down'),
      failed: count('failed') + (due.length - outcomes.length),
    };
  }

  return startPolling({ pass, intervalMs, onError: (err) => options.onError?.(err) });
}
