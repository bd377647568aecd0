/** zod schemas of the REST API's request bodies; the routes validate with them and the OpenAPI document is generated from them. */
import { z } from 'zod';
import { NewInstanceSpecSchema, NewWebhookEndpointSchema } from '../../runtime';

/** Body of `POST /api/customers`. */
export const CreateCustomerBodySchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    externalId: z.string().min(1).max(200).optional(),
  })
  .meta({ examples: [{ name: 'Acme Corp', externalId: 'acme-42' }] });

/**
 * Standard base64 with optional `=` padding. Not one regex over the whole text: on a real bundle (5 MB of base64)
 * `/^[A-Za-z0-9+/]+={0,2}$/` threw "Maximum call stack size exceeded" from V8's regexp backtracking in full
 * test runs, a 500 for a valid upload. Searching for one bad character does not backtrack.
 */
function isBase64(text: string): boolean {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const digits = text.slice(0, text.length - padding);
  return digits.length > 0 && !/[^A-Za-z0-9+/]/.test(digits);
}

/** Body of `POST /api/components`: the built bundle, base64. */
export const PublishComponentBodySchema = z.strictObject({
  bundleBase64: z.string().min(1).refine(isBase64, 'must be base64'),
});

/**
 * Body of `POST /api/instances`: the runtime's instance spec itself, so the API refuses exactly what
 * `createInstance` would, field by field, and the document shows every field (connections included).
 */
export const CreateInstanceBodySchema = NewInstanceSpecSchema.meta({
  examples: [
    {
      customerId: 'cus_4f1a',
      name: 'Acme CRM sync',
      components: ['acmeCrm'],
      config: { region: 'eu' },
      connections: [{ name: 'crm', componentKey: 'acmeCrm', definitionKey: 'acmeOAuth', fields: {} }],
    },
  ],
});

/** Body of `POST /api/instances/:id/connect-links`. */
export const CreateConnectLinkBodySchema = z
  .strictObject({
    connectionIds: z.array(z.string().min(1)).min(1).optional(),
    /** Lifetime in seconds; the deployment's default when omitted. */
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(90 * 24 * 3600)
      .optional(),
    successUrl: z.string().optional(),
    failureUrl: z.string().optional(),
    popup: z.boolean().optional(),
  })
  .meta({ examples: [{ ttlSeconds: 86_400, successUrl: 'https://app.example.com/integrations/done' }] });

/** Body of `POST /api/instances/:id/actions/:componentKey/:actionKey`. */
export const RunActionBodySchema = z
  .strictObject({
    inputs: z.record(z.string(), z.unknown()).default({}),
    /** Which instance connection fills each connection input, by input key, when there are several. */
    connections: z.record(z.string(), z.string()).optional(),
  })
  .meta({ examples: [{ inputs: { pageSize: '50' } }] });

/** Body of `POST /api/instances/:id/data-sources/:componentKey/:dataSourceKey`. */
export const RunDataSourceBodySchema = z.strictObject({
  inputs: z.record(z.string(), z.unknown()).default({}),
  connections: z.record(z.string(), z.string()).optional(),
});

/** Body of `PATCH /api/customers/:id`. */
export const UpdateCustomerBodySchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  externalId: z.string().min(1).max(200).nullable().optional(),
});

/**
 * Body of `PATCH /api/instances/:id`: config keys set to null are removed; connection fields are merged. Field
 * values take every spectral input shape: text, value lists, key/value lists, objects, booleans, numbers.
 */
export const UpdateInstanceBodySchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  status: z.enum(['active', 'paused']).optional(),
  config: z.record(z.string().min(1), z.unknown()).optional(),
  connections: z
    .record(z.string().min(1), z.strictObject({ fields: z.record(z.string().min(1), z.json()) }))
    .optional(),
});

/** Body of `POST /api/api-keys`. */
export const CreateApiKeyBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  scopes: z.array(z.string().min(1).max(100)).min(1).max(50),
});

/** Body of `POST /api/webhooks`: the secret is generated (and returned once) when omitted. */
export const CreateWebhookEndpointBodySchema = NewWebhookEndpointSchema;

const triggerName = z.string().min(1).max(200);

/** Body of `POST /api/instances/:id/triggers`. */
export const EnableTriggerBodySchema = z.strictObject({
  componentKey: triggerName,
  triggerKey: triggerName,
  /** The flow name: the key of the URL in `context.webhookUrls`. Default: the trigger key. */
  name: triggerName.optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  connections: z.record(z.string(), triggerName).optional(),
  requireApiKey: z.boolean().optional(),
  schedule: z
    .strictObject({
      everySeconds: z.number().int().positive().optional(),
      cron: z.string().min(1).max(200).optional(),
    })
    .optional(),
});
