import { defineProvider } from '../schema';

/**
 * ServiceNow: an instance acting as the OAuth server for the authorization code grant.
 *
 * - `https://{instance}.service-now.com/oauth_auth.do` (authorization), `oauth_token.do` (token, with
 *   `client_id` and `client_secret` as parameters), refresh tokens, REST calls under `/api/now`:
 *   https://www.servicenow.com/docs/r/platform-security/authentication/c_OAuthAuthorizationCodeFlow.html
 *
 * No `revokeUrl`: tokens are revoked in the instance (Manage OAuth tokens).
 */
export const serviceNow = defineProvider({
  key: 'serviceNow',
  displayName: 'ServiceNow',
  docsUrl:
    'https://www.servicenow.com/docs/r/platform-security/authentication/c_OAuthAuthorizationCodeFlow.html',
  sources: {
    authorizeUrl:
      'https://www.servicenow.com/docs/r/platform-security/authentication/c_OAuthAuthorizationCodeFlow.html',
    tokenUrl:
      'https://www.servicenow.com/docs/r/platform-security/authentication/c_OAuthAuthorizationCodeFlow.html',
    apiBaseUrl:
      'https://www.servicenow.com/docs/r/platform-security/authentication/c_OAuthAuthorizationCodeFlow.html',
  },
  grantTypes: ['authorization_code'],
  fields: {
    instance: {
      label: 'Instance name',
      comments: 'The part before .service-now.com',
      example: 'dev12345',
    },
  },
  authorizeUrl: 'https://{{#instance}}.service-now.com/oauth_auth.do',
  tokenUrl: 'https://{{#instance}}.service-now.com/oauth_token.do',
  apiBaseUrl: 'https://{{#instance}}.service-now.com/api/now',
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: [
    'The OAuth client is an application registry entry on the instance; its redirect URL must match exactly.',
  ],
});
