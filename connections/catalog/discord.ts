import { defineProvider } from '../schema';

/**
 * Discord: OAuth2 for apps acting for a user (and the client credentials grant for the app's owner).
 *
 * - Authorize `https://discord.com/oauth2/authorize`, token `https://discord.com/api/oauth2/token`, revoke
 *   `https://discord.com/api/oauth2/token/revoke` (form body with `token`; client id and secret as HTTP Basic),
 *   space-separated scopes such as `identify`, `email`, `guilds`:
 *   https://discord.com/developers/docs/topics/oauth2
 * - API base `https://discord.com/api`: https://discord.com/developers/docs/reference
 */
export const discord = defineProvider({
  key: 'discord',
  displayName: 'Discord',
  docsUrl: 'https://discord.com/developers/docs/topics/oauth2',
  sources: {
    authorizeUrl: 'https://discord.com/developers/docs/topics/oauth2',
    tokenUrl: 'https://discord.com/developers/docs/topics/oauth2',
    revokeUrl:
      'https://discord.com/developers/docs/topics/oauth2#authorization-code-grant-token-revocation-example',
    apiBaseUrl: 'https://discord.com/developers/docs/reference',
    scopes: 'https://discord.com/developers/docs/topics/oauth2',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  authorizeUrl: 'https://discord.com/oauth2/authorize',
  tokenUrl: 'https://discord.com/api/oauth2/token',
  revokeUrl: 'https://discord.com/api/oauth2/token/revoke',
  apiBaseUrl: 'https://discord.com/api',
  defaultScopes: ['identify'],
  scopeDescriptions: {
    identify: 'See your Discord username and avatar',
    email: 'See your email address',
    guilds: 'See the servers you are in',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
});
