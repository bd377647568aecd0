import { defineProvider } from '../schema';

/**
 * Intercom public apps: OAuth 2.0 authorization code; permissions are chosen on the app in the Developer Hub.
 *
 * - Authorize `https://app.intercom.com/oauth` (`client_id`, `state`), token
 *   `POST https://api.intercom.io/auth/eagle/token` with `code`, `client_id`, `client_secret`:
 *   https://developers.intercom.com/docs/build-an-integration/learn-more/authentication/setting-up-oauth
 * - Access tokens vs OAuth: https://developers.intercom.com/docs/build-an-integration/learn-more/authentication/
 *
 * Access tokens do not expire and no refresh token is issued.
 */
export const intercom = defineProvider({
  key: 'intercom',
  displayName: 'Intercom',
  docsUrl:
    'https://developers.intercom.com/docs/build-an-integration/learn-more/authentication/setting-up-oauth',
  sources: {
    authorizeUrl:
      'https://developers.intercom.com/docs/build-an-integration/learn-more/authentication/setting-up-oauth',
    tokenUrl:
      'https://developers.intercom.com/docs/build-an-integration/learn-more/authentication/setting-up-oauth',
    apiBaseUrl:
      'https://developers.intercom.com/docs/build-an-integration/learn-more/authentication/setting-up-oauth',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://app.intercom.com/oauth',
  tokenUrl: 'https://api.intercom.io/auth/eagle/token',
  apiBaseUrl: 'https://api.intercom.io',
  clientAuthMethod: 'client_secret_post',
  notes: [
    'Permissions are ticked on the app in the Developer Hub; the authorize URL carries no scope.',
    'Access tokens do not expire. Workspaces hosted in the EU or Australia use their regional hosts.',
  ],
});
