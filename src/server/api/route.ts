/**
 * How every `/api` route is declared: authentication and scope, a strict query schema (an unknown query
 * parameter is a 400, never ignored), the success status, and the audit record of every change.
 */
import type { FastifyInstance, FastifyRequest, preParsingHookHandler } from 'fastify';
import { z } from 'zod';
import { KeywayError } from '../../errors';
import { parseRequest } from '../http';
import type { ApiKeyPort, ApiPrincipal } from '../ports';
import type { ApiPort } from './types';
import { isUploadStream } from './upload';

/** True when `granted` includes `required`, directly or through `*` / `<resource>:*`. */
export function scopeAllows(granted: readonly string[], required: string): boolean {
  const resource = required.split(':')[0] ?? required;
  return granted.includes('*') || granted.includes(required) || granted.includes(`${resource}:*`);
}

/** The scopes an API key can hold, besides `<resource>:*` and `*`. */
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
  'webhooks:write',
  'executions:read',
  'apiKeys:read',
  'apiKeys:write',
  'audit:read',
  'triggers:read',
  'triggers:write',
  'events:read',
  'oauthApps:read',
  'oauthApps:write',
] as const;

const RESOURCES: ReadonlySet<string> = new Set(API_SCOPES.map((scope) => scope.split(':')[0] ?? scope));

/** True for one of {@link API_SCOPES}, `<resource>:*` of a known resource, or `*`. */
export function isKnownScope(scope: string): boolean {
  return (
    scope === '*' ||
    (API_SCOPES as readonly string[]).includes(scope) ||
    (scope.endsWith(':*') && RESOURCES.has(scope.slice(0, -2)))
  );
}

/** The query of a route that takes none. */
export const noQuery = z.strictObject({});
/** The path parameters of a route that has none. */
export const noParams = z.object({});
/** The body of a route that reads none. */
export const noBody = z.unknown();

/** What a route handler receives: the request, and its parts parsed by the route's schemas. */
export interface RouteInput<Q, P, B> {
  readonly request: FastifyRequest;
  readonly query: Q;
  readonly params: P;
  readonly body: B;
  readonly principal: ApiPrincipal;
}

/** An HTTP error status a route may answer, besides the ones every route may (see {@link errorStatuses}). */
export type ErrorStatus = 404 | 409 | 413 | 429 | 502 | 504;

/** What the OpenAPI document says of a route: everything but its handler. */
export interface RouteDoc {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly scope: string;
  /** The operation's name in the OpenAPI document and in generated clients, e.g. `listCustomers`. */
  readonly operationId: string;
  readonly summary: string;
  /** Strict: a parameter it does not name is refused. None accepted when omitted. */
  readonly query?: z.ZodType;
  /** The `:name` segments of `url`. */
  readonly params?: z.ZodType;
  /** The JSON body, parsed before the handler runs (an absent body is parsed as `{}`). */
  readonly body?: z.ZodType;
  /** The body may also be raw (`application/octet-stream`, `application/javascript`, …): the handler streams it. */
  readonly upload?: boolean;
  /** The success body; none for a 204. */
  readonly response?: z.ZodType;
  /** Error statuses this route answers besides 400, 401, 403, 414, 500 and 503 (404 is implied by `params`). */
  readonly errors?: readonly ErrorStatus[];
  /** The success status; 204 sends no body. Default 200. */
  readonly status?: number;
}

/** One `/api` route. */
export interface ApiRoute<Q extends z.ZodType, P extends z.ZodType, B extends z.ZodType> extends RouteDoc {
  readonly query?: Q;
  readonly params?: P;
  readonly body?: B;
  /** Writes are recorded in the audit log unless this is false (action runs: they have their execution log). */
  readonly audit?: boolean;
  readonly bodyLimit?: number;
  readonly preParsing?: preParsingHookHandler;
  handle(input: RouteInput<z.output<Q>, z.output<P>, z.output<B>>): Promise<unknown>;
}

/** Declares a route on the app; see {@link ApiRoute}. */
export type DefineRoute = <
  Q extends z.ZodType = typeof noQuery,
  P extends z.ZodType = typeof noParams,
  B extends z.ZodType = typeof noBody,
>(
  route: ApiRoute<Q, P, B>,
) => void;

/** Every error status `route` can answer, in order. */
export function errorStatuses(route: RouteDoc): number[] {
  // 414: a path parameter longer than the router takes (2 KiB).
  const statuses = new Set<number>([400, 401, 403, 414, 500, 503, ...(route.errors ?? [])]);
  if (route.params) statuses.add(404);
  if (takesInstanceRef(route.url)) statuses.add(409);
  // A body sent to any write, read or not, can be too large or of a type the app does not parse.
  if (route.method !== 'GET') {
    statuses.add(413);
    statuses.add(415);
  }
  return [...statuses].sort((a, b) => a - b);
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

async function authorize(apiKeys: ApiKeyPort, request: FastifyRequest, scope: string): Promise<ApiPrincipal> {
  const key = bearer(request);
  // Verified against the database on every request: a key revoked on one replica is refused by all at once.
  const principal = key === undefined ? undefined : await apiKeys.verify(key);
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
  return principal;
}

/**
 * How the audit log names a resource: its `id`; else, for what has keys rather than an id, its keys — an OAuth
 * app `componentKey/definitionKey`, a provider's app `providerKey`, a component `key`.
 */
function resourceName(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, componentKey, definitionKey, providerKey, key } = value as Readonly<Record<string, unknown>>;
  if (typeof id === 'string') return id;
  if (typeof componentKey === 'string' && typeof definitionKey === 'string') {
    return `${componentKey}/${definitionKey}`;
  }
  if (typeof providerKey === 'string') return providerKey;
  return typeof key === 'string' ? key : undefined;
}

