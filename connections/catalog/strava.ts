import { defineProvider } from '../schema';

/**
 * Strava API v3: the authorization code grant with short-lived access tokens and refresh tokens.
 *
 * - `https://www.strava.com/oauth/authorize` (comma-delimited `scope`, `approval_prompt`), token exchange and
 *   refresh at `https://www.strava.com/oauth/token` with `client_id` and `client_secret` as parameters, API calls
 *   to `https://www.strava.com/api/v3`, deauthorization: https://developers.strava.com/docs/authentication
 *
 * No `revokeUrl`: `POST /oauth/deauthorize` takes the access token itself, not RFC 7009.
 */
export const strava = defineProvider({
  key: 'strava',
  displayName: 'Strava',
  docsUrl: 'https://developers.strava.com/docs/authentication',
  sources: {
    authorizeUrl: 'https://developers.strava.com/docs/authentication',
    tokenUrl: 'https://developers.strava.com/docs/authentication',
    apiBaseUrl: 'https://developers.strava.com/docs/authentication',
    scopes: 'https://developers.strava.com/docs/authentication',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.strava.com/oauth/authorize',
  tokenUrl: 'https://www.strava.com/oauth/token',
  apiBaseUrl: 'https://www.strava.com/api/v3',
  defaultScopes: ['read'],
  scopeDescriptions: {
    read: 'See your public profile, segments and routes',
    'activity:read': 'See your activities visible to everyone and followers',
    'activity:read_all': 'See all your activities, private ones too',
    'activity:write': 'Create and change your activities',
  },
  scopeSeparator: ',',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['athlete'], errorCodes: {} },
  notes: ['People may untick scopes on the consent page; the redirect names the scopes actually accepted.'],
});
