import { defineProvider } from '../schema';

/**
 * Keyway's local sandbox: an oidc-provider authorization server (src/sandbox) with a small demo API.
 *
 * The issuer URL is a field, so one definition serves any port or host the sandbox runs on. The paths are
 * oidc-provider's default routes (node_modules/oidc-provider/lib/helpers/defaults.js, `routes`):
 * `/auth`, `/token`, `/token/revocation`, `/device/auth`, `/me`.
 *
 * oidc-provider issues a refresh token only for the `offline_access` scope, and honours that scope only when
 * consent is prompted for: https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#issuerefreshtoken
 */
export const sandbox = defineProvider({
  key: 'sandbox',
  displayName: 'Keyway sandbox',
  docsUrl: 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md',
  // oidc-provider's default routes (`routes` in its configuration reference).
  sources: {
    authorizeUrl: 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#routes',
    tokenUrl: 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#routes',
    revokeUrl: 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#routes',
    deviceAuthorizationUrl: 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#routes',
    userinfoUrl: 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#routes',
    apiBaseUrl: 'src/sandbox/sandbox.ts',
    issuer: 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#issuer',
  },
  issuer: '{{#issuer}}',
  // `password` works only for the sandbox's `password` client, signing in as SANDBOX_LOGIN (src/sandbox).
  grantTypes: ['authorization_code', 'client_credentials', 'device_code', 'password'],
  authorizeUrl: '{{#issuer}}/auth',
  tokenUrl: '{{#issuer}}/token',
  revokeUrl: '{{#issuer}}/token/revocation',
  deviceAuthorizationUrl: '{{#issuer}}/device/auth',
  userinfoUrl: '{{#issuer}}/me',
  apiBaseUrl: '{{#issuer}}',
  fields: {
    issuer: {
      label: 'Sandbox issuer URL',
      comments: 'Where `keyway sandbox` listens, without a trailing slash.',
      example: 'http://127.0.0.1:4100',
      default: 'http://127.0.0.1:4100',
    },
  },
  defaultScopes: ['openid', 'offline_access', 'api:read'],
  scopeDescriptions: {
    openid: 'Confirm who you are',
    offline_access: 'Keep access while you are offline',
    'api:read': 'Read your demo profile',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  extraAuthorizeParams: { prompt: 'consent' },
});
