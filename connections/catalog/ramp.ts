import { defineProvider } from '../schema';

/**
 * Ramp Developer API: OAuth 2.0 authorization code (third-party apps) and client credentials (internal
 * integrations), HTTP Basic client authentication at the token endpoint.
 *
 * - Authorize `https://app.ramp.com/v1/authorize`, token `POST https://api.ramp.com/developer/v1/token`, scopes such
 *   as `transactions:read` plus `offline_access` for refresh tokens: https://docs.ramp.com/developer-api/v1/authorization
 *
 * Tokens are bound to the environment: the demo (sandbox) environment has its own hosts and credentials.
 */
export const ramp = defineProvider({
  key: 'ramp',
  displayName: 'Ramp',
  docsUrl: 'https://docs.ramp.com/developer-api/v1/authorization',
  sources: {
    authorizeUrl: 'https://docs.ramp.com/developer-api/v1/authorization',
    tokenUrl: 'https://docs.ramp.com/developer-api/v1/authorization',
    apiBaseUrl: 'https://docs.ramp.com/developer-api/v1/authorization',
    scopes: 'https://docs.ramp.com/developer-api/v1/authorization',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  authorizeUrl: 'https://app.ramp.com/v1/authorize',
  tokenUrl: 'https://api.ramp.com/developer/v1/token',
  apiBaseUrl: 'https://api.ramp.com/developer/v1',
  defaultScopes: ['transactions:read', 'offline_access'],
  scopeDescriptions: {
    'transactions:read': 'See your card transactions',
    'users:read': 'See the users of your business',
    'bills:read': 'See your bills',
    offline_access: 'Keep access while you are offline',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  notes: ['Client credentials tokens last 10 days; authorization code access tokens one hour.'],
});
