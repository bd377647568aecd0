import { defineProvider } from '../schema';

/**
 * Xero: the standard authorization code flow; one grant may cover several organisations (tenants).
 *
 * - Xero's own walkthrough: auth URL `https://login.xero.com/identity/connect/authorize`, token URL
 *   `https://identity.xero.com/connect/token`, `offline_access` for a refresh token, 30-minute access tokens,
 *   tenants from `GET https://api.xero.com/connections`: https://github.com/XeroAPI/xero-postman-oauth2#readme
 * - Scopes: https://developer.xero.com/documentation/oauth2/scopes
 */
export const xero = defineProvider({
  key: 'xero',
  displayName: 'Xero',
  docsUrl: 'https://developer.xero.com/documentation/guides/oauth2/auth-flow',
  sources: {
    authorizeUrl: 'https://github.com/XeroAPI/xero-postman-oauth2#readme',
    tokenUrl: 'https://github.com/XeroAPI/xero-postman-oauth2#readme',
    scopes: 'https://developer.xero.com/documentation/oauth2/scopes',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://login.xero.com/identity/connect/authorize',
  tokenUrl: 'https://identity.xero.com/connect/token',
  defaultScopes: ['offline_access', 'accounting.transactions'],
  scopeDescriptions: {
    offline_access: 'Keep access while you are offline',
    'accounting.transactions': 'See and change your invoices, bills and payments',
    'accounting.contacts': 'See and change your contacts',
    'accounting.settings': 'See and change your organisation settings',
    openid: 'Sign you in',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  notes: [
    'Access tokens last 30 minutes; refresh tokens rotate on every refresh.',
    'API calls name the organisation in a Xero-Tenant-Id header, taken from GET https://api.xero.com/connections.',
  ],
});
