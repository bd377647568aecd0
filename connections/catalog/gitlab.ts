import { defineProvider } from '../schema';

/**
 * GitLab as an OAuth 2.0 / OpenID Connect provider, on GitLab.com or a self-managed instance.
 *
 * - Authorize `/oauth/authorize` (PKCE), token `/oauth/token`, revoke `/oauth/revoke` (RFC 7009), device
 *   authorization `/oauth/authorize_device`, scopes such as `api`, `read_user`, `read_api`:
 *   https://docs.gitlab.com/api/oauth2/
 * - GitLab as an OpenID Connect identity provider (issuer = the instance URL, discovery document):
 *   https://docs.gitlab.com/integration/openid_connect_provider/
 * - REST API base `/api/v4`: https://docs.gitlab.com/api/rest/
 */
export const gitlab = defineProvider({
  key: 'gitlab',
  displayName: 'GitLab',
  docsUrl: 'https://docs.gitlab.com/api/oauth2/',
  sources: {
    authorizeUrl: 'https://docs.gitlab.com/api/oauth2/',
    tokenUrl: 'https://docs.gitlab.com/api/oauth2/',
    revokeUrl: 'https://docs.gitlab.com/api/oauth2/',
    deviceAuthorizationUrl: 'https://docs.gitlab.com/api/oauth2/',
    apiBaseUrl: 'https://docs.gitlab.com/api/rest/',
    issuer: 'https://docs.gitlab.com/integration/openid_connect_provider/',
    scopes: 'https://docs.gitlab.com/integration/oauth_provider/',
  },
  grantTypes: ['authorization_code', 'device_code'],
  issuer: '{{#gitlabUrl}}',
  authorizeUrl: '{{#gitlabUrl}}/oauth/authorize',
  tokenUrl: '{{#gitlabUrl}}/oauth/token',
  revokeUrl: '{{#gitlabUrl}}/oauth/revoke',
  deviceAuthorizationUrl: '{{#gitlabUrl}}/oauth/authorize_device',
  apiBaseUrl: '{{#gitlabUrl}}/api/v4',
  fields: {
    gitlabUrl: {
      label: 'GitLab URL',
      comments: 'https://gitlab.com, or your self-managed instance, without a trailing slash.',
      example: 'https://gitlab.com',
      default: 'https://gitlab.com',
    },
  },
  defaultScopes: ['read_user', 'read_api'],
  scopeDescriptions: {
    read_user: 'See your GitLab profile',
    read_api: 'Read your projects, groups and issues through the API',
    api: 'Read and write everything you can through the API',
    openid: 'Confirm who you are',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
  grantOverrides: { device_code: { clientAuthMethod: 'none' } },
});
