/**
 * `/api/instances/:id/triggers`, `/api/triggers` and `/api/events`: enable a trigger on an instance, list,
 * read, retry and disable subscriptions, and page through the events the platform receives (cursor pagination,
 * oldest first, so a reader can follow the log with its last cursor).
 */
import { z } from 'zod';
import { parseRequest } from '../http';
import { nextCursor, pageQuery, pageRequest } from './pagination';
import type { DefineRoute } from './route';
import { EnableTriggerBodySchema } from './schemas';
import type { TriggerApiPort } from './trigger-port';

const idParam = z.strictObject({ id: z.string().min(1).max(200) });

const triggersQuery = pageQuery.extend({ instanceId: z.string().min(1).max(200).optional() });
const eventsQuery = pageQuery.extend({
  instanceId: z.string().min(1).max(200).optional(),
  type: z.string().min(1).max(100).optional(),
});

/** Registers the trigger and event routes. */
export function registerTriggerRoutes(define: DefineRoute, triggers: TriggerApiPort): void {
  define({
    method: 'POST',
    url: '/api/instances/:id/triggers',
    scope: 'triggers:write',
    status: 201,
    async handle({ request }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      const body = parseRequest(EnableTriggerBodySchema, request.body ?? {}, 'body');
      return { trigger: await triggers.enableTrigger({ ...body, instanceId: id }) };
    },
  });

  define({
    method: 'GET',
    url: '/api/triggers',
    scope: 'triggers:read',
    query: triggersQuery,
    async handle({ query }) {
      const page = await triggers.triggersPage({ instanceId: query.instanceId }, pageRequest(query));
      return { triggers: page.items, nextCursor: nextCursor(page) };
    },
  });

  define({
    method: 'GET',
    url: '/api/triggers/:id',
    scope: 'triggers:read',
    async handle({ request }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      return { trigger: await triggers.getTrigger(id) };
    },
  });

  define({
    method: 'POST',
    url: '/api/triggers/:id/retry',
    scope: 'triggers:write',
    async handle({ request }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      return { trigger: await triggers.retryTrigger(id) };
    },
  });

  define({
    method: 'DELETE',
    url: '/api/triggers/:id',
    scope: 'triggers:write',
    status: 204,
    async handle({ request }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      await triggers.disableTrigger(id);
      return undefined;
    },
  });

  define({
    method: 'GET',
    url: '/api/events',
    scope: 'events:read',
    query: eventsQuery,
    async handle({ query }) {
      const page = await triggers.eventsPage(
        { instanceId: query.instanceId, type: query.type },
        pageRequest(query),
      );
      return { events: page.items, nextCursor: nextCursor(page) };
    },
  });
}
