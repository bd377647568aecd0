import { defineProvider } from '../schema';

/**
 * HubSpot public apps: the authorization code grant.
 *
 * - Authorize `https://app.hubspot.com/oauth/authorize`, space-separated required scopes:
 *   https://developers.hubspot.com/docs/methods/oauth2/initiate-oauth-integration
 * - Token `POST https://api.hubapi.com/oauth/v1/token` with `client_id` and `client_secret` in the form body:
 *   https://developers.hubspot.com/docs/apps/legacy-apps/authentication/oauth-quickstart-guide
 * - Token response (`hub_id`, `user_id`, `scopes`):
 *   https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/refresh-oauth-token
 * - Scopes: https://developers.hubspot.com/docs/api/working-with-oauth
 *
 * No RFC 7009 revocation: HubSpot deletes a refresh token with `DELETE /oauth/v1/refresh-tokens/{token}`.
 */
export const hubspot = defineProvider({
  key: 'hubspot',
  displayName: 'HubSpot',
  docsUrl: 'https://developers.hubspot.com/docs/api/working-with-oauth',
  sources: {
    authorizeUrl: 'https://developers.hubspot.com/docs/methods/oauth2/initiate-oauth-integration',
    tokenUrl: 'https://developers.hubspot.com/docs/apps/legacy-apps/authentication/oauth-quickstart-guide',
    apiBaseUrl:
      'https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/refresh-oauth-token',
    scopes: 'https://developers.hubspot.com/docs/api/working-with-oauth',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://app.hubspot.com/oauth/authorize',
  tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
  apiBaseUrl: 'https://api.hubapi.com',
  defaultScopes: ['oauth', 'crm.objects.contacts.read'],
  scopeDescriptions: {
    oauth: 'Connect this app to your HubSpot account',
    'crm.objects.contacts.read': 'See your contacts',
    'crm.objects.contacts.write': 'Create and change your contacts',
    'crm.objects.companies.read': 'See your companies',
    'crm.objects.deals.read': 'See your deals',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['hub_id', 'user_id'] },
});
