import { defineProvider } from '../schema';

/**
 * RingCentral: the authorization code flow (with PKCE, which RingCentral recommends).
 *
 * - `https://platform.ringcentral.com/restapi/oauth/authorize`, `POST /restapi/oauth/token` with HTTP Basic
 *   client authentication, response with `refresh_token_expires_in` and `owner_id`:
 *   https://developers.ringcentral.com/guide/authentication/auth-code-flow
 * - `POST /restapi/oauth/revoke` (the token in the body, HTTP Basic client authentication):
 *   https://ringcentral.github.io/RingCentral.Net/html/classRingCentral_1_1Paths_1_1Restapi_1_1Oauth_1_1Revoke_1_1Index.html
 */
export const ringCentral = defineProvider({
  key: 'ringCentral',
  displayName: 'RingCentral',
  docsUrl: 'https://developers.ringcentral.com/guide/authentication/auth-code-flow',
  sources: {
    authorizeUrl: 'https://developers.ringcentral.com/guide/authentication/auth-code-flow',
    tokenUrl: 'https://developers.ringcentral.com/guide/authentication/auth-code-flow',
    revokeUrl:
      'https://ringcentral.github.io/RingCentral.Net/html/classRingCentral_1_1Paths_1_1Restapi_1_1Oauth_1_1Revoke_1_1Index.html',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://platform.ringcentral.com/restapi/oauth/authorize',
  tokenUrl: 'https://platform.ringcentral.com/restapi/oauth/token',
  revokeUrl: 'https://platform.ringcentral.com/restapi/oauth/revoke',
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  tokenResponse: { keepFields: ['owner_id', 'refresh_token_expires_in'], errorCodes: {} },
  notes: ['Permissions are chosen on the app in the Developer Console; refresh tokens are single-use.'],
});
