/**
 * The shape of a provider definition: everything Keyway needs to know about one OAuth 2.0 provider, as data.
 *
 * A provider file is a plain object checked by {@link ProviderDefinitionSchema}; quirks (a comma scope
 * separator, a token nested under `authed_user`, errors inside a 200 body) are named fields here, never
 * branches in code.
 */
import { z } from 'zod';
import { KeywayError } from '../errors';
import { URL_INPUTS } from './inputs';

/**
 * The OAuth 2.0 grants a provider can support.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-1.3
 * @see https://www.rfc-editor.org/rfc/rfc8628 (device_code)
 */
export const GrantTypeSchema = z.enum([
  'authorization_code',
  'client_credentials',
  'device_code',
  'password',
  'implicit',
]);
/** One of {@link GrantTypeSchema}'s values. */
export type GrantType = z.infer<typeof GrantTypeSchema>;

/** How scopes are joined into one parameter (RFC 6749 says space; Slack uses a comma). */
export const ScopeSeparatorSchema = z.enum([' ', ',', '+']);
/** One of {@link ScopeSeparatorSchema}'s values. */
export type ScopeSeparator = z.infer<typeof ScopeSeparatorSchema>;

/**
 * How the client authenticates at the token endpoint.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export const ClientAuthMethodSchema = z.enum([
  'client_secret_basic',
  'client_secret_post',
  'client_secret_query',
  'none',
]);
/** One of {@link ClientAuthMethodSchema}'s values. */
export type ClientAuthMethod = z.infer<typeof ClientAuthMethodSchema>;

/**
 * The PKCE method, or `false` for none.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export const PkceSchema = z.union([z.enum(['S256', 'plain']), z.literal(false)]);
/** One of {@link PkceSchema}'s values. */
export type Pkce = z.infer<typeof PkceSchema>;

/**
 * How token requests carry their parameters: `form` (RFC 6749 §4.1.3) or `json` (one JSON object, for vendors
 * such as Notion and Square whose token endpoints accept nothing else).
 */
export const TokenRequestFormatSchema = z.enum(['form', 'json']);

/** Which metadata document discovery reads: OpenID Connect's or RFC 8414's. */
export const DiscoveryKindSchema = z.enum(['oidc', 'oauth2']);

