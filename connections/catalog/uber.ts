import { defineProvider } from '../schema';

/**
 * Uber: the authorization code and client credentials grants on Uber's login host.
 *
 * - Uber's own Rides SDK: host `login.uber.com`, paths `oauth/v2/authorize` and `oauth/v2/token`
 *   (uber_rides/utils/auth.py); space-joined `scope`; token requests post `grant_type`, `client_id`,
 *   `client_secret`, `code`/`refresh_token`, `redirect_uri` as a form (uber_rides/auth.py):
 *   https://github.com/uber/rides-python-sdk
 *
 * No `revokeUrl`: the SDK revokes at `oauth/v2/revoke` with the token and client credentials in the query string,
 * not the RFC 7009 form body.
 */
export const uber = defineProvider({
  key: 'uber',
  displayName: 'Uber',
  docsUrl: 'https://github.com/uber/rides-python-sdk',
  sources: {
    authorizeUrl: 'https://github.com/uber/rides-python-sdk/blob/master/uber_rides/utils/auth.py',
    tokenUrl: 'https://github.com/uber/rides-python-sdk/blob/master/uber_rides/utils/auth.py',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  authorizeUrl: 'https://login.uber.com/oauth/v2/authorize',
  tokenUrl: 'https://login.uber.com/oauth/v2/token',
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: [
    'Scopes are granted per app in the Uber developer dashboard; request only those the app was given.',
  ],
});
