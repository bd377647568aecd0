import { defineProvider } from '../schema';

/**
 * Okta: an org's custom authorization server (`default` unless the org made another), with OpenID metadata.
 *
 * - OpenID Connect & OAuth 2.0 API, server `https://{yourOktaDomain}`, endpoints
 *   `/oauth2/{authorizationServerId}/v1/authorize`, `/token`, `/revoke` (RFC 7009), `/device/authorize`,
 *   `/userinfo`, metadata at `/.well-known/openid-configuration`:
 *   https://developer.okta.com/docs/api/openapi/okta-oauth/oauth
 *
 * The issuer is `https://{yourOktaDomain}/oauth2/{authorizationServerId}`; discovery can fill or check the
 * endpoints from it.
 */
export const okta = defineProvider({
  key: 'okta',
  displayName: 'Okta',
  docsUrl: 'https://developer.okta.com/docs/api/openapi/okta-oauth/oauth',
  sources: {
    issuer: 'https://developer.okta.com/docs/api/openapi/okta-oauth/oauth',
    authorizeUrl: 'https://developer.okta.com/docs/api/openapi/okta-oauth/oauth',
    tokenUrl: 'https://developer.okta.com/docs/api/openapi/okta-oauth/oauth',
    revokeUrl: 'https://developer.okta.com/docs/api/openapi/okta-oauth/oauth',
    deviceAuthorizationUrl: 'https://developer.okta.com/docs/api/openapi/okta-oauth/oauth',
    userinfoUrl: 'https://developer.okta.com/docs/api/openapi/okta-oauth/oauth',
  },
  grantTypes: ['authorization_code', 'client_credentials', 'device_code'],
  fields: {
    oktaDomain: { label: 'Okta domain', example: 'dev-123456.okta.com' },
    authServerId: {
      label: 'Authorization server id',
      comments: 'default, or the id of a custom authorization server',
      default: 'default',
    },
  },
  issuer: 'https://{{#oktaDomain}}/oauth2/{{#authServerId}}',
  discovery: 'oidc',
  authorizeUrl: 'https://{{#oktaDomain}}/oauth2/{{#authServerId}}/v1/authorize',
  tokenUrl: 'https://{{#oktaDomain}}/oauth2/{{#authServerId}}/v1/token',
  revokeUrl: 'https://{{#oktaDomain}}/oauth2/{{#authServerId}}/v1/revoke',
  deviceAuthorizationUrl: 'https://{{#oktaDomain}}/oauth2/{{#authServerId}}/v1/device/authorize',
  userinfoUrl: 'https://{{#oktaDomain}}/oauth2/{{#authServerId}}/v1/userinfo',
  defaultScopes: ['openid', 'profile', 'offline_access'],
  scopeDescriptions: {
    openid: 'Sign you in',
    profile: 'See your name and profile',
    email: 'See your email address',
    offline_access: 'Keep access while you are offline',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  // Device authorization is for native (public) apps, which hold no secret.
  grantOverrides: { device_code: { clientAuthMethod: 'none' } },
  notes: [
    'A refresh token is issued only with the offline_access scope and the refresh grant enabled on the app.',
  ],
});
