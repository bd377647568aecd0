import { defineProvider } from '../schema';

/**
 * Box: OAuth 2.0 with client-side authorization.
 *
 * - Authorize `https://account.box.com/api/oauth2/authorize` (space-separated scopes; none means the scopes
 *   configured for the app): https://developer.box.com/reference/get-authorize/
 * - Token `POST https://api.box.com/oauth2/token` (form body with `client_id` and `client_secret`):
 *   https://developer.box.com/reference/post-oauth2-token/
 * - Revoke `POST https://api.box.com/oauth2/revoke` (`client_id`, `client_secret`, `token`):
 *   https://developer.box.com/reference/post-oauth2-revoke/
 * - Scopes: https://developer.box.com/guides/api-calls/permissions-and-errors/scopes/
 */
export const box = defineProvider({
  key: 'box',
  displayName: 'Box',
  docsUrl: 'https://developer.box.com/guides/authentication/oauth2/',
  sources: {
    authorizeUrl: 'https://developer.box.com/reference/get-authorize/',
    tokenUrl: 'https://developer.box.com/reference/post-oauth2-token/',
    revokeUrl: 'https://developer.box.com/reference/post-oauth2-revoke/',
    apiBaseUrl: 'https://developer.box.com/reference/post-oauth2-token/',
    scopes: 'https://developer.box.com/guides/api-calls/permissions-and-errors/scopes/',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://account.box.com/api/oauth2/authorize',
  tokenUrl: 'https://api.box.com/oauth2/token',
  revokeUrl: 'https://api.box.com/oauth2/revoke',
  apiBaseUrl: 'https://api.box.com/2.0',
  defaultScopes: [],
  scopeDescriptions: {
    root_readonly: 'Read all files and folders in your Box',
    root_readwrite: 'Read and write all files and folders in your Box',
    manage_webhook: 'Create and manage webhooks',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: ['Asking for no scope grants the scopes configured for the app in the Box developer console.'],
});
