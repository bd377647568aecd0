import { defineProvider } from '../schema';

/**
 * monday.com apps: OAuth 2.1 (authorization code with PKCE, expiring access tokens, refresh tokens), the default
 * for every new app.
 *
 * - `GET https://auth.monday.com/oauth2/authorize` with the code challenge, code exchange at
 *   `https://auth.monday.com/oauth_ms/oauth/token`: https://developer.monday.com/apps/docs/oauth-2-1
 * - The legacy flow (non-expiring tokens from `https://auth.monday.com/oauth2/token`, apps created before OAuth
 *   2.1; refused from API version 2027-04): https://developer.monday.com/apps/docs/oauth-2-0
 *
 * The pages' excerpts read do not show how the client authenticates at the token endpoint; `client_secret_post`
 * (the secret in the form body) is an assumption still to be checked against the token request table.
 */
export const monday = defineProvider({
  key: 'monday',
  displayName: 'monday.com',
  docsUrl: 'https://developer.monday.com/apps/docs/oauth-2-1',
  sources: {
    authorizeUrl: 'https://developer.monday.com/apps/docs/oauth-2-1',
    tokenUrl: 'https://developer.monday.com/apps/docs/oauth-2-1',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://auth.monday.com/oauth2/authorize',
  tokenUrl: 'https://auth.monday.com/oauth_ms/oauth/token',
  defaultScopes: ['me:read', 'boards:read'],
  scopeDescriptions: {
    'me:read': 'See your monday.com profile',
    'boards:read': 'See your boards and their items',
    'boards:write': 'Create and change boards and items',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
  notes: [
    "An account admin must install the app on the account before a member's authorization can complete.",
    'Apps created before OAuth 2.1 use the legacy token URL https://auth.monday.com/oauth2/token.',
  ],
});
