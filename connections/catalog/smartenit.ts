import { defineProvider } from '../schema';

/**
 * Smartenit (IoT devices and gateways).
 *
 * - Token endpoint `https://api.smartenit.io/v2/oauth2/token`, authorization endpoint
 *   `https://api.smartenit.io/v2/oauth2/authorize`, and the grants: authorization code, implicit, resource owner
 *   password credentials and client credentials. The password grant "must be used in conjunction with the client
 *   credentials grant": the client authenticates first, then the user's credentials are verified:
 *   https://docs.smartenit.io/display/SMAR/Authentication+and+Authorization
 * - Client credentials with `client_id` and `client_secret` in the request body, answering `access_token`,
 *   `token_type: Bearer`, `expires_in: 10800`; the API under `https://api.smartenit.io/v2`:
 *   https://docs.smartenit.io/display/SMAR/Device+Registration+Flow
 *
 * The implicit grant is listed because Smartenit documents it for legacy browser apps; it works only for a
 * connection built for it (opt-in), never by default.
 */
export const smartenit = defineProvider({
  key: 'smartenit',
  displayName: 'Smartenit',
  docsUrl: 'https://docs.smartenit.io/display/SMAR/Authentication+and+Authorization',
  sources: {
    authorizeUrl: 'https://docs.smartenit.io/display/SMAR/Authentication+and+Authorization',
    tokenUrl: 'https://docs.smartenit.io/display/SMAR/Authentication+and+Authorization',
    apiBaseUrl: 'https://docs.smartenit.io/display/SMAR/Device+Registration+Flow',
  },
  grantTypes: ['authorization_code', 'password', 'client_credentials', 'implicit'],
  authorizeUrl: 'https://api.smartenit.io/v2/oauth2/authorize',
  tokenUrl: 'https://api.smartenit.io/v2/oauth2/token',
  apiBaseUrl: 'https://api.smartenit.io/v2',
  defaultScopes: [],
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  allowImplicit: true,
  notes: [
    'The password grant authenticates the client first (client_id and client_secret in the body), then the user.',
    'The implicit grant is legacy: offered only by a connection built for it.',
  ],
});
