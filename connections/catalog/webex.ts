import { defineProvider } from '../schema';

/**
 * Webex: integrations (OAuth clients) acting for a Webex user through the authorization code grant.
 *
 * - Registering an integration, the grant flow, exchanging the code for an access and a refresh token:
 *   https://developer.webex.com/docs/integrations
 * - Authorization at `https://webexapis.com/v1/authorize`, token at `https://webexapis.com/v1/access_token`
 *   (`client_id`, `client_secret`, `code`, `redirect_uri` in the body), in Webex's own sample:
 *   https://github.com/WebexSamples/webex-oauth-integration
 */
export const webex = defineProvider({
  key: 'webex',
  displayName: 'Webex',
  docsUrl: 'https://developer.webex.com/docs/integrations',
  sources: {
    authorizeUrl: 'https://github.com/WebexSamples/webex-oauth-integration',
    tokenUrl: 'https://github.com/WebexSamples/webex-oauth-integration',
    scopes: 'https://developer.webex.com/docs/integrations',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://webexapis.com/v1/authorize',
  tokenUrl: 'https://webexapis.com/v1/access_token',
  defaultScopes: ['spark:people_read'],
  scopeDescriptions: {
    'spark:people_read': 'See your Webex profile and directory',
    'spark:rooms_read': 'See the spaces you are in',
    'spark:messages_write': 'Send messages as you',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: ['The client secret is shown once, when the integration is created.'],
});
