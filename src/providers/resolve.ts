/**
 * The inverse of {@link toSpectralConnection}: from a connection definition as found in a built bundle plus the
 * connection's field values, the plain client configuration the OAuth engine needs.
 *
 * Works for any spectral OAuth 2.0 connection, not only ones built by the helper: missing hidden inputs fall
 * back to RFC defaults (space-separated scopes, `scope` parameter, no extras).
 */
import { z } from 'zod';
import { KeywayError } from '../errors';
import {
  ClientAuthMethodSchema,
  DiscoveryKindSchema,
  EnvironmentsSchema,
  GrantTypeSchema,
  PkceSchema,
  ScopeSeparatorSchema,
  TokenRequestFormatSchema,
  TokenResponseQuirksSchema,
  describeIssues,
  isHttpUrl,
  templateSlots,
  type ClientAuthMethod,
  type Environments,
  type GrantType,
  type ScopeSeparator,
} from './schema';
import { ENVIRONMENT_INPUT, HEADERS_INPUT, HIDDEN_INPUTS, URL_INPUTS } from './inputs';
import { WireConnectionSchema } from './wire';
import type { WireConnection } from './wire';

/** spectral's `{ key, value }`: one entry of a `collection: "keyvaluelist"` input. */
const keyValuePair = z.looseObject({ key: z.string(), value: z.unknown() });

/**
 * Any value a spectral input can hold: text, numbers and booleans, value lists, key/value lists, objects
 * (structured inputs, object selections, JSON forms). Only text-like values take part in URL templates.
 */
const fieldValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.unknown()),
  z.record(z.string(), z.unknown()),
  z.null(),
  z.undefined(),
]);
/** Field values of one connection, as a person filled them in (missing ones take the input's default). */
export const ConnectionFieldValuesSchema = z.record(z.string(), fieldValue);

const params = z.record(z.string(), z.string());

/** The client configuration the OAuth engine works from. Contains the client secret: never log it. */
export const ResolvedClientConfigSchema = z.strictObject({
  connectionKey: z.string(),
  provider: z.string().optional(),
  grantType: GrantTypeSchema,
  /** Prismatic's `oauth2Config.overrideGrantType`: the `grant_type` value to send instead of the standard one. */
  grantTypeOverride: z.string().optional(),
  environment: z.string().optional(),
  authorizeUrl: z.string().optional(),
  tokenUrl: z.string().optional(),
  revokeUrl: z.string().optional(),
  deviceAuthorizationUrl: z.string().optional(),
  userinfoUrl: z.string().optional(),
  apiBaseUrl: z.string().optional(),
  /** The authorization server's issuer; endpoints left unset are discovered from it (src/providers/discovery.ts). */
  issuer: z.string().optional(),
  /** Which metadata document discovery reads; both are tried when unset. */
  discovery: DiscoveryKindSchema.optional(),
  scopes: z.array(z.string()),
  scopeSeparator: ScopeSeparatorSchema,
  scopeParam: z.string(),
  scopeDescriptions: z.record(z.string(), z.string()),
  clientAuthMethod: ClientAuthMethodSchema,
  pkce: PkceSchema,
  extraAuthorizeParams: params,
  extraTokenParams: params,
  extraTokenHeaders: params,
  tokenRequestFormat: TokenRequestFormatSchema,
  tokenResponse: TokenResponseQuirksSchema,
  refreshMarginSeconds: z.number().int().min(0).optional(),
  allowImplicit: z.boolean(),
  clientId: z.string().min(1),
  clientSecret: z.string().optional(),
  /** Resource owner credentials, for the password grant only. */
  username: z.string().optional(),
  password: z.string().optional(),
  /** Every input's value with defaults applied and templates rendered: what `connection.fields` should hold. */
  fields: z.record(z.string(), z.string()),
});
/** A resolved client configuration; see {@link ResolvedClientConfigSchema}. */
export type ResolvedClientConfig = z.infer<typeof ResolvedClientConfigSchema>;

function invalid(connectionKey: string, message: string): KeywayError {
  return new KeywayError('KW_PROVIDER_DEFINITION_INVALID', {
    message: `Connection "${connectionKey}": ${message}`,
    details: { connection: connectionKey },
  });
}

