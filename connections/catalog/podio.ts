import { defineProvider } from '../schema';

/**
 * Podio: OAuth 2.0 server-side flow; the token endpoint takes a JSON body.
 *
 * - Authorize `https://podio.com/oauth/authorize` (`client_id`, `redirect_uri`, `scope`), then exchange the code:
 *   https://developers.podio.com/authentication/server_side
 * - Token `POST https://api.podio.com/oauth/token/v2` with `Content-Type: application/json`, client id and secret
 *   in the body; the same endpoint serves the username and password flow:
 *   https://developers.podio.com/authentication/username_password
 * - Overview of the flows: https://developers.podio.com/authentication
 */
export const podio = defineProvider({
  key: 'podio',
  displayName: 'Podio',
  docsUrl: 'https://developers.podio.com/authentication',
  sources: {
    authorizeUrl: 'https://developers.podio.com/authentication/server_side',
    tokenUrl: 'https://developers.podio.com/authentication/username_password',
  },
  grantTypes: ['authorization_code', 'password'],
  authorizeUrl: 'https://podio.com/oauth/authorize',
  tokenUrl: 'https://api.podio.com/oauth/token/v2',
  clientAuthMethod: 'client_secret_post',
  tokenRequestFormat: 'json',
  tokenResponse: { keepFields: ['ref'] },
  notes: [
    'Podio also has an app authentication flow (grant_type=app with an app id and token) for single-app scripts.',
  ],
});
