import { defineProvider } from '../schema';

/**
 * FreshBooks: OAuth 2.0 authorization code; scopes are chosen on the app, not sent on the authorize URL.
 *
 * - Authorize `https://auth.freshbooks.com/oauth/authorize`, token `POST https://api.freshbooks.com/auth/oauth/token`
 *   (client id and secret in the body), one-time-use refresh tokens: https://www.freshbooks.com/api/authentication
 * - Scopes (`user:profile:read` on every app): https://www.freshbooks.com/api/scopes
 */
export const freshBooks = defineProvider({
  key: 'freshBooks',
  displayName: 'FreshBooks',
  docsUrl: 'https://www.freshbooks.com/api/authentication',
  sources: {
    authorizeUrl: 'https://www.freshbooks.com/api/authentication',
    tokenUrl: 'https://www.freshbooks.com/api/authentication',
    apiBaseUrl: 'https://www.freshbooks.com/api/authentication',
    scopes: 'https://www.freshbooks.com/api/scopes',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://auth.freshbooks.com/oauth/authorize',
  tokenUrl: 'https://api.freshbooks.com/auth/oauth/token',
  apiBaseUrl: 'https://api.freshbooks.com',
  scopeDescriptions: {
    'user:profile:read': 'See your FreshBooks profile and businesses',
    'user:clients:read': 'See your clients',
    'user:invoices:read': 'See your invoices',
    'user:time_entries:write': 'Record time entries',
  },
  clientAuthMethod: 'client_secret_post',
  notes: [
    'Scopes are ticked on the app in the developer page; the authorize URL carries none.',
    'Refresh tokens are one-time-use: each refresh answers with a new one and retires the old.',
  ],
});
