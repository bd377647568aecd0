import { defineProvider } from '../schema';

/**
 * Mastodon (any instance): the authorization code and client credentials grants on the server the person uses.
 *
 * - `GET /oauth/authorize`, `POST /oauth/token` (form, `client_id` and `client_secret` in the body, grant
 *   `authorization_code` or `client_credentials`), `POST /oauth/revoke` (form: `client_id`, `client_secret`,
 *   `token`), scopes separated by spaces, default `read`: https://docs.joinmastodon.org/methods/oauth/
 *
 * Mastodon tokens carry no `expires_in` and come without a refresh token; they last until revoked.
 */
export const mastodon = defineProvider({
  key: 'mastodon',
  displayName: 'Mastodon',
  docsUrl: 'https://docs.joinmastodon.org/methods/oauth/',
  sources: {
    authorizeUrl: 'https://docs.joinmastodon.org/methods/oauth/',
    tokenUrl: 'https://docs.joinmastodon.org/methods/oauth/',
    revokeUrl: 'https://docs.joinmastodon.org/methods/oauth/',
    scopes: 'https://docs.joinmastodon.org/methods/oauth/',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  fields: {
    instance: {
      label: 'Mastodon server',
      comments: 'The host name of the server, without https://',
      example: 'mastodon.social',
    },
  },
  authorizeUrl: 'https://{{#instance}}/oauth/authorize',
  tokenUrl: 'https://{{#instance}}/oauth/token',
  revokeUrl: 'https://{{#instance}}/oauth/revoke',
  defaultScopes: ['read'],
  scopeDescriptions: {
    read: 'Read your account data',
    write: 'Post and change data on your account',
    follow: 'Follow, block and mute accounts for you',
    push: 'Receive push notifications for you',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: [
    'The app is registered per server (POST /api/v1/apps); its client id and secret work only on that server.',
    'Tokens have no expiry and no refresh token; the requested scopes must be a subset of those registered.',
  ],
});
