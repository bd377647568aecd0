import { defineProvider } from '../schema';

/**
 * ClickUp: OAuth 2.0 authorization code, no scopes (the user picks the Workspaces to authorize).
 *
 * - The flow, `https://app.clickup.com/api?client_id=…&redirect_uri=…`:
 *   https://developer.clickup.com/docs/authentication
 * - Token `POST https://api.clickup.com/api/v2/oauth/token` with `client_id`, `client_secret` and `code` as query
 *   parameters: https://developer.clickup.com/reference/getaccesstoken
 *
 * Access tokens do not expire and there is no refresh token; no revocation endpoint.
 */
export const clickUp = defineProvider({
  key: 'clickUp',
  displayName: 'ClickUp',
  docsUrl: 'https://developer.clickup.com/docs/authentication',
  sources: {
    authorizeUrl: 'https://developer.clickup.com/docs/authentication',
    tokenUrl: 'https://developer.clickup.com/reference/getaccesstoken',
    apiBaseUrl: 'https://developer.clickup.com/reference/getaccesstoken',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://app.clickup.com/api',
  tokenUrl: 'https://api.clickup.com/api/v2/oauth/token',
  apiBaseUrl: 'https://api.clickup.com/api/v2',
  // The reference documents the client credentials as query parameters of the token request.
  clientAuthMethod: 'client_secret_query',
  notes: [
    'ClickUp has no scopes: the person authorizes one or more Workspaces; GET /team lists them.',
    'Access tokens do not expire and no refresh token is issued.',
  ],
});
