/**
 * Platform administration: API keys, webhook endpoints, executions (logs redacted) and the audit log.
 */
import { z } from 'zod';
import { KeywayError } from '../../errors';
import type { ApiPrincipal } from '../ports';
import { idParam, notFound } from './customer-routes';
import { nextCursor, pageOfList, pageQuery, pageRequest } from './pagination';
import type { DefineRoute } from './route';
import { ApiKeySchema, AuditEntrySchema, ExecutionSchema, WebhookEndpointSchema, pageOf } from './responses';
import { API_SCOPES, isKnownScope, scopeAllows } from './route';
import { CreateApiKeyBodySchema, CreateWebhookEndpointBodySchema } from './schemas';
import type { ApiPort } from './types';

const executionsQuery = pageQuery.extend({
  instanceId: z.string().min(1).max(200).optional(),
  status: z.enum(['running', 'succeeded', 'failed']).optional(),
});

/** A key may hand out only known scopes it holds itself: `apiKeys:write` is not a way to gain `*`. */
function checkGrantable(principal: ApiPrincipal, scopes: readonly string[]): void {
  const unknown = scopes.filter((scope) => !isKnownScope(scope));
  if (unknown.length > 0) {
    throw new KeywayError('KW_REQUEST_INVALID', {
      message: `Unknown scope(s) ${unknown.join(', ')}; known: ${API_SCOPES.join(', ')}, <resource>:*, *`,
      details: {
        issues: unknown.map((scope) => ({ path: 'body.scopes', message: `unknown scope ${scope}` })),
      },
    });
  }
  const beyond = scopes.filter((scope) => !scopeAllows(principal.scopes, scope));
  if (beyond.length > 0) {
    throw new KeywayError('KW_API_FORBIDDEN', {
      message: `The API key "${principal.name}" cannot grant scopes it does not hold: ${beyond.join(', ')}`,
      details: { required: beyond.join(',') },
    });
  }
}

/** Registers the API-key, webhook, execution and audit routes. */
export function registerAdminRoutes(define: DefineRoute, api: ApiPort): void {
  define({
    method: 'GET',
    url: '/api/api-keys',
    scope: 'apiKeys:read',
    operationId: 'listApiKeys',
    summary: 'List API keys (never the key itself)',
    query: pageQuery,
    response: pageOf('apiKeys', ApiKeySchema),
    async handle({ query }) {
      const page = await api.apiKeysPage(pageRequest(query));
      return { apiKeys: page.items, nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'POST',
    url: '/api/api-keys',
    scope: 'apiKeys:write',
    operationId: 'createApiKey',
    summary: 'Create an API key with scopes the calling key holds; the key is shown only in this answer',
    status: 201,
    body: CreateApiKeyBodySchema,
    response: z.object({
      apiKey: ApiKeySchema,
      key: z.string().describe('The key itself: shown only here, the store keeps its hash.'),
    }),
    async handle({ body, principal }) {
      checkGrantable(principal, body.scopes);
      const created = await api.createApiKey(body);
      // The key in clear exists only in this response; the store keeps its hash.
      return { apiKey: created.apiKey, key: created.key };
    },
  });
  define({
    method: 'POST',
    url: '/api/api-keys/:id/revoke',
    scope: 'apiKeys:write',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key, at once on every replica',
    params: idParam,
    response: z.object({ revoked: z.object({ id: z.string() }) }),
    async handle({ params: { id } }) {
      await api.revokeApiKey(id);
      return { revoked: { id } };
    },
  });

  define({
    method: 'GET',
    url: '/api/webhooks',
    scope: 'webhooks:read',
    operationId: 'listWebhookEndpoints',
    summary: 'List webhook endpoints from the config file and the API, without secrets',
    query: pageQuery,
    response: pageOf('endpoints', WebhookEndpointSchema),
    async handle({ query }) {
      const page = pageOfList(await api.listWebhookEndpoints(), (e) => e.id, pageRequest(query));
      return { endpoints: page.items, nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'POST',
    url: '/api/webhooks',
    scope: 'webhooks:write',
    operationId: 'createWebhookEndpoint',
    summary: 'Add a webhook endpoint; every replica delivers to it without a restart',
    status: 201,
    body: CreateWebhookEndpointBodySchema,
    response: z.object({
      endpoint: WebhookEndpointSchema,
      secret: z.string().describe('The signing secret: shown only here.'),
    }),
    errors: [409],
    async handle({ body }) {
      // The secret is shown once, like an API key: receivers verify signatures with it.
      return api.createWebhookEndpoint(body);
    },
  });
  define({
    method: 'DELETE',
    url: '/api/webhooks/:id',
    scope: 'webhooks:write',
    operationId: 'deleteWebhookEndpoint',
    summary: 'Remove a webhook endpoint added through the API (config-file endpoints: 409)',
    status: 204,
    params: idParam,
    errors: [409],
    async handle({ params: { id } }) {
      await api.deleteWebhookEndpoint(id);
      return undefined;
    },
  });
  define({
    method: 'POST',
    url: '/api/webhooks/:id/test',
    scope: 'webhooks:write',
    operationId: 'testWebhookEndpoint',
    summary: 'Post a signed webhook.test event to an endpoint now',
    params: idParam,
    response: z.object({ test: z.object({ delivered: z.boolean(), error: z.string().nullable() }) }),
    async handle({ params: { id } }) {
      return { test: await api.testWebhookEndpoint(id) };
    },
  });

  define({
    method: 'GET',
    url: '/api/executions',
    scope: 'executions:read',
    operationId: 'listExecutions',
    summary: 'List action runs, newest first, by instance and status',
    query: executionsQuery,
    response: pageOf('executions', ExecutionSchema),
    async handle({ query }) {
      const filter = { instanceId: query.instanceId, status: query.status };
      const page = await api.executionsPage(filter, pageRequest(query));
      return { executions: page.items, nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'GET',
    url: '/api/executions/:id',
    scope: 'executions:read',
    operationId: 'getExecution',
    summary: 'Get one action run with its redacted log',
    params: idParam,
    response: z.object({ execution: ExecutionSchema }),
    async handle({ params: { id } }) {
      const execution = await api.getExecution(id);
      if (!execution) throw notFound('execution', id);
      return { execution };
    },
  });

  define({
    method: 'GET',
    url: '/api/audit',
    scope: 'audit:read',
    operationId: 'listAuditEntries',
    summary: 'Read the audit log, newest first',
    query: pageQuery,
    response: pageOf('entries', AuditEntrySchema),
    async handle({ query }) {
      const page = await api.auditPage(pageRequest(query));
      return { entries: page.items, nextCursor: nextCursor(page) };
    },
  });
}
