import { defineProvider } from '../schema';

/**
 * Intuit QuickBooks Online: OAuth 2.0 / OpenID Connect for the Accounting and Payments APIs.
 *
 * - Endpoint URLs come from Intuit's discovery documents (`authorization_endpoint`
 *   `https://appcenter.intuit.com/connect/oauth2`, `token_endpoint`
 *   `https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer`, `client_secret_basic` or `client_secret_post`):
 *   https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-openid-discovery-doc
 *   (sandbox document: https://developer.intuit.com/.well-known/openid-sandbox-configuration)
 * - Scopes `com.intuit.quickbooks.accounting`, `com.intuit.quickbooks.payment`, `openid`...; the redirect carries
 *   the company's `realmId`:
 *   https://developer.intuit.com/app/developer/qbo/docs/develop/sdks-and-samples-collections/python/python_oauth_client
 *
 * No `revokeUrl`: Intuit's revocation endpoint takes a JSON body, not the RFC 7009 form. No `issuer`: the
 * discovery document is not served under the issuer (`https://oauth.platform.intuit.com/op/v1`).
 */
export const quickBooks = defineProvider({
  key: 'quickBooks',
  displayName: 'QuickBooks Online (Intuit)',
  docsUrl:
    'https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-openid-discovery-doc',
  sources: {
    authorizeUrl: 'https://developer.intuit.com/.well-known/openid-sandbox-configuration',
    tokenUrl: 'https://developer.intuit.com/.well-known/openid-sandbox-configuration',
    scopes:
      'https://developer.intuit.com/app/developer/qbo/docs/develop/sdks-and-samples-collections/python/python_oauth_client',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://appcenter.intuit.com/connect/oauth2',
  tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
  defaultScopes: ['com.intuit.quickbooks.accounting'],
  scopeDescriptions: {
    'com.intuit.quickbooks.accounting': 'Read and change your QuickBooks company data',
    'com.intuit.quickbooks.payment': 'Take payments for your company',
    openid: 'Sign you in',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  tokenResponse: { keepFields: ['x_refresh_token_expires_in'], errorCodes: {} },
  notes: [
    'The company id (realmId) arrives as a query parameter on the redirect, not in the token response.',
    'Refresh tokens rotate: keep the one from each refresh response.',
  ],
});
