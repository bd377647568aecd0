/**
 * The REST API under `/api`: API-key authentication with scopes, zod-validated bodies, one error shape.
 *
 * Scopes are `<resource>:<read|write>` (`components`, `customers`, `instances`, `connections`, `links`,
 * `actions`, `webhooks`); `<resource>:*` and `*` grant more. `GET /api/openapi.json` needs no key.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { KeywayError } from '../../errors';
import type { ServerConfig } from '../config';
import { parseRequest } from '../http';
import { signConnectLink } from '../links';
import type { Metrics } from '../metrics';
import type { ApiKeyPort, ApiPrincipal } from '../ports';
import { checkCompletionUrl } from '../redirects';
import { openApiDocument } from './openapi';
import {
  CreateConnectLinkBodySchema,
  CreateCustomerBodySchema,
  CreateInstanceBodySchema,
  PublishComponentBodySchema,
  RunActionBodySchema,
} from './schemas';
import type { ApiPort } from './types';

/** What the API routes need. */
export interface ApiRouteContext {
  readonly config: ServerConfig;
  readonly api: ApiPort;
  readonly apiKeys: ApiKeyPort;
  readonly metrics: Metrics;
  readonly now: () => number;
}

/** True when `granted` includes `required`, directly or through `*` / `<resource>:*`. */
export function scopeAllows(granted: readonly string[], required: string): boolean {
  const resource = required.split(':')[0] ?? required;
  return granted.includes('*') || granted.includes(required) || granted.includes(`${resource}:*`);
}

const idParam = z.object({ id: z.string().min(1).max(200) });
const actionParams = idParam.extend({
  componentKey: z.string().min(1).max(200),
  actionKey: z.string().min(1).max(200),
});

const connectionParams = idParam.extend({ name: z.string().min(1).max(200) });

const listInstancesQuery = z.object({ customerId: z.string().min(1).optional() });

/** The labels of calls to a component or action that does not exist: one series for all of them. */
const UNKNOWN_ACTION = { component: 'unknown', action: 'unknown' } as const;

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function notFound(what: string, id: string): KeywayError {
  return new KeywayError('KW_API_NOT_FOUND', { message: `No ${what} "${id}"`, details: { id } });
}

