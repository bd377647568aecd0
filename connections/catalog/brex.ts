import { defineProvider } from '../schema';

/**
 * Brex (developer partners): OpenID Connect / OAuth 2.0 authorization code on Brex's authorization server, in
 * production or staging. Partners get their client id and secret from Brex developer support.
 *
 * - Auth server base `https://accounts-api.brex.com/oauth2/default` (staging
 *   `https://accounts-api.staging.brexapps.com/oauth2/default`), its OpenID discovery document, `/v1/authorize` and
 *   `/v1/token`, scopes `openid` and `offline_access` (refresh tokens), API servers `https://api.brex.com` and
 *   `https://api-staging.brex.com`: https://developer.brex.com/guides/partner_authentication.md
 * - The same, earlier edition (discovery URLs for both environments): https://developer.brex.com/docs/partner_authentication
 */
export const brex = defineProvider({
  key: 'brex',
  displayName: 'Brex',
  docsUrl: 'https://developer.brex.com/guides/partner_authentication.md',
  sources: {
    issuer: 'https://developer.brex.com/docs/partner_authentication',
    authorizeUrl: 'https://developer.brex.com/guides/partner_authentication.md',
    tokenUrl: 'https://developer.brex.com/guides/partner_authentication.md',
    apiBaseUrl: 'https://developer.brex.com/guides/partner_authentication.md',
    environments: 'https://developer.brex.com/guides/partner_authentication.md',
    scopes: 'https://developer.brex.com/guides/partner_authentication.md',
  },
  issuer: '{{#authHost}}/oauth2/default',
  grantTypes: ['authorization_code'],
  authorizeUrl: '{{#authHost}}/oauth2/default/v1/authorize',
  tokenUrl: '{{#authHost}}/oauth2/default/v1/token',
  apiBaseUrl: '{{#apiHost}}',
  environments: {
    default: 'production',
    options: {
      production: {
        label: 'Production',
        hosts: { authHost: 'https://accounts-api.brex.com', apiHost: 'https://api.brex.com' },
      },
      staging: {
        label: 'Staging',
        hosts: {
          authHost: 'https://accounts-api.staging.brexapps.com',
          apiHost: 'https://api-staging.brex.com',
        },
      },
    },
  },
  defaultScopes: ['openid', 'offline_access'],
  scopeDescriptions: {
    openid: 'Confirm who you are',
    offline_access: 'Keep access while you are offline',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  notes: [
    'OAuth is for Brex developer partners only; the API scopes a partner may request are set by Brex with the credentials.',
  ],
});
