import { defineProvider } from '../schema';

/**
 * WordPress.com (and Jetpack-connected sites): the OAuth 2.1 / OpenID Connect server of the WordPress.com API.
 *
 * - Metadata published by WordPress.com: issuer `https://public-api.wordpress.com`, `/oauth2-1/authorize`,
 *   `/oauth2-1/token`, `/oauth2-1/revoke`, `/oauth2-1/userinfo`, PKCE S256, client_secret_basic/post/none,
 *   authorization_code, refresh_token and client_credentials grants, scopes:
 *   https://public-api.wordpress.com/.well-known/openid-configuration
 * - Getting started with the API (apps, authenticated requests): https://developer.wordpress.com/docs/api/getting-started/
 */
export const wordPressCom = defineProvider({
  key: 'wordPressCom',
  displayName: 'WordPress.com',
  docsUrl: 'https://developer.wordpress.com/docs/api/getting-started/',
  sources: {
    issuer: 'https://public-api.wordpress.com/.well-known/openid-configuration',
    authorizeUrl: 'https://public-api.wordpress.com/.well-known/openid-configuration',
    tokenUrl: 'https://public-api.wordpress.com/.well-known/openid-configuration',
    revokeUrl: 'https://public-api.wordpress.com/.well-known/openid-configuration',
    userinfoUrl: 'https://public-api.wordpress.com/.well-known/openid-configuration',
    scopes: 'https://public-api.wordpress.com/.well-known/openid-configuration',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  issuer: 'https://public-api.wordpress.com',
  discovery: 'oidc',
  authorizeUrl: 'https://public-api.wordpress.com/oauth2-1/authorize',
  tokenUrl: 'https://public-api.wordpress.com/oauth2-1/token',
  revokeUrl: 'https://public-api.wordpress.com/oauth2-1/revoke',
  userinfoUrl: 'https://public-api.wordpress.com/oauth2-1/userinfo',
  defaultScopes: ['posts'],
  scopeDescriptions: {
    posts: 'See and change your posts',
    sites: 'See your sites',
    media: 'See and change your media',
    global: 'Full access to all your sites',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
});
