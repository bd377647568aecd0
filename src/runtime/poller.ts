/**
 * The polling worker: every replica may run one. Each pass leases the due polling subscriptions
 * (`Store.triggers.claimDuePolls`, as the refresher claims connections), so one replica runs each poll; a poll's
 * state, execution, event and next run time are committed together and only while the lease is held, so a
 * replica that dies mid-poll leaves the state as it was before that poll. The lease is confirmed just before a
 * poll starts and renewed while it runs, so a slow poll keeps it however long it takes, while a dead replica's
 * lease lapses after `leaseMs`. A pass also resumes subscriptions paused for a connection that has since been
 * reconnected.
 */
import type { Store, Subscription } from '../store';
import { startPolling } from './polling';
import type { Polling } from './polling';
import type { Triggers } from './subscriptions';

/** Options for {@link startPoller}. */
export interface PollerOptions {
  readonly store: Store;
  readonly triggers: Triggers;
  /** Identifies this replica in leases. */
  readonly owner: string;
  /** How often to look for due polls; default 5 s. */
  readonly intervalMs?: number;
  /**
   * How long a lease lasts unless renewed; renewed every third of it while the poll runs. A replica killed
   * mid-poll holds its subscription this long. Default 60 s.
   */
  readonly leaseMs?: number;
  /** Subscriptions per pass; default 20. */
  readonly batchSize?: number;
  readonly now?: () => number;
  /** Errors of a pass itself (e.g. the store is down); the worker keeps going. */
  readonly onError?: (err: unknown) => void;
}

/** What one pass did. */
export interface PollerPass {
  readonly claimed: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Polls whose lease was lost before they could commit (nothing was written). */
  readonly lost: number;
  readonly resumed: number;
}

/** True when every connection of the subscription's component on its instance is usable again. */
async function reconnected(store: Store, sub: Subscription): Promise<boolean> {
  const connections = await store.listConnections({ instanceId: sub.instanceId });
  const own = connections.filter((c) => c.componentKey === sub.componentKey);
  return own.length > 0 && own.every((c) => c.status === 'connected');
}

/** Starts the polling worker; `runOnce()` runs a pass now. Timers are unref'd. */
export function startPoller(options: PollerOptions): Polling<PollerPass> {
  const now = options.now ?? Date.now;
  const { store, triggers, owner } = options;
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = options.batchSize ?? 20;

  async function resume(): Promise<number> {
    let resumed = 0;
    for (const sub of await store.triggers.listSubscriptions({ status: 'paused' })) {
      if (!(await reconnected(store, sub))) continue;
      await store.triggers.updateSubscription(sub.id, { status: 'enabled', nextRunAt: now(), failures: 0 });
      resumed += 1;
    }
    return resumed;
  }

  /** Runs `poll`, renewing the lease every third of `leaseMs` until it settles. */
  async function whileLeased<T>(sub: Subscription, poll: () => Promise<T>): Promise<T> {
    const renew = (): void => {
      store.triggers
        .renewPollLease(sub.id, owner, now() + leaseMs)
        .catch((err: unknown) => options.onError?.(err));
    };
    const timer = setInterval(renew, Math.max(1, Math.floor(leaseMs / 3))).unref();
    try {
      return await poll();
    } finally {
      clearInterval(timer);
    }
  }

  async function pass(): Promise<PollerPass> {
    const resumed = await resume();
    const due = await store.triggers.claimDuePolls({ now: now(), limit: batchSize, leaseMs, owner });
    let succeeded = 0;
    let failed = 0;
    let lost = 0;
    for (const sub of due) {
      try {
        // The batch's later polls waited for the earlier ones: one whose lease lapsed and was taken over meanwhile
        // is another replica's now, and must not run here as well.
        if (!(await store.triggers.renewPollLease(sub.id, owner, now() + leaseMs))) {
          lost += 1;
          continue;
        }
        const outcome = await whileLeased(sub, () => triggers.poll(sub, owner));
        if (!outcome.committed) lost += 1;
        else if (outcome.error === undefined) succeeded += 1;
        else failed += 1;
      } catch (err) {
        failed += 1;
        options.onError?.(err);
        await store.triggers.releasePoll(sub.id, owner, {}).catch(() => undefined);
      }
    }
    return { claimed: due.length, succeeded, failed, lost, resumed };
  }

  return startPolling({
    pass,
    intervalMs: options.intervalMs ?? 5_000,
    onError: (err) => options.onError?.(err),
  });
}
