import { defineProvider } from '../schema';

/**
 * MYOB Business API (AccountRight, Essentials): OAuth 2.0 through my.MYOB for online company files.
 *
 * - Authorize `https://secure.myob.com/oauth2/account/authorize`, token exchange and refresh
 *   `POST https://secure.myob.com/oauth2/v1/authorize` (form with `client_id`, `client_secret`):
 *   https://developer.myob.com/api/myob-business-api/api-overview/authentication/
 *
 * The token endpoint's path ends in `/authorize`; the user then picks a company file, whose own credentials may be
 * needed in an `x-myobapi-cftoken` header.
 */
export const myob = defineProvider({
  key: 'myob',
  displayName: 'MYOB Business',
  docsUrl: 'https://developer.myob.com/api/myob-business-api/api-overview/authentication/',
  sources: {
    authorizeUrl: 'https://developer.myob.com/api/myob-business-api/api-overview/authentication/',
    tokenUrl: 'https://developer.myob.com/api/myob-business-api/api-overview/authentication/',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://secure.myob.com/oauth2/account/authorize',
  tokenUrl: 'https://secure.myob.com/oauth2/v1/authorize',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['user'] },
  notes: [
    'API calls also need the app key in an x-myobapi-key header; the legacy CompanyFile scope is deprecated in favour of granular scopes chosen for the app.',
  ],
});
