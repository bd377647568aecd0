import { defineProvider } from '../schema';

/**
 * Yahoo: OAuth 2.0 authorization code flow for server-side apps (OpenID Connect capable).
 *
 * - Authorize `https://api.login.yahoo.com/oauth2/request_auth`, token `POST https://api.login.yahoo.com/oauth2/get_token`
 *   with HTTP Basic client authentication, refresh tokens: https://developer.yahoo.com/oauth2/guide/flows_authcode/
 * - OpenID Connect scopes and the userinfo endpoint: https://developer.yahoo.com/oauth2/guide/openid_connect/
 */
export const yahoo = defineProvider({
  key: 'yahoo',
  displayName: 'Yahoo',
  docsUrl: 'https://developer.yahoo.com/oauth2/guide/flows_authcode/',
  sources: {
    authorizeUrl: 'https://developer.yahoo.com/oauth2/guide/flows_authcode/',
    tokenUrl: 'https://developer.yahoo.com/oauth2/guide/flows_authcode/',
    scopes: 'https://developer.yahoo.com/oauth2/guide/openid_connect/',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://api.login.yahoo.com/oauth2/request_auth',
  tokenUrl: 'https://api.login.yahoo.com/oauth2/get_token',
  defaultScopes: ['openid', 'email', 'profile'],
  scopeDescriptions: {
    openid: 'Sign you in with your Yahoo account',
    email: 'See your email address',
    profile: 'See your name and profile picture',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  tokenResponse: { keepFields: ['xoauth_yahoo_guid', 'id_token'] },
  notes: ['API permissions are also set on the app in the Yahoo developer dashboard.'],
});
