import { defineProvider } from '../schema';

/**
 * Deel: OAuth 2.0 authorization code on the Deel app host, production or sandbox.
 *
 * - Authorize `https://app.deel.com/oauth2/authorize` (space-separated scopes), sandbox host
 *   `https://demo.deel.com`: https://developer.deel.com/v2.3.0/docs/getting-started-1
 * - Token `POST https://app.deel.com/oauth2/tokens` with HTTP Basic client authentication:
 *   https://developer.deel.com/changelog/v1-27
 * - Overview and scopes: https://developer.deel.com/api/oauth
 */
export const deel = defineProvider({
  key: 'deel',
  displayName: 'Deel',
  docsUrl: 'https://developer.deel.com/api/oauth',
  sources: {
    authorizeUrl: 'https://developer.deel.com/v2.3.0/docs/getting-started-1',
    tokenUrl: 'https://developer.deel.com/changelog/v1-27',
    environments: 'https://developer.deel.com/v2.3.0/docs/getting-started-1',
    scopes: 'https://developer.deel.com/v2.3.0/docs/getting-started-1',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: '{{#deelHost}}/oauth2/authorize',
  tokenUrl: '{{#deelHost}}/oauth2/tokens',
  environments: {
    default: 'production',
    options: {
      production: { label: 'Production', hosts: { deelHost: 'https://app.deel.com' } },
      sandbox: { label: 'Sandbox', hosts: { deelHost: 'https://demo.deel.com' } },
    },
  },
  defaultScopes: ['contracts:read', 'organizations:read'],
  scopeDescriptions: {
    'contracts:read': 'See your contracts',
    'contracts:write': 'Create and change contracts',
    'organizations:read': 'See your organization',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
});
