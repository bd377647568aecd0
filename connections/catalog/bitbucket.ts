import { defineProvider } from '../schema';

/**
 * Bitbucket Cloud: OAuth consumers of a workspace.
 *
 * - Authorize `https://bitbucket.org/site/oauth2/authorize`, token `https://bitbucket.org/site/oauth2/access_token`
 *   with the consumer key and secret as HTTP Basic; the authorization code, implicit and client credentials
 *   grants; scopes are the ones configured on the consumer: https://developer.atlassian.com/cloud/bitbucket/oauth-2
 * - REST API base `https://api.bitbucket.org/2.0`: https://developer.atlassian.com/cloud/bitbucket/rest/intro/
 */
export const bitbucket = defineProvider({
  key: 'bitbucket',
  displayName: 'Bitbucket Cloud',
  docsUrl: 'https://developer.atlassian.com/cloud/bitbucket/oauth-2',
  sources: {
    authorizeUrl: 'https://developer.atlassian.com/cloud/bitbucket/oauth-2',
    tokenUrl: 'https://developer.atlassian.com/cloud/bitbucket/oauth-2',
    apiBaseUrl: 'https://developer.atlassian.com/cloud/bitbucket/rest/intro/',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  authorizeUrl: 'https://bitbucket.org/site/oauth2/authorize',
  tokenUrl: 'https://bitbucket.org/site/oauth2/access_token',
  apiBaseUrl: 'https://api.bitbucket.org/2.0',
  defaultScopes: [],
  scopeDescriptions: {
    repository: 'Read your repositories',
    'repository:write': 'Read and write your repositories',
    pullrequest: 'Read your pull requests',
    account: 'See your account details',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  notes: [
    'Scopes are fixed on the OAuth consumer in the workspace settings; the request may leave them out.',
  ],
});
