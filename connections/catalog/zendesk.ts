import { defineProvider } from '../schema';

/**
 * Zendesk: the authorization code grant (optionally with PKCE) on the account's own subdomain.
 *
 * - Registering an OAuth client, the authorization page `https://{subdomain}.zendesk.com/oauth/authorizations/new`,
 *   scopes `read` and `write`: https://support.zendesk.com/hc/en-us/articles/4408845965210
 * - `POST https://{subdomain}.zendesk.com/oauth/tokens` for the `authorization_code` (with `code_verifier` under
 *   PKCE) and `refresh_token` grants:
 *   https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/
 */
export const zendesk = defineProvider({
  key: 'zendesk',
  displayName: 'Zendesk',
  docsUrl: 'https://developer.zendesk.com/documentation/api-basics/authentication/api-tokens-to-oauth/',
  sources: {
    authorizeUrl: 'https://support.zendesk.com/hc/en-us/articles/4408845965210',
    tokenUrl: 'https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/',
    scopes: 'https://support.zendesk.com/hc/en-us/articles/4408845965210',
  },
  grantTypes: ['authorization_code'],
  fields: {
    subdomain: {
      label: 'Zendesk subdomain',
      comments: 'The part before .zendesk.com',
      example: 'mycompany',
    },
  },
  authorizeUrl: 'https://{{#subdomain}}.zendesk.com/oauth/authorizations/new',
  tokenUrl: 'https://{{#subdomain}}.zendesk.com/oauth/tokens',
  defaultScopes: ['read'],
  scopeDescriptions: {
    read: 'See your Zendesk data',
    write: 'Create and change your Zendesk data',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
  notes: [
    "Zendesk's examples send the token request as JSON; Keyway sends the same parameters as a form body.",
  ],
});
