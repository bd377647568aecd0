import { defineProvider } from '../schema';

/**
 * Help Scout Mailbox API 2.0: OAuth 2.0 authorization code (integrations for other accounts) and client
 * credentials (internal integrations).
 *
 * - Authorize `https://secure.helpscout.net/authentication/authorizeClientApplication`, token
 *   `POST https://api.helpscout.net/v2/oauth2/token` with `client_id` and `client_secret` (JSON, form or query):
 *   https://developer.helpscout.com/mailbox-api/overview/authentication
 *
 * No scopes: a token acts with the authorizing user's permissions.
 */
export const helpScout = defineProvider({
  key: 'helpScout',
  displayName: 'Help Scout',
  docsUrl: 'https://developer.helpscout.com/mailbox-api/overview/authentication',
  sources: {
    authorizeUrl: 'https://developer.helpscout.com/mailbox-api/overview/authentication',
    tokenUrl: 'https://developer.helpscout.com/mailbox-api/overview/authentication',
    apiBaseUrl: 'https://developer.helpscout.com/mailbox-api/overview/authentication',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  authorizeUrl: 'https://secure.helpscout.net/authentication/authorizeClientApplication',
  tokenUrl: 'https://api.helpscout.net/v2/oauth2/token',
  apiBaseUrl: 'https://api.helpscout.net/v2',
  clientAuthMethod: 'client_secret_post',
  notes: ['Access tokens last two days; the authorization code flow also returns a refresh token.'],
});
