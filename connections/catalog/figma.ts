import { defineProvider } from '../schema';

/**
 * Figma REST API: OAuth 2 apps, authorization code with optional PKCE.
 *
 * - Authorize `https://www.figma.com/oauth`, token `POST https://api.figma.com/v1/oauth/token` with HTTP Basic client
 *   authentication: https://developers.figma.com/docs/rest-api/authentication
 * - Scopes (`current_user:read`, `file_content:read`, …; `files:read` is deprecated):
 *   https://developers.figma.com/docs/rest-api/scopes/
 *
 * Figma documents refreshing at its own `POST https://api.figma.com/v1/oauth/refresh`, not the token endpoint.
 */
export const figma = defineProvider({
  key: 'figma',
  displayName: 'Figma',
  docsUrl: 'https://developers.figma.com/docs/rest-api/authentication',
  sources: {
    authorizeUrl: 'https://developers.figma.com/docs/rest-api/authentication',
    tokenUrl: 'https://developers.figma.com/docs/rest-api/authentication',
    apiBaseUrl: 'https://developers.figma.com/docs/rest-api/authentication',
    scopes: 'https://developers.figma.com/docs/rest-api/scopes/',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.figma.com/oauth',
  tokenUrl: 'https://api.figma.com/v1/oauth/token',
  apiBaseUrl: 'https://api.figma.com/v1',
  defaultScopes: ['current_user:read', 'file_content:read'],
  scopeDescriptions: {
    'current_user:read': 'See your name, email and profile image',
    'file_content:read': 'Read the contents of your files',
    'file_metadata:read': 'Read the metadata of your files',
    'file_comments:read': 'Read the comments on your files',
    'file_comments:write': 'Post and delete comments on your files',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  tokenResponse: { keepFields: ['user_id_string'] },
  notes: [
    'Figma documents refreshing at POST https://api.figma.com/v1/oauth/refresh rather than at the token endpoint.',
  ],
});
