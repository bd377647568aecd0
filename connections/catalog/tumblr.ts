import { defineProvider } from '../schema';

/**
 * Tumblr API v2: OAuth 2.0 (authorization code, client credentials and refresh token grants).
 *
 * - OAuth2 Authorization: `GET https://www.tumblr.com/oauth2/authorize` (space-delimited `scope`, `state`
 *   required), `POST https://api.tumblr.com/v2/oauth2/token` with `client_id` (the OAuth consumer key) and
 *   `client_secret` in the body, scopes `basic`, `write`, `offline_access`, API calls to
 *   `https://api.tumblr.com/v2`: https://www.tumblr.com/docs/en/api/v2#oauth2-authorization
 *   (source: https://github.com/tumblr/docs/blob/master/api.md)
 */
export const tumblr = defineProvider({
  key: 'tumblr',
  displayName: 'Tumblr',
  docsUrl: 'https://www.tumblr.com/docs/en/api/v2#oauth2-authorization',
  sources: {
    authorizeUrl: 'https://www.tumblr.com/docs/en/api/v2#oauth2-authorization',
    tokenUrl: 'https://www.tumblr.com/docs/en/api/v2#oauth2-authorization',
    apiBaseUrl: 'https://www.tumblr.com/docs/en/api/v2#oauth2-authorization',
    scopes: 'https://www.tumblr.com/docs/en/api/v2#oauth2-authorization',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  authorizeUrl: 'https://www.tumblr.com/oauth2/authorize',
  tokenUrl: 'https://api.tumblr.com/v2/oauth2/token',
  apiBaseUrl: 'https://api.tumblr.com/v2',
  defaultScopes: ['basic', 'offline_access'],
  scopeDescriptions: {
    basic: 'See your account, blogs and dashboard',
    write: 'Post, like and follow for you',
    offline_access: 'Keep access while you are offline',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: ['A refresh token is issued only with offline_access; the app needs an OAuth2 redirect URL set.'],
});
