/**
 * Trigger subscriptions: a platform enables a trigger of a component on an instance with its inputs; Keyway runs
 * the trigger's `onInstanceDeploy` and `webhookLifecycleHandlers.create`, gives a webhook trigger a URL of its own (an unguessable token on the public
 * URL, optionally also an `Api-Key`), schedules a polling trigger, and on disable (or instance deletion) runs
 * `webhookLifecycleHandlers.delete` and `onInstanceDelete`. A hook that throws leaves the subscription `enable_failed` / `disable_failed` with its
 * message, and {@link Triggers.retry} runs it again.
 */
import { randomBytes, randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { KeywayError } from '../errors';
import type { Subscription, SubscriptionPatch, TriggerSchedule } from '../store';
import type { RunActionDeps } from './run-action';
import { hasPhase, runTriggerPart } from './trigger-run';
import type { TriggerOutcome, TriggerPhase } from './trigger-run';
import { pollPayload, webhookPayload, webhookResponse } from './trigger-payload';
import type { WebhookRequest, WebhookResponse } from './trigger-payload';
import { nextRunAfter, parseSchedule } from './schedule';
import type { ScheduleInput } from './schedule';
import type { WebhookDirectory } from './webhook-directory';
import type { WireAction } from './types';

/** What {@link Triggers} needs: an action run's dependencies and the webhook URL directory. */
export interface TriggersDeps extends RunActionDeps {
  readonly webhooks: WebhookDirectory;
}

/** A request to enable a trigger on an instance. */
export interface EnableTriggerRequest {
  readonly instanceId: string;
  readonly componentKey: string;
  readonly triggerKey: string;
  /** The flow name (the key in `webhookUrls`); default: the trigger key. Unique per instance. */
  readonly name?: string | undefined;
  readonly inputs?: Readonly<Record<string, unknown>> | undefined;
  /** Which connection (by name) fills each connection input; default: the instance's only one. */
  readonly connections?: Readonly<Record<string, string>> | undefined;
  /** Also require an `Api-Key` header on the webhook URL (its value is generated). */
  readonly requireApiKey?: boolean | undefined;
  /** Required for polling triggers, refused for webhook triggers. */
  readonly schedule?: ScheduleInput | undefined;
}

/** True for a polling trigger (spectral's `pollingTrigger` sets `isPollingTrigger`, scheduleSupport `required`). */
export function isPollingTrigger(trigger: WireAction): boolean {
  return trigger.isPollingTrigger === true || trigger.scheduleSupport === 'required';
}

function notFound(id: string): KeywayError {
  return new KeywayError('KW_TRIGGER_NOT_FOUND', {
    message: `No trigger subscription "${id}"`,
    details: { subscriptionId: id },
  });
}

function hookFailed(sub: Subscription, phase: TriggerPhase, outcome: TriggerOutcome): KeywayError {
  return new KeywayError('KW_TRIGGER_HOOK_FAILED', {
    message: `${phase} of trigger "${sub.triggerKey}" failed: ${outcome.error?.message ?? 'unknown error'}`,
    details: { subscriptionId: sub.id, executionId: outcome.executionId, code: outcome.error?.code ?? null },
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Subscriptions and their runs. */
export class Triggers {
  readonly #deps: TriggersDeps;
  readonly #now: () => number;

  constructor(deps: TriggersDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** The trigger `sub` names, or KW_TRIGGER_NOT_FOUND. */
  async #trigger(componentKey: string, triggerKey: string): Promise<WireAction> {
    const component = await this.#deps.components.get(componentKey);
    const trigger = component.triggers.get(triggerKey);
    if (!trigger) {
      throw new KeywayError('KW_TRIGGER_NOT_FOUND', {
        message: `Component "${component.key}" has no trigger "${triggerKey}" (it has: ${[...component.triggers.keys()].join(', ') || 'none'})`,
        details: { componentKey, triggerKey },
      });
    }
    return trigger;
  }

  /** Enables a trigger: stores the subscription, runs `onInstanceDeploy`, and returns it with its status. */
  async enable(request: EnableTriggerRequest): Promise<Subscription> {
    const { store } = this.#deps;
    const instance = await store.getInstance(request.instanceId);
    if (!instance) {
      throw new KeywayError('KW_STORE_NOT_FOUND', {
        message: `Instance "${request.instanceId}" does not exist`,
        details: { instanceId: request.instanceId },
      });
    }
    if (!instance.componentKeys.includes(request.componentKey)) {
      throw new KeywayError('KW_COMPONENT_NOT_FOUND', {
        message: `Instance "${instance.name}" does not use component "${request.componentKey}"`,
        details: { instanceId: instance.id, componentKey: request.componentKey },
      });
    }
    const trigger = await this.#trigger(request.componentKey, request.triggerKey);
    const polling = isPollingTrigger(trigger);
    const schedule = scheduleFor(polling, trigger, request.schedule);
    const id = randomUUID();
    const sub = await store.triggers.createSubscription({
      id,
      instanceId: instance.id,
      componentKey: request.componentKey,
      triggerKey: trigger.key,
      name: request.name ?? trigger.key,
      kind: polling ? 'polling' : 'webhook',
      inputs: { ...request.inputs },
      connections: { ...request.connections },
      webhookToken: polling ? null : randomBytes(32).toString('base64url'),
      apiKey: !polling && request.requireApiKey === true ? randomBytes(24).toString('base64url') : null,
      schedule,
    });
    this.#deps.webhooks.forget(instance.id);
    return this.#deploy(sub, trigger);
  }

  /**
   * Runs the deploy hooks the trigger has, `onInstanceDeploy` then `webhookLifecycleHandlers.create` (both run on
   * deploy on Prismatic), and marks the subscription enabled, or `enable_failed` at the first that throws.
   */
  async #deploy(sub: Subscription, trigger: WireAction): Promise<Subscription> {
    const now = this.#now();
    const enabled: SubscriptionPatch = {
      status: 'enabled',
      lastError: null,
      failures: 0,
      nextRunAt: sub.schedule === null ? null : now,
    };
    const phases = DEPLOY_PHASES.filter((phase) => hasPhase(trigger, phase));
    if (phases.length === 0) return this.#deps.store.triggers.updateSubscription(sub.id, enabled);
    for (const [index, phase] of phases.entries()) {
      const outcome = await runTriggerPart(this.#deps, {
        subscription: sub,
        phase,
        events: false,
        onSuccess: index === phases.length - 1 ? enabled : {},
        onFailure: (error) => ({
          status: 'enable_failed',
          lastError: { code: error.code, message: error.message, at: now },
        }),
      });
      if (outcome.error !== undefined) break;
    }
    this.#deps.webhooks.forget(sub.instanceId);
    return this.#require(sub.id);
  }

  async #require(id: string): Promise<Subscription> {
    const sub = await this.#deps.store.triggers.getSubscription(id);
    if (!sub) throw notFound(id);
    return sub;
  }

  /** The subscription, or KW_TRIGGER_NOT_FOUND. */
  get(id: string): Promise<Subscription> {
    return this.#require(id);
  }

  /**
   * Disables a subscription: its URL stops answering at once, `webhookLifecycleHandlers.delete` and
   * `onInstanceDelete` run (those it has, in that order), and the subscription
   * (with its state) is removed. When the hook throws, the subscription stays `disable_failed` and this throws
   * KW_TRIGGER_HOOK_FAILED; disabling again retries.
   */
  async disable(id: string): Promise<void> {
    const sub = await this.#deps.store.triggers.updateSubscription(id, { status: 'disabling' }).catch(() => {
      throw notFound(id);
    });
    this.#deps.webhooks.forget(sub.instanceId);
    // A trigger removed from its component since cannot run its hook: there is nothing left to undo with.
    const trigger = await this.#trigger(sub.componentKey, sub.triggerKey).catch(() => undefined);
    // A deploy that never succeeded registered nothing to remove.
    const deployed = sub.status !== 'enable_failed' && sub.status !== 'enabling';
    const phases =
      trigger === undefined || !deployed ? [] : DELETE_PHASES.filter((p) => hasPhase(trigger, p));
    for (const phase of phases) {
      const now = this.#now();
      const outcome = await runTriggerPart(this.#deps, {
        subscription: { ...sub, status: 'disabling' },
        phase,
        events: false,
        onSuccess: {},
        onFailure: (error) => ({
          status: 'disable_failed',
          lastError: { code: error.code, message: error.message, at: now },
        }),
      });
      if (outcome.error !== undefined) throw hookFailed(sub, phase, outcome);
    }
    await this.#deps.store.triggers.deleteSubscription(id);
    this.#deps.webhooks.forget(sub.instanceId);
  }

  /** Disables every subscription of an instance (before it is deleted); the first hook failure is thrown. */
  async disableAll(instanceId: string): Promise<void> {
    await this.disableEach([instanceId]);
  }

  /**
   * Disables every subscription of each instance (before a customer is deleted). Every hook runs even when one
   * fails; the first failure is thrown then.
   */
  async disableEach(instanceIds: readonly string[]): Promise<void> {
    const failures: unknown[] = [];
    for (const instanceId of instanceIds) {
      for (const sub of await this.#deps.store.triggers.listSubscriptions({ instanceId })) {
        await this.disable(sub.id).catch((error: unknown) => failures.push(error));
      }
    }
    const [first] = failures;
    if (first instanceof Error) throw first;
  }

  /** Runs a failed hook again: `onInstanceDeploy` of an `enable_failed` subscription, or the disable. */
  async retry(id: string): Promise<Subscription | undefined> {
    const sub = await this.#require(id);
    if (sub.status === 'disable_failed') {
      await this.disable(id);
      return undefined;
    }
    if (sub.status !== 'enable_failed') {
      throw new KeywayError('KW_TRIGGER_INVALID', {
        message: `Subscription "${sub.name}" is ${sub.status}; only a failed hook can be retried`,
        details: { subscriptionId: id, status: sub.status },
      });
    }
    return this.#deploy(sub, await this.#trigger(sub.componentKey, sub.triggerKey));
  }

  /**
   * Handles a request to a trigger URL: the subscription's `perform(context, payload, params)` runs and its
   * `response` is the answer. A trigger that throws answers 500 with the execution id only.
   */
  async handleWebhook(request: WebhookRequest): Promise<WebhookResponse> {
    const sub = await this.#deps.store.triggers.findByWebhookToken(request.token);
    if (!sub || sub.status !== 'enabled') {
      throw new KeywayError('KW_TRIGGER_NOT_FOUND', { message: 'No trigger answers at this URL' });
    }
    if (sub.apiKey !== null) {
      const given = request.headers['api-key'];
      if (given === undefined || !timingSafeEqual(digest(given), digest(sub.apiKey))) {
        throw new KeywayError('KW_TRIGGER_API_KEY_INVALID', {
          message: 'This trigger URL needs its API key in the "Api-Key" header',
        });
      }
    }
    const now = this.#now();
    const outcome = await runTriggerPart(this.#deps, {
      subscription: sub,
      phase: 'perform',
      events: true,
      payload: (identity) => webhookPayload(request, identity),
      // Nothing to change on the subscription when all is well: a burst of requests then never queues on its row.
      onSuccess: sub.lastError === null ? {} : { lastError: null },
      onFailure: (error) => ({ lastError: { code: error.code, message: error.message, at: now } }),
    });
    if (outcome.error !== undefined) {
      throw new KeywayError('KW_TRIGGER_FAILED', {
        message: `The trigger failed; see execution ${outcome.executionId}`,
        details: { executionId: outcome.executionId },
      });
    }
    return webhookResponse(outcome.result, outcome.executionId);
  }

  /**
   * Runs one scheduled poll of a subscription this replica has leased; the state, the execution, the event and
   * the next run time are committed together, and only while the lease is still held.
   */
  async poll(sub: Subscription, owner: string): Promise<TriggerOutcome> {
    const now = this.#now();
    const schedule = sub.schedule;
    if (schedule === null)
      throw new KeywayError('KW_TRIGGER_INVALID', { message: `Subscription "${sub.name}" has no schedule` });
    return runTriggerPart(this.#deps, {
      subscription: sub,
      phase: 'perform',
      events: true,
      leaseOwner: owner,
      payload: (identity) => pollPayload(sub, identity),
      onSuccess: {
        status: 'enabled',
        lastError: null,
        failures: 0,
        nextRunAt: nextRunAfter(schedule, now),
        lastRunAt: now,
      },
      onFailure: (error) => {
        const paused = PAUSING.has(error.code);
        const failures = sub.failures + 1;
        return {
          status: paused ? 'paused' : 'backing_off',
          lastError: { code: error.code, message: error.message, at: now },
          failures,
          nextRunAt: paused ? null : Math.max(nextRunAfter(schedule, now), now + backoffMs(failures)),
          lastRunAt: now,
        };
      },
    });
  }
}

