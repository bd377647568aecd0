/**
 * Trigger subscriptions ({@link Store.triggers}): a trigger of a component enabled on an instance, with its
 * inputs, its lifecycle status, its webhook URL secret (webhook triggers) or its schedule (polling triggers),
 * and the atomic commit of one trigger run (state, execution record, outbox event, schedule).
 */
import type { Page, PageRequest } from './admin-types';
import type { EpochMs, JsonObject, NewOutboxEvent, OutboxEvent, StateScope } from './types';

/** How a subscription is fired: by a request to its URL, or on its schedule. */
export type TriggerKind = 'webhook' | 'polling';

/**
 * Where a subscription is in its life. `enabling` / `disabling` while a lifecycle hook runs; `enable_failed` /
 * `disable_failed` when it threw (retry to run it again); `enabled` fires; `backing_off` is an enabled polling
 * subscription whose last poll failed; `paused` waits for its connection to be reconnected.
 */
export type SubscriptionStatus =
  'enabling' | 'enabled' | 'enable_failed' | 'backing_off' | 'paused' | 'disabling' | 'disable_failed';

/** Every {@link SubscriptionStatus}. */
export const subscriptionStatuses: readonly SubscriptionStatus[] = [
  'enabling',
  'enabled',
  'enable_failed',
  'backing_off',
  'paused',
  'disabling',
  'disable_failed',
];

/** A polling subscription's schedule: every `everyMs`, or a five- or six-field cron expression (UTC). */
export type TriggerSchedule =
  | { readonly kind: 'interval'; readonly everyMs: number }
  | { readonly kind: 'cron'; readonly expression: string };

/** What went wrong last, without secrets. */
export interface SubscriptionError {
  readonly code: string;
  readonly message: string;
  readonly at: EpochMs;
}

/** A trigger enabled on an instance. */
export interface Subscription {
  readonly id: string;
  readonly instanceId: string;
  readonly componentKey: string;
  readonly triggerKey: string;
  /** The flow name: the key of its URL in `webhookUrls`; unique per instance. */
  readonly name: string;
  readonly kind: TriggerKind;
  readonly status: SubscriptionStatus;
  readonly inputs: JsonObject;
  /** Which instance connection (by name) fills each connection input. */
  readonly connections: Readonly<Record<string, string>>;
  /** The secret part of the webhook URL (webhook triggers); stored encrypted. */
  readonly webhookToken: string | null;
  /** The key callers must send in the `Api-Key` header, when required; stored encrypted. */
  readonly apiKey: string | null;
  readonly schedule: TriggerSchedule | null;
  readonly nextRunAt: EpochMs | null;
  /** Consecutive failed polls. */
  readonly failures: number;
  readonly lastError: SubscriptionError | null;
  readonly lastRunAt: EpochMs | null;
  readonly createdAt: EpochMs;
  readonly updatedAt: EpochMs;
}

/** Input to {@link TriggerStore.createSubscription}; it starts `enabling`. */
export interface NewSubscription {
  readonly id: string;
  readonly instanceId: string;
  readonly componentKey: string;
  readonly triggerKey: string;
  readonly name: string;
  readonly kind: TriggerKind;
  readonly inputs: JsonObject;
  readonly connections: Readonly<Record<string, string>>;
  readonly webhookToken: string | null;
  readonly apiKey: string | null;
  readonly schedule: TriggerSchedule | null;
}

/** Fields {@link TriggerStore.updateSubscription} may change. */
export interface SubscriptionPatch {
  readonly status?: SubscriptionStatus;
  readonly lastError?: SubscriptionError | null;
  readonly nextRunAt?: EpochMs | null;
  readonly failures?: number;
}

/** One state scope written by a run. */
export interface StateWriteRow {
  readonly scope: StateScope;
  readonly key: string;
  readonly value: JsonObject;
}

/** The execution record of a trigger run or hook. */
export interface TriggerExecutionRow {
  readonly id: string;
  readonly instanceId: string;
  readonly componentKey: string;
  /** `trigger:<key>`, or the hook and the key: `onInstanceDeploy:<key>`, `webhookCreate:<key>`, … */
  readonly actionKey: string;
  readonly status: 'succeeded' | 'failed';
  readonly startedAt: EpochMs;
  readonly finishedAt: EpochMs;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly log: readonly { readonly at: EpochMs; readonly level: string; readonly message: string }[];
}

/** Everything one run writes, committed in one transaction by {@link TriggerStore.commitRun}. */
export interface TriggerRunCommit {
  readonly subscriptionId: string;
  readonly instanceId: string;
  /** When given, the commit happens only while this owner holds the subscription's poll lease. */
  readonly leaseOwner?: string;
  readonly states: readonly StateWriteRow[];
  readonly execution: TriggerExecutionRow;
  readonly events: readonly NewOutboxEvent[];
  readonly patch: SubscriptionPatch & { readonly lastRunAt?: EpochMs };
}

/** Options of {@link TriggerStore.claimDuePolls}. */
export interface PollClaimOptions {
  readonly now: EpochMs;
  readonly limit: number;
  readonly leaseMs: number;
  readonly owner: string;
}

/** Filter for {@link TriggerStore.eventsPage}. */
export interface EventPageFilter {
  readonly instanceId?: string | undefined;
  readonly type?: string | undefined;
}

/** Trigger subscriptions and trigger runs; see {@link Store.triggers}. */
export interface TriggerStore {
  /** `KW_STORE_CONFLICT` when the instance already has a subscription of this name. */
  createSubscription(input: NewSubscription): Promise<Subscription>;
  getSubscription(id: string): Promise<Subscription | undefined>;
  /** The subscription whose webhook URL carries `token` (looked up by its hash). */
  findByWebhookToken(token: string): Promise<Subscription | undefined>;
  listSubscriptions(filter: {
    readonly instanceId?: string;
    readonly status?: SubscriptionStatus;
  }): Promise<Subscription[]>;
  subscriptionsPage(
    filter: { readonly instanceId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<Subscription>>;
  /** `KW_STORE_NOT_FOUND` when there is no such subscription. */
  updateSubscription(id: string, patch: SubscriptionPatch): Promise<Subscription>;
  /** Removes the subscription and its per-flow instance state. */
  deleteSubscription(id: string): Promise<void>;
  /** Leases due polling subscriptions to `owner` (one replica each) and returns them. */
  claimDuePolls(options: PollClaimOptions): Promise<Subscription[]>;
  /**
   * Extends `owner`'s poll lease to `leaseUntil`; false when `owner` no longer holds it (another replica took the
   * subscription over, or it was disabled): the poll must then not run, or not commit.
   */
  renewPollLease(id: string, owner: string, leaseUntil: EpochMs): Promise<boolean>;
  /** Gives a poll lease back without a run (the row's schedule says when it is due again). */
  releasePoll(id: string, owner: string, patch: SubscriptionPatch): Promise<void>;
  /**
   * Writes a run's state, execution record, events and subscription changes in one transaction. False (and
   * nothing written) when `leaseOwner` was given and no longer holds the lease, or the subscription is gone.
   */
  commitRun(commit: TriggerRunCommit): Promise<boolean>;
  /** Outbox events, oldest first, for the API. */
  eventsPage(filter: EventPageFilter, page: PageRequest): Promise<Page<OutboxEvent>>;
}
