import { defineProvider } from '../schema';

/**
 * Procore: the authorization code grant for apps acting for a Procore user (construction management).
 *
 * - Authentication endpoints on the production base URL `https://login.procore.com`: Grant App Authorization
 *   `/oauth/authorize` (`response_type=code`, `client_id`, `redirect_uri`):
 *   https://developers.procore.com/documentation/content/oauth-endpoints
 * - Token refresh example: `POST https://login.procore.com/oauth/token` with `grant_type`, `client_id`,
 *   `client_secret` and `refresh_token` in a form body; access tokens last 90 minutes and refresh tokens are
 *   single-use: https://developers.procore.com/documentation/content/troubleshooting
 * - The flow (web and installed apps): https://developers.procore.com/documentation/content/oauth-auth-grant-flow
 *
 * Sandboxes have their own authentication base URL and credentials; that host was not read, so only production is
 * listed. Client credentials (Developer Managed Service Accounts) only layer on top of an authorization code app
 * and are not listed either.
 */
export const procore = defineProvider({
  key: 'procore',
  displayName: 'Procore',
  docsUrl: 'https://developers.procore.com/documentation/content/oauth-endpoints',
  sources: {
    authorizeUrl: 'https://developers.procore.com/documentation/content/oauth-endpoints',
    tokenUrl: 'https://developers.procore.com/documentation/content/troubleshooting',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://login.procore.com/oauth/authorize',
  tokenUrl: 'https://login.procore.com/oauth/token',
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: [
    'Access tokens last 90 minutes; refresh tokens are single-use, so store the new pair from every refresh.',
    'Production and sandbox are separate: each has its own client id, secret and authentication base URL.',
  ],
});
