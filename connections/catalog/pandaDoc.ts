import { defineProvider } from '../schema';

/**
 * PandaDoc: OAuth 2.0 provider for the public API (the recommended method for new integrations).
 *
 * - The three steps (authorize with `client_id`, exchange the code, refresh), authorize
 *   `https://app.pandadoc.com/oauth2/authorize`, token `https://api.pandadoc.com/oauth2/access_token`, scopes
 *   `read` and `write` (`scope=read+write` in the URL): https://developers.pandadoc.com/reference-link/authentication-process
 * - Bearer tokens on the API: https://developers.pandadoc.com/reference/auth-overview.md
 */
export const pandaDoc = defineProvider({
  key: 'pandaDoc',
  displayName: 'PandaDoc',
  docsUrl: 'https://developers.pandadoc.com/reference-link/authentication-process',
  sources: {
    authorizeUrl: 'https://developers.pandadoc.com/reference-link/authentication-process',
    tokenUrl: 'https://developers.pandadoc.com/reference-link/authentication-process',
    apiBaseUrl: 'https://developers.pandadoc.com/reference/auth-overview.md',
    scopes: 'https://developers.pandadoc.com/reference-link/authentication-process',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://app.pandadoc.com/oauth2/authorize',
  tokenUrl: 'https://api.pandadoc.com/oauth2/access_token',
  apiBaseUrl: 'https://api.pandadoc.com',
  // The documented `scope=read+write` is the two scopes read and write, space-separated and form-encoded.
  defaultScopes: ['read', 'write'],
  scopeDescriptions: {
    read: 'See your PandaDoc documents and templates',
    write: 'Create and change your PandaDoc documents',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: [
    'API access must be part of the PandaDoc plan; access tokens expire and are refreshed with the refresh token.',
  ],
});
