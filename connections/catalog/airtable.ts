import { defineProvider } from '../schema';

/**
 * Airtable OAuth integrations: the authorization code grant with PKCE required.
 *
 * - Authorize `GET https://airtable.com/oauth2/v1/authorize` (S256 PKCE required, space-delimited scopes, at least
 *   one), token `POST https://airtable.com/oauth2/v1/token`, the client secret (when the integration has one) in
 *   an HTTP Basic header: https://airtable.com/developers/web/api/oauth-reference
 * - Scopes: https://airtable.com/developers/web/api/scopes
 * - Web API base `https://api.airtable.com/v0`: https://airtable.com/developers/web/api/introduction
 */
export const airtable = defineProvider({
  key: 'airtable',
  displayName: 'Airtable',
  docsUrl: 'https://airtable.com/developers/web/api/oauth-reference',
  sources: {
    authorizeUrl: 'https://airtable.com/developers/web/api/oauth-reference',
    tokenUrl: 'https://airtable.com/developers/web/api/oauth-reference',
    apiBaseUrl: 'https://airtable.com/developers/web/api/introduction',
    scopes: 'https://airtable.com/developers/web/api/scopes',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://airtable.com/oauth2/v1/authorize',
  tokenUrl: 'https://airtable.com/oauth2/v1/token',
  apiBaseUrl: 'https://api.airtable.com/v0',
  defaultScopes: ['data.records:read', 'schema.bases:read'],
  scopeDescriptions: {
    'data.records:read': 'See the records in your bases',
    'data.records:write': 'Create, change and delete records in your bases',
    'schema.bases:read': 'See the structure of your bases',
    'schema.bases:write': 'Change the structure of your bases',
    'webhook:manage': 'Create and manage webhooks on your bases',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  notes: ['PKCE is required for every integration, with or without a client secret.'],
});
