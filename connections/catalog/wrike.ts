import { defineProvider } from '../schema';

/**
 * Wrike API v4: OAuth 2.0 authorization code.
 *
 * - Authorize `https://login.wrike.com/oauth2/authorize/v4`, token `POST https://login.wrike.com/oauth2/token`
 *   (client id and secret in the body); the token response's `host` names the data centre to call:
 *   https://developers.wrike.com/oauth-20-authorization
 * - Scopes (`Default`, `wsReadOnly`, `wsReadWrite`, `amReadOnlyUser`, …): https://developers.wrike.com/overview
 */
export const wrike = defineProvider({
  key: 'wrike',
  displayName: 'Wrike',
  docsUrl: 'https://developers.wrike.com/oauth-20-authorization',
  sources: {
    authorizeUrl: 'https://developers.wrike.com/oauth-20-authorization',
    tokenUrl: 'https://developers.wrike.com/oauth-20-authorization',
    scopes: 'https://developers.wrike.com/overview',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://login.wrike.com/oauth2/authorize/v4',
  tokenUrl: 'https://login.wrike.com/oauth2/token',
  defaultScopes: ['wsReadOnly'],
  scopeDescriptions: {
    Default: 'Read and change everything you can reach in Wrike',
    wsReadOnly: 'See your workspace data (tasks, folders, comments, timelogs)',
    wsReadWrite: 'Read and change your workspace data',
    amReadOnlyUser: 'See the users of your account',
  },
  scopeSeparator: ',',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['host'] },
  notes: [
    'API calls go to https://{host}/api/v4, where host comes with the token (EU accounts use their own data centre).',
  ],
});
