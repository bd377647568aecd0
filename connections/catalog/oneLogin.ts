import { defineProvider } from '../schema';

/**
 * OneLogin: OpenID Connect (OIDC v2) on `https://<subdomain>.onelogin.com/oidc/2`.
 *
 * - Authorization code flow, `/oidc/2/auth` and `/oidc/2/token`:
 *   https://developers.onelogin.com/openid-connect/api/authorization-code
 * - Endpoints under the same base (logout shown here): https://developers.onelogin.com/openid-connect/api/logout
 *
 * The issuer publishes OpenID discovery metadata, from which the revocation and userinfo endpoints are filled.
 */
export const oneLogin = defineProvider({
  key: 'oneLogin',
  displayName: 'OneLogin',
  docsUrl: 'https://developers.onelogin.com/openid-connect',
  sources: {
    issuer: 'https://developers.onelogin.com/openid-connect/api/logout',
    authorizeUrl: 'https://developers.onelogin.com/openid-connect/api/authorization-code',
    tokenUrl: 'https://developers.onelogin.com/openid-connect/api/authorization-code',
  },
  issuer: 'https://{{#subdomain}}.onelogin.com/oidc/2',
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://{{#subdomain}}.onelogin.com/oidc/2/auth',
  tokenUrl: 'https://{{#subdomain}}.onelogin.com/oidc/2/token',
  fields: {
    subdomain: {
      label: 'OneLogin subdomain',
      comments: 'The first label of your OneLogin host: oidc-sample for https://oidc-sample.onelogin.com.',
      example: 'oidc-sample',
    },
  },
  defaultScopes: ['openid', 'profile', 'email'],
  scopeDescriptions: {
    openid: 'Sign you in',
    profile: 'See your name',
    email: 'See your email address',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  tokenResponse: { keepFields: ['id_token'] },
  notes: [
    "The app's token endpoint authentication method (Basic or POST) is chosen on its SSO tab in OneLogin.",
  ],
});