/** A `{{#name}}` slot, spectral's template notation (same pattern as spectral's `TEMPLATE_VALUE_REGEX`). */
export const TEMPLATE_SLOT = /{{#(\w+)}}/g;

/** The names referenced by `{{#name}}` slots in `template`, in order. */
export function templateSlots(template: string): string[] {
  return [...template.matchAll(TEMPLATE_SLOT)].map((match) => match[1] ?? '');
}

/** True when `value` is an absolute http(s) URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * An absolute http(s) URL, or a template of one whose slots are filled from connection fields or the
 * environment's hosts (`{{#host}}/oauth/token`, `https://{{#subdomain}}.example.com/oauth/token`).
 */
export const UrlTemplateSchema = z
  .string()
  .min(1)
  .refine(
    (value) => {
      // A slot at the very start stands for a whole origin; anywhere else, for a host label or path part.
      const probe = value.replace(/^{{#\w+}}/, 'https://slot.invalid').replace(TEMPLATE_SLOT, 'slot');
      return isHttpUrl(probe);
    },
    { message: 'must be an absolute http(s) URL, optionally with {{#field}} slots' },
  );

const identifier = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must start with a letter and contain only letters, digits and _');

/** A connection field a person fills in (a subdomain, an issuer URL), usable as a template slot. */
export const ProviderFieldSchema = z.strictObject({
  label: z.string().min(1),
  comments: z.string().optional(),
  example: z.string().optional(),
  /** `password` hides the value in the UI; use it for anything secret. */
  type: z.enum(['string', 'password']).default('string'),
  required: z.boolean().default(true),
  default: z.string().optional(),
});
/** A parsed {@link ProviderFieldSchema}. */
export type ProviderField = z.infer<typeof ProviderFieldSchema>;

/** One named set of hosts (production, sandbox, development...). */
export const EnvironmentSchema = z.strictObject({
  label: z.string().min(1),
  /** Slot name → origin, e.g. `{ loginHost: 'https://test.salesforce.com' }`. */
  hosts: z.record(identifier, z.string().refine(isHttpUrl, 'must be an absolute http(s) URL')),
});
/** A parsed {@link EnvironmentSchema}. */
export type Environment = z.infer<typeof EnvironmentSchema>;

/** Named host sets and the one used when the connection does not pick one. */
export const EnvironmentsSchema = z
  .strictObject({
    default: identifier,
    options: z.record(identifier, EnvironmentSchema),
  })
  .superRefine((envs, ctx) => {
    const names = Object.keys(envs.options);
    if (!names.includes(envs.default)) {
      ctx.addIssue({
        code: 'custom',
        path: ['default'],
        message: `default environment "${envs.default}" is not one of: ${names.join(', ')}`,
      });
    }
    const first = envs.options[names[0] ?? ''];
    const expected = Object.keys(first?.hosts ?? {})
      .sort()
      .join(',');
    for (const name of names) {
      const keys = Object.keys(envs.options[name]?.hosts ?? {})
        .sort()
        .join(',');
      if (keys !== expected) {
        ctx.addIssue({
          code: 'custom',
          path: ['options', name, 'hosts'],
          message: `every environment must define the same hosts (${expected}); "${name}" defines (${keys})`,
        });
      }
    }
  });
/** A parsed {@link EnvironmentsSchema}. */
export type Environments = z.infer<typeof EnvironmentsSchema>;

/**
 * Token-response quirks. `errorInOkBody` recognises an error sent with HTTP 200 (Slack's `ok: false`,
 * GitHub's `error=...`); `tokenPath` is where the token fields live (Slack's user token under `authed_user`);
 * `keepFields` are provider extras kept with the token (Salesforce's `instance_url`).
 */
export const TokenResponseQuirksSchema = z.strictObject({
  errorInOkBody: z
    .strictObject({
      /** When set, a 200 body whose `okField` is `false` is an error. */
      okField: z.string().min(1).optional(),
      /** The field holding the error code; its presence alone marks an error. */
      errorField: z.string().min(1).default('error'),
      descriptionField: z.string().min(1).optional(),
    })
    .optional(),
  /**
   * Dotted path to the object holding `access_token`, `token_type`, `scope`, `refresh_token`, `expires_in`,
   * used when that object has an `access_token` (Slack nests the user token on the code exchange only).
   */
  tokenPath: z
    .string()
    .regex(/^\w+(\.\w+)*$/, 'must be a dotted path such as authed_user')
    .optional(),
  keepFields: z.array(z.string().min(1)).default([]),
  /**
   * Vendor error codes → the RFC 6749 §5.2 code they mean (GitHub's `bad_refresh_token` is `invalid_grant`),
   * so a dead grant is recognised whatever the vendor calls it.
   */
  errorCodes: z.record(z.string().min(1), z.string().min(1)).default({}),
});
/** A parsed {@link TokenResponseQuirksSchema}. */
export type TokenResponseQuirks = z.infer<typeof TokenResponseQuirksSchema>;

const paramsSchema = z.record(z.string().min(1), z.string());

/** What a definition can cite a documentation page for: each URL, the issuer, the scopes and the hosts. */
export const SOURCED_FIELDS = [...URL_INPUTS, 'issuer', 'scopes', 'environments'] as const;
/** One of {@link SOURCED_FIELDS}. */
export type SourcedField = (typeof SOURCED_FIELDS)[number];

/**
 * The vendor documentation page each value came from (`{ tokenUrl: 'https://…' }`). Catalog entries must cite
 * one for every URL they set (connections/catalog/index.ts checks it); a URL nobody can trace to the vendor's
 * own documentation is not added.
 */
export const SourcesSchema = z.partialRecord(
  z.enum(SOURCED_FIELDS),
  // A path in this repository only for what Keyway itself serves (the sandbox's demo API).
  z.union([z.url(), z.string().regex(/^src\/[\w./-]+$/, 'must be a URL or a path under src/')]),
);

/** Settings that differ for one grant (GitHub's device flow authenticates with the client id alone). */
export const GrantOverrideSchema = z.strictObject({
  clientAuthMethod: ClientAuthMethodSchema.optional(),
  extraTokenParams: paramsSchema.optional(),
});
/** A parsed {@link GrantOverrideSchema}. */
export type GrantOverride = z.infer<typeof GrantOverrideSchema>;

/** Parameters Keyway sets itself; a provider must not smuggle them in as "extra" parameters. */
const RESERVED_PARAMS = new Set([
  'client_id',
  'client_secret',
  'code',
  'code_verifier',
  'code_challenge',
  'code_challenge_method',
  'redirect_uri',
  'state',
  'grant_type',
  'refresh_token',
  'device_code',
  'username',
  'password',
]);

/** A provider definition: one file in `connections/`. */
export const ProviderDefinitionSchema = z
  .strictObject({
    /** Stable identifier, also the prefix of connection keys built from it. */
    key: identifier,
    displayName: z.string().min(1),
    /** The vendor's OAuth documentation this definition follows. */
    docsUrl: z.url(),
    /** Where each URL (and the scopes, hosts) came from; see {@link SourcesSchema}. */
    sources: SourcesSchema.default({}),
    /**
     * The authorization server's issuer (RFC 8414 / OpenID Connect), a URL template like the others. With it,
     * the endpoints may be left out and filled by discovery (src/providers/discovery.ts), checked against it.
     */
    issuer: UrlTemplateSchema.optional(),
    /** Which metadata document discovery asks for; both are tried (OpenID first) when unset. */
    discovery: DiscoveryKindSchema.optional(),
    grantTypes: z.array(GrantTypeSchema).min(1),
    authorizeUrl: UrlTemplateSchema.optional(),
    tokenUrl: UrlTemplateSchema.optional(),
    /** An RFC 7009 revocation endpoint; leave unset when the vendor's revocation is not RFC 7009. */
    revokeUrl: UrlTemplateSchema.optional(),
    deviceAuthorizationUrl: UrlTemplateSchema.optional(),
    userinfoUrl: UrlTemplateSchema.optional(),
    /** Base URL of the vendor's API; components read it from the connection so tests can point it elsewhere. */
    apiBaseUrl: UrlTemplateSchema.optional(),
    /** Fields a person fills in; their names may be used as `{{#name}}` slots in the URLs. */
    fields: z.record(identifier, ProviderFieldSchema).default({}),
    environments: EnvironmentsSchema.optional(),
    defaultScopes: z.array(z.string().min(1)).default([]),
    /** Scope → plain words for the consent page. */
    scopeDescriptions: z.record(z.string(), z.string()).default({}),
    scopeSeparator: ScopeSeparatorSchema.default(' '),
    /** The authorize parameter that carries scopes (Slack user tokens use `user_scope`). */
    scopeParam: z.string().min(1).default('scope'),
    clientAuthMethod: ClientAuthMethodSchema.default('client_secret_basic'),
    pkce: PkceSchema.default(false),
    extraAuthorizeParams: paramsSchema.default({}),
    extraTokenParams: paramsSchema.default({}),
    /** Headers the token endpoint needs (GitHub answers form-encoded unless asked for JSON). */
    extraTokenHeaders: paramsSchema.default({}),
    /** `json` when the token endpoint wants a JSON body instead of a form (see {@link TokenRequestFormatSchema}). */
    tokenRequestFormat: TokenRequestFormatSchema.default('form'),
    grantOverrides: z.partialRecord(GrantTypeSchema, GrantOverrideSchema).default({}),
    tokenResponse: TokenResponseQuirksSchema.default({ keepFields: [], errorCodes: {} }),
    /** Refresh this many seconds before expiry instead of the runtime's default. */
    refreshMarginSeconds: z.number().int().min(0).max(86_400).optional(),
    /** The implicit grant is deprecated (OAuth 2.0 Security BCP); it works only when this is true. */
    allowImplicit: z.boolean().default(false),
    /** Known quirks in plain words (docs/providers.md lists them); the data fields above carry the behaviour. */
    notes: z.array(z.string().min(1)).default([]),
  })
  .superRefine((provider, ctx) => {
    const grants = new Set(provider.grantTypes);
    const need = (field: keyof typeof provider, why: string): void => {
      // With an issuer, discovery fills the endpoints the definition leaves out.
      if (provider[field] === undefined && provider.issuer === undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: `${field} is required ${why}` });
      }
    };
    if (grants.has('authorization_code')) need('authorizeUrl', 'for the authorization_code grant');
    if (grants.has('implicit')) need('authorizeUrl', 'for the implicit grant');
    if (grants.has('device_code')) need('deviceAuthorizationUrl', 'for the device_code grant');
    if ([...grants].some((grant) => grant !== 'implicit')) need('tokenUrl', 'for every grant but implicit');
    if (grants.has('implicit') && !provider.allowImplicit) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowImplicit'],
        message: 'the implicit grant is deprecated; list it only together with allowImplicit: true',
      });
    }
    if (provider.pkce !== false && !grants.has('authorization_code')) {
      ctx.addIssue({
        code: 'custom',
        path: ['pkce'],
        message: 'pkce applies only to the authorization_code grant',
      });
    }
    for (const grant of Object.keys(provider.grantOverrides)) {
      if (!grants.has(grant as GrantType)) {
        ctx.addIssue({
          code: 'custom',
          path: ['grantOverrides', grant],
          message: `override for "${grant}", which is not in grantTypes`,
        });
      }
    }
    for (const [name, params] of [
      ['extraAuthorizeParams', provider.extraAuthorizeParams],
      ['extraTokenParams', provider.extraTokenParams],
    ] as const) {
      for (const param of Object.keys(params)) {
        if (RESERVED_PARAMS.has(param) || param === provider.scopeParam) {
          ctx.addIssue({
            code: 'custom',
            path: [name, param],
            message: `"${param}" is set by Keyway itself and cannot be an extra parameter`,
          });
        }
      }
    }
    // Every slot must name a field or an environment host, or the URL can never be rendered.
    const hostNames = provider.environments
      ? Object.keys(Object.values(provider.environments.options)[0]?.hosts ?? {})
      : [];
    for (const host of hostNames) {
      if (host in provider.fields) {
        ctx.addIssue({
          code: 'custom',
          path: ['fields', host],
          message: `"${host}" is both a field and an environment host`,
        });
      }
    }
    const known = new Set([...Object.keys(provider.fields), ...hostNames]);
    for (const urlField of [...URL_INPUTS, 'issuer'] as const) {
      const template = provider[urlField];
      if (template === undefined) continue;
      for (const slot of templateSlots(template)) {
        if (!known.has(slot)) {
          ctx.addIssue({
            code: 'custom',
            path: [urlField],
            message: `{{#${slot}}} is neither a field nor an environment host (known: ${[...known].join(', ') || 'none'})`,
          });
        }
      }
    }
    for (const cited of Object.keys(provider.sources) as SourcedField[]) {
      const unset =
        cited === 'scopes'
          ? provider.defaultScopes.length === 0 && Object.keys(provider.scopeDescriptions).length === 0
          : provider[cited] === undefined;
      if (unset) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', cited],
          message: `cites a source for ${cited}, which the definition does not set`,
        });
      }
    }
  });