/** A value as text, or undefined when empty or structured (a key/value list, an object). */
function asText(value: z.infer<typeof fieldValue>, separator: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (!value.every((item) => typeof item === 'string')) return undefined;
    return value.length === 0 ? undefined : value.join(separator);
  }
  if (typeof value === 'object') return undefined;
  const text = String(value);
  return text === '' ? undefined : text;
}

/** True for a value {@link asText} cannot turn into text: a key/value list or an object. */
function isStructured(value: z.infer<typeof fieldValue>): boolean {
  if (Array.isArray(value)) return !value.every((item) => typeof item === 'string');
  return typeof value === 'object' && value !== null;
}

/**
 * The connection's `headers` input as header name → value: spectral's key/value list (`[{ key, value }]`) or
 * a plain object. These are sent with every token request (some providers want `Authorization: Basic …`
 * there however the client authenticates).
 */
function headersOf(connectionKey: string, value: z.infer<typeof fieldValue>): Record<string, string> {
  if (value === null || value === undefined || value === '') return {};
  if (typeof value === 'string') return headersOf(connectionKey, parseHeadersText(connectionKey, value));
  const entries = Array.isArray(value)
    ? value.map((item) => {
        const pair = keyValuePair.safeParse(item);
        return pair.success ? [pair.data.key, pair.data.value] : [undefined, undefined];
      })
    : typeof value === 'object'
      ? Object.entries(value)
      : [[undefined, undefined]];
  const headers: Record<string, string> = {};
  for (const [name, text] of entries) {
    if (typeof name !== 'string' || name === '' || (typeof text !== 'string' && typeof text !== 'number')) {
      throw invalid(
        connectionKey,
        `${HEADERS_INPUT} must be a key/value list of header names and text values ([{ "key": "…", "value": "…" }])`,
      );
    }
    headers[name] = String(text);
  }
  return headers;
}

