import { defineProvider } from '../schema';

/**
 * Typeform: OAuth 2.0 authorization code for registered applications.
 *
 * - Authorize `https://api.typeform.com/oauth/authorize`, token `POST https://api.typeform.com/oauth/token`
 *   (client id and secret in the body), refresh tokens only with the `offline` scope:
 *   https://www.typeform.com/developers/get-started/applications/
 * - Scopes (`accounts:read`, `forms:read`, `responses:read`, `webhooks:write`, `offline`, …):
 *   https://www.typeform.com/developers/get-started/scopes/
 */
export const typeform = defineProvider({
  key: 'typeform',
  displayName: 'Typeform',
  docsUrl: 'https://www.typeform.com/developers/get-started/applications/',
  sources: {
    authorizeUrl: 'https://www.typeform.com/developers/get-started/applications/',
    tokenUrl: 'https://www.typeform.com/developers/get-started/applications/',
    apiBaseUrl: 'https://www.typeform.com/developers/get-started/applications/',
    scopes: 'https://www.typeform.com/developers/get-started/scopes/',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://api.typeform.com/oauth/authorize',
  tokenUrl: 'https://api.typeform.com/oauth/token',
  apiBaseUrl: 'https://api.typeform.com',
  defaultScopes: ['accounts:read', 'forms:read', 'responses:read', 'offline'],
  scopeDescriptions: {
    'accounts:read': 'See your account details',
    'forms:read': 'See your forms',
    'forms:write': 'Create and change your forms',
    'responses:read': 'See the responses to your forms',
    'webhooks:write': 'Create and change webhooks on your forms',
    offline: 'Keep access while you are offline',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: ['Accounts on the EU data centre use their own authorization server and API host.'],
});