/**
 * The audit target of a write: the resource its path names (after `:id` is resolved to an instance's or customer's id), else
 * the one its response returns (see {@link resourceName}); null when neither names one.
 */
export function auditTarget(params: unknown, body: unknown): string | null {
  const fromPath = resourceName(params);
  if (fromPath !== undefined) return fromPath;
  if (typeof body !== 'object' || body === null) return null;
  for (const value of Object.values(body)) {
    const name = resourceName(value);
    if (name !== undefined) return name;
  }
  return null;
}

/** Every route under this path takes the instance's id or its name as `:id`. */
const INSTANCE_PATH = '/api/instances/:id';
/** Every route under this path takes the customer's id or its external id as `:id`. */
const CUSTOMER_PATH = '/api/customers/:id';

function under(url: string, path: string): boolean {
  return url === path || url.startsWith(`${path}/`);
}

/** True for a route whose `:id` names an instance. */
export function takesInstanceRef(url: string): boolean {
  return under(url, INSTANCE_PATH);
}

/** True for a route whose `:id` names a customer. */
export function takesCustomerRef(url: string): boolean {
  return under(url, CUSTOMER_PATH);
}

/**
 * The route's parsed path parameters with an instance's name, or a customer's external id, replaced by its id,
 * so every handler below (and the audit record) works on ids: an instance name that several instances carry is
 * `KW_INSTANCE_AMBIGUOUS` (409); a reference nothing carries is left for the handler's 404.
 */
async function withResourceId<P>(api: ApiPort, url: string, params: P): Promise<P> {
  const resolve = takesInstanceRef(url)
    ? (ref: string) => api.resolveInstanceRef(ref)
    : takesCustomerRef(url)
      ? (ref: string) => api.resolveCustomerRef(ref)
      : undefined;
  const ref = (params as { readonly id?: unknown }).id;
  if (!resolve || typeof ref !== 'string') return params;
  return { ...params, id: await resolve(ref) };
}

/** The parts of `request` parsed by `route`'s schemas, in the order a client fixes them: path, query, body. */
function parseInput<Q extends z.ZodType, P extends z.ZodType, B extends z.ZodType>(
  route: ApiRoute<Q, P, B>,
  request: FastifyRequest,
): { query: z.output<Q>; params: z.output<P>; body: z.output<B> } {
  const params = parseRequest(route.params ?? noParams, request.params ?? {}, 'params') as z.output<P>;
  const query = parseRequest(route.query ?? noQuery, request.query ?? {}, 'query') as z.output<Q>;
  const raw: unknown = request.body;
  if (isUploadStream(raw) && !route.upload) {
    raw.resume();
    throw new KeywayError('KW_REQUEST_INVALID', {
      message: `${route.method} ${route.url} takes a JSON body: send it as Content-Type: application/json`,
      details: { issues: [{ path: 'headers.content-type', message: 'must be application/json' }] },
    });
  }
  // An upload's raw stream is the handler's to read; a JSON body is parsed here.
  const body = (
    route.body && !(route.upload && isUploadStream(raw)) ? parseBody(route, route.body, raw) : raw
  ) as z.output<B>;
  return { query, params, body };
}

/**
 * `raw` parsed by `schema`; an absent body (none sent, or an empty one) is parsed as `{}`, and when that fails the
 * message says first, in words, that the route needs a JSON body.
 */
function parseBody(route: RouteDoc, schema: z.ZodType, raw: unknown): unknown {
  if (raw !== undefined && raw !== null) return parseRequest(schema, raw, 'body');
  try {
    return parseRequest(schema, {}, 'body');
  } catch (error) {
    if (!(error instanceof KeywayError)) throw error;
    throw new KeywayError('KW_REQUEST_INVALID', {
      message: `${route.method} ${route.url} needs a JSON body (Content-Type: application/json) and none was sent. ${error.message}`,
      ...(error.details ? { details: error.details } : {}),
    });
  }
}

/** A {@link DefineRoute} for `app`; every route declared is added to `catalog`, the OpenAPI document's source. */
export function routeDefiner(
  app: FastifyInstance,
  apiKeys: ApiKeyPort,
  api: ApiPort,
  catalog: RouteDoc[],
): DefineRoute {
  return (route) => {
    catalog.push(route);
    const audited = route.method !== 'GET' && route.audit !== false;
    app.route({
      method: route.method,
      url: route.url,
      ...(route.bodyLimit !== undefined ? { bodyLimit: route.bodyLimit } : {}),
      ...(route.preParsing ? { preParsing: route.preParsing } : {}),
      handler: async (request, reply) => {
        const principal = await authorize(apiKeys, request, route.scope);
        const parsed = parseInput(route, request);
        const input = { ...parsed, params: await withResourceId(api, route.url, parsed.params) };
        const body = await route.handle({ ...input, request, principal });
        const status = route.status ?? 200;
        if (audited) {
          await api
            .appendAudit({
              actorKeyId: principal.keyId,
              actorName: principal.name,
              action: `${route.method} ${route.url}`,
              target: auditTarget(input.params, body),
              status,
            })
            // The change is made: a failed audit write is logged, not turned into an error the client would retry.
            .catch((err: unknown) => request.log.error({ err }, 'audit record not written'));
        }
        return status === 204 ? reply.code(204).send() : reply.code(status).send(body);
      },
    });
  };
}
