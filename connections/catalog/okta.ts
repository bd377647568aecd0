import { defineProvider } from '../schema';

/**
 * Okta: an org's custom authorization server (`default` unless the org made another), with OpenID metadata.
 *
 * - Authorize request `https://{yourOktaDomain}/oauth2/default/v1/authorize` (`default` = the custom
 *   authorization server's id): https://developer.okta.com/docs/guides/implement-auth-code/use-flow/
 * - Code exchange `POST https://{yourOktaDomain}/oauth2/default/v1/token` with HTTP Basic client authentication:
 *   https://developer.okta.com/docs/guides/implement-auth-code/exchange-code-token/
 * - Revocation `POST /oauth2/{authorizationServerId}/v1/revoke` (form `token`, `token_type_hint`; RFC 7009):
 *   https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/customas/revokecustomas
 * - RFC 8414 metadata `/oauth2/{authorizationServerId}/.well-known/oauth-authorization-server`:
 *   https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/CustomAS
 *
 * The issuer is `https://{yourOktaDomain}/oauth2/{authorizationServerId}`; discovery can check the endpoints from it.
 * Device authorization and userinfo are left out: their pages were not read.
 */
export const okta = defineProvider({
  key: 'okta',
  displayName: 'Okta',
  docsUrl: 'https://developer.okta.com/docs/guides/implement-auth-code/use-flow/',
  sources: {
    issuer: 'https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/CustomAS',
    authorizeUrl: 'https://developer.okta.com/docs/guides/implement-auth-code/use-flow/',
    tokenUrl: 'https://developer.okta.com/docs/guides/implement-auth-code/exchange-code-token/',
    revokeUrl: 'https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/customas/revokecustomas',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  fields: {
    oktaDomain: { label: 'Okta domain', example: 'dev-123456.okta.com' },
    authServerId: {
      label: 'Authorization server id',
      comments: 'default, or the id of a custom authorization server',
      default: 'default',
    },
  },
  issuer: 'https://{{#oktaDomain}}/oauth2/{{#authServerId}}',
  discovery: 'oauth2',
  authorizeUrl: 'https://{{#oktaDomain}}/oauth2/{{#authServerId}}/v1/authorize',
  tokenUrl: 'https://{{#oktaDomain}}/oauth2/{{#authServerId}}/v1/token',
  revokeUrl: 'https://{{#oktaDomain}}/oauth2/{{#authServerId}}/v1/revoke',
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
  notes: [
    'A refresh token is issued only with the offline_access scope and the refresh grant enabled on the app.',
  ],
});
