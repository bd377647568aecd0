import { defineProvider } from '../schema';

/**
 * Asana: the authorization code grant.
 *
 * - Authorize `GET https://app.asana.com/-/oauth_authorize`, token `POST https://app.asana.com/-/oauth_token`,
 *   revoke `POST https://app.asana.com/-/oauth_revoke` (form body with the client id, secret and `token`):
 *   https://developers.asana.com/docs/oauth
 * - API base `https://app.asana.com/api/1.0`: https://developers.asana.com/docs/api-reference
 *
 * Apps registered with full permissions may ask for no scope at all (the `default` scope applies).
 */
export const asana = defineProvider({
  key: 'asana',
  displayName: 'Asana',
  docsUrl: 'https://developers.asana.com/docs/oauth',
  sources: {
    authorizeUrl: 'https://developers.asana.com/docs/oauth',
    tokenUrl: 'https://developers.asana.com/docs/oauth',
    revokeUrl: 'https://developers.asana.com/docs/oauth',
    apiBaseUrl: 'https://developers.asana.com/docs/api-reference',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://app.asana.com/-/oauth_authorize',
  tokenUrl: 'https://app.asana.com/-/oauth_token',
  revokeUrl: 'https://app.asana.com/-/oauth_revoke',
  apiBaseUrl: 'https://app.asana.com/api/1.0',
  defaultScopes: [],
  scopeDescriptions: {
    default: 'Full access to your Asana data, as you',
    openid: 'Confirm who you are',
    email: 'See your email address',
    profile: 'See your name and photo',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['data'] },
});
