/**
 * The trigger part of the API's port on the runtime's {@link Triggers}: subscriptions as DTOs (with the URL to
 * hand the vendor), the outbox as an event log, and the public trigger URLs.
 */
import type { Triggers, WebhookDirectory } from '../runtime';
import type { OutboxEvent, Page, Store, Subscription } from '../store';
import type { EventDto, TriggerApiPort, TriggerDto } from './api/trigger-port';

function mapPage<T, U>(page: Page<T>, map: (item: T) => U): Page<U> {
  return { items: page.items.map(map), next: page.next };
}

function eventDto(event: OutboxEvent): EventDto {
  return {
    id: event.id,
    type: event.type,
    instanceId: event.instanceId,
    payload: event.payload,
    status: event.status,
    attempts: event.attempts,
    createdAt: event.createdAt,
    deliveredAt: event.deliveredAt,
  };
}

/** What {@link triggerServices} wires. */
export interface TriggerServicesDeps {
  readonly store: Store;
  readonly triggers: Triggers;
  readonly webhooks: WebhookDirectory;
}

/** The {@link TriggerApiPort} on the runtime. */
export function triggerServices(deps: TriggerServicesDeps): TriggerApiPort {
  const { store, triggers, webhooks } = deps;

  function dto(sub: Subscription): TriggerDto {
    const schedule = sub.schedule;
    return {
      id: sub.id,
      instanceId: sub.instanceId,
      componentKey: sub.componentKey,
      triggerKey: sub.triggerKey,
      name: sub.name,
      kind: sub.kind,
      status: sub.status,
      inputs: sub.inputs,
      connections: sub.connections,
      webhookUrl: sub.webhookToken === null ? null : webhooks.urlOf(sub.webhookToken),
      apiKey: sub.apiKey,
      schedule:
        schedule === null
          ? null
          : schedule.kind === 'interval'
            ? { everySeconds: schedule.everyMs / 1000 }
            : { cron: schedule.expression },
      nextRunAt: sub.nextRunAt,
      failures: sub.failures,
      lastError: sub.lastError,
      lastRunAt: sub.lastRunAt,
      createdAt: sub.createdAt,
      updatedAt: sub.updatedAt,
    };
  }

  return {
    enableTrigger: async (input) => dto(await triggers.enable(input)),
    getTrigger: async (id) => dto(await triggers.get(id)),
    triggersPage: async (filter, page) => mapPage(await store.triggers.subscriptionsPage(filter, page), dto),
    async retryTrigger(id) {
      const sub = await triggers.retry(id);
      return sub === undefined ? null : dto(sub);
    },
    disableTrigger: (id) => triggers.disable(id),
    eventsPage: async (filter, page) => mapPage(await store.triggers.eventsPage(filter, page), eventDto),
    handleWebhook: (request) => triggers.handleWebhook(request),
  };
}
