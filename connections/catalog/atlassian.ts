import { defineProvider } from '../schema';

/**
 * Atlassian Cloud (Jira, Confluence, Jira Service Management): OAuth 2.0 (3LO) apps from the developer console.
 *
 * - Authorize `https://auth.atlassian.com/authorize` with `audience=api.atlassian.com` and `prompt=consent`,
 *   token `https://auth.atlassian.com/oauth/token` (client id and secret in the body), refresh tokens with the
 *   `offline_access` scope, API calls through `https://api.atlassian.com/ex/jira/{cloudid}/…`:
 *   https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps
 * - Confluence, same authorization server:
 *   https://developer.atlassian.com/cloud/confluence/oauth-2-3lo-apps
 * - Jira scopes: https://developer.atlassian.com/cloud/jira/platform/scopes-for-oauth-2-3LO-and-forge-apps/
 *
 * Refresh tokens rotate: each refresh answers with a new one.
 */
export const atlassian = defineProvider({
  key: 'atlassian',
  displayName: 'Atlassian (Jira, Confluence)',
  docsUrl: 'https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps',
  sources: {
    authorizeUrl: 'https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps',
    tokenUrl: 'https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps',
    apiBaseUrl: 'https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps',
    scopes: 'https://developer.atlassian.com/cloud/jira/platform/scopes-for-oauth-2-3LO-and-forge-apps/',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://auth.atlassian.com/authorize',
  tokenUrl: 'https://auth.atlassian.com/oauth/token',
  apiBaseUrl: 'https://api.atlassian.com',
  defaultScopes: ['read:jira-work', 'read:jira-user', 'offline_access'],
  scopeDescriptions: {
    'read:jira-work': 'See Jira projects and issues',
    'write:jira-work': 'Create and change Jira issues',
    'read:jira-user': 'See Jira users',
    'read:confluence-content.all': 'See Confluence content',
    offline_access: 'Keep access while you are offline',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  extraAuthorizeParams: { audience: 'api.atlassian.com', prompt: 'consent' },
  notes: [
    'API calls go to https://api.atlassian.com/ex/jira/{cloudid}/…; the cloud id comes from GET /oauth/token/accessible-resources.',
  ],
});
