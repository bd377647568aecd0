import { defineProvider } from '../schema';

/**
 * LinkedIn: the authorization code flow (3-legged OAuth).
 *
 * - Authorize `https://www.linkedin.com/oauth/v2/authorization`, token `https://www.linkedin.com/oauth/v2/accessToken`
 *   (form body with `client_id` and `client_secret`), space-separated scopes:
 *   https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
 * - Sign In with LinkedIn using OpenID Connect (`openid`, `profile`, `email`):
 *   https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
 */
export const linkedIn = defineProvider({
  key: 'linkedIn',
  displayName: 'LinkedIn',
  docsUrl: 'https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow',
  sources: {
    authorizeUrl: 'https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow',
    tokenUrl: 'https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow',
    scopes:
      'https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.linkedin.com/oauth/v2/authorization',
  tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
  defaultScopes: ['openid', 'profile', 'email'],
  scopeDescriptions: {
    openid: 'Confirm who you are',
    profile: 'See your name and photo',
    email: 'See your primary email address',
    w_member_social: 'Post, comment and react on LinkedIn as you',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['refresh_token_expires_in', 'id_token'] },
});
