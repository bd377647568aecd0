import { defineProvider } from '../schema';

/**
 * X (formerly Twitter) API v2: OAuth 2.0 authorization code flow with PKCE.
 *
 * - Authorize URL, `POST https://api.x.com/2/oauth2/token`, PKCE required, confidential clients authenticate
 *   with HTTP Basic, `offline.access` for a refresh token:
 *   https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
 * - Endpoint index, `POST https://api.x.com/2/oauth2/revoke`:
 *   https://docs.x.com/fundamentals/authentication/api-reference
 */
export const x = defineProvider({
  key: 'x',
  displayName: 'X (Twitter)',
  docsUrl: 'https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token',
  sources: {
    authorizeUrl: 'https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token',
    tokenUrl: 'https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token',
    revokeUrl: 'https://docs.x.com/fundamentals/authentication/api-reference',
    scopes: 'https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://x.com/i/oauth2/authorize',
  tokenUrl: 'https://api.x.com/2/oauth2/token',
  revokeUrl: 'https://api.x.com/2/oauth2/revoke',
  defaultScopes: ['tweet.read', 'users.read', 'offline.access'],
  scopeDescriptions: {
    'tweet.read': 'See posts you can see, including from protected accounts',
    'users.read': 'See profiles you can see',
    'offline.access': 'Keep access while you are offline',
    'tweet.write': 'Post and repost for you',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
});
