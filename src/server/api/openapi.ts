/**
 * The OpenAPI 3.1 document of `/api`, served at `GET /api/openapi.json`. Request bodies are generated from the
 * same zod schemas the routes validate with, so the document cannot drift from the checks.
 * @see https://spec.openapis.org/oas/v3.1.0
 */
import { z } from 'zod';
import {
  CreateConnectLinkBodySchema,
  CreateCustomerBodySchema,
  CreateInstanceBodySchema,
  EnableTriggerBodySchema,
  PublishComponentBodySchema,
  RunActionBodySchema,
} from './schemas';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'A stable KW_* code; see docs/errors.md.' },
        message: { type: 'string' },
        details: { type: 'object' },
      },
    },
  },
} as const;

function body(schema: z.ZodType): Record<string, unknown> {
  return {
    required: true,
    content: {
      'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) },
    },
  };
}

function op(
  summary: string,
  scope: string,
  extra: Record<string, unknown> = {},
  okStatus = '200',
): Record<string, unknown> {
  return {
    summary,
    security: [{ apiKey: [scope] }],
    responses: {
      [okStatus]: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
      '400': { $ref: '#/components/responses/Error' },
      '401': { $ref: '#/components/responses/Error' },
      '403': { $ref: '#/components/responses/Error' },
      '404': { $ref: '#/components/responses/Error' },
    },
    ...extra,
  };
}

const idPath = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

/** The OpenAPI document, with `publicBaseUrl` as its server. */
export function openApiDocument(publicBaseUrl: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Keyway API',
      version: '1',
      description:
        'Publish components, create customers and instances, hand out connect links, read connection status, disconnect and run actions. Authenticate with `Authorization: Bearer <API key>`.',
    },
    servers: [{ url: publicBaseUrl }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A Keyway API key.' } },
      schemas: { Error: errorSchema },
      responses: {
        Error: {
          description: 'An error in the one Keyway error shape.',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    },
    paths: {
      '/api/components': {
        get: op('List components', 'components:read'),
        post: op(
          'Publish a component bundle',
          'components:write',
          { requestBody: body(PublishComponentBodySchema) },
          '201',
        ),
      },
      '/api/customers': {
        get: op('List customers', 'customers:read'),
        post: op(
          'Create a customer',
          'customers:write',
          { requestBody: body(CreateCustomerBodySchema) },
          '201',
        ),
      },
      '/api/customers/{id}': { get: op('Get a customer', 'customers:read', { parameters: [idPath('id')] }) },
      '/api/instances': {
        get: op('List instances', 'instances:read', {
          parameters: [{ name: 'customerId', in: 'query', required: false, schema: { type: 'string' } }],
        }),
        post: op(
          'Create an instance with its connections and config',
          'instances:write',
          {
            requestBody: body(CreateInstanceBodySchema),
          },
          '201',
        ),
      },
      '/api/instances/{id}': { get: op('Get an instance', 'instances:read', { parameters: [idPath('id')] }) },
      '/api/instances/{id}/connections': {
        get: op('Connection status of an instance', 'connections:read', { parameters: [idPath('id')] }),
      },
      '/api/instances/{id}/connect-links': {
        post: op(
          'Create a signed, expiring connect link',
          'links:write',
          { parameters: [idPath('id')], requestBody: body(CreateConnectLinkBodySchema) },
          '201',
        ),
      },
      '/api/instances/{id}/connections/{name}/activate': {
        post: op(
          'Fetch a token now for a client-credentials or platform-supplied password connection; answers what the provider granted (never the token) or its typed error',
          'connections:write',
          { parameters: [idPath('id'), idPath('name')] },
        ),
      },
      '/api/connections/{id}': {
        get: op('Get a connection', 'connections:read', { parameters: [idPath('id')] }),
      },
      '/api/connections/{id}/disconnect': {
        post: op('Revoke and delete a connection’s tokens', 'connections:write', {
          parameters: [idPath('id')],
        }),
      },
      '/api/instances/{id}/actions/{componentKey}/{actionKey}': {
        post: op('Run an action', 'actions:write', {
          parameters: [idPath('id'), idPath('componentKey'), idPath('actionKey')],
          requestBody: body(RunActionBodySchema),
        }),
      },
      '/api/webhooks': { get: op('List webhook endpoints (without secrets)', 'webhooks:read') },
      '/api/instances/{id}/triggers': {
        post: op(
          'Enable a trigger on an instance (runs onInstanceDeploy)',
          'triggers:write',
          { parameters: [idPath('id')], requestBody: body(EnableTriggerBodySchema) },
          '201',
        ),
      },
      '/api/triggers': { get: op('List trigger subscriptions (?instanceId=)', 'triggers:read') },
      '/api/triggers/{id}': {
        get: op('Get a trigger subscription', 'triggers:read', { parameters: [idPath('id')] }),
        delete: op(
          'Disable a trigger (runs onInstanceDelete)',
          'triggers:write',
          { parameters: [idPath('id')] },
          '204',
        ),
      },
      '/api/triggers/{id}/retry': {
        post: op('Run a failed lifecycle hook again', 'triggers:write', { parameters: [idPath('id')] }),
      },
      '/api/events': { get: op('Page through events, oldest first (?instanceId=&type=)', 'events:read') },
    },
  };
}
