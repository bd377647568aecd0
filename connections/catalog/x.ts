import { defineProvider } from '../schema';

/**
 * X (formerly Twitter) API v2: OAuth 2.0 authorization code flow with PKCE.
 *
 * - The flow, PKCE, confidential clients authenticate with HTTP Basic at the token endpoint, scopes,
 *   `offline.access` for a refresh token: https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
 * - X's own SDK (XDK): `https://x.com/i/oauth2/authorize`, `POST https://api.x.com/2/oauth2/token` (form body,
 *   Basic when there is a secret, `client_id` in the body otherwise):
 *   https://github.com/xdevplatform/xdk-typescript/blob/main/src/oauth2_auth.ts
 *
 * No `revokeUrl`: the revocation endpoint's page was not read.
 */
export const x = defineProvider({
  key: 'x',
  displayName: 'X (Twitter)',
  docsUrl: 'https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token',
  sources: {
    authorizeUrl: 'https://github.com/xdevplatform/xdk-typescript/blob/main/src/oauth2_auth.ts',
    tokenUrl: 'https://github.com/xdevplatform/xdk-typescript/blob/main/src/oauth2_auth.ts',
    scopes: 'https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://x.com/i/oauth2/authorize',
  tokenUrl: 'https://api.x.com/2/oauth2/token',
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
