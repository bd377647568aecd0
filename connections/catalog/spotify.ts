import { defineProvider } from '../schema';

/**
 * Spotify Web API with the client credentials grant (app-only access to the catalogue).
 *
 * - Client credentials flow (`POST https://accounts.spotify.com/api/token`, HTTP Basic client auth,
 *   `expires_in: 3600`): https://developer.spotify.com/documentation/web-api/tutorials/client-credentials-flow
 * - API base and the error object (`{"error": {"status": 401, "message": ...}}`):
 *   https://developer.spotify.com/documentation/web-api/concepts/api-calls
 */
export const spotify = defineProvider({
  key: 'spotify',
  displayName: 'Spotify',
  docsUrl: 'https://developer.spotify.com/documentation/web-api/tutorials/client-credentials-flow',
  sources: {
    tokenUrl: 'https://developer.spotify.com/documentation/web-api/tutorials/client-credentials-flow',
    apiBaseUrl: 'https://developer.spotify.com/documentation/web-api/concepts/api-calls',
  },
  grantTypes: ['client_credentials'],
  tokenUrl: 'https://accounts.spotify.com/api/token',
  apiBaseUrl: 'https://api.spotify.com/v1',
  defaultScopes: [],
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
});
