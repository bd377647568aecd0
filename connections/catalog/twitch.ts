import { defineProvider } from '../schema';

/**
 * Twitch: user access tokens (authorization code, device code) and app access tokens (client credentials).
 *
 * - The four flows, `https://id.twitch.tv/oauth2/authorize`, `/oauth2/token`, `/oauth2/device` (device flow for
 *   public clients without a secret): https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/
 * - `POST https://id.twitch.tv/oauth2/revoke`, form `client_id` and `token`:
 *   https://dev.twitch.tv/docs/authentication/revoke-tokens/
 *
 * The token response lists `scope` as a JSON array (Keyway accepts both forms).
 */
export const twitch = defineProvider({
  key: 'twitch',
  displayName: 'Twitch',
  docsUrl: 'https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/',
  sources: {
    authorizeUrl: 'https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/',
    tokenUrl: 'https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/',
    deviceAuthorizationUrl: 'https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/',
    revokeUrl: 'https://dev.twitch.tv/docs/authentication/revoke-tokens/',
  },
  grantTypes: ['authorization_code', 'client_credentials', 'device_code'],
  authorizeUrl: 'https://id.twitch.tv/oauth2/authorize',
  tokenUrl: 'https://id.twitch.tv/oauth2/token',
  deviceAuthorizationUrl: 'https://id.twitch.tv/oauth2/device',
  revokeUrl: 'https://id.twitch.tv/oauth2/revoke',
  defaultScopes: ['user:read:email'],
  scopeDescriptions: {
    'user:read:email': 'See your email address',
    'chat:read': 'Read chat messages in your channels',
    'channel:read:subscriptions': 'See who subscribes to your channel',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  grantOverrides: { device_code: { clientAuthMethod: 'none' } },
  notes: [
    'Helix API calls need a Client-Id header besides the Bearer token.',
    'Twitch asks apps to validate user tokens at https://id.twitch.tv/oauth2/validate at least hourly.',
  ],
});
