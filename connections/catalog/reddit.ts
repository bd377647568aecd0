import { defineProvider } from '../schema';

/**
 * Reddit: the authorization code grant; `duration=permanent` asks for a refresh token.
 *
 * - Reddit's OAuth2 guide: `https://www.reddit.com/api/v1/authorize`, token exchange at
 *   `https://www.reddit.com/api/v1/access_token` with HTTP Basic client authentication, `duration`
 *   (`temporary` or `permanent`), revocation at `https://www.reddit.com/api/v1/revoke_token` (form `token`,
 *   `token_type_hint`), scopes: https://github.com/reddit-archive/reddit/wiki/OAuth2
 */
export const reddit = defineProvider({
  key: 'reddit',
  displayName: 'Reddit',
  docsUrl: 'https://github.com/reddit-archive/reddit/wiki/OAuth2',
  sources: {
    authorizeUrl: 'https://github.com/reddit-archive/reddit/wiki/OAuth2',
    tokenUrl: 'https://github.com/reddit-archive/reddit/wiki/OAuth2',
    revokeUrl: 'https://github.com/reddit-archive/reddit/wiki/OAuth2',
    scopes: 'https://github.com/reddit-archive/reddit/wiki/OAuth2',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.reddit.com/api/v1/authorize',
  tokenUrl: 'https://www.reddit.com/api/v1/access_token',
  revokeUrl: 'https://www.reddit.com/api/v1/revoke_token',
  defaultScopes: ['identity', 'read'],
  scopeDescriptions: {
    identity: 'See your Reddit username and signup date',
    read: 'Read posts and comments',
    submit: 'Submit links and comments as you',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  extraAuthorizeParams: { duration: 'permanent' },
  notes: ['Access tokens last one hour; Reddit asks every API client to send a descriptive User-Agent.'],
});
