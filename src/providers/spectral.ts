/**
 * Turns a provider definition into a spectral connection definition, so a component gets every OAuth quirk
 * by writing `connections: [toSpectralConnection(github)]`.
 *
 * spectral's wire format has room only for `oauth2Type`, `oauth2PkceMethod` and inputs; everything else a
 * provider needs travels as hidden inputs (`shown: false`) whose defaults hold the value. The bundle stays a
 * valid spectral component: Prismatic shows none of them, and Keyway's {@link resolveConnection} reads them.
 */
import {
  OAuth2PkceMethod,
  OAuth2Type,
  connection,
  oauth2Connection,
  type ConnectionDefinition,
  type ConnectionInput,
  type ConnectionTemplateInputField,
  type StringInputField,
} from '@prismatic-io/spectral';
import { KeywayError } from '../errors';
import { ENVIRONMENT_INPUT, HIDDEN_INPUTS, URL_INPUTS } from './inputs';
import {
  missingEndpoints,
  templateSlots,
  type ClientAuthMethod,
  type GrantType,
  type ProviderDefinition,
} from './schema';

export { ENVIRONMENT_INPUT, HIDDEN_INPUTS, URL_INPUTS };

/** Options for {@link toSpectralConnection}. */
export interface ToSpectralConnectionOptions {
  /** Which of the provider's grants this connection uses; defaults to the first one listed. */
  readonly grantType?: GrantType;
  /** Connection key; defaults to `<provider key><Grant>` such as `githubOAuth` or `githubDevice`. */
  readonly key?: string;
  readonly label?: string;
  readonly description?: string;
  /** Scopes to request instead of the provider's `defaultScopes`. */
  readonly scopes?: readonly string[];
}

const KEY_SUFFIX: Record<GrantType, string> = {
  authorization_code: 'OAuth',
  client_credentials: 'ClientCredentials',
  device_code: 'Device',
  password: 'Password',
  implicit: 'Implicit',
};

const GRANT_WORDS: Record<GrantType, string> = {
  authorization_code: 'OAuth 2.0',
  client_credentials: 'OAuth 2.0 client credentials',
  device_code: 'OAuth 2.0 device flow',
  password: 'OAuth 2.0 password grant',
  implicit: 'OAuth 2.0 implicit grant',
};

const URL_LABELS: Record<(typeof URL_INPUTS)[number], string> = {
  authorizeUrl: 'Authorize URL',
  tokenUrl: 'Token URL',
  revokeUrl: 'Revocation URL',
  deviceAuthorizationUrl: 'Device authorization URL',
  userinfoUrl: 'Userinfo URL',
  apiBaseUrl: 'API base URL',
};

function hidden(label: string, value: string): ConnectionInput {
  return { label, type: 'text', required: false, shown: false, default: value };
}

function urlInput(label: string, value: string): ConnectionInput {
  // spectral renders a `template` input from the other fields itself; a plain URL stays a plain string.
  if (templateSlots(value).length === 0)
    return { label, type: 'string', required: true, shown: false, default: value };
  // spectral's ConnectionInput is an Omit over a union, which drops `templateValue`; the member type has it.
  const template: ConnectionTemplateInputField = {
    label,
    type: 'template',
    templateValue: value,
    shown: false,
  };
  return template;
}

/** The issuer as a hidden input: a template when it names fields (a tenant, a host), else plain text. */
function issuerInput(issuer: string): ConnectionInput {
  if (templateSlots(issuer).length === 0) return hidden('Keyway issuer', issuer);
  const template: ConnectionTemplateInputField = {
    label: 'Keyway issuer',
    type: 'template',
    templateValue: issuer,
    shown: false,
  };
  return template;
}

