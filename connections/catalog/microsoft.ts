import { defineProvider } from '../schema';

/**
 * Microsoft identity platform (Entra ID) v2.0 endpoints, for Microsoft Graph (Outlook, OneDrive, Teams,
 * SharePoint…) and any other Entra-protected API.
 *
 * - Authorization code flow, `/{tenant}/oauth2/v2.0/authorize` and `/token`, PKCE, `client_secret` in the form
 *   body: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
 * - Client credentials (scope `https://graph.microsoft.com/.default`):
 *   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * - Device code flow, `/{tenant}/oauth2/v2.0/devicecode`, public clients:
 *   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code
 * - National clouds (US Government, China operated by 21Vianet) and their Entra and Graph hosts:
 *   https://learn.microsoft.com/en-us/graph/deployments
 * - `offline_access`, `User.Read` and other Graph permissions: https://learn.microsoft.com/en-us/graph/permissions-reference
 *
 * No RFC 7009 revocation endpoint. The tenant is a field: a tenant id or domain, or `common` / `organizations` /
 * `consumers`; the client credentials grant needs a real tenant.
 */
export const microsoft = defineProvider({
  key: 'microsoft',
  displayName: 'Microsoft (Entra ID, Graph)',
  docsUrl: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
  sources: {
    authorizeUrl: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
    tokenUrl: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
    deviceAuthorizationUrl: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code',
    apiBaseUrl: 'https://learn.microsoft.com/en-us/graph/deployments',
    environments: 'https://learn.microsoft.com/en-us/graph/deployments',
    scopes: 'https://learn.microsoft.com/en-us/graph/permissions-reference',
  },
  grantTypes: ['authorization_code', 'client_credentials', 'device_code'],
  authorizeUrl: '{{#loginHost}}/{{#tenant}}/oauth2/v2.0/authorize',
  tokenUrl: '{{#loginHost}}/{{#tenant}}/oauth2/v2.0/token',
  deviceAuthorizationUrl: '{{#loginHost}}/{{#tenant}}/oauth2/v2.0/devicecode',
  apiBaseUrl: '{{#graphHost}}/v1.0',
  fields: {
    tenant: {
      label: 'Tenant',
      comments: 'Directory (tenant) ID or domain; common, organizations or consumers for multi-tenant apps.',
      example: 'common',
      default: 'common',
    },
  },
  environments: {
    default: 'global',
    options: {
      global: {
        label: 'Global',
        hosts: { loginHost: 'https://login.microsoftonline.com', graphHost: 'https://graph.microsoft.com' },
      },
      usGov: {
        label: 'US Government L4',
        hosts: { loginHost: 'https://login.microsoftonline.us', graphHost: 'https://graph.microsoft.us' },
      },
      china: {
        label: 'China (21Vianet)',
        hosts: {
          loginHost: 'https://login.chinacloudapi.cn',
          graphHost: 'https://microsoftgraph.chinacloudapi.cn',
        },
      },
    },
  },
  defaultScopes: ['openid', 'offline_access', 'User.Read'],
  scopeDescriptions: {
    openid: 'Confirm who you are',
    offline_access: 'Keep access while you are offline',
    'User.Read': 'Sign you in and read your profile',
    'Mail.Read': 'Read your mail',
    'Files.Read': 'Read your files',
    'Calendars.Read': 'Read your calendars',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
  grantOverrides: { device_code: { clientAuthMethod: 'none' } },
  tokenResponse: { keepFields: ['id_token', 'ext_expires_in'] },
  notes: [
    'Client credentials must ask for the resource\'s ".default" scope (https://graph.microsoft.com/.default) and a real tenant, not common.',
  ],
});
