import { defineProvider } from '../schema';

/**
 * Miro REST API: the authorization code flow (installing the app on a team).
 *
 * - Authorize at `https://miro.com/oauth/authorize` (optional `team_id`), refresh tokens:
 *   https://developers.miro.com/docs/getting-started-with-oauth
 * - Token exchange `POST https://api.miro.com/v1/oauth/token` with `client_id`, `client_secret`, `code`,
 *   `redirect_uri`; API server `https://api.miro.com`:
 *   https://developers.miro.com/reference/exchange-authorization-code-with-access-token
 * - Expiring tokens (1 hour, refresh token 60 days) only when "expire user authorization token" is on:
 *   https://developers.miro.com/reference/ne-use-access-token-for-rest-api-requests
 *
 * No `revokeUrl`: Miro's token revocation is not RFC 7009.
 */
export const miro = defineProvider({
  key: 'miro',
  displayName: 'Miro',
  docsUrl: 'https://developers.miro.com/docs/getting-started-with-oauth',
  sources: {
    authorizeUrl: 'https://developers.miro.com/docs/getting-started-with-oauth',
    tokenUrl: 'https://developers.miro.com/reference/exchange-authorization-code-with-access-token',
    apiBaseUrl: 'https://developers.miro.com/reference/exchange-authorization-code-with-access-token',
    scopes: 'https://developers.miro.com/docs/getting-started-with-oauth',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://miro.com/oauth/authorize',
  tokenUrl: 'https://api.miro.com/v1/oauth/token',
  apiBaseUrl: 'https://api.miro.com',
  defaultScopes: ['boards:read'],
  scopeDescriptions: {
    'boards:read': 'See your boards and their content',
    'boards:write': 'Create and change boards and their content',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: [
    "Miro's reference shows the token parameters in the query string; Keyway sends them as a form body.",
    'Tokens expire (1 hour, refresh token 60 days) only for apps with "expire user authorization token" on.',
  ],
});