/**
 * Builds the spectral connection definition for `provider` and one of its grants.
 *
 * `authorization_code` and `client_credentials` become `oauth2Connection(...)` with spectral's own input keys
 * (`authorizeUrl`, `tokenUrl`, `scopes`, `clientId`, `clientSecret`) and `oauth2PkceMethod`. `device_code`,
 * `password` and `implicit`, for which spectral has no `oauth2Type`, become a plain `connection(...)` carrying
 * the same inputs plus the hidden `keywayGrantType` (see docs/connections-and-components.md). A provider with an
 * `issuer` carries it as the hidden `keywayIssuer`; endpoints it leaves out are discovered by the runtime.
 *
 * @throws KeywayError `KW_PROVIDER_DEFINITION_INVALID` when the provider does not support `grantType`.
 * @see https://prismatic.io/docs/custom-connectors/connections/#writing-oauth-20-connections
 */
export function toSpectralConnection(
  provider: ProviderDefinition,
  options: ToSpectralConnectionOptions = {},
): ConnectionDefinition {
  const { grantType, missing } = checkedGrant(provider, options.grantType);
  const override = provider.grantOverrides[grantType] ?? {};
  const clientAuthMethod = override.clientAuthMethod ?? provider.clientAuthMethod;
  const key = options.key ?? `${provider.key}${KEY_SUFFIX[grantType]}`;
  const display = {
    label: options.label ?? `${provider.displayName} ${GRANT_WORDS[grantType]}`,
    description: options.description ?? `Connect to ${provider.displayName} (${GRANT_WORDS[grantType]}).`,
  };
  // In this order: spectral checks that template slots name inputs declared before them in the same connection.
  const inputs: Record<string, ConnectionInput> = {};
  addFieldInputs(inputs, provider);
  addUrlInputs(inputs, provider, grantType, missing);
  addCredentialInputs(
    inputs,
    provider,
    options.scopes ?? provider.defaultScopes,
    clientAuthMethod,
    grantType,
  );
  addQuirkInputs(inputs, provider, grantType, clientAuthMethod);
  return wrap(provider, grantType, key, display, inputs);
}

/** The grant to build for (the first one listed by default), and the endpoints it needs that the provider lacks. */
function checkedGrant(
  provider: ProviderDefinition,
  requested: GrantType | undefined,
): { grantType: GrantType; missing: ReturnType<typeof missingEndpoints> } {
  const grantType = requested ?? provider.grantTypes[0];
  if (grantType === undefined || !provider.grantTypes.includes(grantType)) {
    throw new KeywayError('KW_PROVIDER_DEFINITION_INVALID', {
      message: `Provider "${provider.key}" does not support the ${String(grantType)} grant (it supports ${provider.grantTypes.join(', ')})`,
      details: { provider: provider.key },
    });
  }
  const missing = missingEndpoints(provider, grantType);
  // With an issuer, the runtime fills the endpoints left out from its metadata (src/providers/discovery.ts).
  if (missing.length > 0 && provider.issuer === undefined) {
    throw new KeywayError('KW_PROVIDER_DEFINITION_INVALID', {
      message: `Provider "${provider.key}" has no ${missing.join(', ')} for the ${grantType} grant, and no issuer to discover it from`,
      details: { provider: provider.key, missing },
    });
  }
  return { grantType, missing };
}

/** The provider's own fields, then the environment picker and the default environment's hosts. */
function addFieldInputs(inputs: Record<string, ConnectionInput>, provider: ProviderDefinition): void {
  for (const [name, field] of Object.entries(provider.fields)) {
    inputs[name] = {
      label: field.label,
      type: field.type,
      required: field.required,
      shown: true,
      ...(field.default !== undefined ? { default: field.default } : {}),
      ...(field.comments !== undefined ? { comments: field.comments } : {}),
      ...(field.example !== undefined ? { example: field.example } : {}),
    };
  }
  if (provider.environments) {
    const envs = provider.environments;
    // As above: `model` exists on the string member type but not on the Omit'd ConnectionInput.
    const picker: StringInputField & { shown: boolean } = {
      label: 'Environment',
      type: 'string',
      required: true,
      shown: true,
      default: envs.default,
      model: Object.entries(envs.options).map(([name, env]) => ({ label: env.label, value: name })),
    };
    inputs[ENVIRONMENT_INPUT] = picker;
    const defaults = envs.options[envs.default]?.hosts ?? {};
    for (const [host, origin] of Object.entries(defaults)) {
      // The default environment's host, so the URLs render on Prismatic too; Keyway swaps in the chosen one.
      inputs[host] = { label: host, type: 'string', required: true, shown: false, default: origin };
    }
  }
}

