/**
 * The trigger part of the REST API's port: subscriptions, the events the platform receives, and the public
 * trigger URLs. Implemented on the runtime by `triggerServices` (../trigger-services.ts).
 */
import type { WebhookRequest, WebhookResponse } from '../../runtime';
import type { Page, PageRequest } from '../../store';

export type { WebhookRequest, WebhookResponse };

/** A trigger subscription, as the API returns it. */
export interface TriggerDto {
  readonly id: string;
  readonly instanceId: string;
  readonly componentKey: string;
  readonly triggerKey: string;
  readonly name: string;
  readonly kind: 'webhook' | 'polling';
  readonly status: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly connections: Readonly<Record<string, string>>;
  /** The URL to give the vendor (webhook triggers), else null. */
  readonly webhookUrl: string | null;
  /** The value callers must send in `Api-Key`, when the subscription requires one. */
  readonly apiKey: string | null;
  readonly schedule: { readonly everySeconds: number } | { readonly cron: string } | null;
  readonly nextRunAt: number | null;
  readonly failures: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
  readonly lastRunAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** An event of the outbox, as the API lists it. */
export interface EventDto {
  readonly id: string;
  readonly type: string;
  readonly instanceId: string | null;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly status: string;
  readonly attempts: number;
  readonly createdAt: number;
  readonly deliveredAt: number | null;
}

/** The body of `POST /api/instances/:id/triggers`. */
export interface EnableTriggerInput {
  readonly instanceId: string;
  readonly componentKey: string;
  readonly triggerKey: string;
  readonly name?: string | undefined;
  readonly inputs?: Readonly<Record<string, unknown>> | undefined;
  readonly connections?: Readonly<Record<string, string>> | undefined;
  readonly requireApiKey?: boolean | undefined;
  readonly schedule?:
    { readonly everySeconds?: number | undefined; readonly cron?: string | undefined } | undefined;
}

/** What the trigger routes need. */
export interface TriggerApiPort {
  enableTrigger(input: EnableTriggerInput): Promise<TriggerDto>;
  getTrigger(id: string): Promise<TriggerDto>;
  triggersPage(
    filter: { readonly instanceId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<TriggerDto>>;
  /** Runs a failed hook again; null when a retried disable removed the subscription. */
  retryTrigger(id: string): Promise<TriggerDto | null>;
  /** Runs `onInstanceDelete` and removes the subscription. */
  disableTrigger(id: string): Promise<void>;
  eventsPage(
    filter: { readonly instanceId?: string | undefined; readonly type?: string | undefined },
    page: PageRequest,
  ): Promise<Page<EventDto>>;
  /** Handles a request to a trigger URL. */
  handleWebhook(request: WebhookRequest): Promise<WebhookResponse>;
}
