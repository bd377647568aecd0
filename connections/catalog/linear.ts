import { defineProvider } from '../schema';

/**
 * Linear: OAuth2 applications; access tokens are short-lived with refresh tokens for apps created since
 * October 2025.
 *
 * - Authorize `GET https://linear.app/oauth/authorize` (comma-separated scopes, optional `prompt=consent` and
 *   `actor`), token `POST https://api.linear.app/oauth/token` (form body with `client_id` and `client_secret`),
 *   PKCE, refresh tokens: https://linear.app/developers/oauth-2-0-authentication
 * - GraphQL endpoint `https://api.linear.app/graphql`: https://linear.app/developers/graphql
 */
export const linear = defineProvider({
  key: 'linear',
  displayName: 'Linear',
  docsUrl: 'https://linear.app/developers/oauth-2-0-authentication',
  sources: {
    authorizeUrl: 'https://linear.app/developers/oauth-2-0-authentication',
    tokenUrl: 'https://linear.app/developers/oauth-2-0-authentication',
    apiBaseUrl: 'https://linear.app/developers/graphql',
    scopes: 'https://linear.app/developers/oauth-2-0-authentication',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://linear.app/oauth/authorize',
  tokenUrl: 'https://api.linear.app/oauth/token',
  apiBaseUrl: 'https://api.linear.app/graphql',
  defaultScopes: ['read'],
  scopeDescriptions: {
    read: 'See your Linear workspace',
    write: 'Create and change issues, comments and projects as you',
    'issues:create': 'Create issues and their attachments',
    'comments:create': 'Create issue comments',
  },
  scopeSeparator: ',',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
});