/** The endpoint URLs the grant uses, and the issuer (with inputs left empty for what it discovers). */
function addUrlInputs(
  inputs: Record<string, ConnectionInput>,
  provider: ProviderDefinition,
  grantType: GrantType,
  missing: ReturnType<typeof missingEndpoints>,
): void {
  const urls: Record<(typeof URL_INPUTS)[number], string | undefined> = {
    authorizeUrl:
      grantType === 'authorization_code' || grantType === 'implicit' ? provider.authorizeUrl : undefined,
    tokenUrl: grantType === 'implicit' ? undefined : provider.tokenUrl,
    revokeUrl: provider.revokeUrl,
    deviceAuthorizationUrl: grantType === 'device_code' ? provider.deviceAuthorizationUrl : undefined,
    userinfoUrl: provider.userinfoUrl,
    apiBaseUrl: provider.apiBaseUrl,
  };
  for (const name of URL_INPUTS) {
    const value = urls[name];
    if (value !== undefined) inputs[name] = urlInput(URL_LABELS[name], value);
  }
  if (provider.issuer !== undefined) {
    inputs[HIDDEN_INPUTS.issuer] = issuerInput(provider.issuer);
    if (provider.discovery !== undefined) {
      inputs[HIDDEN_INPUTS.discovery] = hidden('Keyway discovery document', provider.discovery);
    }
    // spectral's oauth2 connections declare both URL inputs; empty ones are discovered from the issuer.
    for (const name of missing) {
      inputs[name] = {
        label: URL_LABELS[name],
        type: 'string',
        required: false,
        shown: false,
        comments: 'Left empty: Keyway discovers it from the issuer. Set it to override discovery.',
      };
    }
  }
}

/** Scopes, the client's id and secret, and the resource owner's credentials for the password grant. */
function addCredentialInputs(
  inputs: Record<string, ConnectionInput>,
  provider: ProviderDefinition,
  scopes: readonly string[],
  clientAuthMethod: ClientAuthMethod,
  grantType: GrantType,
): void {
  inputs.scopes = {
    label: 'Scopes',
    type: 'string',
    required: false,
    shown: true,
    default: scopes.join(provider.scopeSeparator),
    comments: `Separated by "${provider.scopeSeparator === ' ' ? 'a space' : provider.scopeSeparator}".`,
  };
  inputs.clientId = { label: 'Client ID', type: 'string', required: true, shown: true };
  inputs.clientSecret = {
    label: 'Client secret',
    type: 'password',
    required: clientAuthMethod !== 'none',
    shown: clientAuthMethod !== 'none',
  };
  if (grantType === 'password') {
    inputs.username = { label: 'Username', type: 'string', required: true, shown: true };
    inputs.password = { label: 'Password', type: 'password', required: true, shown: true };
  }
}