function parseJsonInput<T>(
  connectionKey: string,
  inputKey: string,
  raw: string | undefined,
  schema: z.ZodType<T>,
  fallback: T,
): T {
  if (raw === undefined) return fallback;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw invalid(connectionKey, `hidden input ${inputKey} is not valid JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw invalid(connectionKey, `hidden input ${inputKey}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

function splitScopes(value: string | undefined, separator: ' ' | ',' | '+'): string[] {
  if (value === undefined) return [];
  // People paste scopes with stray spaces around commas; the separator alone would keep them.
  const pattern = separator === ' ' ? /\s+/ : separator === ',' ? /\s*,\s*/ : /\s*\+\s*|\s+/;
  return value
    .split(pattern)
    .map((scope) => scope.trim())
    .filter((scope) => scope.length > 0);
}

/**
 * Resolves a connection definition (spectral wire format, as in a built bundle's `connections`) and the
 * connection's field values into a {@link ResolvedClientConfig}: environment hosts applied, `{{#field}}`
 * templates rendered, scopes split, quirks parsed from the hidden inputs. Pure; throws before returning
 * anything partial.
 *
 * @throws KeywayError `KW_PROVIDER_NOT_OAUTH`, `KW_PROVIDER_DEFINITION_INVALID`, `KW_PROVIDER_FIELD_MISSING`,
 *   `KW_PROVIDER_TEMPLATE_UNRESOLVED`, `KW_PROVIDER_ENVIRONMENT_UNKNOWN`, `KW_PROVIDER_URL_INVALID`,
 *   `KW_OAUTH_GRANT_DISABLED` (implicit without the opt-in).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3 (scope)
 */
export function resolveConnection(definition: unknown, fieldValues: unknown = {}): ResolvedClientConfig {
  const { wire, given } = parseInputs(definition, fieldValues);
  const key = wire.key;
  const inputs = new Map(wire.inputs.map((input) => [input.key, input]));
  const scopeSeparator = scopeSeparatorOf(key, given, inputs.get(HIDDEN_INPUTS.scopeSeparator));
  const raw = rawValues(wire, given, scopeSeparator);
  const grantType = grantTypeOf(wire, raw);
  const environment = applyEnvironment(key, raw);
  const fields = renderTemplates(wire, raw);
  const urls = checkedUrls(key, fields, grantType);
  const credentials = credentialsOf(wire, fields, given, grantType);
  const implicit = implicitAndMargin(key, fields, grantType);
  const tokenRequestFormat = tokenRequestFormatOf(key, fields);
  const quirks = quirksOf(
    key,
    fields,
    given[HEADERS_INPUT] ?? defaultValue(inputs.get(HEADERS_INPUT)?.default),
  );
  const config: ResolvedClientConfig = {
    connectionKey: key,
    ...(fields[HIDDEN_INPUTS.provider] !== undefined ? { provider: fields[HIDDEN_INPUTS.provider] } : {}),
    grantType,
    ...(wire.oauth2Config?.overrideGrantType !== undefined
      ? { grantTypeOverride: wire.oauth2Config.overrideGrantType }
      : {}),
    ...(environment !== undefined ? { environment } : {}),
    ...urls,
    scopes: splitScopes(fields.scopes, scopeSeparator),
    scopeSeparator,
    scopeParam: fields[HIDDEN_INPUTS.scopeParam] ?? 'scope',
    pkce: wire.oauth2PkceMethod ?? false,
    ...quirks,
    tokenRequestFormat,
    ...implicit,
    ...credentials,
    fields,
  };
  const checked = ResolvedClientConfigSchema.safeParse(config);
  if (!checked.success) throw invalid(key, describeIssues(checked.error));
  return checked.data;
}

/** Parses the definition and the field values, or says which is not what it should be. */
function parseInputs(
  definition: unknown,
  fieldValues: unknown,
): { wire: WireConnection; given: z.infer<typeof ConnectionFieldValuesSchema> } {
  const parsedDefinition = WireConnectionSchema.safeParse(definition);
  if (!parsedDefinition.success) {
    throw new KeywayError('KW_PROVIDER_DEFINITION_INVALID', {
      message: `Not a spectral connection definition: ${describeIssues(parsedDefinition.error)}`,
    });
  }
  const key = parsedDefinition.data.key;
  const parsedValues = ConnectionFieldValuesSchema.safeParse(fieldValues);
  if (!parsedValues.success) {
    // Values may be secrets: name the fields, never echo them.
    throw new KeywayError('KW_PROVIDER_FIELD_MISSING', {
      message: `Connection "${key}": field values must be text, numbers, booleans, lists or objects (bad: ${parsedValues.error.issues.map((i) => i.path.join('.')).join(', ')})`,
      details: { connection: key },
    });
  }
  return { wire: parsedDefinition.data, given: parsedValues.data };
}

/** The scope separator: the given value, else the hidden input's default, else a space. */
function scopeSeparatorOf(
  key: string,
  given: z.infer<typeof ConnectionFieldValuesSchema>,
  separatorInput: WireConnection['inputs'][number] | undefined,
): ScopeSeparator {
  const separator = ScopeSeparatorSchema.safeParse(
    asText(given[HIDDEN_INPUTS.scopeSeparator], ' ') ??
      asText(defaultValue(separatorInput?.default), ' ') ??
      ' ',
  );
  if (!separator.success) {
    throw invalid(
      key,
      `${HIDDEN_INPUTS.scopeSeparator} must be one of ${ScopeSeparatorSchema.options.map((o) => `"${o}"`).join(', ')}`,
    );
  }
  return separator.data;
}

/**
 * Every input's raw value: what was given, else its default. Structured values (key/value lists, objects) are
 * valid field values but never text: the inputs the engine reads as text refuse them.
 */
function rawValues(
  wire: WireConnection,
  given: z.infer<typeof ConnectionFieldValuesSchema>,
  scopeSeparator: ScopeSeparator,
): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const input of wire.inputs) {
    // A template input is computed from its definition, never set: a given value is ignored.
    const own = input.type === 'template' ? undefined : asText(given[input.key], scopeSeparator);
    const value = own ?? asText(defaultValue(input.default), scopeSeparator);
    if (value !== undefined) raw[input.key] = value;
    else if (TEXT_INPUTS.has(input.key) && isStructured(given[input.key] ?? null)) {
      // Values may be secrets: name the field, never echo it.
      throw new KeywayError('KW_PROVIDER_FIELD_MISSING', {
        message: `Connection "${wire.key}": ${input.key} must be text, not a list or an object`,
        details: { connection: wire.key, field: input.key },
      });
    }
  }
  return raw;
}

