import { defineProvider } from '../schema';

/**
 * Keap (formerly Infusionsoft) REST and XML-RPC APIs: OAuth 2.0 authorization code with refresh token rotation.
 *
 * - Authorize `https://accounts.infusionsoft.com/app/oauth/authorize` (`scope=full`, the only scope), token
 *   `POST https://api.infusionsoft.com/token` (client id and secret in the body):
 *   https://developer.infusionsoft.com/getting-started-oauth-keys
 * - The same endpoints: https://developer.infusionsoft.com/authentication
 */
export const keap = defineProvider({
  key: 'keap',
  displayName: 'Keap',
  docsUrl: 'https://developer.infusionsoft.com/getting-started-oauth-keys',
  sources: {
    authorizeUrl: 'https://developer.infusionsoft.com/getting-started-oauth-keys',
    tokenUrl: 'https://developer.infusionsoft.com/authentication',
    scopes: 'https://developer.infusionsoft.com/authentication',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://accounts.infusionsoft.com/app/oauth/authorize',
  tokenUrl: 'https://api.infusionsoft.com/token',
  defaultScopes: ['full'],
  scopeDescriptions: { full: 'Full access to your Keap account' },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: ['Each refresh answers with a new refresh token; the previous one stops working.'],
});
