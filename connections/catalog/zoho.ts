import { defineProvider } from '../schema';

/**
 * Zoho (CRM, Books, Desk, Meeting... one accounts server per data centre).
 *
 * - Authorization request `GET https://accounts.zoho.com/oauth/v2/auth` (comma-separated product scopes,
 *   `access_type=offline` for a refresh token, `prompt=consent`), access token from `/oauth/v2/token`:
 *   https://www.zoho.com/meeting/api-integration/authentication.html
 * - Data centres and their accounts servers (US, EU, IN, AU, JP, CA, SA):
 *   https://www.zoho.com/accounts/protocol/oauth/multi-dc.html
 * - Scope example `ZohoCRM.users.ALL`, the redirect's `location` and `accounts-server`:
 *   https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html
 *
 * No `revokeUrl`: Zoho's revocation takes the token as a query parameter, not the RFC 7009 form body. The token
 * response names the data centre's API host in `api_domain`, which is kept.
 */
export const zoho = defineProvider({
  key: 'zoho',
  displayName: 'Zoho',
  docsUrl: 'https://www.zoho.com/accounts/protocol/oauth/multi-dc.html',
  sources: {
    authorizeUrl: 'https://www.zoho.com/meeting/api-integration/authentication.html',
    tokenUrl: 'https://www.zoho.com/meeting/api-integration/authentication.html',
    environments: 'https://www.zoho.com/accounts/protocol/oauth/multi-dc.html',
    scopes: 'https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html',
  },
  grantTypes: ['authorization_code'],
  environments: {
    default: 'us',
    options: {
      us: { label: 'United States (zoho.com)', hosts: { accountsHost: 'https://accounts.zoho.com' } },
      eu: { label: 'Europe (zoho.eu)', hosts: { accountsHost: 'https://accounts.zoho.eu' } },
      in: { label: 'India (zoho.in)', hosts: { accountsHost: 'https://accounts.zoho.in' } },
      au: { label: 'Australia (zoho.com.au)', hosts: { accountsHost: 'https://accounts.zoho.com.au' } },
      jp: { label: 'Japan (zoho.jp)', hosts: { accountsHost: 'https://accounts.zoho.jp' } },
      ca: { label: 'Canada (zohocloud.ca)', hosts: { accountsHost: 'https://accounts.zohocloud.ca' } },
      sa: { label: 'Saudi Arabia (zoho.sa)', hosts: { accountsHost: 'https://accounts.zoho.sa' } },
    },
  },
  authorizeUrl: '{{#accountsHost}}/oauth/v2/auth',
  tokenUrl: '{{#accountsHost}}/oauth/v2/token',
  defaultScopes: ['ZohoCRM.users.ALL'],
  scopeDescriptions: {
    'ZohoCRM.users.ALL': 'See and manage the users of your Zoho CRM',
    'ZohoCRM.modules.ALL': 'See and change your Zoho CRM records',
  },
  scopeSeparator: ',',
  clientAuthMethod: 'client_secret_post',
  extraAuthorizeParams: { access_type: 'offline', prompt: 'consent' },
  tokenResponse: { keepFields: ['api_domain'], errorCodes: {} },
  notes: [
    "A client registered in one data centre serves another only with Multi-DC enabled in Zoho's API console.",
    'The redirect carries location and accounts-server; later token calls must go to that accounts server.',
  ],
});
