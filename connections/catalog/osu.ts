import { defineProvider } from '../schema';

/**
 * osu! (osu!api v2): the authorization code and client credentials grants on `osu.ppy.sh`.
 *
 * - Authentication: `GET https://osu.ppy.sh/oauth/authorize` (space-delimited `scope`, e.g. `public identify`),
 *   `POST https://osu.ppy.sh/oauth/token` with `client_id` and `client_secret` in the form body, refresh tokens,
 *   client credentials tokens limited to `public` (and delegation scopes), API base `/api/v2`:
 *   https://osu.ppy.sh/docs/index.html#authentication
 */
export const osu = defineProvider({
  key: 'osu',
  displayName: 'osu!',
  docsUrl: 'https://osu.ppy.sh/docs/index.html#authentication',
  sources: {
    authorizeUrl: 'https://osu.ppy.sh/docs/index.html#authorization-code-grant',
    tokenUrl: 'https://osu.ppy.sh/docs/index.html#authorization-code-grant',
    apiBaseUrl: 'https://osu.ppy.sh/docs/index.html#base-url',
    scopes: 'https://osu.ppy.sh/docs/index.html#scopes',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  authorizeUrl: 'https://osu.ppy.sh/oauth/authorize',
  tokenUrl: 'https://osu.ppy.sh/oauth/token',
  apiBaseUrl: 'https://osu.ppy.sh/api/v2',
  defaultScopes: ['public', 'identify'],
  scopeDescriptions: {
    public: 'Read public data for you',
    identify: 'See who you are (your public profile)',
    'friends.read': 'See your friends list',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: [
    'Client credentials tokens act as a guest and accept only the public scope (or delegation scopes).',
  ],
});
