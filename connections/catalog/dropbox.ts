import { defineProvider } from '../schema';

/**
 * Dropbox: the authorization code grant with short-lived access tokens; `token_access_type=offline` asks for a
 * refresh token.
 *
 * - Authorize `https://www.dropbox.com/oauth2/authorize`, token `https://api.dropboxapi.com/oauth2/token`
 *   (app key and secret as HTTP Basic, or in the body), PKCE: https://www.dropbox.com/developers/documentation/http/documentation#oauth2-authorize
 * - Offline access and refresh tokens: https://dropbox.tech/developers/using-oauth-2-0-with-offline-access
 * - Scopes: https://www.dropbox.com/lp/developers/reference/oauth-guide
 *
 * No RFC 7009 revocation: Dropbox revokes with `POST /2/auth/token/revoke`, authenticated by the token itself.
 */
export const dropbox = defineProvider({
  key: 'dropbox',
  displayName: 'Dropbox',
  docsUrl: 'https://www.dropbox.com/lp/developers/reference/oauth-guide',
  sources: {
    authorizeUrl: 'https://www.dropbox.com/developers/documentation/http/documentation#oauth2-authorize',
    tokenUrl: 'https://www.dropbox.com/developers/documentation/http/documentation#oauth2-token',
    apiBaseUrl: 'https://www.dropbox.com/developers/documentation/http/documentation',
    scopes: 'https://www.dropbox.com/lp/developers/reference/oauth-guide',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.dropbox.com/oauth2/authorize',
  tokenUrl: 'https://api.dropboxapi.com/oauth2/token',
  apiBaseUrl: 'https://api.dropboxapi.com/2',
  defaultScopes: ['account_info.read', 'files.metadata.read', 'files.content.read'],
  scopeDescriptions: {
    'account_info.read': 'See your Dropbox account information',
    'files.metadata.read': 'See the names and details of your files and folders',
    'files.content.read': 'Read the contents of your files',
    'files.content.write': 'Create, change and delete your files',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  extraAuthorizeParams: { token_access_type: 'offline' },
  tokenResponse: { keepFields: ['account_id', 'uid'] },
});
