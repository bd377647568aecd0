import { defineProvider } from '../schema';

/**
 * Klaviyo: OAuth 2.0 authorization code with PKCE (S256) for partner apps.
 *
 * - Authorize `https://www.klaviyo.com/oauth/authorize`, token `POST https://a.klaviyo.com/oauth/token` and revoke
 *   `POST https://a.klaviyo.com/oauth/revoke` with HTTP Basic client authentication (token traffic through
 *   `www.klaviyo.com` is blocked since March 31, 2025): https://developers.klaviyo.com/en/docs/set_up_oauth
 * - Scopes such as `accounts:read`, `profiles:read`, `lists:write`:
 *   https://developers.klaviyo.com/en/docs/set_up_oauth
 */
export const klaviyo = defineProvider({
  key: 'klaviyo',
  displayName: 'Klaviyo',
  docsUrl: 'https://developers.klaviyo.com/en/docs/set_up_oauth',
  sources: {
    authorizeUrl: 'https://developers.klaviyo.com/en/docs/set_up_oauth',
    tokenUrl: 'https://developers.klaviyo.com/en/docs/set_up_oauth',
    revokeUrl: 'https://developers.klaviyo.com/en/docs/set_up_oauth',
    apiBaseUrl: 'https://developers.klaviyo.com/en/v2024-07-15/docs/authenticate_',
    scopes: 'https://developers.klaviyo.com/en/docs/set_up_oauth',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.klaviyo.com/oauth/authorize',
  tokenUrl: 'https://a.klaviyo.com/oauth/token',
  revokeUrl: 'https://a.klaviyo.com/oauth/revoke',
  apiBaseUrl: 'https://a.klaviyo.com/api',
  defaultScopes: ['accounts:read', 'profiles:read'],
  scopeDescriptions: {
    'accounts:read': 'See your Klaviyo account details',
    'profiles:read': 'See your profiles',
    'profiles:write': 'Create and change profiles',
    'lists:read': 'See your lists',
    'lists:write': 'Change your lists',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  notes: ['API calls need a revision header naming the API version besides the bearer token.'],
});
