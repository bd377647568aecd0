import { defineProvider } from '../schema';

/**
 * Lucid (Lucidchart, Lucidspark) REST API: OAuth 2.0 authorization code only.
 *
 * - User-token authorize `https://lucid.app/oauth2/authorize` (`https://lucid.app/oauth2/authorizeAccount` for account
 *   tokens): https://lucid.readme.io/reference/authorization-endpoints
 * - Create or refresh a token `POST https://api.lucid.co/oauth2/token`:
 *   https://lucid.readme.io/reference/createorrefreshaccesstoken
 * - The flow and its rules: https://developer.lucid.co/reference/using-oauth-20
 * - Calls need `Lucid-Api-Version`: https://lucid.readme.io/reference/using-the-access-token
 */
export const lucid = defineProvider({
  key: 'lucid',
  displayName: 'Lucid',
  docsUrl: 'https://developer.lucid.co/reference/using-oauth-20',
  sources: {
    authorizeUrl: 'https://lucid.readme.io/reference/authorization-endpoints',
    tokenUrl: 'https://lucid.readme.io/reference/createorrefreshaccesstoken',
    apiBaseUrl: 'https://lucid.readme.io/reference/using-the-access-token',
    scopes: 'https://lucid.readme.io/reference/using-the-access-token',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://lucid.app/oauth2/authorize',
  tokenUrl: 'https://api.lucid.co/oauth2/token',
  apiBaseUrl: 'https://api.lucid.co',
  defaultScopes: ['user.profile', 'offline_access'],
  scopeDescriptions: {
    'user.profile': 'See your Lucid profile',
    'lucidchart.document.content': 'Read and change your Lucidchart documents',
    offline_access: 'Keep access while you are offline',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: ['API calls need a Lucid-Api-Version header; FedRAMP accounts use other authorization endpoints.'],
});
