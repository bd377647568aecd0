import { defineProvider } from '../schema';

/**
 * Notion public connections: OAuth 2.0 authorization code; the token endpoint takes a JSON body.
 *
 * - Authorize `https://api.notion.com/v1/oauth/authorize` with `owner=user`, token
 *   `POST https://api.notion.com/v1/oauth/token` with HTTP Basic client authentication and a JSON body:
 *   https://developers.notion.com/guides/get-started/authorization
 * - Token request and response (`bot_id`, `workspace_id`, `workspace_name`, `owner`, …):
 *   https://developers.notion.com/reference/create-a-token
 * - Refresh with `grant_type=refresh_token` on the same endpoint: https://developers.notion.com/reference/refresh-a-token
 *
 * No scopes: the person picks the pages the connection may see. Revocation (`POST /v1/oauth/revoke`, JSON body) is
 * not RFC 7009, so there is no `revokeUrl`.
 */
export const notion = defineProvider({
  key: 'notion',
  displayName: 'Notion',
  docsUrl: 'https://developers.notion.com/guides/get-started/authorization',
  sources: {
    authorizeUrl: 'https://developers.notion.com/guides/get-started/authorization',
    tokenUrl: 'https://developers.notion.com/reference/create-a-token',
    apiBaseUrl: 'https://developers.notion.com/reference/authentication',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://api.notion.com/v1/oauth/authorize',
  tokenUrl: 'https://api.notion.com/v1/oauth/token',
  apiBaseUrl: 'https://api.notion.com/v1',
  clientAuthMethod: 'client_secret_basic',
  extraAuthorizeParams: { owner: 'user' },
  tokenRequestFormat: 'json',
  tokenResponse: {
    keepFields: [
      'bot_id',
      'workspace_id',
      'workspace_name',
      'workspace_icon',
      'owner',
      'duplicated_template_id',
    ],
  },
  notes: [
    'No scopes: during consent the person chooses which pages the connection may access.',
    'API calls need a Notion-Version header besides the bearer token.',
  ],
});