/** A parsed, defaulted provider definition. */
export type ProviderDefinition = z.infer<typeof ProviderDefinitionSchema>;

/**
 * The endpoints `grantType` cannot work without that `provider` leaves unset (possible only for a definition
 * with an `issuer`, whose discovery fills them).
 */
export function missingEndpoints(
  provider: Pick<ProviderDefinition, 'authorizeUrl' | 'tokenUrl' | 'deviceAuthorizationUrl'>,
  grantType: GrantType,
): ('authorizeUrl' | 'tokenUrl' | 'deviceAuthorizationUrl')[] {
  const needed: ('authorizeUrl' | 'tokenUrl' | 'deviceAuthorizationUrl')[] = [];
  if (grantType === 'authorization_code' || grantType === 'implicit') needed.push('authorizeUrl');
  if (grantType !== 'implicit') needed.push('tokenUrl');
  if (grantType === 'device_code') needed.push('deviceAuthorizationUrl');
  return needed.filter((name) => provider[name] === undefined);
}
/** What a provider file writes (defaults not yet applied). */
export type ProviderDefinitionInput = z.input<typeof ProviderDefinitionSchema>;

/** Renders zod issues as `path: message; ...` for an error a person can act on. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Validates a provider definition and applies defaults.
 * @throws KeywayError `KW_PROVIDER_DEFINITION_INVALID` naming every bad field.
 */
export function defineProvider(input: ProviderDefinitionInput): ProviderDefinition {
  const parsed = ProviderDefinitionSchema.safeParse(input);
  if (!parsed.success) {
    const key = typeof (input as { key?: unknown }).key === 'string' ? (input as { key: string }).key : '?';
    throw new KeywayError('KW_PROVIDER_DEFINITION_INVALID', {
      message: `Provider definition "${key}" is invalid: ${describeIssues(parsed.error)}`,
      details: { provider: key, issues: parsed.error.issues.map((i) => i.path.join('.')) },
    });
  }
  return parsed.data;
}
