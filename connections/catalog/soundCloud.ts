import { defineProvider } from '../schema';

/**
 * SoundCloud: OAuth 2.1, the authorization code grant with PKCE for user actions and client credentials for
 * public resources.
 *
 * - SoundCloud's own API repository, authentication guide for agents: authorize at
 *   `https://secure.soundcloud.com/authorize` (`response_type=code`, `client_id`, `redirect_uri`,
 *   `code_challenge`, `code_challenge_method=S256`, `state`), tokens at `https://secure.soundcloud.com/oauth/token`
 *   (client credentials with an HTTP Basic header; refresh with `client_id` and `client_secret` in the form body),
 *   single-use refresh tokens, access tokens of about an hour:
 *   https://github.com/soundcloud/api/blob/master/.cursor/skills/soundcloud-api-auth/SKILL.md
 * - The guide it points to: https://developers.soundcloud.com/docs/api/guide#authentication
 *
 * The old token URL `https://api.soundcloud.com/oauth2/token` is deprecated.
 */
export const soundCloud = defineProvider({
  key: 'soundCloud',
  displayName: 'SoundCloud',
  docsUrl: 'https://developers.soundcloud.com/docs/api/guide#authentication',
  sources: {
    authorizeUrl: 'https://github.com/soundcloud/api/blob/master/.cursor/skills/soundcloud-api-auth/SKILL.md',
    tokenUrl: 'https://github.com/soundcloud/api/blob/master/.cursor/skills/soundcloud-api-auth/SKILL.md',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  authorizeUrl: 'https://secure.soundcloud.com/authorize',
  tokenUrl: 'https://secure.soundcloud.com/oauth/token',
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
  // The documented client credentials request authenticates with HTTP Basic.
  grantOverrides: { client_credentials: { clientAuthMethod: 'client_secret_basic' } },
  notes: [
    'Refresh tokens are single-use: store the new refresh token from every refresh response.',
    'Client credentials tokens reach public resources only; cache them instead of requesting one per call.',
  ],
});
