import { defineProvider } from '../schema';

/**
 * Outreach: third-party OAuth access to act for a mutual customer (sales engagement).
 *
 * - Outreach's platform documentation: authorize at `https://api.outreach.io/oauth/authorize` (`client_id`,
 *   `redirect_uri`, `response_type=code`, space-delimited `scope`, optional `state`), then
 *   `POST https://api.outreach.io/oauth/token` with `client_id`, `client_secret`, `redirect_uri`, `grant_type` and
 *   `code` (or `refresh_token`); the response has `access_token`, `refresh_token` and `expires_in`:
 *   https://github.com/getoutreach/outreach-platform-sdk/blob/master/documentation/authorization/oauth.md
 * - Current developer portal (server-to-server tokens, scope names such as `prospects.read`):
 *   https://developers.outreach.io/api/s2s-access
 *
 * No default scopes: the scope names in the platform document above predate the current ones, so the app's own
 * scopes are the ones to request.
 */
export const outreach = defineProvider({
  key: 'outreach',
  displayName: 'Outreach',
  docsUrl:
    'https://github.com/getoutreach/outreach-platform-sdk/blob/master/documentation/authorization/oauth.md',
  sources: {
    authorizeUrl:
      'https://github.com/getoutreach/outreach-platform-sdk/blob/master/documentation/authorization/oauth.md',
    tokenUrl:
      'https://github.com/getoutreach/outreach-platform-sdk/blob/master/documentation/authorization/oauth.md',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://api.outreach.io/oauth/authorize',
  tokenUrl: 'https://api.outreach.io/oauth/token',
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: ['The refresh request repeats redirect_uri along with the client id and secret.'],
});
