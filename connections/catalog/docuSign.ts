import { defineProvider } from '../schema';

/**
 * Docusign eSignature: the authorization code grant on Docusign's authentication service, with a developer
 * (demo) and a production host.
 *
 * - Hosts `https://account-d.docusign.com` (developer) and `https://account.docusign.com` (production), endpoints
 *   `/oauth/auth`, `/oauth/token`, `/oauth/userinfo`: https://docs.docusign.com/esign/guide/authentication/auth_server.html
 * - Authorization code grant, scopes `signature` and `extended` (a refresh token usable any number of times),
 *   the token request with the integration key and secret as HTTP Basic:
 *   https://docs.docusign.com/esign/guide/authentication/oa2_auth_code.html
 *
 * API calls go to the account's own base URI, which `/oauth/userinfo` names; there is no fixed `apiBaseUrl`.
 */
export const docuSign = defineProvider({
  key: 'docuSign',
  displayName: 'Docusign',
  docsUrl: 'https://docs.docusign.com/esign/guide/authentication/oa2_auth_code.html',
  sources: {
    authorizeUrl: 'https://docs.docusign.com/esign/guide/authentication/auth_server.html',
    tokenUrl: 'https://docs.docusign.com/esign/guide/authentication/auth_server.html',
    userinfoUrl: 'https://docs.docusign.com/esign/guide/authentication/auth_server.html',
    environments: 'https://docs.docusign.com/esign/guide/authentication/auth_server.html',
    scopes: 'https://docs.docusign.com/esign/guide/authentication/oa2_auth_code.html',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: '{{#authHost}}/oauth/auth',
  tokenUrl: '{{#authHost}}/oauth/token',
  userinfoUrl: '{{#authHost}}/oauth/userinfo',
  environments: {
    default: 'production',
    options: {
      production: { label: 'Production', hosts: { authHost: 'https://account.docusign.com' } },
      developer: { label: 'Developer (demo)', hosts: { authHost: 'https://account-d.docusign.com' } },
    },
  },
  defaultScopes: ['signature', 'extended'],
  scopeDescriptions: {
    signature: 'Create and send envelopes and start signing sessions',
    extended: 'Keep access while you are offline',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
});
