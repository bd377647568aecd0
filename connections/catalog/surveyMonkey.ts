import { defineProvider } from '../schema';

/**
 * SurveyMonkey API v3: OAuth 2.0 authorization code; scopes are set on the app.
 *
 * - Authorize `https://api.surveymonkey.com/oauth/authorize`, token `POST https://api.surveymonkey.com/oauth/token`
 *   (form-encoded `client_id`, `client_secret`, `code`, `redirect_uri`, `grant_type`); the token response's
 *   `access_url` is the API host of the account's region: https://api.surveymonkey.com/v3/docs#authentication
 *
 * Access tokens do not expire; there is no refresh token.
 */
export const surveyMonkey = defineProvider({
  key: 'surveyMonkey',
  displayName: 'SurveyMonkey',
  docsUrl: 'https://api.surveymonkey.com/v3/docs#authentication',
  sources: {
    authorizeUrl: 'https://api.surveymonkey.com/v3/docs#authentication',
    tokenUrl: 'https://api.surveymonkey.com/v3/docs#authentication',
    apiBaseUrl: 'https://api.surveymonkey.com/v3/docs#authentication',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://api.surveymonkey.com/oauth/authorize',
  tokenUrl: 'https://api.surveymonkey.com/oauth/token',
  apiBaseUrl: 'https://api.surveymonkey.com/v3',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['access_url'] },
  notes: [
    'Scopes are chosen on the app in the developer dashboard.',
    'API calls go to the access_url returned with the token (accounts in other regions have their own host).',
  ],
});
