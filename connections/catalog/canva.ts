import { defineProvider } from '../schema';

/**
 * Canva Connect APIs: OAuth 2.0 authorization code with PKCE (S256), required.
 *
 * - Authorization flow and scopes: https://canva.dev/docs/connect/authentication
 * - Token `POST https://api.canva.com/rest/v1/oauth/token` (HTTP Basic recommended), access tokens about 4 hours,
 *   single-use refresh tokens: https://www.canva.dev/docs/apps/rest-apis/reference/authentication/generate-access-token/
 * - Revoke `POST https://api.canva.com/rest/v1/oauth/revoke` with `token`:
 *   https://canva.dev/docs/connect/api-reference/authentication/revoke-token
 */
export const canva = defineProvider({
  key: 'canva',
  displayName: 'Canva',
  docsUrl: 'https://canva.dev/docs/connect/authentication',
  sources: {
    authorizeUrl: 'https://canva.dev/docs/connect/authentication',
    tokenUrl: 'https://www.canva.dev/docs/apps/rest-apis/reference/authentication/generate-access-token/',
    revokeUrl: 'https://canva.dev/docs/connect/api-reference/authentication/revoke-token',
    apiBaseUrl: 'https://canva.dev/docs/connect/api-reference/authentication/revoke-token',
    scopes: 'https://canva.dev/docs/connect/authentication',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.canva.com/api/oauth/authorize',
  tokenUrl: 'https://api.canva.com/rest/v1/oauth/token',
  revokeUrl: 'https://api.canva.com/rest/v1/oauth/revoke',
  apiBaseUrl: 'https://api.canva.com/rest/v1',
  defaultScopes: ['profile:read', 'design:meta:read'],
  scopeDescriptions: {
    'profile:read': 'See your Canva profile',
    'design:meta:read': 'See the titles and details of your designs',
    'design:content:read': 'See the content of your designs',
    'design:content:write': 'Create designs',
    'asset:read': 'See your uploaded assets',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  notes: ['Refresh tokens are single-use: each refresh answers with a new one.'],
});
