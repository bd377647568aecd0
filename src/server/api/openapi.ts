/**
 * The OpenAPI 3.1 document of `/api`, served at `GET /api/openapi.json`. It is generated from the routes as
 * they are declared (see ./route): the same zod schemas that validate each path, query and body describe them
 * here, and each response body is described by its schema in ./responses, so the document cannot drift from
 * the checks. Every error status a route can answer is declared with the one error body.
 * @see https://spec.openapis.org/oas/v3.1.0
 */
import { z } from 'zod';
import { ErrorBodySchema, namedSchemas } from './responses';
import { errorStatuses } from './route';
import type { RouteDoc } from './route';

type Json = Record<string, unknown>;

const STATUS_TEXT: Readonly<Record<number, readonly [string, string]>> = {
  400: [
    'A bad path, query (an unknown parameter too), body or cursor; `details.issues` names each field.',
    'KW_REQUEST_INVALID',
  ],
  401: ['No API key, or an unknown or revoked one.', 'KW_API_UNAUTHORIZED'],
  403: ['The API key lacks the scope; `details.required` names it.', 'KW_API_FORBIDDEN'],
  404: ['The resource named in the path does not exist.', 'KW_API_NOT_FOUND'],
  409: [
    'The request conflicts with the current state (a duplicate, a connection not in a usable state).',
    'KW_STORE_CONFLICT',
  ],
  413: ['The body is larger than this route accepts.', 'KW_BODY_TOO_LARGE'],
  414: ['The URL is longer than the router accepts.', 'KW_REQUEST_INVALID'],
  415: ['The body’s Content-Type is not one this route reads.', 'KW_REQUEST_INVALID'],
  429: ['The provider is rate limiting; retry after `details.retryAfterMs`.', 'KW_OAUTH_RATE_LIMITED'],
  500: ['An error inside Keyway; the cause is in the server log.', 'KW_INTERNAL_ERROR'],
  502: [
    'The provider or the component failed; provider errors keep `error`, `error_description` and the status in `details.provider`.',
    'KW_OAUTH_PROVIDER_ERROR',
  ],
  503: ['The database is unreachable or busy; retry after `Retry-After`.', 'KW_STORE_UNAVAILABLE'],
  504: ['The provider did not answer in time.', 'KW_OAUTH_TIMEOUT'],
};

const ref = (id: string): Json => ({ $ref: `#/components/schemas/${id}` });
const pascal = (id: string): string => id.charAt(0).toUpperCase() + id.slice(1);

/** Names `schema` in `registry` (once: a schema shared by several routes keeps its first name). */
function named(registry: z.core.$ZodRegistry<{ id: string }>, schema: z.ZodType, id: string): string {
  const existing = registry.get(schema);
  if (existing) return existing.id;
  registry.add(schema, { id });
  return id;
}

/**
 * The JSON schemas of a registry, without the per-schema `$id`/`$schema` that a document's components omit.
 * zod puts a recursive schema used by several (`z.json()`) under `__shared.$defs` and refers to it as
 * `…/__shared#/$defs/<name>`, which is no valid pointer: each is hoisted to a component of its own, named by
 * `io` so the input and output sets cannot collide.
 */
function componentSchemas(registry: z.core.$ZodRegistry<{ id: string }>, io: 'input' | 'output'): Json {
  const { schemas } = z.toJSONSchema(registry, {
    io,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const { __shared: shared, ...named } = schemas as Record<string, Json>;
  const hoisted = Object.entries((shared?.['$defs'] ?? {}) as Json).map(([name, schema]) => [
    `Shared${pascal(io)}${pascal(name)}`,
    schema,
  ]);
  const text = JSON.stringify(
    Object.fromEntries([
      ...Object.entries(named).map(([id, schema]) => {
        const { $id: _id, $schema: _schema, ...rest } = schema;
        return [id, rest];
      }),
      ...hoisted,
    ]),
  ).replace(
    /#\/components\/schemas\/__shared#\/\$defs\/(\w+)/g,
    (_match, name: string) => `#/components/schemas/Shared${pascal(io)}${pascal(name)}`,
  );
  return JSON.parse(text) as Json;
}

/** The OpenAPI parameters of one `in` location, from a zod object schema. */
function parameters(schema: z.ZodType | undefined, location: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || (json.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function requestBody(route: RouteDoc, bodyId: string | undefined): Json | undefined {
  if (!route.body || bodyId === undefined) return undefined;
  const content: Json = { 'application/json': { schema: ref(bodyId) } };
  if (route.upload) {
    const raw = { schema: { type: 'string', contentMediaType: 'application/javascript' } };
    content['application/octet-stream'] = raw;
    content['application/javascript'] = raw;
    content['application/gzip'] = { schema: { type: 'string', contentMediaType: 'application/gzip' } };
    // A low-code connector file (YAML or JSON text), built into a bundle by the server.
    content['application/yaml'] = { schema: { type: 'string', contentMediaType: 'application/yaml' } };
  }
  return {
    required: !route.body.safeParse({}).success,
    ...(route.upload
      ? {
          description:
            'The built bundle as the raw body, streamed (optionally `Content-Encoding: gzip`, or gzip-compressed as `application/gzip`), or JSON with it in base64; or a low-code connector file (YAML or JSON text) as `application/yaml`.',
        }
      : {}),
    content,
  };
}

function responses(route: RouteDoc, responseId: string | undefined): Json {
  const status = route.status ?? 200;
  const out: Json = {
    [String(status)]:
      status === 204 || responseId === undefined
        ? { description: 'Done; no body.' }
        : { description: 'OK', content: { 'application/json': { schema: ref(responseId) } } },
  };
  for (const code of errorStatuses(route)) {
    const [description, example] = STATUS_TEXT[code] ?? ['An error.', 'KW_INTERNAL_ERROR'];
    out[String(code)] = {
      description,
      content: {
        'application/json': {
          schema: ref('Error'),
          example: { error: { code: example, message: description } },
        },
      },
    };
  }
  return out;
}

/** The OpenAPI document of the declared `routes`, with `publicBaseUrl` as its server. */
export function openApiDocument(routes: readonly RouteDoc[], publicBaseUrl: string): Json {
  const inputs = z.registry<{ id: string }>();
  const outputs = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(namedSchemas)) named(outputs, schema, id);
  named(outputs, ErrorBodySchema, 'Error');
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const bodyId = route.body ? named(inputs, route.body, `${pascal(route.operationId)}Body`) : undefined;
    const responseId = route.response
      ? named(outputs, route.response, `${pascal(route.operationId)}Response`)
      : undefined;
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const params = [...parameters(route.params, 'path'), ...parameters(route.query, 'query')];
    const body = requestBody(route, bodyId);
    paths[path] = {
      ...paths[path],
      [route.method.toLowerCase()]: {
        operationId: route.operationId,
        summary: route.summary,
        description: `Scope: \`${route.scope}\`.`,
        security: [{ apiKey: [route.scope] }],
        ...(params.length > 0 ? { parameters: params } : {}),
        ...(body ? { requestBody: body } : {}),
        responses: responses(route, responseId),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Keyway API',
      version: '1',
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Publish components, manage customers, instances and their connections, hand out connect links, run actions, and administer API keys, webhook endpoints, executions and the audit log. Authenticate with `Authorization: Bearer <API key>`. Every list is paged with `limit` and `cursor`; an unknown query parameter is a 400.',
    },
    servers: [{ url: publicBaseUrl }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A Keyway API key.' } },
      schemas: { ...componentSchemas(outputs, 'output'), ...componentSchemas(inputs, 'input') },
    },
    paths,
  };
}
