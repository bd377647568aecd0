/**
 * Platform administration: API keys, webhook endpoints, executions (logs redacted) and the audit log.
 */
import { z } from 'zod';
import { KeywayError } from '../../errors';
import { parseRequest } from '../http';
import type { ApiPrincipal } from '../ports';
import { idParam, notFound } from './customer-routes';
import { nextCursor, pageOfList, pageQuery, pageRequest } from './pagination';
import type { DefineRoute } from './route';
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
    query: pageQuery,
    async handle({ query }) {
      const page = await api.apiKeysPage(pageRequest(query));
      return { apiKeys: page.items, nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'POST',
    url: '/api/api-keys',
    scope: 'apiKeys:write',
    status: 201,
    async handle({ request, principal }) {
      const body = parseRequest(CreateApiKeyBodySchema, request.body, 'body');
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
    async handle({ request }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      await api.revokeApiKey(id);
      return { revoked: { id } };
    },
  });

  define({
    method: 'GET',
    url: '/api/webhooks',
    scope: 'webhooks:read',
    query: pageQuery,
    async handle({ query }) {
      const page = pageOfList(await api.listWebhookEndpoints(), (e) => e.id, pageRequest(query));
      return { endpoints: page.items, nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'POST',
    url: '/api/webhooks',
    scope: 'webhooks:write',
    status: 201,
    async handle({ request }) {
      const body = parseRequest(CreateWebhookEndpointBodySchema, request.body, 'body');
      // The secret is shown once, like an API key: receivers verify signatures with it.
      return api.createWebhookEndpoint(body);
    },
  });
  define({
    method: 'DELETE',
    url: '/api/webhooks/:id',
    scope: 'webhooks:write',
    status: 204,
    async handle({ request }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      await api.deleteWebhookEndpoint(id);
      return undefined;
    },
  });
  define({
    method: 'POST',
    url: '/api/webhooks/:id/test',
    scope: 'webhooks:write',
    async handle({ request }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      return { test: await api.testWebhookEndpoint(id) };
    },
  });

  define({
    method: 'GET',
    url: '/api/executions',
    scope: 'executions:read',
    query: executionsQuery,
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
    async handle({ request }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      const execution = await api.getExecution(id);
      if (!execution) throw notFound('execution', id);
      return { execution };
    },
  });

  define({
    method: 'GET',
    url: '/api/audit',
    scope: 'audit:read',
    query: pageQuery,
    async handle({ query }) {
      const page = await api.auditPage(pageRequest(query));
      return { entries: page.items, nextCursor: nextCursor(page) };
    },
  });
}
