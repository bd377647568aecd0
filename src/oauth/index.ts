/**
 * The OAuth 2.0 protocol engine: pure functions that build requests and validate responses, with the
 * transport, clock and sleep injected, plus conveniences that run each pair through a transport.
 */
export type {
  HttpRequest,
  HttpResponse,
  Transport,
  TransportOptions,
  Clock,
  Sleep,
  IoOptions,
} from './types';
export { DEFAULT_TIMEOUT_MS } from './types';
export { httpTransport, realSleep, mapTransportError, parseRetryAfter } from './http';
export type { ClientAuth, ClientAuthMethod } from './client-auth';
export { clientSecretBasic, clientSecretPost, clientSecretQuery, none, clientAuthFor } from './client-auth';
export type { Pkce, PkceMethod } from './pkce';
export { generateCodeVerifier, generateState, codeChallenge, generatePkce } from './pkce';
export type {
  AuthorizationServer,
  OAuthClient,
  ProviderQuirks,
  GrantOptions,
  TokenRequestFormat,
} from './client';
export type { ErrorInOkBody, ResponseQuirks, ScopeSeparator, ProcessOptions, ParsedBody } from './response';
export { classifyProviderError, parseBody, providerError, standardErrorCode } from './response';
export type { RefreshDecision, RefreshReason, TokenResponseOptions } from './token-set';
export {
  TokenSet,
  TokenResponseBody,
  processTokenResponse,
  mergeRefreshedTokenSet,
  shouldRefresh,
  splitScope,
} from './token-set';
export type {
  AuthorizationUrlParams,
  AuthorizationCallback,
  CallbackExpectations,
  CallbackInput,
  CodeExchangeParams,
  ImplicitExpectations,
} from './authorization-code';
export {
  buildAuthorizationUrl,
  callbackSearchParams,
  validateAuthorizationCallback,
  authorizationCodeGrantRequest,
  processAuthorizationCodeResponse,
  exchangeAuthorizationCode,
  parseImplicitResponse,
  redactUrl,
} from './authorization-code';
export type { ClientCredentialsParams, RefreshParams, PasswordParams } from './grants';
export {
  clientCredentialsGrantRequest,
  clientCredentialsGrant,
  refreshTokenGrantRequest,
  refreshTokenGrant,
  passwordGrantRequest,
  passwordGrant,
} from './grants';
export type { DeviceAuthorizationParams, DevicePollResult, DevicePollOptions } from './device';
export {
  DEVICE_CODE_GRANT_TYPE,
  DeviceAuthorization,
  deviceAuthorizationRequest,
  processDeviceAuthorizationResponse,
  requestDeviceAuthorization,
  deviceCodeGrantRequest,
  processDeviceCodeResponse,
  pollDeviceAuthorization,
} from './device';
export type { RevocationParams } from './revocation';
export { revocationRequest, processRevocationResponse, revokeToken } from './revocation';
export type { DiscoveryKind, DiscoveredServer } from './discovery';
export { discoveryRequest, processDiscoveryResponse, discover } from './discovery';
export type { OAuthStep, RetryPolicy, RetryDecision, RetryReason, WithRetryOptions } from './retry';
export { DEFAULT_RETRY_POLICY, shouldRetry, withRetry } from './retry';
