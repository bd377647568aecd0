/**
 * zod schemas of the REST API's response bodies. The OpenAPI document is generated from them, and the API
 * tests check every real response against that document, so a field added to a DTO without its schema fails
 * a test instead of going undocumented.
 */
import { z } from 'zod';
import { errorTable } from '../../errors';
import type { ErrorCode } from '../../errors';

const epochMs = z.number().int().describe('Milliseconds since the Unix epoch.');
const cursor = z
  .string()
  .nullable()
  .describe('Pass as `cursor` to read the next page; null on the last page.');

/** The one error shape of every non-2xx answer. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z
        .enum(Object.keys(errorTable) as [ErrorCode, ...ErrorCode[]])
        .describe('A stable KW_* code; see docs/errors.md.'),
      message: z.string().describe('What went wrong and what to do, in words; never a secret.'),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({
    examples: [
      {
        error: {
          code: 'KW_REQUEST_INVALID',
          message: 'Invalid request query: query.limt: Unrecognized key: "limt"',
          details: { issues: [{ path: 'query', message: 'Unrecognized key: "limt"' }] },
        },
      },
    ],
  });

/** A published or loaded component. */
export const ComponentSchema = z
  .object({
    key: z.string(),
    version: z.number().int().nullable().describe('The published version; null for a local component.'),
    bundleHash: z.string(),
    label: z.string(),
    actions: z.array(z.string()),
    connections: z.array(z.string()),
  })
  .meta({
    examples: [
      {
        key: 'acmeCrm',
        version: 3,
        bundleHash: 'sha256:9f2c…',
        label: 'Acme CRM',
        actions: ['listContacts'],
        connections: ['acmeOAuth'],
      },
    ],
  });

/** One published version of a component. */
export const ComponentVersionSchema = z.object({
  key: z.string(),
  version: z.number().int(),
  bundleHash: z.string(),
  publishedAt: epochMs,
});

/** A customer. */
export const CustomerSchema = z
  .object({ id: z.string(), externalId: z.string().nullable(), name: z.string(), createdAt: epochMs })
  .meta({
    examples: [{ id: 'cus_4f1a', externalId: 'acme-42', name: 'Acme Corp', createdAt: 1_796_000_000_000 }],
  });

const connectionStatus = z.enum(['pending', 'connected', 'needs_reauthorization', 'error', 'disconnected']);

/** One connection of an instance; never a token or a secret. */
export const ConnectionSchema = z
  .object({
    id: z.string(),
    instanceId: z.string(),
    name: z.string().describe('The instance’s name for it (spectral’s config variable key).'),
    label: z.string(),
    providerName: z.string(),
    grantType: z.string().describe('authorization_code, client_credentials, password, device_code, none, …'),
    status: connectionStatus,
    connectedAt: epochMs.nullable(),
    grantedScopes: z.array(z.string()),
    requestedScopes: z.array(z.object({ scope: z.string(), description: z.string().optional() })),
    lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
    formFields: z
      .array(
        z.object({
          key: z.string(),
          label: z.string(),
          type: z.enum(['string', 'password', 'select']),
          required: z.boolean(),
          comments: z.string().optional(),
          options: z
            .array(z.object({ value: z.string(), label: z.string() }))
            .optional()
            .describe("A select's options (an environment)."),
          value: z.string().optional().describe('The current value; never a secret.'),
          pattern: z.string().optional().describe('The whole value must match this regular expression.'),
          example: z.string().optional(),
        }),
      )
      .describe(
        'What the connect page asks the customer: their own credentials, or choices the platform app leaves open (environment, subdomain).',
      ),
  })
  .meta({
    examples: [
      {
        id: 'con_8b2d',
        instanceId: 'ins_1c9e',
        name: 'crm',
        label: 'Acme OAuth',
        providerName: 'Acme',
        grantType: 'authorization_code',
        status: 'connected',
        connectedAt: 1_796_000_000_000,
        grantedScopes: ['contacts.read'],
        requestedScopes: [{ scope: 'contacts.read', description: 'Read your contacts' }],
        lastError: null,
        formFields: [],
      },
    ],
  });

/** An instance; `connections` only for a key that may read connections. */
export const InstanceSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  name: z.string(),
  componentKeys: z.array(z.string()),
  status: z.string().describe('`active` or `paused`.'),
  config: z.record(z.string(), z.unknown()),
  configVars: z
    .array(z.record(z.string(), z.unknown()))
    .describe(
      'Config variables the customer chooses on the connect page (declarations; values are in `config`).',
    ),
  connections: z
    .array(ConnectionSchema)
    .optional()
    .describe('Present when the API key holds `connections:read`.'),
  createdAt: epochMs,
});

/** An API key without its secret. */
export const ApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe('The public part of the key (`kw_<prefix>_…`).'),
  scopes: z.array(z.string()),
  createdAt: epochMs,
  lastUsedAt: epochMs.nullable(),
  revokedAt: epochMs.nullable(),
});

/** A webhook receiver without its secret. */
export const WebhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()).optional().describe('Event types sent to it; every type when absent.'),
  source: z.enum(['config', 'api']),
});

