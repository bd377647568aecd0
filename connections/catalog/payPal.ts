import { defineProvider } from '../schema';

/**
 * PayPal REST APIs: the client credentials grant on the live or the sandbox API host.
 *
 * - `POST /v1/oauth2/token` with HTTP Basic client authentication and `grant_type=client_credentials`:
 *   https://developer.paypal.com/api/rest/authentication/
 * - Sandbox (`api-m.sandbox.paypal.com`) and live (`api-m.paypal.com`) hosts: https://developer.paypal.com/api/rest/
 */
export const payPal = defineProvider({
  key: 'payPal',
  displayName: 'PayPal',
  docsUrl: 'https://developer.paypal.com/api/rest/authentication/',
  sources: {
    tokenUrl: 'https://developer.paypal.com/api/rest/authentication/',
    apiBaseUrl: 'https://developer.paypal.com/api/rest/',
    environments: 'https://developer.paypal.com/api/rest/',
  },
  grantTypes: ['client_credentials'],
  environments: {
    default: 'live',
    options: {
      live: { label: 'Live', hosts: { apiHost: 'https://api-m.paypal.com' } },
      sandbox: { label: 'Sandbox', hosts: { apiHost: 'https://api-m.sandbox.paypal.com' } },
    },
  },
  tokenUrl: '{{#apiHost}}/v1/oauth2/token',
  apiBaseUrl: '{{#apiHost}}',
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  notes: [
    'The token response lists the granted PayPal scopes as URIs (https://uri.paypal.com/services/...).',
  ],
});