/** The deploy hooks, in the order they run. */
const DEPLOY_PHASES: readonly TriggerPhase[] = ['onInstanceDeploy', 'webhookCreate'];
/** The delete hooks, in the order they run: the mirror of {@link DEPLOY_PHASES}. */
const DELETE_PHASES: readonly TriggerPhase[] = ['webhookDelete', 'onInstanceDelete'];

/** Failures that wait for the customer to reconnect rather than back off. */
const PAUSING: ReadonlySet<string> = new Set([
  'KW_CONNECTION_NOT_CONNECTED',
  'KW_OAUTH_INVALID_GRANT',
  'KW_CREDENTIALS_REFRESH_INTERRUPTED',
]);

/** How long a subscription whose polls keep failing waits: 30 s doubling per failure, at most an hour. */
export function backoffMs(failures: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, failures - 1), 3_600_000);
}

/**
 * A polling trigger's own default schedule: low-code triggers carry one as `defaultSchedule` (spectral passes the
 * member through); a component without one has none.
 */
function defaultScheduleOf(trigger: WireAction): ScheduleInput | undefined {
  const value = trigger['defaultSchedule'];
  if (value === null || typeof value !== 'object') return undefined;
  const { everySeconds, cron } = value as Record<string, unknown>;
  return {
    ...(typeof everySeconds === 'number' ? { everySeconds } : {}),
    ...(typeof cron === 'string' ? { cron } : {}),
  };
}

function scheduleFor(
  polling: boolean,
  trigger: WireAction,
  requested: ScheduleInput | undefined,
): TriggerSchedule | null {
  const key = trigger.key;
  const input = polling ? (requested ?? defaultScheduleOf(trigger)) : requested;
  if (polling && input === undefined) {
    throw new KeywayError('KW_TRIGGER_INVALID', {
      message: `Trigger "${key}" polls: give a schedule (everySeconds or cron)`,
      details: { triggerKey: key },
    });
  }
  if (!polling && input !== undefined) {
    throw new KeywayError('KW_TRIGGER_INVALID', {
      message: `Trigger "${key}" is called by webhook requests and takes no schedule`,
      details: { triggerKey: key },
    });
  }
  return input === undefined ? null : parseSchedule(input);
}
