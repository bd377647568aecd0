/**
 * Connections (listed by instance and status, read, disconnected), connect links and action runs.
 */
import { z } from 'zod';
import { KeywayError } from '../../errors';
import type { ServerConfig } from '../config';
import { signConnectLink } from '../links';
import type { Metrics } from '../metrics';
import type { ConnectionViewStatus } from '../ports';
import { checkCompletionUrl } from '../redirects';
import { idParam, instanceParam, notFound } from './customer-routes';
import { nextCursor, pageQuery, pageRequest } from './pagination';
import type { DefineRoute } from './route';
import {
  ActionRunResponseSchema,
  ActivationResponseSchema,
  ConnectLinkResponseSchema,
  ConnectionSchema,
  DataSourceRunResponseSchema,
  DisconnectResponseSchema,
  pageOf,
} from './responses';
import { CreateConnectLinkBodySchema, RunActionBodySchema, RunDataSourceBodySchema } from './schemas';
import type { ApiPort } from './types';

const statusFilter = z
  .enum([
    'pending',
    'connected',
    'needs_reauthorization',
    'error',
    'disconnected',
  ] satisfies ConnectionViewStatus[])
  .optional();
const connectionsQuery = pageQuery.extend({
  instanceId: z.string().min(1).max(200).optional(),
  status: statusFilter,
});
const instanceConnectionsQuery = pageQuery.extend({ status: statusFilter });
const connectionPage = pageOf('connections', ConnectionSchema);
const connectionParams = instanceParam.extend({ name: z.string().min(1).max(200) });
const actionParams = instanceParam.extend({
  componentKey: z.string().min(1).max(200),
  actionKey: z.string().min(1).max(200),
});

const dataSourceParams = instanceParam.extend({
  componentKey: z.string().min(1).max(200),
  dataSourceKey: z.string().min(1).max(200),
});

/** The labels of calls to a component or action that does not exist: one series for all of them. */
const UNKNOWN_ACTION = { component: 'unknown', action: 'unknown' } as const;

/** What the connection routes need. */
export interface ConnectionRouteContext {
  readonly api: ApiPort;
  readonly config: ServerConfig;
  readonly metrics: Metrics;
  readonly now: () => number;
}

/** Registers the connection, connect-link and action routes. */
export function registerConnectionRoutes(define: DefineRoute, ctx: ConnectionRouteContext): void {
  const { api } = ctx;
  define({
    method: 'GET',
    url: '/api/connections',
    scope: 'connections:read',
    operationId: 'listConnections',
    summary: 'List connections, filtered by instance and status',
    query: connectionsQuery,
    response: connectionPage,
    async handle({ query }) {
      const filter = { instanceId: query.instanceId, status: query.status };
      const page = await api.connectionsPage(filter, pageRequest(query));
      return { connections: page.items, nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'GET',
    url: '/api/instances/:id/connections',
    scope: 'connections:read',
    operationId: 'listInstanceConnections',
    summary: 'List one instance’s connections, filtered by status',
    params: instanceParam,
    query: instanceConnectionsQuery,
    response: connectionPage,
    async handle({ params: { id }, query }) {
      if (!(await api.getInstance(id))) throw notFound('instance', id);
      const page = await api.connectionsPage({ instanceId: id, status: query.status }, pageRequest(query));
      return { connections: page.items, nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'GET',
    url: '/api/connections/:id',
    scope: 'connections:read',
    operationId: 'getConnection',
    summary: 'Get a connection (never a token or a secret)',
    params: idParam,
    response: z.object({ connection: ConnectionSchema }),
    async handle({ params: { id } }) {
      const connection = await api.getConnection(id);
      if (!connection) throw notFound('connection', id);
      return { connection };
    },
  });
  define({
    method: 'POST',
    url: '/api/instances/:id/connections/:name/activate',
    scope: 'connections:write',
    operationId: 'activateConnection',
    summary:
      'Fetch a token now for a connection that needs no person (client credentials, a platform-supplied password); answers what the provider granted, never the token',
    params: connectionParams,
    response: ActivationResponseSchema,
    errors: [409, 429, 502, 504],
    async handle({ params }) {
      return api.activateConnection(params.id, params.name);
    },
  });
  define({
    method: 'POST',
    url: '/api/connections/:id/disconnect',
    scope: 'connections:write',
    operationId: 'disconnectConnection',
    summary: 'Revoke a connection’s tokens at the provider when possible and delete them',
    params: idParam,
    response: DisconnectResponseSchema,
    async handle({ params: { id } }) {
      if (!(await api.getConnection(id))) throw notFound('connection', id);
      return api.disconnect(id);
    },
  });
  define({
    method: 'POST',
    url: '/api/instances/:id/connect-links',
    scope: 'links:write',
    operationId: 'createConnectLink',
    summary: 'Create a signed, expiring connect link for an instance’s connections',
    status: 201,
    params: instanceParam,
    body: CreateConnectLinkBodySchema,
    response: ConnectLinkResponseSchema,
    handle: ({ params, body, request }) => createConnectLink(ctx, params.id, body, request.log),
  });
  define({
    method: 'POST',
    url: '/api/instances/:id/actions/:componentKey/:actionKey',
    scope: 'actions:write',
    operationId: 'runAction',
    summary: 'Run a component’s action for an instance',
    params: actionParams,
    body: RunActionBodySchema,
    response: ActionRunResponseSchema,
    errors: [409, 429, 502, 504],
    // Runs are recorded in the execution log; an audit row per run would tax the hot path.
    audit: false,
    async handle({ params, body }) {
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
    },
  });
  define({
    method: 'POST',
    url: '/api/instances/:id/data-sources/:componentKey/:dataSourceKey',
    // Runs component code with the customer's token, as an action does; it changes nothing, so no audit row.
    scope: 'actions:write',
    operationId: 'runDataSource',
    summary:
      'Run a component’s data source for an instance; its result is checked against its dataSourceType',
    params: dataSourceParams,
    body: RunDataSourceBodySchema,
    response: DataSourceRunResponseSchema,
    errors: [409, 429, 502, 504],
    audit: false,
    async handle({ params, body }) {
      return api.runDataSource({
        instanceId: params.id,
        componentKey: params.componentKey,
        dataSourceKey: params.dataSourceKey,
        inputs: body.inputs,
        ...(body.connections ? { connections: body.connections } : {}),
      });
    },
  });
}

async function createConnectLink(
  ctx: ConnectionRouteContext,
  id: string,
  body: z.output<typeof CreateConnectLinkBodySchema>,
  log: { info: (o: object, m: string) => void },
): Promise<z.output<typeof ConnectLinkResponseSchema>> {
  const { api, config } = ctx;
  const instance = await api.getInstance(id);
  if (!instance) throw notFound('instance', id);
  const known = new Set(instance.connections.map((c) => c.id));
  const unknown = (body.connectionIds ?? []).filter((cid) => !known.has(cid));
  if (unknown.length > 0) {
    throw new KeywayError('KW_REQUEST_INVALID', {
      message: `These connections are not part of instance "${id}": ${unknown.join(', ')}`,
      details: {
        issues: unknown.map((cid) => ({ path: 'body.connectionIds', message: `unknown connection ${cid}` })),
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
  log.info({ linkId: signed.claims.lid, instanceId: id }, 'connect link created');
  return {
    link: {
      id: signed.claims.lid,
      url: `${config.publicBaseUrl}/connect/${signed.token}`,
      instanceId: id,
      connectionIds: signed.claims.cids ?? null,
      expiresAt: signed.claims.exp,
    },
  };
}
