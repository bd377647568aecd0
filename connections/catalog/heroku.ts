import { defineProvider } from '../schema';

/**
 * Heroku Platform API: OAuth 2.0 web application authorization for third parties.
 *
 * - Authorizations `https://id.heroku.com/oauth/authorize`, tokens `https://id.heroku.com/oauth/token` (client secret
 *   as a form parameter), scopes `global`, `identity`, `read`, `write`, `read-protected`, `write-protected`:
 *   https://devcenter.heroku.com/articles/oauth
 * - API base and bearer authentication: https://devcenter.heroku.com/articles/platform-api-quickstart
 */
export const heroku = defineProvider({
  key: 'heroku',
  displayName: 'Heroku',
  docsUrl: 'https://devcenter.heroku.com/articles/oauth',
  sources: {
    authorizeUrl: 'https://devcenter.heroku.com/articles/oauth',
    tokenUrl: 'https://devcenter.heroku.com/articles/oauth',
    apiBaseUrl: 'https://devcenter.heroku.com/articles/platform-api-quickstart',
    scopes: 'https://devcenter.heroku.com/articles/oauth',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://id.heroku.com/oauth/authorize',
  tokenUrl: 'https://id.heroku.com/oauth/token',
  apiBaseUrl: 'https://api.heroku.com',
  defaultScopes: ['identity'],
  scopeDescriptions: {
    identity: 'See your Heroku account details',
    read: 'See your apps and their settings, except configuration variables',
    write: 'Change your apps and their settings, except configuration variables',
    global: 'Full access to your Heroku account',
  },
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['user_id', 'session_nonce'] },
  notes: ['API calls need Accept: application/vnd.heroku+json; version=3.'],
});
