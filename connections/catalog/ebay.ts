import { defineProvider } from '../schema';

/**
 * eBay REST APIs: OAuth 2.0 user tokens (authorization code) and application tokens (client credentials), in
 * production or the sandbox.
 *
 * - Token `POST https://api.ebay.com/identity/v1/oauth2/token` (sandbox `api.sandbox.ebay.com`), HTTP Basic with
 *   the client id and secret: https://developer.ebay.com/api-docs/static/oauth-auth-code-grant-request.html
 * - Consent `https://auth.ebay.com/oauth2/authorize` (sandbox `auth.sandbox.ebay.com`):
 *   https://developer.ebay.com/api-docs/static/oauth-consent-request.html
 * - Scopes are URLs such as `https://api.ebay.com/oauth/api_scope`:
 *   https://developer.ebay.com/api-docs/static/oauth-scopes.html
 *
 * The `redirect_uri` eBay expects is the app's RuName (eBay Redirect URL name), not a URL.
 */
export const ebay = defineProvider({
  key: 'ebay',
  displayName: 'eBay',
  docsUrl: 'https://developer.ebay.com/api-docs/static/oauth-tokens.html',
  sources: {
    authorizeUrl: 'https://developer.ebay.com/api-docs/static/oauth-consent-request.html',
    tokenUrl: 'https://developer.ebay.com/api-docs/static/oauth-auth-code-grant-request.html',
    environments: 'https://developer.ebay.com/api-docs/static/oauth-auth-code-grant-request.html',
    scopes: 'https://developer.ebay.com/api-docs/static/oauth-scopes.html',
  },
  grantTypes: ['authorization_code', 'client_credentials'],
  authorizeUrl: '{{#authHost}}/oauth2/authorize',
  tokenUrl: '{{#apiHost}}/identity/v1/oauth2/token',
  environments: {
    default: 'production',
    options: {
      production: {
        label: 'Production',
        hosts: { authHost: 'https://auth.ebay.com', apiHost: 'https://api.ebay.com' },
      },
      sandbox: {
        label: 'Sandbox',
        hosts: { authHost: 'https://auth.sandbox.ebay.com', apiHost: 'https://api.sandbox.ebay.com' },
      },
    },
  },
  defaultScopes: ['https://api.ebay.com/oauth/api_scope'],
  scopeDescriptions: {
    'https://api.ebay.com/oauth/api_scope': 'See public eBay data',
    'https://api.ebay.com/oauth/api_scope/sell.inventory': 'Manage your inventory and offers',
    'https://api.ebay.com/oauth/api_scope/sell.fulfillment': 'Manage your orders',
    'https://api.ebay.com/oauth/api_scope/sell.account': 'Manage your seller account settings',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  tokenResponse: { keepFields: ['refresh_token_expires_in'] },
  notes: ["The redirect_uri sent to eBay is the application's RuName, registered in the developer portal."],
});