/** A recorded action run, its log redacted. */
export const ExecutionSchema = z.object({
  id: z.string(),
  instanceId: z.string(),
  componentKey: z.string(),
  actionKey: z.string(),
  status: z.enum(['running', 'succeeded', 'failed']),
  startedAt: epochMs,
  finishedAt: epochMs.nullable(),
  durationMs: z.number().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  log: z.array(
    z.object({ at: epochMs, level: z.enum(['debug', 'info', 'warn', 'error']), message: z.string() }),
  ),
});

/** One change a platform made. */
export const AuditEntrySchema = z.object({
  id: z.string(),
  at: epochMs,
  actorKeyId: z.string().describe('The API key that made the change; `cli` for the `keyway` command line.'),
  actorName: z.string().describe('The API key’s name; `cli:<user>` for the command line.'),
  action: z.string().describe('e.g. `POST /api/customers`.'),
  target: z
    .string()
    .nullable()
    .describe(
      'The resource changed: its id, else its keys (`componentKey/definitionKey`, `providerKey`, a component `key`).',
    ),
  status: z.number().int(),
});

/** A page of a list endpoint: the items under `field`, and the cursor of the next page. */
export function pageOf<F extends string, T extends z.ZodType>(
  field: F,
  item: T,
): z.ZodObject<{ [K in F]: z.ZodArray<T> } & { nextCursor: typeof cursor }> {
  return z.object({ [field]: z.array(item), nextCursor: cursor } as { [K in F]: z.ZodArray<T> } & {
    nextCursor: typeof cursor;
  });
}

/** `POST /api/instances/:id/connect-links`. */
export const ConnectLinkResponseSchema = z.object({
  link: z.object({
    id: z.string(),
    url: z.string().describe('The signed connect-link URL to hand to the customer.'),
    instanceId: z.string(),
    connectionIds: z.array(z.string()).nullable(),
    expiresAt: epochMs,
  }),
});

/** `POST /api/instances/:id/connections/:name/activate`: facts about the token, never the token. */
export const ActivationResponseSchema = z.object({
  connection: ConnectionSchema,
  token: z.object({
    tokenType: z.string(),
    scopes: z.array(z.string()),
    expiresAt: epochMs.nullable(),
    refreshToken: z.boolean(),
  }),
});

/** `POST /api/connections/:id/disconnect`. */
export const DisconnectResponseSchema = z.object({
  connection: ConnectionSchema,
  revocation: z.enum(['revoked', 'no_revocation_url', 'failed', 'no_tokens']),
});

/** `POST /api/instances/:id/actions/:componentKey/:actionKey`. */
export const ActionRunResponseSchema = z.object({
  executionId: z.string(),
  result: z.unknown().describe('What the action returned.'),
});

/** `POST /api/instances/:id/data-sources/:componentKey/:dataSourceKey`. */
export const DataSourceRunResponseSchema = z.object({
  executionId: z.string().describe('The run’s execution record (`actionKey` `dataSource:<key>`).'),
  dataSourceType: z.string().describe('The data source’s spectral `dataSourceType`, e.g. `picklist`.'),
  result: z.unknown().describe('What the data source returned, checked against its type.'),
  supplementalData: z.object({ data: z.unknown(), contentType: z.string() }).optional(),
});

/** The values both kinds of OAuth app show, the secret ones by name only (new schemas on each call). */
function oauthAppValues() {
  return {
    fields: z.record(z.string(), z.unknown()).describe('The non-secret field values.'),
    secretFields: z
      .array(z.string())
      .describe('The names of the secret fields that are set; never their values.'),
    createdAt: epochMs,
    updatedAt: epochMs,
  };
}

/** A platform's OAuth app: the secret values by name only. */
export const OAuthAppSchema = z.object({
  componentKey: z.string(),
  definitionKey: z.string(),
  ...oauthAppValues(),
});

/** A platform's OAuth app for a catalog provider: the secret values by name only. */
export const ProviderOAuthAppSchema = z
  .object({
    providerKey: z.string().describe('The catalog provider key (docs/providers.md).'),
    ...oauthAppValues(),
  })
  .meta({
    examples: [
      {
        providerKey: 'github',
        fields: { clientId: 'Iv1.8a61f9b3a7aba766', scopes: 'repo read:user' },
        secretFields: ['clientSecret'],
        createdAt: 1_767_225_600_000,
        updatedAt: 1_767_225_600_000,
      },
    ],
  });

/** The schemas named in the document's `components.schemas`. */
export const namedSchemas: Readonly<Record<string, z.ZodType>> = {
  Error: ErrorBodySchema,
  Component: ComponentSchema,
  ComponentVersion: ComponentVersionSchema,
  Customer: CustomerSchema,
  Instance: InstanceSchema,
  Connection: ConnectionSchema,
  ApiKey: ApiKeySchema,
  WebhookEndpoint: WebhookEndpointSchema,
  Execution: ExecutionSchema,
  AuditEntry: AuditEntrySchema,
  OAuthApp: OAuthAppSchema,
  ProviderOAuthApp: ProviderOAuthAppSchema,
};
