import { defineProvider } from '../schema';

/**
 * Webex integrations: OAuth 2 authorization code on behalf of a Webex user.
 *
 * - Register the integration, send the user to `https://webexapis.com/v1/authorize`, exchange the code at
 *   `https://webexapis.com/v1/access_token` (client id and secret as form parameters), refresh tokens:
 *   https://developer.webex.com/docs/integrations
 * - The authorization code flow, scopes and tokens: https://developer.webex.com/meeting/docs/authentication
 */
export const webex = defineProvider({
  key: 'webex',
  displayName: 'Webex',
  docsUrl: 'https://developer.webex.com/docs/integrations',
  sources: {
    authorizeUrl: 'https://developer.webex.com/docs/integrations',
    tokenUrl: 'https://developer.webex.com/docs/integrations',
    apiBaseUrl: 'https://developer.webex.com/docs/integrations',
    scopes: 'https://developer.webex.com/meeting/docs/authentication',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://webexapis.com/v1/authorize',
  tokenUrl: 'https://webexapis.com/v1/access_token',
  apiBaseUrl: 'https://webexapis.com/v1',
  defaultScopes: ['spark:people_read', 'spark:rooms_read'],
  scopeDescriptions: {
    'spark:people_read': 'See your Webex profile',
    'spark:rooms_read': 'See the spaces you are in',
    'spark:messages_read': 'Read the messages in your spaces',
    'spark:messages_write': 'Post messages for you',
    'meeting:schedules_read': 'See your scheduled meetings',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['refresh_token_expires_in'] },
});
