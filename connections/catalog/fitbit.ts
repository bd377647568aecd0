import { defineProvider } from '../schema';

/**
 * Fitbit Web API: OAuth 2.0 authorization code with PKCE (recommended).
 *
 * - Authorize `https://www.fitbit.com/oauth2/authorize` (space-delimited scopes, `prompt`):
 *   https://dev.fitbit.com/build/reference/web-api/authorization/authorize
 * - Token `POST https://api.fitbit.com/oauth2/token`, HTTP Basic for server apps, `client_id` in the body for
 *   client apps: https://dev.fitbit.com/build/reference/web-api/authorization/oauth2-token
 * - Revoke `POST https://api.fitbit.com/oauth2/revoke` with `token`:
 *   https://dev.fitbit.com/build/reference/web-api/authorization/revoke-token
 * - Scopes: https://dev.fitbit.com/build/reference/web-api/developer-guide/application-design/#Scopes
 */
export const fitbit = defineProvider({
  key: 'fitbit',
  displayName: 'Fitbit',
  docsUrl: 'https://dev.fitbit.com/build/reference/web-api/developer-guide/authorization',
  sources: {
    authorizeUrl: 'https://dev.fitbit.com/build/reference/web-api/authorization/authorize',
    tokenUrl: 'https://dev.fitbit.com/build/reference/web-api/authorization/oauth2-token',
    revokeUrl: 'https://dev.fitbit.com/build/reference/web-api/authorization/revoke-token',
    scopes: 'https://dev.fitbit.com/build/reference/web-api/developer-guide/application-design/#Scopes',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.fitbit.com/oauth2/authorize',
  tokenUrl: 'https://api.fitbit.com/oauth2/token',
  revokeUrl: 'https://api.fitbit.com/oauth2/revoke',
  defaultScopes: ['activity', 'profile'],
  scopeDescriptions: {
    activity: 'See your activity data',
    heartrate: 'See your heart rate data',
    sleep: 'See your sleep data',
    weight: 'See your weight data',
    profile: 'See your profile',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  tokenResponse: { keepFields: ['user_id'] },
  notes: ['Access tokens from the authorization code flow last 8 hours; refresh tokens are single-use.'],
});
