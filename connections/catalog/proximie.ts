import { defineProvider } from '../schema';

/**
 * Proximie: the example of a provider with a development and a production environment.
 *
 * - Environments (development `https://my.proximiestaging.com`, production `https://my.proximie.net`) and the
 *   supported flows (authorization code with PKCE, client credentials): https://docs.proximie.net/docs/oauth-20
 * - Token endpoint `https://auth.proximie.net/oauth/token` with an `audience` parameter:
 *   https://docs.proximie.net/docs/client-credentials
 * - Device authorization at `/oauth/device/code` on the same host:
 *   https://docs.proximie.net/docs/device-authorisation-flow
 *
 * Proximie's authorization server is Auth0 (https://proximie.github.io/sdk-docs/guide/sdk-features/auth.html),
 * whose authorize endpoint is `/authorize`. The docs name only the production auth host; the development
 * auth host below follows the same naming and must be confirmed with Proximie before use.
 */
export const proximie = defineProvider({
  key: 'proximie',
  displayName: 'Proximie',
  docsUrl: 'https://docs.proximie.net/docs/oauth-20',
  sources: {
    authorizeUrl: 'https://proximie.github.io/sdk-docs/guide/sdk-features/auth.html',
    tokenUrl: 'https://docs.proximie.net/docs/client-credentials',
    deviceAuthorizationUrl: 'https://docs.proximie.net/docs/device-authorisation-flow',
    apiBaseUrl: 'https://docs.proximie.net/docs/oauth-20',
    environments: 'https://docs.proximie.net/docs/oauth-20',
  },
  grantTypes: ['authorization_code', 'client_credentials', 'device_code'],
  authorizeUrl: '{{#authHost}}/authorize',
  tokenUrl: '{{#authHost}}/oauth/token',
  deviceAuthorizationUrl: '{{#authHost}}/oauth/device/code',
  apiBaseUrl: '{{#appHost}}',
  environments: {
    default: 'production',
    options: {
      production: {
        label: 'Production',
        hosts: { appHost: 'https://my.proximie.net', authHost: 'https://auth.proximie.net' },
      },
      development: {
        label: 'Development',
        hosts: { appHost: 'https://my.proximiestaging.com', authHost: 'https://auth.proximiestaging.com' },
      },
    },
  },
  defaultScopes: ['offline_access'],
  scopeDescriptions: { offline_access: 'Keep access while you are offline' },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
  extraAuthorizeParams: { audience: 'https://proximie.com/api/v2/' },
  extraTokenParams: { audience: 'https://proximie.com/api/v2/' },
});
