import { defineProvider } from '../schema';

/**
 * Jobber: OAuth 2.0 authorization code for apps built in the Jobber Developer Center.
 *
 * - Authorize `https://api.getjobber.com/api/oauth/authorize`, token `POST https://api.getjobber.com/api/oauth/token`
 *   (client id and secret in the body); scopes are chosen on the app:
 *   https://developer.getjobber.com/docs/building_your_app/app_authorization/
 * - Refresh token rotation (required for marketplace apps):
 *   https://developer.getjobber.com/docs/building_your_app/refresh_token_rotation/
 */
export const jobber = defineProvider({
  key: 'jobber',
  displayName: 'Jobber',
  docsUrl: 'https://developer.getjobber.com/docs/building_your_app/app_authorization/',
  sources: {
    authorizeUrl: 'https://developer.getjobber.com/docs/building_your_app/app_authorization/',
    tokenUrl: 'https://developer.getjobber.com/docs/building_your_app/app_authorization/',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://api.getjobber.com/api/oauth/authorize',
  tokenUrl: 'https://api.getjobber.com/api/oauth/token',
  clientAuthMethod: 'client_secret_post',
  notes: [
    'Scopes are chosen when the app is created in the Developer Center and cannot be changed later.',
    'With refresh token rotation on (the default) every refresh answers with a new refresh token and retires the old one.',
  ],
});
