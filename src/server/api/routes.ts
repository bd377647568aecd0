/**
 * The REST API under `/api`: API-key authentication with scopes, zod-validated bodies and queries, cursor
 * pagination on every list, one error shape, and an audit record of every change.
 *
 * Scopes are `<resource>:<read|write>` (see {@link API_SCOPES}); `<resource>:*` and `*` grant more.
 * `GET /api/openapi.json` needs no key.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config';
import type { Metrics } from '../metrics';
import type { ApiKeyPort } from '../ports';
import { registerAdminRoutes } from './admin-routes';
import { registerComponentRoutes } from './component-routes';
import { registerConnectionRoutes } from './connection-routes';
import { registerCustomerRoutes } from './customer-routes';
import { registerOAuthAppRoutes } from './oauth-app-routes';
import { openApiDocument } from './openapi';
import { routeDefiner } from './route';
import type { RouteDoc } from './route';
import type { TriggerApiPort } from './trigger-port';
import { registerTriggerRoutes } from './trigger-routes';
import type { ApiPort } from './types';
import { UPLOAD_CONTENT_TYPES } from './upload';

export { API_SCOPES, isKnownScope, scopeAllows } from './route';

/** What the API routes need. */
export interface ApiRouteContext {
  readonly config: ServerConfig;
  readonly api: ApiPort;
  readonly apiKeys: ApiKeyPort;
  readonly metrics: Metrics;
  readonly now: () => number;
  /** Trigger subscriptions and events; without it those routes answer 404. */
  readonly triggers?: TriggerApiPort | undefined;
}

/** Registers `/api/*` on `app`. */
export function registerApiRoutes(app: FastifyInstance, ctx: ApiRouteContext): void {
  // A built bundle published as it is (`application/octet-stream`, `application/javascript`, gzip), or a
  // low-code connector file (`application/yaml`, YAML or JSON text): passed on unread, for the route to stream
  // to a file (see ./upload). A route that takes no upload refuses it as a body that is not JSON.
  app.addContentTypeParser(UPLOAD_CONTENT_TYPES, (_request, payload, done) => {
    done(null, payload);
  });
  const catalog: RouteDoc[] = [];
  const define = routeDefiner(app, ctx.apiKeys, ctx.api, catalog);
  registerComponentRoutes(define, ctx.api, ctx.config);
  registerCustomerRoutes(define, ctx.api);
  registerConnectionRoutes(define, ctx);
  registerAdminRoutes(define, ctx.api);
  registerOAuthAppRoutes(define, ctx.api);
  if (ctx.triggers) registerTriggerRoutes(define, ctx.triggers);
  // Generated once from the routes just declared: the document describes exactly what this app checks.
  const document = openApiDocument(catalog, ctx.config.publicBaseUrl);
  app.get('/api/openapi.json', (_request, reply) => reply.send(document));
}
