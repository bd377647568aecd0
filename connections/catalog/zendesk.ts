import { defineProvider } from '../schema';

/**
 * Zendesk: OAuth clients registered in a customer's own Zendesk account, on its subdomain.
 *
 * - Authorize `https://{subdomain}.zendesk.com/oauth/authorizations/new`, token `/oauth/tokens`, scopes
 *   `read` / `write` (space-separated): https://support.zendesk.com/hc/en-us/articles/4408845965210
 * - Access and refresh tokens, expiry: https://developer.zendesk.com/documentation/api-basics/authentication/api-tokens-to-oauth/
 *
 * No RFC 7009 revocation: a token is revoked with `DELETE /api/v2/oauth/tokens/{id}`.
 */
export const zendesk = defineProvider({
  key: 'zendesk',
  displayName: 'Zendesk',
  docsUrl: 'https://support.zendesk.com/hc/en-us/articles/4408845965210',
  sources: {
    authorizeUrl: 'https://support.zendesk.com/hc/en-us/articles/4408845965210',
    tokenUrl: 'https://support.zendesk.com/hc/en-us/articles/4408845965210',
    apiBaseUrl: 'https://developer.zendesk.com/documentation/api-basics/authentication/api-tokens-to-oauth/',
    scopes: 'https://support.zendesk.com/hc/en-us/articles/4408845965210',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://{{#subdomain}}.zendesk.com/oauth/authorizations/new',
  tokenUrl: 'https://{{#subdomain}}.zendesk.com/oauth/tokens',
  apiBaseUrl: 'https://{{#subdomain}}.zendesk.com/api/v2',
  fields: {
    subdomain: { label: 'Zendesk subdomain', comments: 'The part before .zendesk.com.', example: 'acme' },
  },
  defaultScopes: ['read'],
  scopeDescriptions: {
    read: 'See your Zendesk data',
    write: 'Create and change your Zendesk data',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
});
