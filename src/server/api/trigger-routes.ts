/**
 * `/api/instances/:id/triggers`, `/api/triggers` and `/api/events`: enable a trigger on an instance, list,
 * read, retry and disable subscriptions, and page through the events the platform receives (cursor pagination,
 * oldest first, so a reader can follow the log with its last cursor).
 */
import { z } from 'zod';
import { nextCursor, pageQuery, pageRequest } from './pagination';
import { pageOf } from './responses';
import type { DefineRoute } from './route';
import { EnableTriggerBodySchema } from './schemas';
import type { TriggerApiPort } from './trigger-port';

const idParam = z.strictObject({ id: z.string().min(1).max(200) });
const epochMs = z.number().int().describe('Milliseconds since the Unix epoch.');

/** A trigger subscription. */
export const TriggerSchema = z.object({
  id: z.string(),
  instanceId: z.string(),
  componentKey: z.string(),
  triggerKey: z.string(),
  name: z.string().describe('The flow name: the key of its URL in `context.webhookUrls`.'),
  kind: z.enum(['webhook', 'polling']),
  status: z.enum([
    'enabling',
    'enabled',
    'enable_failed',
    'backing_off',
    'paused',
    'disabling',
    'disable_failed',
  ]),
  inputs: z.record(z.string(), z.unknown()),
  connections: z.record(z.string(), z.string()),
  webhookUrl: z.string().nullable().describe('The URL to give the vendor (webhook triggers).'),
  apiKey: z.string().nullable().describe('Callers send it in the `Api-Key` header, when required.'),
  schedule: z.union([z.object({ everySeconds: z.number() }), z.object({ cron: z.string() })]).nullable(),
  nextRunAt: epochMs.nullable(),
  failures: z.number().int().describe('Consecutive failed polls.'),
  lastError: z.object({ code: z.string(), message: z.string(), at: epochMs }).nullable(),
  lastRunAt: epochMs.nullable(),
  createdAt: epochMs,
  updatedAt: epochMs,
});

/** An event of the outbox: what the platform receives by webhook, readable here too. */
export const EventSchema = z.object({
  id: z.string(),
  type: z.string().describe('e.g. `trigger.fired`, `trigger.failed`, `connection.needs_reauthorization`.'),
  instanceId: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  status: z.string().describe('Delivery to the webhook endpoints: pending, delivered or failed.'),
  attempts: z.number().int(),
  createdAt: epochMs,
  deliveredAt: epochMs.nullable(),
});

const triggersQuery = pageQuery.extend({ instanceId: z.string().min(1).max(200).optional() });
const eventsQuery = pageQuery.extend({
  instanceId: z.string().min(1).max(200).optional(),
  type: z.string().min(1).max(100).optional(),
});
const one = z.object({ trigger: TriggerSchema });

/** Registers the trigger and event routes. */
export function registerTriggerRoutes(define: DefineRoute, triggers: TriggerApiPort): void {
  define({
    method: 'POST',
    url: '/api/instances/:id/triggers',
    scope: 'triggers:write',
    operationId: 'enableTrigger',
    summary: 'Enable a trigger of a component on an instance (runs its onInstanceDeploy)',
    params: idParam,
    body: EnableTriggerBodySchema,
    response: one,
    errors: [409],
    status: 201,
    async handle({ params: { id }, body }) {
      return { trigger: await triggers.enableTrigger({ ...body, instanceId: id }) };
    },
  });

  define({
    method: 'GET',
    url: '/api/triggers',
    scope: 'triggers:read',
    operationId: 'listTriggers',
    summary: 'List trigger subscriptions, optionally of one instance',
    query: triggersQuery,
    response: pageOf('triggers', TriggerSchema),
    async handle({ query }) {
      const page = await triggers.triggersPage({ instanceId: query.instanceId }, pageRequest(query));
      return { triggers: page.items, nextCursor: nextCursor(page) };
    },
  });

  define({
    method: 'GET',
    url: '/api/triggers/:id',
    scope: 'triggers:read',
    operationId: 'getTrigger',
    summary: 'Get a trigger subscription with its status, URL and last error',
    params: idParam,
    response: one,
    async handle({ params: { id } }) {
      return { trigger: await triggers.getTrigger(id) };
    },
  });

  define({
    method: 'POST',
    url: '/api/triggers/:id/retry',
    scope: 'triggers:write',
    operationId: 'retryTrigger',
    summary: 'Run a failed lifecycle hook again (null once a retried disable removed the subscription)',
    params: idParam,
    response: z.object({ trigger: TriggerSchema.nullable() }),
    errors: [502],
    async handle({ params: { id } }) {
      return { trigger: await triggers.retryTrigger(id) };
    },
  });

  define({
    method: 'DELETE',
    url: '/api/triggers/:id',
    scope: 'triggers:write',
    operationId: 'disableTrigger',
    summary: 'Disable a trigger: its URL stops answering, onInstanceDelete runs, the subscription is removed',
    params: idParam,
    errors: [502],
    status: 204,
    async handle({ params: { id } }) {
      await triggers.disableTrigger(id);
      return undefined;
    },
  });

  define({
    method: 'GET',
    url: '/api/events',
    scope: 'events:read',
    operationId: 'listEvents',
    summary: 'Page through the events the platform receives, oldest first',
    query: eventsQuery,
    response: pageOf('events', EventSchema),
    async handle({ query }) {
      const page = await triggers.eventsPage(
        { instanceId: query.instanceId, type: query.type },
        pageRequest(query),
      );
      return { events: page.items, nextCursor: nextCursor(page) };
    },
  });
}
