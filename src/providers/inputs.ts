/**
 * The input keys a provider's spectral connection carries and the runtime reads back, in a module of their own:
 * the runtime needs these keys but not spectral, which costs about 150 ms and a few megabytes to load.
 */

/**
 * Keys of the hidden inputs that carry provider quirks. They are prefixed so they cannot collide with a
 * component's own inputs; the URL, scope and client inputs use spectral's own keys.
 */
export const HIDDEN_INPUTS = {
  provider: 'keywayProvider',
  grantType: 'keywayGrantType',
  scopeSeparator: 'keywayScopeSeparator',
  scopeParam: 'keywayScopeParam',
  scopeDescriptions: 'keywayScopeDescriptions',
  clientAuthMethod: 'keywayClientAuthMethod',
  extraAuthorizeParams: 'keywayExtraAuthorizeParams',
  extraTokenParams: 'keywayExtraTokenParams',
  extraTokenHeaders: 'keywayExtraTokenHeaders',
  tokenRequestFormat: 'keywayTokenRequestFormat',
  tokenResponse: 'keywayTokenResponse',
  refreshMarginSeconds: 'keywayRefreshMarginSeconds',
  allowImplicit: 'keywayAllowImplicit',
  environments: 'keywayEnvironments',
  issuer: 'keywayIssuer',
  discovery: 'keywayDiscovery',
} as const;

/** Keys of the inputs spectral itself defines for OAuth 2.0 connections, plus Keyway's URL inputs. */
export const URL_INPUTS = [
  'authorizeUrl',
  'tokenUrl',
  'revokeUrl',
  'deviceAuthorizationUrl',
  'userinfoUrl',
  'apiBaseUrl',
] as const;

/** The input holding the chosen environment's name. */
export const ENVIRONMENT_INPUT = 'environment';

/** The input of an OAuth connection whose key/value list is sent as headers with every token request. */
export const HEADERS_INPUT = 'headers';

/**
 * Hidden inputs a connection may set for itself even when its definition does not declare them: the client
 * authentication method (a public client, or credentials in the token URL's query, chosen per connection).
 */
export const CONNECTION_OVERRIDES: readonly string[] = [HIDDEN_INPUTS.clientAuthMethod];
