/**
 * The format of a low-code connector file (YAML or JSON): the provider, its connections, and actions and data
 * sources as declarative HTTP requests. One zod schema validates a file and is also published as JSON Schema
 * for editors (docs/connector.schema.json, from {@link connectorJsonSchema}).
 */
import { z } from 'zod';

const KEY = /^[A-Za-z][A-Za-z0-9]*$/;
const key = z.string().regex(KEY, 'must be letters and digits, starting with a letter');

/** An input of an action or data source; primitives reach the request as the declared type. */
export const ConnectorInputSchema = z.strictObject({
  label: z.string().optional().describe('Shown to the person configuring the action; defaults to the key'),
  type: z
    .enum(['string', 'text', 'password', 'integer', 'number', 'boolean'])
    .default('string')
    .describe('How the value is converted before it is used in a request'),
  required: z.boolean().default(false),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  comments: z.string().optional(),
  example: z.string().optional(),
  choices: z
    .array(z.union([z.string(), z.strictObject({ label: z.string(), value: z.string() })]))
    .min(1)
    .optional()
    .describe('A picklist: the only values the input takes'),
});

/** A declarative HTTP request; every string may hold `{{inputs.x}}`, `{{connection.x}}`, `{{token.x}}` slots. */
export const ConnectorRequestSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  path: z.string().min(1).describe('Appended to the connector baseUrl; slots are URL-encoded'),
  query: z
    .record(z.string(), z.string())
    .default({})
    .describe('Query parameters; one that renders empty is left out'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional().describe('A JSON body (objects, lists, strings with slots)'),
  bodyFormat: z.enum(['json', 'form']).default('json'),
});

const jsonPath = z.string().describe("A restricted JSON path: $, .name, ['name'], [0], [*]");

/** How further pages are requested; the selected items of every page are concatenated. */
export const ConnectorPaginationSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('link').describe('RFC 8288 Link header, rel="next" (GitHub, Shopify)'),
    maxPages: z.number().int().min(1).max(100).default(10),
  }),
  z.strictObject({
    type: z.literal('cursor'),
    cursorPath: jsonPath.describe('Where the next cursor is in a page; absent or empty ends the list'),
    cursorParam: z.string().min(1).describe('The query parameter that carries the cursor'),
    maxPages: z.number().int().min(1).max(100).default(10),
  }),
  z.strictObject({
    type: z.literal('offset'),
    offsetParam: z.string().min(1),
    limitParam: z.string().min(1),
    pageSize: z.number().int().min(1),
    maxPages: z.number().int().min(1).max(100).default(10),
  }),
]);

/** How a vendor's error answers become messages. */
export const ConnectorErrorsSchema = z.strictObject({
  messagePath: jsonPath.optional().describe("Where the vendor's error message is in an error body"),
  byStatus: z
    .record(z.string().regex(/^[1-5]\d\d$/, 'must be an HTTP status'), z.string())
    .default({})
    .describe('A message per HTTP status, shown before the vendor message'),
});

const runnableShape = {
  label: z.string().optional(),
  description: z.string().optional(),
  inputs: z.record(key, ConnectorInputSchema).default({}),
  request: ConnectorRequestSchema.optional(),
  code: z
    .union([
      z.string().min(1).describe('A JavaScript file, relative to this file (not over the REST publish)'),
      z.strictObject({
        source: z
          .string()
          .min(1)
          .describe('The JavaScript module itself, as a YAML block scalar (source: |)'),
      }),
    ])
    .optional()
    .describe(
      'Instead of request: a JavaScript module whose default export (or module.exports) is async ({ inputs, connection, http }) => result',
    ),
  response: jsonPath.default('$').describe('What to return from the response body'),
  pagination: ConnectorPaginationSchema.optional(),
  errors: ConnectorErrorsSchema.optional(),
};

/** An action: one declarative request (or a code file). */
export const ConnectorActionSchema = z.strictObject(runnableShape);

/** A picklist data source: a request whose selected items become choices. */
export const ConnectorDataSourceSchema = z.strictObject({
  ...runnableShape,
  picklist: z.strictObject({
    label: jsonPath.describe('The choice label, relative to one item'),
    value: jsonPath.describe('The choice value, relative to one item'),
  }),
});

