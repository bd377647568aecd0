import { defineProvider } from '../schema';

/**
 * Gong: OAuth apps for the Gong Collective (a developer instance is needed to register one).
 *
 * - Authorize `https://app.gong.io/oauth2/authorize`, token `POST https://app.gong.io/oauth2/generate-customer-token`
 *   with HTTP Basic client authentication; the token response names the customer's own API host in
 *   `api_base_url_for_customer` (data residency): https://help.gong.io/docs/create-an-app-for-gong
 */
export const gong = defineProvider({
  key: 'gong',
  displayName: 'Gong',
  docsUrl: 'https://help.gong.io/docs/create-an-app-for-gong',
  sources: {
    authorizeUrl: 'https://help.gong.io/docs/create-an-app-for-gong',
    tokenUrl: 'https://help.gong.io/docs/create-an-app-for-gong',
    scopes: 'https://help.gong.io/docs/create-an-app-for-gong',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://app.gong.io/oauth2/authorize',
  tokenUrl: 'https://app.gong.io/oauth2/generate-customer-token',
  defaultScopes: ['api:calls:read:basic', 'api:users:read'],
  scopeDescriptions: {
    'api:calls:read:basic': 'See your calls',
    'api:calls:read:transcript': 'Read your call transcripts',
    'api:users:read': 'See the users of your Gong company',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  tokenResponse: { keepFields: ['api_base_url_for_customer'] },
  notes: ['API calls go to api_base_url_for_customer from the token response, not a fixed host.'],
});
