import { defineProvider } from '../schema';

/**
 * Salesforce: the OAuth 2.0 web server flow with PKCE, on the production or the sandbox login host.
 *
 * - Web server flow, PKCE, token response (`instance_url`, `id`, `issued_at`, `signature`, no
 *   `expires_in`): https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
 * - Endpoints (`/services/oauth2/authorize`, `/token`, `/revoke`, `/userinfo`) and the sandbox host
 *   `test.salesforce.com`: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_endpoints.htm
 * - Revocation: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_revoke_token.htm
 *
 * The REST API lives on the org's own host, which the token response names in `instance_url`; that is why
 * `instance_url` is kept and there is no `apiBaseUrl` here.
 */
export const salesforce = defineProvider({
  key: 'salesforce',
  displayName: 'Salesforce',
  docsUrl: 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm',
  sources: {
    authorizeUrl: 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_endpoints.htm',
    tokenUrl: 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_endpoints.htm',
    revokeUrl: 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_revoke_token.htm',
    userinfoUrl: 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_endpoints.htm',
    environments: 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_endpoints.htm',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: '{{#loginHost}}/services/oauth2/authorize',
  tokenUrl: '{{#loginHost}}/services/oauth2/token',
  revokeUrl: '{{#loginHost}}/services/oauth2/revoke',
  userinfoUrl: '{{#loginHost}}/services/oauth2/userinfo',
  environments: {
    default: 'production',
    options: {
      production: { label: 'Production', hosts: { loginHost: 'https://login.salesforce.com' } },
      sandbox: { label: 'Sandbox', hosts: { loginHost: 'https://test.salesforce.com' } },
    },
  },
  defaultScopes: ['api', 'refresh_token'],
  scopeDescriptions: {
    api: 'Read and change your Salesforce data through the API',
    refresh_token: 'Keep access while you are offline',
    id: 'Read your Salesforce identity',
    full: 'Full access to everything you can access in Salesforce',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
  tokenResponse: {
    keepFields: ['instance_url', 'id', 'issued_at', 'signature'],
    // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm
    errorCodes: { invalid_client_id: 'invalid_client', invalid_client_credentials: 'invalid_client' },
  },
  // Salesforce sends no expires_in; sessions default to two hours, so a refresh on 401 is the usual path.
  refreshMarginSeconds: 300,
});
