import { defineProvider } from '../schema';

/**
 * Teamwork.com: the App Login Flow for apps registered in the Teamwork.com Developer Portal.
 *
 * - Send the person to `https://www.teamwork.com/launchpad/login` with `client_id`, `redirect_uri` and `state`; the
 *   flow handles the account's region; exchange the code with `POST https://www.teamwork.com/launchpad/v1/token.json`
 *   and a JSON body (`code`, `client_id`, `client_secret`, `redirect_uri`):
 *   https://support.teamwork.com/projects/teamwork-developer-portal/using-the-developer-portal-to-build-an-integration
 *
 * The token response names the installation (its own API host) the token is for.
 */
export const teamwork = defineProvider({
  key: 'teamwork',
  displayName: 'Teamwork.com',
  docsUrl:
    'https://support.teamwork.com/projects/teamwork-developer-portal/using-the-developer-portal-to-build-an-integration',
  sources: {
    authorizeUrl:
      'https://support.teamwork.com/projects/teamwork-developer-portal/using-the-developer-portal-to-build-an-integration',
    tokenUrl:
      'https://support.teamwork.com/projects/teamwork-developer-portal/using-the-developer-portal-to-build-an-integration',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.teamwork.com/launchpad/login',
  tokenUrl: 'https://www.teamwork.com/launchpad/v1/token.json',
  clientAuthMethod: 'client_secret_post',
  tokenRequestFormat: 'json',
  tokenResponse: { keepFields: ['installation', 'user'] },
  notes: ["API calls go to the installation's own URL (installation.apiEndPoint in the token response)."],
});
