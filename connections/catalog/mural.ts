import { defineProvider } from '../schema';

/**
 * Mural: OAuth 2.0 authorization code with PKCE support.
 *
 * - Authorize `https://app.mural.co/api/public/v1/authorization/oauth2/`, token
 *   `https://app.mural.co/api/public/v1/authorization/oauth2/token`, rotating refresh tokens:
 *   https://developers.mural.co/public/docs/oauth
 * - Both endpoints in the vendor's example: https://developers.mural.co/public/docs/python-example
 * - Scopes (`murals:read`, `rooms:read`, `workspaces:read`, `identity:read`, …):
 *   https://developers.mural.co/public/docs/scopes
 */
export const mural = defineProvider({
  key: 'mural',
  displayName: 'Mural',
  docsUrl: 'https://developers.mural.co/public/docs/oauth',
  sources: {
    authorizeUrl: 'https://developers.mural.co/public/docs/python-example',
    tokenUrl: 'https://developers.mural.co/public/docs/python-example',
    scopes: 'https://developers.mural.co/public/docs/scopes',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://app.mural.co/api/public/v1/authorization/oauth2/',
  tokenUrl: 'https://app.mural.co/api/public/v1/authorization/oauth2/token',
  defaultScopes: ['identity:read', 'murals:read'],
  scopeDescriptions: {
    'identity:read': 'See your Mural profile',
    'murals:read': 'See your murals',
    'murals:write': 'Create and change murals',
    'rooms:read': 'See your rooms',
    'workspaces:read': 'See your workspaces',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  notes: ['Each refresh answers with a new refresh token.'],
});
