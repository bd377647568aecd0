import { defineProvider } from '../schema';

/**
 * Calendly API v2: OAuth 2.0 authorization code with PKCE.
 *
 * - Authorize `GET https://auth.calendly.com/oauth/authorize` (PKCE with S256 recommended for every app):
 *   https://developer.calendly.com/api-docs/calendly-o-auth/o-auth/get-oauth-authorize
 * - Token `POST https://auth.calendly.com/oauth/token`; access tokens last 2 hours, refresh tokens do not expire
 *   until used: https://developer.calendly.com/how-to-access-calendly-data-on-behalf-of-authenticated-users
 * - PKCE with S256 for all apps: https://developer.calendly.com/creating-an-oauth-app
 * - Scopes: https://developer.calendly.com/docs/authentication/scopes
 */
export const calendly = defineProvider({
  key: 'calendly',
  displayName: 'Calendly',
  docsUrl: 'https://developer.calendly.com/how-to-access-calendly-data-on-behalf-of-authenticated-users',
  sources: {
    authorizeUrl: 'https://developer.calendly.com/api-docs/calendly-o-auth/o-auth/get-oauth-authorize',
    tokenUrl: 'https://developer.calendly.com/how-to-access-calendly-data-on-behalf-of-authenticated-users',
    apiBaseUrl: 'https://developer.calendly.com/how-to-access-calendly-data-on-behalf-of-authenticated-users',
    scopes: 'https://developer.calendly.com/docs/authentication/scopes',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://auth.calendly.com/oauth/authorize',
  tokenUrl: 'https://auth.calendly.com/oauth/token',
  apiBaseUrl: 'https://api.calendly.com',
  defaultScopes: ['users:read', 'scheduled_events:read'],
  scopeDescriptions: {
    'users:read': 'See your Calendly profile',
    'scheduled_events:read': 'See your scheduled events',
    'scheduled_events:write': 'Cancel your scheduled events',
    'event_types:read': 'See your event types',
    'webhooks:write': 'Create and remove webhook subscriptions',
  },
  scopeSeparator: ' ',
  pkce: 'S256',
  tokenResponse: { keepFields: ['owner', 'organization'] },
  notes: ['Refresh tokens do not expire until used; each refresh answers with a new one.'],
});
