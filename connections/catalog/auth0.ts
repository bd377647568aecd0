import { defineProvider } from '../schema';

/**
 * Auth0: a tenant's own OpenID Connect / OAuth 2.0 authorization server on `https://{yourDomain}`.
 *
 * - Authentication API (base `https://{yourDomain}`): `/authorize`, `/oauth/token`, `/oauth/revoke`,
 *   `/oauth/device/code`, `/userinfo`: https://auth0.com/docs/api/authentication
 * - The same, as the vendor's OpenAPI document: https://auth0.com/docs/oas/authentication/authentication-api-oas.json
 * - Access tokens for an API need its `audience`: https://auth0.com/docs/tokens/guides/get-access-tokens
 *
 * The issuer is `https://{yourDomain}/` (with the trailing slash) and publishes OpenID discovery metadata.
 */
export const auth0 = defineProvider({
  key: 'auth0',
  displayName: 'Auth0',
  docsUrl: 'https://auth0.com/docs/api/authentication',
  sources: {
    issuer: 'https://auth0.com/docs/oas/authentication/authentication-api-oas.json',
    authorizeUrl: 'https://auth0.com/docs/api/authentication',
    tokenUrl: 'https://auth0.com/docs/api/authentication',
    revokeUrl: 'https://auth0.com/docs/api/authentication',
    deviceAuthorizationUrl: 'https://auth0.com/docs/api/authentication',
    userinfoUrl: 'https://auth0.com/docs/api/authentication',
  },
  issuer: 'https://{{#domain}}/',
  grantTypes: ['authorization_code', 'client_credentials', 'device_code'],
  authorizeUrl: 'https://{{#domain}}/authorize',
  tokenUrl: 'https://{{#domain}}/oauth/token',
  revokeUrl: 'https://{{#domain}}/oauth/revoke',
  deviceAuthorizationUrl: 'https://{{#domain}}/oauth/device/code',
  userinfoUrl: 'https://{{#domain}}/userinfo',
  fields: {
    domain: {
      label: 'Auth0 domain',
      comments: 'Your tenant domain or custom domain, without https://.',
      example: 'your-tenant.us.auth0.com',
    },
  },
  defaultScopes: ['openid', 'profile', 'email', 'offline_access'],
  scopeDescriptions: {
    openid: 'Sign you in',
    profile: 'See your name and profile picture',
    email: 'See your email address',
    offline_access: 'Keep access while you are offline',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
  grantOverrides: { device_code: { clientAuthMethod: 'none' } },
  tokenResponse: { keepFields: ['id_token'] },
  notes: ['An access token for your own API needs its identifier as the audience parameter.'],
});
