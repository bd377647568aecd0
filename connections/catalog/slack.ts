import { defineProvider } from '../schema';

/**
 * Slack: OAuth v2 app installation, yielding a bot token and a user token.
 *
 * Bot scopes go in `scope` (fixed here, as extra authorize parameters: the app's bot needs them to post and
 * list channels), user scopes in `user_scope` (the connection's Scopes input). `oauth.v2.access` answers with
 * the bot token at the top level and the user token under `authed_user`; Keyway tracks (refreshes, retries on
 * 401) the token under `authed_user` when there is one, else the bot token, and keeps the whole response for
 * the component, which picks one of the two with its `tokenType` input.
 *
 * - Flow, `user_scope`, comma-separated scopes and the `oauth.v2.access` response with the user token under
 *   `authed_user`: https://api.slack.com/authentication/oauth-v2
 * - `oauth.v2.access` (client credentials as HTTP Basic or form parameters; errors as `ok: false` in an
 *   HTTP 200 body): https://api.slack.com/methods/oauth.v2.access
 * - Web API error convention (`{"ok": false, "error": "invalid_auth"}`): https://api.slack.com/web#responses
 *
 * No `revokeUrl`: Slack revokes with `auth.revoke` using the token itself as the credential, not RFC 7009.
 */
export const slack = defineProvider({
  key: 'slack',
  displayName: 'Slack',
  docsUrl: 'https://api.slack.com/authentication/oauth-v2',
  sources: {
    authorizeUrl: 'https://api.slack.com/authentication/oauth-v2',
    tokenUrl: 'https://api.slack.com/methods/oauth.v2.access',
    apiBaseUrl: 'https://api.slack.com/web',
    scopes: 'https://api.slack.com/authentication/oauth-v2',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://slack.com/oauth/v2/authorize',
  tokenUrl: 'https://slack.com/api/oauth.v2.access',
  apiBaseUrl: 'https://slack.com/api',
  defaultScopes: ['chat:write', 'channels:read'],
  scopeDescriptions: {
    'chat:write': 'Send messages as you',
    'channels:read': 'See the public channels in your workspace',
    'users:read': 'See the people in your workspace',
  },
  scopeSeparator: ',',
  // A user token is asked for with user_scope; `scope` is for bot scopes.
  scopeParam: 'user_scope',
  extraAuthorizeParams: { scope: 'chat:write,channels:read' },
  clientAuthMethod: 'client_secret_post',
  tokenResponse: {
    errorInOkBody: { okField: 'ok', errorField: 'error' },
    tokenPath: 'authed_user',
    keepFields: ['team', 'app_id', 'enterprise'],
    errorCodes: {
      invalid_code: 'invalid_grant',
      invalid_refresh_token: 'invalid_grant',
      bad_client_secret: 'invalid_client',
      invalid_client_id: 'invalid_client',
    },
  },
});
