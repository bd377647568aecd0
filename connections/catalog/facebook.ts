import { defineProvider } from '../schema';

/**
 * Facebook Login (Meta Graph API): the manually built login flow.
 *
 * - Login dialog `https://www.facebook.com/{version}/dialog/oauth`, code exchange
 *   `GET|POST https://graph.facebook.com/{version}/oauth/access_token` with `client_id`, `client_secret`,
 *   `redirect_uri` and `code`: https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow
 * - OIDC code flow with PKCE (still in testing):
 *   https://developers.facebook.com/documentation/facebook-login/guides/advanced/oidc-token
 * - Permissions, comma-separated in `scope`: https://developers.facebook.com/docs/permissions
 *
 * No refresh token: a short-lived user token is exchanged for a long-lived one (about 60 days) with
 * `grant_type=fb_exchange_token`. Instagram's Graph API uses the same login.
 */
export const facebook = defineProvider({
  key: 'facebook',
  displayName: 'Facebook (Meta)',
  docsUrl: 'https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow',
  sources: {
    authorizeUrl: 'https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow',
    tokenUrl: 'https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow',
    apiBaseUrl: 'https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow',
    scopes: 'https://developers.facebook.com/docs/permissions',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.facebook.com/{{#graphVersion}}/dialog/oauth',
  tokenUrl: 'https://graph.facebook.com/{{#graphVersion}}/oauth/access_token',
  apiBaseUrl: 'https://graph.facebook.com/{{#graphVersion}}',
  fields: {
    graphVersion: {
      label: 'Graph API version',
      comments: 'The Graph API version the app calls, as shown in the app dashboard.',
      example: 'v21.0',
    },
  },
  defaultScopes: ['public_profile', 'email'],
  scopeDescriptions: {
    public_profile: 'See your public Facebook profile',
    email: 'See your email address',
    pages_show_list: 'See the list of Pages you manage',
    pages_read_engagement: 'Read content and engagement on your Pages',
  },
  scopeSeparator: ',',
  clientAuthMethod: 'client_secret_post',
  notes: [
    'No refresh token: exchange the short-lived token for a long-lived one with grant_type=fb_exchange_token.',
  ],
});