/** The grant: spectral's `oauth2Type`, else Keyway's hidden grant input; neither means not OAuth 2.0. */
function grantTypeOf(wire: WireConnection, raw: Record<string, string>): GrantType {
  const grant = GrantTypeSchema.safeParse(wire.oauth2Type ?? raw[HIDDEN_INPUTS.grantType]);
  if (grant.success) return grant.data;
  if (wire.oauth2Type === undefined && raw[HIDDEN_INPUTS.grantType] === undefined) {
    throw new KeywayError('KW_PROVIDER_NOT_OAUTH', {
      message: `Connection "${wire.key}" is not an OAuth 2.0 connection (no oauth2Type and no ${HIDDEN_INPUTS.grantType} input)`,
      details: { connection: wire.key },
    });
  }
  throw invalid(wire.key, `${HIDDEN_INPUTS.grantType} must be one of ${GrantTypeSchema.options.join(', ')}`);
}

/**
 * The chosen environment's hosts replace the hidden host inputs in `raw` (which hold the default
 * environment's); returns the environment's name, undefined when the definition has none.
 */
function applyEnvironment(key: string, raw: Record<string, string>): string | undefined {
  const environments = parseJsonInput<Environments | undefined>(
    key,
    HIDDEN_INPUTS.environments,
    raw[HIDDEN_INPUTS.environments],
    EnvironmentsSchema,
    undefined,
  );
  if (!environments) return undefined;
  const environment = raw[ENVIRONMENT_INPUT] ?? environments.default;
  const chosen = environments.options[environment];
  if (!chosen) {
    throw new KeywayError('KW_PROVIDER_ENVIRONMENT_UNKNOWN', {
      message: `Connection "${key}": environment "${environment}" is not one of: ${Object.keys(environments.options).join(', ')}`,
      details: { connection: key, environment, options: Object.keys(environments.options) },
    });
  }
  Object.assign(raw, chosen.hosts);
  return environment;
}

