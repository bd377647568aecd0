import { defineProvider } from '../schema';

/**
 * Pinterest API v5: the authorization code grant with refresh tokens.
 *
 * - Authorization at `https://www.pinterest.com/oauth/`, code exchange at
 *   `POST https://api.pinterest.com/v5/oauth/token` with HTTP Basic client authentication, scopes:
 *   https://developers.pinterest.com/docs/getting-started/set-up-authentication-and-authorization/
 * - Pinterest's generated client: token endpoint, Basic authentication, API base `https://api.pinterest.com/v5`:
 *   https://github.com/pinterest/pinterest-python-generated-api-client/blob/main/docs/OauthApi.md
 * - Pinterest's API quickstart: the authorize URL `https://www.pinterest.com/oauth/` with comma-joined `scope`
 *   (python/src/user_auth.py) and the v5 code exchange at `https://api.pinterest.com/v5/oauth/token`
 *   (python/src/v5/access_token.py): https://github.com/pinterest/api-quickstart
 */
export const pinterest = defineProvider({
  key: 'pinterest',
  displayName: 'Pinterest',
  docsUrl: 'https://developers.pinterest.com/docs/getting-started/set-up-authentication-and-authorization/',
  sources: {
    authorizeUrl: 'https://github.com/pinterest/api-quickstart/blob/main/python/src/user_auth.py',
    tokenUrl: 'https://github.com/pinterest/api-quickstart/blob/main/python/src/v5/access_token.py',
    apiBaseUrl:
      'https://github.com/pinterest/pinterest-python-generated-api-client/blob/main/docs/OauthApi.md',
    scopes: 'https://developers.pinterest.com/docs/getting-started/set-up-authentication-and-authorization/',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.pinterest.com/oauth/',
  tokenUrl: 'https://api.pinterest.com/v5/oauth/token',
  apiBaseUrl: 'https://api.pinterest.com/v5',
  defaultScopes: ['user_accounts:read', 'boards:read', 'pins:read'],
  scopeDescriptions: {
    'user_accounts:read': 'See your account information',
    'boards:read': 'See your public boards',
    'pins:read': 'See your public Pins',
    'pins:write': 'Create, change and delete your Pins',
  },
  scopeSeparator: ',',
  clientAuthMethod: 'client_secret_basic',
});
