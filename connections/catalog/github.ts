import { defineProvider } from '../schema';

/**
 * GitHub OAuth apps: the web application flow and the device flow.
 *
 * - Endpoints, the `Accept: application/json` requirement and the device flow's polling errors (sent with
 *   HTTP 200): https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 * - Token request errors also come back with HTTP 200:
 *   https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors
 * - Scopes (space-delimited): https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps
 * - REST API base: https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api
 *
 * No `revokeUrl`: GitHub revokes with `DELETE /applications/{client_id}/grant` (basic auth with the client
 * credentials, token in a JSON body), which is not RFC 7009.
 */
export const github = defineProvider({
  key: 'github',
  displayName: 'GitHub',
  docsUrl: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
  sources: {
    authorizeUrl: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
    tokenUrl: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
    deviceAuthorizationUrl:
      'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow',
    userinfoUrl: 'https://docs.github.com/en/rest/users/users#get-the-authenticated-user',
    apiBaseUrl: 'https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api',
    scopes: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps',
  },
  grantTypes: ['authorization_code', 'device_code'],
  authorizeUrl: 'https://github.com/login/oauth/authorize',
  tokenUrl: 'https://github.com/login/oauth/access_token',
  deviceAuthorizationUrl: 'https://github.com/login/device/code',
  userinfoUrl: 'https://api.github.com/user',
  apiBaseUrl: 'https://api.github.com',
  defaultScopes: ['read:user', 'repo'],
  scopeDescriptions: {
    'read:user': 'Read your GitHub profile',
    repo: 'Read and write your repositories, including private ones, and their issues',
    public_repo: 'Read and write your public repositories and their issues',
    'user:email': 'Read your email addresses',
  },
  scopeSeparator: ' ',
  // GitHub accepts client_id/client_secret as form parameters on the token request.
  clientAuthMethod: 'client_secret_post',
  // The device flow is for clients that cannot keep a secret: only client_id is sent.
  grantOverrides: { device_code: { clientAuthMethod: 'none' } },
  extraTokenHeaders: { Accept: 'application/json' },
  tokenResponse: {
    errorInOkBody: { errorField: 'error', descriptionField: 'error_description' },
    keepFields: ['refresh_token_expires_in'],
    errorCodes: {
      bad_verification_code: 'invalid_grant',
      bad_refresh_token: 'invalid_grant',
      incorrect_client_credentials: 'invalid_client',
      incorrect_device_code: 'invalid_grant',
    },
  },
});
