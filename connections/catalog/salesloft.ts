import { defineProvider } from '../schema';

/**
 * Salesloft REST API v2: OAuth 2.0 authorization code for partner apps, client credentials for private ones.
 *
 * - Authorize `https://accounts.salesloft.com/oauth/authorize`, token `POST https://accounts.salesloft.com/oauth/token`:
 *   https://developers.salesloft.com/docs/platform/api-basics/oauth-authentication/
 * - Client credentials, HTTP Basic client authentication, space-delimited scopes:
 *   https://developers.salesloft.com/docs/platform/api-basics/client-creds/
 * - API base `https://api.salesloft.com/v2`: https://developers.salesloft.com/docs/platform/api-basics/oauth-authentication/
 */
export const salesloft = defineProvider({
  key: 'salesloft',
  displayName: 'Salesloft',
  docsUrl: 'https://developers.salesloft.com/docs/platform/api-basics/oauth-authentication/',
  sources: {
    authorizeUrl: 'https://developers.salesloft.com/docs/platform/api-basics/oauth-authentication/',
    tokenUrl: 'https://developers.salesloft.com/docs/platform/api-basics/oauth-authentication/',
    apiBaseUrl: 'https://developers.salesloft.com/docs/platform/api-basics/oauth-authentication/',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  authorizeUrl: 'https://accounts.salesloft.com/oauth/authorize',
  tokenUrl: 'https://accounts.salesloft.com/oauth/token',
  apiBaseUrl: 'https://api.salesloft.com/v2',
  clientAuthMethod: 'client_secret_post',
  grantOverrides: { client_credentials: { clientAuthMethod: 'client_secret_basic' } },
  notes: [
    'Scopes are selected on the OAuth application; client credentials apps must be enabled by a team admin.',
  ],
});