/** Where a polling trigger's next cursor comes from. */
export const ConnectorCursorSchema = z.discriminatedUnion('from', [
  z.strictObject({
    from: z
      .literal('items')
      .describe('The greatest value of path among the items of a poll (and the previous cursor)'),
    path: jsonPath.describe('Relative to one item, e.g. $.updated_at (ISO 8601 times or numbers)'),
  }),
  z.strictObject({
    from: z.literal('response').describe('A field of the response; absent or empty keeps the previous one'),
    path: jsonPath.describe('Where the next cursor is in the response body, e.g. $.next_cursor'),
  }),
]);

/** A polling trigger's default schedule: the one used when it is enabled without one. */
export const ConnectorScheduleSchema = z.union([
  z.strictObject({ everySeconds: z.number().int().min(10).max(2_678_400) }),
  z.strictObject({ cron: z.string().min(1).describe('Five or six fields, UTC') }),
]);

/**
 * A polling trigger: one request per poll (its templates may use `{{state.cursor}}`), the items it lists, each
 * delivered once (dedupe by id, a bounded set of recently seen ids kept in the polling state).
 */
export const ConnectorTriggerSchema = z.strictObject({
  label: z.string().optional(),
  description: z.string().optional(),
  inputs: z.record(key, ConnectorInputSchema).default({}),
  request: ConnectorRequestSchema.describe('Sent once per poll; {{state.cursor}} is the stored cursor'),
  items: jsonPath.default('$').describe('Where the list of items is in the response body'),
  id: jsonPath.describe(
    'The id of one item, relative to it (e.g. $.id): an item already delivered is dropped',
  ),
  cursor: ConnectorCursorSchema.optional(),
  remember: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(1000)
    .describe('How many recently delivered ids the polling state keeps'),
  schedule: ConnectorScheduleSchema.default({ everySeconds: 300 }).describe(
    'The schedule used when the trigger is enabled without one',
  ),
  errors: ConnectorErrorsSchema.optional(),
});

/** One connection of the connector, rendered from the provider. */
export const ConnectorConnectionSchema = z.strictObject({
  grantType: z
    .enum(['authorization_code', 'client_credentials', 'device_code', 'password', 'implicit'])
    .optional(),
  key: key.optional(),
  label: z.string().optional(),
  description: z.string().optional(),
  scopes: z.array(z.string()).optional(),
});

/** A whole connector file. */
export const ConnectorDefinitionSchema = z.strictObject({
  $schema: z.string().optional(),
  key: key.describe('The component key it is published under'),
  label: z.string().min(1),
  description: z.string().default(''),
  provider: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .describe('A catalog key (connections/catalog) or an inline provider definition'),
  connections: z.array(ConnectorConnectionSchema).min(1).default([{}]),
  baseUrl: z
    .string()
    .default('{{connection.apiBaseUrl}}')
    .describe("Prefix of every request path; defaults to the provider's apiBaseUrl"),
  headers: z.record(z.string(), z.string()).default({}).describe('Sent with every request'),
  auth: z
    .enum(['bearer', 'none'])
    .default('bearer')
    .describe('bearer: Authorization: Bearer <access token> on every request'),
  actions: z.record(key, ConnectorActionSchema).default({}),
  dataSources: z.record(key, ConnectorDataSourceSchema).default({}),
  triggers: z.record(key, ConnectorTriggerSchema).default({}),
});

/** A validated connector file. */
export type ConnectorDefinition = z.output<typeof ConnectorDefinitionSchema>;
/** A validated action or data source. */
export type ConnectorRunnable = z.output<typeof ConnectorActionSchema> & {
  readonly picklist?: { readonly label: string; readonly value: string };
};
/** A validated polling trigger. */
export type ConnectorTrigger = z.output<typeof ConnectorTriggerSchema>;
/** A validated input. */
export type ConnectorInput = z.output<typeof ConnectorInputSchema>;

/** What a built bundle carries: the definition with its connections rendered to spectral's format. */
export interface CompiledConnector {
  readonly key: string;
  readonly label: string;
  readonly description: string;
  /** spectral connection definitions (plain data), as `toSpectralConnection` made them. */
  readonly connections: readonly unknown[];
  readonly baseUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly auth: 'bearer' | 'none';
  readonly actions: Readonly<Record<string, ConnectorRunnable>>;
  readonly dataSources: Readonly<Record<string, ConnectorRunnable>>;
  readonly triggers: Readonly<Record<string, ConnectorTrigger>>;
}

/** The JSON Schema of the format, for editor completion (`$schema` or yaml-language-server). */
export function connectorJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ConnectorDefinitionSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://keyway.dev/schemas/connector.schema.json',
    title: 'Keyway low-code connector',
  };
}
