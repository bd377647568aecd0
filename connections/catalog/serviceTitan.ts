import { defineProvider } from '../schema';

/**
 * ServiceTitan: OAuth 2.0 client credentials only; a customer's admin generates the client id and secret for a
 * developer's app, per environment.
 *
 * - Environments: integration (`auth-integration.servicetitan.io/connect/token`, API `api-integration.servicetitan.io`)
 *   and production: https://developer.servicetitan.io/docs/get-going-environments
 * - Token request (`client_id`, `client_secret`, `grant_type=client_credentials`), then the app key with every call:
 *   https://developer.servicetitan.io/docs/get-going-first-api-call
 */
export const serviceTitan = defineProvider({
  key: 'serviceTitan',
  displayName: 'ServiceTitan',
  docsUrl: 'https://developer.servicetitan.io/docs/get-going-first-api-call',
  sources: {
    tokenUrl: 'https://developer.servicetitan.io/docs/get-going-first-api-call',
    apiBaseUrl: 'https://developer.servicetitan.io/docs/get-going-environments',
    environments: 'https://developer.servicetitan.io/docs/get-going-environments',
  },
  grantTypes: ['client_credentials'],
  tokenUrl: '{{#authHost}}/connect/token',
  apiBaseUrl: '{{#apiHost}}',
  environments: {
    default: 'production',
    options: {
      production: {
        label: 'Production',
        hosts: { authHost: 'https://auth.servicetitan.io', apiHost: 'https://api.servicetitan.io' },
      },
      integration: {
        label: 'Integration',
        hosts: {
          authHost: 'https://auth-integration.servicetitan.io',
          apiHost: 'https://api-integration.servicetitan.io',
        },
      },
    },
  },
  clientAuthMethod: 'client_secret_post',
  notes: [
    'API calls also need the app key in an ST-App-Key header and the tenant id in the path.',
    'Client ids and secrets are not shared between the integration and production environments.',
  ],
});
