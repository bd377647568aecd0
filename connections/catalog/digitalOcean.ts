import { defineProvider } from '../schema';

/**
 * DigitalOcean: the OAuth API on `https://cloud.digitalocean.com/v1/oauth`.
 *
 * - `/authorize`, `/token` (client id and secret as parameters), refresh with `grant_type=refresh_token`,
 *   `/revoke`: https://docs.digitalocean.com/reference/api/oauth
 * - Scopes `read` and `read write`: https://docs.digitalocean.com/reference/api/oauth-api
 *
 * No `revokeUrl`: `/revoke` takes the token as a query parameter with the token itself as a bearer credential,
 * not an RFC 7009 form POST.
 */
export const digitalOcean = defineProvider({
  key: 'digitalOcean',
  displayName: 'DigitalOcean',
  docsUrl: 'https://docs.digitalocean.com/reference/api/oauth',
  sources: {
    authorizeUrl: 'https://docs.digitalocean.com/reference/api/oauth',
    tokenUrl: 'https://docs.digitalocean.com/reference/api/oauth',
    scopes: 'https://docs.digitalocean.com/reference/api/oauth-api',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://cloud.digitalocean.com/v1/oauth/authorize',
  tokenUrl: 'https://cloud.digitalocean.com/v1/oauth/token',
  defaultScopes: ['read'],
  scopeDescriptions: {
    read: 'See the resources of your DigitalOcean team',
    write: 'Create, change and delete the resources of your DigitalOcean team',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['info'] },
});
