import { defineProvider } from '../schema';

/**
 * Gusto (App Integrations and Embedded Payroll): OAuth 2.0 authorization code, production or demo.
 *
 * - Authorize `/oauth/authorize`, token `/oauth/token` (client id and secret in the body), one company per grant
 *   since v2023-05-01: https://docs.gusto.com/app-integrations/docs/oauth2
 * - Production `api.gusto.com`, development against `api.gusto-demo.com`:
 *   https://docs.gusto.com/embedded-payroll/docs/oauth2-3
 */
export const gusto = defineProvider({
  key: 'gusto',
  displayName: 'Gusto',
  docsUrl: 'https://docs.gusto.com/app-integrations/docs/oauth2',
  sources: {
    authorizeUrl: 'https://docs.gusto.com/app-integrations/docs/oauth2',
    tokenUrl: 'https://docs.gusto.com/app-integrations/docs/oauth2',
    apiBaseUrl: 'https://docs.gusto.com/embedded-payroll/docs/oauth2-3',
    environments: 'https://docs.gusto.com/embedded-payroll/docs/oauth2-3',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: '{{#gustoHost}}/oauth/authorize',
  tokenUrl: '{{#gustoHost}}/oauth/token',
  apiBaseUrl: '{{#gustoHost}}',
  environments: {
    default: 'production',
    options: {
      production: { label: 'Production', hosts: { gustoHost: 'https://api.gusto.com' } },
      demo: { label: 'Demo', hosts: { gustoHost: 'https://api.gusto-demo.com' } },
    },
  },
  clientAuthMethod: 'client_secret_post',
  notes: [
    'Scopes are set on the application, not requested per authorization.',
    'Since API version v2023-05-01 a token covers one company; an accountant authorizes each company separately.',
  ],
});
