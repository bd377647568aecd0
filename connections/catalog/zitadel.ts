import { defineProvider } from '../schema';

/**
 * ZITADEL (cloud or self-hosted): OpenID Connect and OAuth 2.0 on the instance's own domain.
 *
 * - Discovery at `${CUSTOM_DOMAIN}/.well-known/openid-configuration`, `${CUSTOM_DOMAIN}/oauth/v2/authorize`,
 *   `${CUSTOM_DOMAIN}/oauth/v2/token` (client_secret_basic by default, client_secret_post, or PKCE), the
 *   client credentials grant, refresh tokens with `offline_access`:
 *   https://zitadel.com/docs/apis/openidoauth/endpoints
 *
 * The revocation and device endpoints are left to discovery from the issuer.
 */
export const zitadel = defineProvider({
  key: 'zitadel',
  displayName: 'ZITADEL',
  docsUrl: 'https://zitadel.com/docs/apis/openidoauth/endpoints',
  sources: {
    issuer: 'https://zitadel.com/docs/apis/openidoauth/endpoints',
    authorizeUrl: 'https://zitadel.com/docs/apis/openidoauth/endpoints',
    tokenUrl: 'https://zitadel.com/docs/apis/openidoauth/endpoints',
    scopes: 'https://zitadel.com/docs/apis/openidoauth/endpoints',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  fields: {
    domain: {
      label: 'ZITADEL domain',
      comments: 'The custom domain of the instance, without https://',
      example: 'my-instance-abc123.zitadel.cloud',
    },
  },
  issuer: 'https://{{#domain}}',
  discovery: 'oidc',
  authorizeUrl: 'https://{{#domain}}/oauth/v2/authorize',
  tokenUrl: 'https://{{#domain}}/oauth/v2/token',
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
});