/** Every quirk as a hidden input whose default holds the value (see {@link HIDDEN_INPUTS}). */
function addQuirkInputs(
  inputs: Record<string, ConnectionInput>,
  provider: ProviderDefinition,
  grantType: GrantType,
  clientAuthMethod: ClientAuthMethod,
): void {
  const override = provider.grantOverrides[grantType] ?? {};
  inputs[HIDDEN_INPUTS.provider] = hidden('Keyway provider', provider.key);
  inputs[HIDDEN_INPUTS.grantType] = hidden('Keyway grant type', grantType);
  inputs[HIDDEN_INPUTS.scopeSeparator] = hidden('Keyway scope separator', provider.scopeSeparator);
  inputs[HIDDEN_INPUTS.scopeParam] = hidden('Keyway scope parameter', provider.scopeParam);
  inputs[HIDDEN_INPUTS.scopeDescriptions] = hidden(
    'Keyway scope descriptions',
    JSON.stringify(provider.scopeDescriptions),
  );
  inputs[HIDDEN_INPUTS.clientAuthMethod] = hidden('Keyway client authentication', clientAuthMethod);
  inputs[HIDDEN_INPUTS.extraAuthorizeParams] = hidden(
    'Keyway extra authorize parameters',
    JSON.stringify(provider.extraAuthorizeParams),
  );
  inputs[HIDDEN_INPUTS.extraTokenParams] = hidden(
    'Keyway extra token parameters',
    JSON.stringify({ ...provider.extraTokenParams, ...override.extraTokenParams }),
  );
  inputs[HIDDEN_INPUTS.extraTokenHeaders] = hidden(
    'Keyway extra token headers',
    JSON.stringify(provider.extraTokenHeaders),
  );
  if (provider.tokenRequestFormat !== 'form') {
    inputs[HIDDEN_INPUTS.tokenRequestFormat] = hidden(
      'Keyway token request format',
      provider.tokenRequestFormat,
    );
  }
  inputs[HIDDEN_INPUTS.tokenResponse] = hidden(
    'Keyway token response quirks',
    JSON.stringify(provider.tokenResponse),
  );
  if (provider.refreshMarginSeconds !== undefined) {
    inputs[HIDDEN_INPUTS.refreshMarginSeconds] = hidden(
      'Keyway refresh margin (seconds)',
      String(provider.refreshMarginSeconds),
    );
  }
  if (grantType === 'implicit') {
    inputs[HIDDEN_INPUTS.allowImplicit] = hidden('Keyway implicit opt-in', String(provider.allowImplicit));
  }
  if (provider.environments) {
    inputs[HIDDEN_INPUTS.environments] = hidden('Keyway environments', JSON.stringify(provider.environments));
  }
}

/**
 * `oauth2Connection(...)` for the grants spectral knows (with spectral's own input keys and `oauth2PkceMethod`),
 * a plain `connection(...)` for the others.
 */
function wrap(
  provider: ProviderDefinition,
  grantType: GrantType,
  key: string,
  display: { label: string; description: string },
  inputs: Record<string, ConnectionInput>,
): ConnectionDefinition {
  if (grantType === 'authorization_code' || grantType === 'client_credentials') {
    const { authorizeUrl, tokenUrl, scopes: scopesInput, clientId, clientSecret } = inputs;
    if (
      tokenUrl === undefined ||
      scopesInput === undefined ||
      clientId === undefined ||
      clientSecret === undefined
    ) {
      throw new KeywayError('KW_PROVIDER_DEFINITION_INVALID', {
        message: `Provider "${provider.key}" has no tokenUrl`,
      });
    }
    if (grantType === 'client_credentials') {
      return oauth2Connection({
        key,
        display,
        oauth2Type: OAuth2Type.ClientCredentials,
        inputs: { ...inputs, tokenUrl, scopes: scopesInput, clientId, clientSecret },
      });
    }
    if (authorizeUrl === undefined) {
      throw new KeywayError('KW_PROVIDER_DEFINITION_INVALID', {
        message: `Provider "${provider.key}" has no authorizeUrl`,
      });
    }
    return oauth2Connection({
      key,
      display,
      oauth2Type: OAuth2Type.AuthorizationCode,
      ...(provider.pkce === 'S256'
        ? { oauth2PkceMethod: OAuth2PkceMethod.S256 }
        : provider.pkce === 'plain'
          ? { oauth2PkceMethod: OAuth2PkceMethod.Plain }
          : {}),
      inputs: { ...inputs, authorizeUrl, tokenUrl, scopes: scopesInput, clientId, clientSecret },
    });
  }
  return connection({ key, display, inputs });
}
