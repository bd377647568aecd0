import { defineProvider } from '../schema';

/**
 * Instagram API with Instagram Login (Business Login for Instagram): professional accounts, no Facebook Page needed.
 *
 * - Authorize `https://www.instagram.com/oauth/authorize` with comma-separated `instagram_business_*` scopes, code
 *   exchange `POST https://api.instagram.com/oauth/access_token` (form with `client_id`, `client_secret`):
 *   https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-instagram-login/business-login
 * - The API and what it covers:
 *   https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-instagram-login.md
 *
 * The code gives a one-hour token; exchange it for a 60-day one (`ig_exchange_token` at graph.instagram.com), which is
 * refreshed with `ig_refresh_token`, not a standard refresh grant.
 */
export const instagram = defineProvider({
  key: 'instagram',
  displayName: 'Instagram (Instagram Login)',
  docsUrl:
    'https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-instagram-login/business-login',
  sources: {
    authorizeUrl:
      'https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-instagram-login/business-login',
    tokenUrl:
      'https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-instagram-login/business-login',
    scopes:
      'https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-instagram-login/business-login',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.instagram.com/oauth/authorize',
  tokenUrl: 'https://api.instagram.com/oauth/access_token',
  defaultScopes: ['instagram_business_basic'],
  scopeDescriptions: {
    instagram_business_basic: 'See your Instagram professional profile and media',
    instagram_business_content_publish: 'Publish media to your Instagram account',
    instagram_business_manage_comments: 'Read and reply to comments on your media',
    instagram_business_manage_messages: 'Send and receive your Instagram messages',
  },
  scopeSeparator: ',',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['user_id', 'permissions'] },
  notes: [
    'No refresh token: exchange the one-hour token for a 60-day token with grant_type=ig_exchange_token.',
  ],
});
