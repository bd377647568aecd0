import { defineProvider } from '../schema';

/**
 * Oracle NetSuite: OAuth 2.0 authorization code grant on account-specific hosts, for RESTlets, REST web services
 * and SuiteAnalytics Connect.
 *
 * - Authorize `https://<accountID>.app.netsuite.com/app/login/oauth2/authorize.nl` (scopes `restlets`,
 *   `rest_webservices`, `suite_analytics`): https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081944642.html
 * - Token `POST https://<accountID>.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token`, HTTP Basic client
 *   authentication, `code_verifier` (PKCE): https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_160855590788.html
 * - The flow: https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158074210415.html
 */
export const netSuite = defineProvider({
  key: 'netSuite',
  displayName: 'Oracle NetSuite',
  docsUrl: 'https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158074210415.html',
  sources: {
    authorizeUrl: 'https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081944642.html',
    tokenUrl: 'https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_160855590788.html',
    scopes: 'https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081944642.html',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://{{#accountId}}.app.netsuite.com/app/login/oauth2/authorize.nl',
  tokenUrl: 'https://{{#accountId}}.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token',
  fields: {
    accountId: {
      label: 'Account ID',
      comments:
        'Your NetSuite account ID as it appears in host names: lower case, with "_" written as "-" (a sandbox 1234567_SB1 is 1234567-sb1).',
      example: '1234567',
    },
  },
  defaultScopes: ['rest_webservices'],
  scopeDescriptions: {
    rest_webservices: 'Read and change records through the REST web services',
    restlets: 'Call the RESTlets deployed in your account',
    suite_analytics: 'Query your data through SuiteAnalytics Connect',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  notes: ['Each application needs an integration record with OAuth 2.0 enabled in the NetSuite account.'],
});
