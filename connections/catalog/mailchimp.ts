import { defineProvider } from '../schema';

/**
 * Mailchimp Marketing API: OAuth 2 for accessing other users' accounts; no scopes, no refresh.
 *
 * - Authorize `https://login.mailchimp.com/oauth2/authorize`, token `POST https://login.mailchimp.com/oauth2/token`
 *   (client id and secret in the body), then `GET https://login.mailchimp.com/oauth2/metadata` for the account's data
 *   centre (`dc`) and `api_endpoint`: https://mailchimp.com/developer/marketing/guides/access-user-data-oauth-2/
 *
 * Access tokens do not expire; the API root is per data centre (`https://{dc}.api.mailchimp.com/3.0`).
 */
export const mailchimp = defineProvider({
  key: 'mailchimp',
  displayName: 'Mailchimp',
  docsUrl: 'https://mailchimp.com/developer/marketing/guides/access-user-data-oauth-2/',
  sources: {
    authorizeUrl: 'https://mailchimp.com/developer/marketing/guides/access-user-data-oauth-2/',
    tokenUrl: 'https://mailchimp.com/developer/marketing/guides/access-user-data-oauth-2/',
    userinfoUrl: 'https://mailchimp.com/developer/marketing/guides/access-user-data-oauth-2/',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://login.mailchimp.com/oauth2/authorize',
  tokenUrl: 'https://login.mailchimp.com/oauth2/token',
  userinfoUrl: 'https://login.mailchimp.com/oauth2/metadata',
  clientAuthMethod: 'client_secret_post',
  notes: [
    'No scopes: a token reaches everything the authorizing user can.',
    'Access tokens do not expire. The metadata endpoint names the data centre; API calls go to https://{dc}.api.mailchimp.com/3.0.',
  ],
});
