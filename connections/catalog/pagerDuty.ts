import { defineProvider } from '../schema';

/**
 * PagerDuty: user OAuth tokens through the authorization code grant (Scoped OAuth or Classic User OAuth apps).
 *
 * - Endpoints `https://identity.pagerduty.com/oauth/authorize` and `.../oauth/token`, `client_id` and
 *   `client_secret` in the form body, `read`/`write` (classic) or space-separated scoped permissions, expiring
 *   access tokens with a refresh token, `id_token` with the account's region:
 *   https://github.com/PagerDuty/developer-docs/blob/main/docs/app-integration-development/09-User-OAuth-Token-Code-Grant.md
 *
 * No `revokeUrl`: users revoke apps from their profile page.
 */
export const pagerDuty = defineProvider({
  key: 'pagerDuty',
  displayName: 'PagerDuty',
  docsUrl:
    'https://github.com/PagerDuty/developer-docs/blob/main/docs/app-integration-development/09-User-OAuth-Token-Code-Grant.md',
  sources: {
    authorizeUrl:
      'https://github.com/PagerDuty/developer-docs/blob/main/docs/app-integration-development/09-User-OAuth-Token-Code-Grant.md',
    tokenUrl:
      'https://github.com/PagerDuty/developer-docs/blob/main/docs/app-integration-development/09-User-OAuth-Token-Code-Grant.md',
    scopes:
      'https://github.com/PagerDuty/developer-docs/blob/main/docs/app-integration-development/09-User-OAuth-Token-Code-Grant.md',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://identity.pagerduty.com/oauth/authorize',
  tokenUrl: 'https://identity.pagerduty.com/oauth/token',
  defaultScopes: ['read'],
  scopeDescriptions: {
    read: 'See your PagerDuty account data',
    write: 'See and change your PagerDuty account data',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['id_token'], errorCodes: {} },
  notes: [
    'An unknown scope is not an error: PagerDuty grants only openid, so check the scope in the token response.',
    'REST calls need the header Accept: application/vnd.pagerduty+json;version=2.',
  ],
});
