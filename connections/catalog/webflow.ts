import { defineProvider } from '../schema';

/**
 * Webflow Data API: OAuth 2.0 authorization code for Webflow Apps.
 *
 * - Authorize `https://webflow.com/oauth/authorize`, token `POST https://api.webflow.com/oauth/access_token` (client id
 *   and secret in the body), space-separated scopes: https://developers.webflow.com/data/reference/oauth-app
 * - Scopes (`sites:read`, `cms:read`, `authorized_user:read`, …):
 *   https://developers.webflow.com/data/v2.0.0-beta/reference/authorization
 *
 * Access tokens do not expire and no refresh token is issued.
 */
export const webflow = defineProvider({
  key: 'webflow',
  displayName: 'Webflow',
  docsUrl: 'https://developers.webflow.com/data/reference/oauth-app',
  sources: {
    authorizeUrl: 'https://developers.webflow.com/data/reference/oauth-app',
    tokenUrl: 'https://developers.webflow.com/data/reference/oauth-app',
    apiBaseUrl: 'https://developers.webflow.com/data/reference/oauth-app',
    scopes: 'https://developers.webflow.com/data/v2.0.0-beta/reference/authorization',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://webflow.com/oauth/authorize',
  tokenUrl: 'https://api.webflow.com/oauth/access_token',
  apiBaseUrl: 'https://api.webflow.com/v2',
  defaultScopes: ['authorized_user:read', 'sites:read'],
  scopeDescriptions: {
    'authorized_user:read': 'See your name and email address',
    'sites:read': 'See your sites',
    'cms:read': 'See your CMS collections and items',
    'cms:write': 'Create and change CMS items',
    'forms:read': 'See your form submissions',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: ['The person picks the sites or Workspace the app may reach; tokens do not expire.'],
});