/** Registers `/api/*` on `app`. */
export function registerApiRoutes(app: FastifyInstance, ctx: ApiRouteContext): void {
  const { api, config } = ctx;
  const principals = new WeakMap<FastifyRequest, ApiPrincipal>();

  async function authorize(request: FastifyRequest, scope: string): Promise<ApiPrincipal> {
    const key = bearer(request);
    const principal = key === undefined ? undefined : await ctx.apiKeys.verify(key);
    if (!principal) {
      throw new KeywayError('KW_API_UNAUTHORIZED', {
        message:
          key === undefined
            ? 'This endpoint needs an API key: send "Authorization: Bearer <key>"'
            : 'The API key is unknown or revoked',
      });
    }
    if (!scopeAllows(principal.scopes, scope)) {
      throw new KeywayError('KW_API_FORBIDDEN', {
        message: `The API key "${principal.name}" lacks the "${scope}" scope`,
        details: { required: scope },
      });
    }
    principals.set(request, principal);
    return principal;
  }

  type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  function route(method: 'GET' | 'POST', url: string, scope: string, handler: Handler): void {
    app.route({
      method,
      url,
      handler: async (request, reply) => {
        await authorize(request, scope);
        return handler(request, reply);
      },
    });
  }

  app.get('/api/openapi.json', (_request, reply) => reply.send(openApiDocument(config.publicBaseUrl)));

  route('GET', '/api/components', 'components:read', async () => ({
    components: await api.listComponents(),
  }));
  route('POST', '/api/components', 'components:write', async (request, reply) => {
    const body = parseRequest(PublishComponentBodySchema, request.body, 'body');
    const component = await api.publishComponent(Buffer.from(body.bundleBase64, 'base64'));
    return reply.code(201).send({ component });
  });

  route('GET', '/api/customers', 'customers:read', async () => ({ customers: await api.listCustomers() }));
  route('POST', '/api/customers', 'customers:write', async (request, reply) => {
    const body = parseRequest(CreateCustomerBodySchema, request.body, 'body');
    return reply.code(201).send({ customer: await api.createCustomer(body) });
  });
  route('GET', '/api/customers/:id', 'customers:read', async (request) => {
    const { id } = parseRequest(idParam, request.params, 'params');
    const customer = await api.getCustomer(id);
    if (!customer) throw notFound('customer', id);
    return { customer };
  });

  route('GET', '/api/instances', 'instances:read', async (request) => {
    const query = parseRequest(listInstancesQuery, request.query, 'query');
    return { instances: await api.listInstances(query.customerId ? { customerId: query.customerId } : {}) };
  });
  route('POST', '/api/instances', 'instances:write', async (request, reply) => {
    const body = parseRequest(CreateInstanceBodySchema, request.body, 'body');
    return reply.code(201).send({ instance: await api.createInstance(body) });
  });
  route('GET', '/api/instances/:id', 'instances:read', async (request) => {
    const { id } = parseRequest(idParam, request.params, 'params');
    const instance = await api.getInstance(id);
    if (!instance) throw notFound('instance', id);
    return { instance };
  });
  route('GET', '/api/instances/:id/connections', 'connections:read', async (request) => {
    const { id } = parseRequest(idParam, request.params, 'params');
    const instance = await api.getInstance(id);
    if (!instance) throw notFound('instance', id);
    return { connections: instance.connections };
  });

  route('POST', '/api/instances/:id/connect-links', 'links:write', async (request, reply) => {
    const { id } = parseRequest(idParam, request.params, 'params');
    const body = parseRequest(CreateConnectLinkBodySchema, request.body ?? {}, 'body');
    const instance = await api.getInstance(id);
    if (!instance) throw notFound('instance', id);
    const known = new Set(instance.connections.map((c) => c.id));
    const unknown = (body.connectionIds ?? []).filter((cid) => !known.has(cid));
    if (unknown.length > 0) {
      throw new KeywayError('KW_REQUEST_INVALID', {
        message: `These connections are not part of instance "${id}": ${unknown.join(', ')}`,
        details: {
          issues: unknown.map((cid) => ({
            path: 'body.connectionIds',
            message: `unknown connection ${cid}`,
          })),
        },
      });
    }
    const successUrl =
      body.successUrl === undefined
        ? undefined
        : checkCompletionUrl(body.successUrl, config.allowedRedirectOrigins);
    const failureUrl =
      body.failureUrl === undefined
        ? undefined
        : checkCompletionUrl(body.failureUrl, config.allowedRedirectOrigins);
    if (body.popup && !config.popupOrigin) {
      throw new KeywayError('KW_REQUEST_INVALID', {
        message: 'Popup links need a configured popup origin (KEYWAY_POPUP_ORIGIN)',
        details: { issues: [{ path: 'body.popup', message: 'no popup origin configured' }] },
      });
    }
    const signed = signConnectLink(
      {
        instanceId: id,
        ttlMs: body.ttlSeconds !== undefined ? body.ttlSeconds * 1000 : config.linkTtlMs,
        ...(body.connectionIds ? { connectionIds: body.connectionIds } : {}),
        ...(successUrl ? { successUrl } : {}),
        ...(failureUrl ? { failureUrl } : {}),
        ...(body.popup ? { popup: true } : {}),
      },
      { secret: config.linkSecret, now: ctx.now() },
    );
    request.log.info({ linkId: signed.claims.lid, instanceId: id }, 'connect link created');
    return reply.code(201).send({
      link: {
        id: signed.claims.lid,
        url: `${config.publicBaseUrl}/connect/${signed.token}`,
        instanceId: id,
        connectionIds: signed.claims.cids ?? null,
        expiresAt: signed.claims.exp,
      },
    });
  });

  route('GET', '/api/connections/:id', 'connections:read', async (request) => {
    const { id } = parseRequest(idParam, request.params, 'params');
    const connection = await api.getConnection(id);
    if (!connection) throw notFound('connection', id);
    return { connection };
  });

  route('POST', '/api/instances/:id/connections/:name/activate', 'connections:write', async (request) => {
    const params = parseRequest(connectionParams, request.params, 'params');
    return api.activateConnection(params.id, params.name);
  });

  route('POST', '/api/connections/:id/disconnect', 'connections:write', async (request) => {
    const { id } = parseRequest(idParam, request.params, 'params');
    if (!(await api.getConnection(id))) throw notFound('connection', id);
    return { connection: await api.disconnect(id) };
  });

  route('POST', '/api/instances/:id/actions/:componentKey/:actionKey', 'actions:write', async (request) => {
    const params = parseRequest(actionParams, request.params, 'params');
    const body = parseRequest(RunActionBodySchema, request.body ?? {}, 'body');
    const labels = { component: params.componentKey, action: params.actionKey };
    try {
      const run = await api.runAction({
        instanceId: params.id,
        componentKey: params.componentKey,
        actionKey: params.actionKey,
        inputs: body.inputs,
        ...(body.connections ? { connections: body.connections } : {}),
      });
      ctx.metrics.inc('keyway_action_calls_total', { ...labels, outcome: 'succeeded' });
      return run;
    } catch (error) {
      // Label values come from the URL: only a real component and action may name a series, or every
      // made-up name would add one (20,000 calls made 20,004 series before).
      const known = await api.hasAction(params.componentKey, params.actionKey).catch(() => false);
      ctx.metrics.inc('keyway_action_calls_total', {
        ...(known ? labels : UNKNOWN_ACTION),
        outcome: 'failed',
      });
      throw error;
    }
  });

  route('GET', '/api/webhooks', 'webhooks:read', async () => ({
    endpoints: await api.listWebhookEndpoints(),
  }));
}

/** The scopes an API key can hold, for `keyway` commands that create keys. */
export const API_SCOPES = [
  'components:read',
  'components:write',
  'customers:read',
  'customers:write',
  'instances:read',
  'instances:write',
  'connections:read',
  'connections:write',
  'links:write',
  'actions:write',
  'webhooks:read',
] as const;
