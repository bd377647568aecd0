import { defineProvider } from '../schema';

/**
 * Constant Contact V3 API: OAuth 2.0 on the `authz.constantcontact.com` authorization server.
 *
 * - Authorization code flow, authorize `https://authz.constantcontact.com/oauth2/default/v1/authorize`, token
 *   `https://authz.constantcontact.com/oauth2/default/v1/token`:
 *   https://developer.constantcontact.com/api_guide/server_flow.html
 * - PKCE flow for public clients: https://developer.constantcontact.com/api_guide/pkce_flow.html
 * - Device flow, `POST https://authz.constantcontact.com/oauth2/default/v1/device/authorize`, client id only:
 *   https://developer.constantcontact.com/api_guide/device_flow.html
 * - Scopes (`offline_access` for refresh tokens): https://developer.constantcontact.com/api_guide/scopes.html
 */
export const constantContact = defineProvider({
  key: 'constantContact',
  displayName: 'Constant Contact',
  docsUrl: 'https://developer.constantcontact.com/api_guide/auth_overview.html',
  sources: {
    authorizeUrl: 'https://developer.constantcontact.com/api_guide/server_flow.html',
    tokenUrl: 'https://developer.constantcontact.com/api_guide/scopes.html',
    deviceAuthorizationUrl: 'https://developer.constantcontact.com/api_guide/device_flow.html',
    scopes: 'https://developer.constantcontact.com/api_guide/scopes.html',
  },
  grantTypes: ['authorization_code', 'device_code'],
  authorizeUrl: 'https://authz.constantcontact.com/oauth2/default/v1/authorize',
  tokenUrl: 'https://authz.constantcontact.com/oauth2/default/v1/token',
  deviceAuthorizationUrl: 'https://authz.constantcontact.com/oauth2/default/v1/device/authorize',
  defaultScopes: ['account_read', 'contact_data', 'offline_access'],
  scopeDescriptions: {
    account_read: 'See your account details',
    account_update: 'Change your account details',
    contact_data: 'Read and change your contacts and see contact reports',
    campaign_data: 'Read and change your email campaigns and see campaign reports',
    offline_access: 'Keep access while you are offline',
  },
  scopeSeparator: ' ',
  // The device flow uses the client id and the device code only, no secret.
  grantOverrides: { device_code: { clientAuthMethod: 'none' } },
  notes: [
    'Refresh tokens are issued only with the offline_access scope; apps choose rotating or long-lived ones.',
  ],
});
