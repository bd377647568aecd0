import { defineProvider } from '../schema';

/**
 * Harvest (API v2): OAuth 2.0 authorization code through Harvest ID.
 *
 * - Authorize `https://id.getharvest.com/oauth2/authorize`, token `POST https://id.getharvest.com/api/v2/oauth2/token`
 *   (client id and secret in the body), refresh tokens:
 *   https://help.getharvest.com/api-v2/authentication-api/authentication/authentication/
 * - API base `https://api.harvestapp.com/v2`, `Harvest-Account-Id` and `User-Agent` headers on every call:
 *   https://help.getharvest.com/api-v2/introduction/overview/general/
 */
export const harvest = defineProvider({
  key: 'harvest',
  displayName: 'Harvest',
  docsUrl: 'https://help.getharvest.com/api-v2/authentication-api/authentication/authentication/',
  sources: {
    authorizeUrl: 'https://help.getharvest.com/api-v2/authentication-api/authentication/authentication/',
    tokenUrl: 'https://help.getharvest.com/api-v2/authentication-api/authentication/authentication/',
    apiBaseUrl: 'https://help.getharvest.com/api-v2/introduction/overview/general/',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://id.getharvest.com/oauth2/authorize',
  tokenUrl: 'https://id.getharvest.com/api/v2/oauth2/token',
  apiBaseUrl: 'https://api.harvestapp.com/v2',
  clientAuthMethod: 'client_secret_post',
  notes: [
    'API calls need a Harvest-Account-Id header (the accounts come from GET https://id.getharvest.com/api/v2/accounts) and a User-Agent naming the app.',
  ],
});
