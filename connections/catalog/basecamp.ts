import { defineProvider } from '../schema';

/**
 * Basecamp (37signals Launchpad): OAuth 2.0 with Launchpad's `type=web_server` parameter.
 *
 * - Authorize `https://launchpad.37signals.com/authorization/new`, token
 *   `https://launchpad.37signals.com/authorization/token`, both with `type=web_server`; the accounts a token reaches
 *   come from `https://launchpad.37signals.com/authorization.json`:
 *   https://github.com/basecamp/bc3-api/blob/master/sections/authentication.md
 * - API base `https://3.basecampapi.com/{account_id}`: https://github.com/basecamp/bc3-api
 *
 * Refreshing is `type=refresh` on the same token endpoint, which a standard refresh request does not send.
 */
export const basecamp = defineProvider({
  key: 'basecamp',
  displayName: 'Basecamp',
  docsUrl: 'https://github.com/basecamp/bc3-api/blob/master/sections/authentication.md',
  sources: {
    authorizeUrl: 'https://github.com/basecamp/bc3-api/blob/master/sections/authentication.md',
    tokenUrl: 'https://github.com/basecamp/bc3-api/blob/master/sections/authentication.md',
    userinfoUrl: 'https://github.com/basecamp/bc3-api/blob/master/sections/authentication.md',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://launchpad.37signals.com/authorization/new',
  tokenUrl: 'https://launchpad.37signals.com/authorization/token',
  userinfoUrl: 'https://launchpad.37signals.com/authorization.json',
  clientAuthMethod: 'client_secret_post',
  extraAuthorizeParams: { type: 'web_server' },
  extraTokenParams: { type: 'web_server' },
  notes: [
    'Launchpad wants type=web_server on the authorize and token requests and type=refresh when refreshing.',
    'API calls go to https://3.basecampapi.com/{account_id}/ with a User-Agent naming the app; authorization.json lists the accounts.',
  ],
});
