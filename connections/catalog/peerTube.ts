import { defineProvider } from '../schema';

/**
 * PeerTube (any instance): the resource owner password grant of the REST API.
 *
 * - REST API quick start: the instance's local client from `GET /api/v1/oauth-clients/local`, then
 *   `POST /api/v1/users/token` (form: `client_id`, `client_secret`, `grant_type=password`, `username`,
 *   `password`), expiring access token with a refresh token, API under `/api/v1`:
 *   https://docs.joinpeertube.org/api/rest-getting-started
 */
export const peerTube = defineProvider({
  key: 'peerTube',
  displayName: 'PeerTube',
  docsUrl: 'https://docs.joinpeertube.org/api/rest-getting-started',
  sources: {
    tokenUrl: 'https://docs.joinpeertube.org/api/rest-getting-started',
    apiBaseUrl: 'https://docs.joinpeertube.org/api/rest-getting-started',
  },
  grantTypes: ['password'],
  fields: {
    instance: {
      label: 'PeerTube instance',
      comments: 'The host name of the instance, without https://',
      example: 'peertube.example.com',
    },
  },
  tokenUrl: 'https://{{#instance}}/api/v1/users/token',
  apiBaseUrl: 'https://{{#instance}}/api/v1',
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  notes: ['Each instance has its own client id and secret, read from GET /api/v1/oauth-clients/local.'],
});