/** Renders `{{#field}}` slots from the non-template values (spectral forbids templates inside templates). */
function renderTemplates(wire: WireConnection, raw: Record<string, string>): Record<string, string> {
  const templateKeys = new Set(
    wire.inputs.filter((input) => input.type === 'template').map((input) => input.key),
  );
  const fields: Record<string, string> = {};
  for (const [inputKey, value] of Object.entries(raw)) {
    const isUrl = (URL_INPUTS as readonly string[]).includes(inputKey);
    if (!templateKeys.has(inputKey) && !isUrl) {
      fields[inputKey] = value;
      continue;
    }
    fields[inputKey] = value.replace(/{{#(\w+)}}/g, (_slot, name: string) => {
      const filled = templateKeys.has(name) ? undefined : raw[name];
      if (filled === undefined) {
        throw new KeywayError('KW_PROVIDER_TEMPLATE_UNRESOLVED', {
          message: `Connection "${wire.key}": ${inputKey} uses {{#${name}}}, but "${name}" has no value; fill in ${name}`,
          details: { connection: wire.key, input: inputKey, slot: name },
        });
      }
      return filled;
    });
  }
  return fields;
}

/** A rendered field the grant cannot work without, or a typed error naming it and why. */
function requireField(key: string, fields: Record<string, string>, name: string, why: string): string {
  const value = fields[name];
  if (value === undefined) {
    throw new KeywayError('KW_PROVIDER_FIELD_MISSING', {
      message: `Connection "${key}": ${name} is required ${why}`,
      details: { connection: key, field: name },
    });
  }
  return value;
}

/**
 * URLs must be absolute once rendered; the ones the grant cannot work without must be there, unless an issuer
 * is given to discover them from.
 */
function checkedUrls(
  key: string,
  fields: Record<string, string>,
  grantType: GrantType,
): Partial<Record<(typeof URL_INPUTS)[number], string>> & Pick<ResolvedClientConfig, 'issuer' | 'discovery'> {
  const urls: Partial<Record<(typeof URL_INPUTS)[number], string>> = {};
  for (const name of URL_INPUTS) {
    const value = fields[name];
    if (value === undefined) continue;
    if (!isHttpUrl(value) || templateSlots(value).length > 0) {
      throw new KeywayError('KW_PROVIDER_URL_INVALID', {
        message: `Connection "${key}": ${name} is not an absolute http(s) URL`,
        details: { connection: key, input: name },
      });
    }
    urls[name] = value;
  }
  // With an issuer, endpoints left empty are discovered from its metadata before any request is made.
  const issuer = fields[HIDDEN_INPUTS.issuer];
  if (issuer !== undefined && (!isHttpUrl(issuer) || templateSlots(issuer).length > 0)) {
    throw new KeywayError('KW_PROVIDER_URL_INVALID', {
      message: `Connection "${key}": ${HIDDEN_INPUTS.issuer} is not an absolute http(s) URL`,
      details: { connection: key, input: HIDDEN_INPUTS.issuer },
    });
  }
  const discovery = DiscoveryKindSchema.safeParse(fields[HIDDEN_INPUTS.discovery] ?? 'oidc');
  if (!discovery.success) {
    throw invalid(key, `${HIDDEN_INPUTS.discovery} must be one of ${DiscoveryKindSchema.options.join(', ')}`);
  }
  if (issuer === undefined) {
    if (grantType === 'authorization_code' || grantType === 'implicit')
      requireField(key, fields, 'authorizeUrl', `for ${grantType}`);
    if (grantType !== 'implicit') requireField(key, fields, 'tokenUrl', `for ${grantType}`);
    if (grantType === 'device_code') requireField(key, fields, 'deviceAuthorizationUrl', 'for device_code');
  }
  return {
    ...urls,
    ...(issuer !== undefined ? { issuer } : {}),
    ...(fields[HIDDEN_INPUTS.discovery] !== undefined ? { discovery: discovery.data } : {}),
  };
}

/** The client's identity and authentication, and the resource owner's credentials for the password grant. */
function credentialsOf(
  wire: WireConnection,
  fields: Record<string, string>,
  given: z.infer<typeof ConnectionFieldValuesSchema>,
  grantType: GrantType,
): Pick<ResolvedClientConfig, 'clientId' | 'clientSecret' | 'clientAuthMethod' | 'username' | 'password'> {
  const key = wire.key;
  const clientId = requireField(key, fields, 'clientId', 'to identify the OAuth client');
  const clientSecret = fields.clientSecret;
  const clientAuthMethod = clientAuthMethodOf(
    key,
    fields[HIDDEN_INPUTS.clientAuthMethod] ?? asText(given[HIDDEN_INPUTS.clientAuthMethod], ' '),
    clientSecret,
    wire.inputs.find((input) => input.key === 'clientSecret')?.required === true,
  );
  if (
    clientAuthMethod === 'none' &&
    grantType === 'authorization_code' &&
    wire.oauth2PkceMethod === undefined
  ) {
    throw invalid(
      key,
      'has no client secret, so it is a public client (RFC 6749 §2.1), and a public client must use PKCE: set oauth2PkceMethod',
    );
  }
  if (clientAuthMethod !== 'none' && grantType !== 'implicit' && clientSecret === undefined) {
    requireField(key, fields, 'clientSecret', `for client authentication (${clientAuthMethod})`);
  }
  return {
    clientAuthMethod,
    clientId,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    ...(grantType === 'password'
      ? {
          username: requireField(key, fields, 'username', 'for the password grant'),
          password: requireField(key, fields, 'password', 'for the password grant'),
        }
      : {}),
  };
}

/** The implicit grant's opt-in (refused when the grant is implicit without it) and the refresh margin. */
function implicitAndMargin(
  key: string,
  fields: Record<string, string>,
  grantType: GrantType,
): Pick<ResolvedClientConfig, 'allowImplicit' | 'refreshMarginSeconds'> {
  const allowImplicit = fields[HIDDEN_INPUTS.allowImplicit] === 'true';
  if (grantType === 'implicit' && !allowImplicit) {
    throw new KeywayError('KW_OAUTH_GRANT_DISABLED', {
      message: `Connection "${key}" uses the implicit grant without opting in (${HIDDEN_INPUTS.allowImplicit}: true)`,
      details: { connection: key },
    });
  }
  const margin = fields[HIDDEN_INPUTS.refreshMarginSeconds];
  if (margin === undefined) return { allowImplicit };
  const refreshMarginSeconds = Number(margin);
  if (!Number.isInteger(refreshMarginSeconds) || refreshMarginSeconds < 0) {
    throw invalid(key, `${HIDDEN_INPUTS.refreshMarginSeconds} must be a whole number of seconds`);
  }
  return { allowImplicit, refreshMarginSeconds };
}

/** How token requests carry their parameters: a form unless the definition says `json`. */
function tokenRequestFormatOf(
  key: string,
  fields: Record<string, string>,
): ResolvedClientConfig['tokenRequestFormat'] {
  const format = TokenRequestFormatSchema.safeParse(fields[HIDDEN_INPUTS.tokenRequestFormat] ?? 'form');
  if (!format.success) {
    throw invalid(
      key,
      `${HIDDEN_INPUTS.tokenRequestFormat} must be one of ${TokenRequestFormatSchema.options.join(', ')}`,
    );
  }
  return format.data;
}

/** Quirks from the hidden JSON inputs, with RFC defaults for connections not built by toSpectralConnection. */
function quirksOf(
  key: string,
  fields: Record<string, string>,
  headers: z.infer<typeof fieldValue>,
): Pick<
  ResolvedClientConfig,
  'scopeDescriptions' | 'extraAuthorizeParams' | 'extraTokenParams' | 'extraTokenHeaders' | 'tokenResponse'
> {
  const json = <T>(input: string, schema: z.ZodType<T>, fallback: T): T =>
    parseJsonInput(key, input, fields[input], schema, fallback);
  return {
    scopeDescriptions: json(HIDDEN_INPUTS.scopeDescriptions, params, {}),
    extraAuthorizeParams: json(HIDDEN_INPUTS.extraAuthorizeParams, params, {}),
    extraTokenParams: json(HIDDEN_INPUTS.extraTokenParams, params, {}),
    extraTokenHeaders: {
      ...json(HIDDEN_INPUTS.extraTokenHeaders, params, {}),
      ...headersOf(key, headers),
    },
    tokenResponse: json(HIDDEN_INPUTS.tokenResponse, TokenResponseQuirksSchema, {
      keepFields: [],
      errorCodes: {},
    }),
  };
}

/** A `headers` value given as JSON text (a CLI `--field`, a form): the list or object it encodes. */
function parseHeadersText(connectionKey: string, text: string): z.infer<typeof fieldValue> {
  try {
    const parsed = fieldValue.safeParse(JSON.parse(text));
    if (parsed.success && typeof parsed.data !== 'string') return parsed.data;
  } catch {
    // Reported below, as for any other bad value.
  }
  throw invalid(connectionKey, `${HEADERS_INPUT} must be a key/value list ([{ "key": "…", "value": "…" }])`);
}

/** Inputs the engine reads as text: URLs, client credentials, scopes and the hidden quirk inputs. */
const TEXT_INPUTS: ReadonlySet<string> = new Set<string>([
  ...URL_INPUTS,
  ...Object.values(HIDDEN_INPUTS),
  'clientId',
  'clientSecret',
  'scopes',
  'username',
  'password',
]);

/**
 * The client authentication method: the connection's own choice (`keywayClientAuthMethod` given as a field)
 * or the definition's; without either, decided by the values: no client secret (and the definition does not
 * require one) means a public client, `none` (RFC 6749 §2.1); otherwise the secret goes in the body.
 * `client_secret_query` is only ever used when named.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
function clientAuthMethodOf(
  connectionKey: string,
  named: string | undefined,
  clientSecret: string | undefined,
  secretRequired: boolean,
): ClientAuthMethod {
  if (named === undefined) {
    return clientSecret === undefined && !secretRequired ? 'none' : 'client_secret_post';
  }
  const parsed = ClientAuthMethodSchema.safeParse(named);
  if (!parsed.success) {
    throw invalid(
      connectionKey,
      `${HIDDEN_INPUTS.clientAuthMethod} must be one of ${ClientAuthMethodSchema.options.join(', ')}`,
    );
  }
  return parsed.data;
}

function defaultValue(value: unknown): z.infer<typeof fieldValue> {
  const parsed = fieldValue.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
