import { defineProvider } from '../schema';

/**
 * Pipedrive Marketplace apps: the authorization code grant; every token is bound to one company.
 *
 * - Authorization request `GET https://oauth.pipedrive.com/oauth/authorize`:
 *   https://pipedrive.readme.io/docs/marketplace-oauth-authorization
 * - OAuth reference, tokens from the `https://oauth.pipedrive.com` domain (`/oauth/token`, HTTP Basic):
 *   https://developers.pipedrive.com/docs/api/v1/Oauth
 *
 * Scopes are chosen on the app in the Developer Hub, not in the request. The token response names the company's
 * API host in `api_domain`, which is kept.
 */
export const pipedrive = defineProvider({
  key: 'pipedrive',
  displayName: 'Pipedrive',
  docsUrl: 'https://pipedrive.readme.io/docs/marketplace-oauth-authorization',
  sources: {
    authorizeUrl: 'https://pipedrive.readme.io/docs/marketplace-oauth-authorization',
    tokenUrl: 'https://developers.pipedrive.com/docs/api/v1/Oauth',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://oauth.pipedrive.com/oauth/authorize',
  tokenUrl: 'https://oauth.pipedrive.com/oauth/token',
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  tokenResponse: { keepFields: ['api_domain'], errorCodes: {} },
  notes: [
    'Scopes are set on the app in the Developer Hub; API calls go to the api_domain of the token response.',
  ],
});
