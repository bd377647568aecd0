import { defineProvider } from '../schema';

/**
 * Vimeo: the authorization code grant for the Vimeo API.
 *
 * - Vimeo's own PHP library: `AUTH_ENDPOINT = https://api.vimeo.com/oauth/authorize` (`response_type=code`,
 *   `client_id`, `redirect_uri`, space-joined `scope`, default `public`, optional `state`); the code exchange
 *   posts a form to `https://api.vimeo.com/oauth/access_token` with an HTTP Basic header of client id and secret:
 *   https://github.com/vimeo/vimeo.php/blob/master/src/Vimeo/Vimeo.php
 *
 * Client credentials use a different endpoint (`/oauth/authorize/client`), which one entry cannot express, so only
 * the authorization code grant is listed.
 */
export const vimeo = defineProvider({
  key: 'vimeo',
  displayName: 'Vimeo',
  docsUrl: 'https://github.com/vimeo/vimeo.php/blob/master/src/Vimeo/Vimeo.php',
  sources: {
    authorizeUrl: 'https://github.com/vimeo/vimeo.php/blob/master/src/Vimeo/Vimeo.php',
    tokenUrl: 'https://github.com/vimeo/vimeo.php/blob/master/src/Vimeo/Vimeo.php',
    apiBaseUrl: 'https://github.com/vimeo/vimeo.php/blob/master/src/Vimeo/Vimeo.php',
    scopes: 'https://github.com/vimeo/vimeo.php/blob/master/src/Vimeo/Vimeo.php',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://api.vimeo.com/oauth/authorize',
  tokenUrl: 'https://api.vimeo.com/oauth/access_token',
  apiBaseUrl: 'https://api.vimeo.com',
  defaultScopes: ['public'],
  scopeDescriptions: { public: 'Read public data' },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  notes: ['API calls send Accept: application/vnd.vimeo.*+json; version=3.4 to pin the API version.'],
});
