import { defineProvider } from '../schema';

/**
 * Etsy Open API v3: OAuth 2.0 authorization code with PKCE (S256), a public client identified by its keystring.
 *
 * - Authorize `https://www.etsy.com/oauth/connect`, token `POST https://api.etsy.com/v3/public/oauth/token` with
 *   `client_id` (the app keystring) and `code_verifier`, scopes space-separated (`listings_r`, `shops_r`, …):
 *   https://developers.etsy.com/documentation/essentials/authentication/
 *
 * Every API call also needs the keystring in the `x-api-key` header.
 */
export const etsy = defineProvider({
  key: 'etsy',
  displayName: 'Etsy',
  docsUrl: 'https://developers.etsy.com/documentation/essentials/authentication/',
  sources: {
    authorizeUrl: 'https://developers.etsy.com/documentation/essentials/authentication/',
    tokenUrl: 'https://developers.etsy.com/documentation/essentials/authentication/',
    apiBaseUrl: 'https://developers.etsy.com/documentation/essentials/authentication/',
    scopes: 'https://developers.etsy.com/documentation/essentials/authentication/#scopes',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.etsy.com/oauth/connect',
  tokenUrl: 'https://api.etsy.com/v3/public/oauth/token',
  apiBaseUrl: 'https://api.etsy.com/v3',
  defaultScopes: ['shops_r', 'listings_r'],
  scopeDescriptions: {
    shops_r: 'See your shop',
    listings_r: 'See your listings, including inactive ones',
    listings_w: 'Create and change your listings',
    transactions_r: 'See your orders and receipts',
    email_r: 'See your email address',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'none',
  pkce: 'S256',
  notes: ['API calls need the app keystring in an x-api-key header besides the bearer token.'],
});
