import { defineProvider } from '../schema';

/**
 * Nextcloud (any server): the OAuth2 app built into Nextcloud, for confidential clients only.
 *
 * - Authorization endpoint `SERVER/apps/oauth2/authorize`, token endpoint `SERVER/apps/oauth2/api/v1/token`,
 *   Bearer access tokens, clients added under Administration settings > Security:
 *   https://docs.nextcloud.com/server/latest/admin_manual/configuration_server/oauth2.html
 *
 * Nextcloud has no scopes: a token acts with the full rights of the person who granted it.
 */
export const nextcloud = defineProvider({
  key: 'nextcloud',
  displayName: 'Nextcloud',
  docsUrl: 'https://docs.nextcloud.com/server/latest/admin_manual/configuration_server/oauth2.html',
  sources: {
    authorizeUrl: 'https://docs.nextcloud.com/server/latest/admin_manual/configuration_server/oauth2.html',
    tokenUrl: 'https://docs.nextcloud.com/server/latest/admin_manual/configuration_server/oauth2.html',
  },
  grantTypes: ['authorization_code'],
  fields: {
    serverUrl: {
      label: 'Nextcloud address',
      comments: 'The address of the server, with https:// and any path Nextcloud is installed under',
      example: 'https://cloud.example.com',
    },
  },
  authorizeUrl: '{{#serverUrl}}/apps/oauth2/authorize',
  tokenUrl: '{{#serverUrl}}/apps/oauth2/api/v1/token',
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  notes: ['Nextcloud supports confidential clients only and has no scopes.'],
});
