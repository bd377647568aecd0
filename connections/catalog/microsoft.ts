import { defineProvider } from '../schema';

/**
 * Microsoft identity platform (Microsoft Entra ID, v2.0 endpoints): Microsoft Graph, Outlook, OneDrive, Teams and
 * Dynamics 365 all take tokens from it.
 *
 * - Authorization code flow with PKCE, `/authorize` and `/token` under `login.microsoftonline.com/{tenant}`,
 *   refresh tokens only with `offline_access`:
 *   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
 * - Device authorization grant (`/devicecode`, polled with `client_id` alone; tenant `common`, `consumers`,
 *   `organizations` or a tenant id/domain): https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code
 * - Client credentials: `POST https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token` with `client_id`,
 *   `client_secret` (in the body; HTTP Basic is also accepted), `grant_type=client_credentials` and a resource's
 *   `.default` scope such as `https://graph.microsoft.com/.default`:
 *   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 *
 * No `revokeUrl`: the platform has no RFC 7009 endpoint (sessions are revoked through Microsoft Graph).
 */
export const microsoft = defineProvider({
  key: 'microsoft',
  displayName: 'Microsoft (Entra ID / Microsoft Graph)',
  docsUrl: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
  sources: {
    authorizeUrl: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
    tokenUrl: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code',
    deviceAuthorizationUrl: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code',
    scopes: 'https://learn.microsoft.com/en-us/entra/identity-platform/permissions-consent-overview',
  },
  grantTypes: ['authorization_code', 'client_credentials', 'device_code'],
  fields: {
    tenant: {
      label: 'Directory (tenant)',
      comments: 'common, organizations, consumers, or your tenant id or domain',
      example: 'contoso.onmicrosoft.com',
      default: 'common',
    },
  },
  authorizeUrl: 'https://login.microsoftonline.com/{{#tenant}}/oauth2/v2.0/authorize',
  tokenUrl: 'https://login.microsoftonline.com/{{#tenant}}/oauth2/v2.0/token',
  deviceAuthorizationUrl: 'https://login.microsoftonline.com/{{#tenant}}/oauth2/v2.0/devicecode',
  defaultScopes: ['openid', 'offline_access', 'User.Read'],
  scopeDescriptions: {
    openid: 'Sign you in',
    offline_access: 'Keep access while you are offline',
    'User.Read': 'Read your profile',
    'Mail.Read': 'Read your mail',
    'Files.Read': 'Read your files',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
  // The device flow is for public clients: the token request carries client_id and no secret.
  grantOverrides: { device_code: { clientAuthMethod: 'none' } },
  notes: [
    'A refresh token is issued only when offline_access is among the scopes.',
    'Client credentials ask for a resource\'s ".default" scope, e.g. https://graph.microsoft.com/.default.',
  ],
});
