import { defineProvider } from '../schema';

/**
 * Sage Business Cloud Accounting (API v3.1, UK, Ireland, Canada): OAuth 2.0 authorization code.
 *
 * - Authorize `https://www.sageone.com/oauth2/auth/central?filter=apiv3.1` (`scope` `full_access` or `readonly`),
 *   token `POST https://oauth.accounting.sage.com/token`, five-minute access tokens, rotating refresh tokens,
 *   `X-Business` header to pick the business: https://developer.sage.com/accounting/guides/authenticating/authentication
 * - The central authorization server and scopes (v3.0 guide): https://developer.sage.com/accounting/V3.0_docs/authentication/
 */
export const sage = defineProvider({
  key: 'sage',
  displayName: 'Sage Accounting',
  docsUrl: 'https://developer.sage.com/accounting/guides/authenticating/authentication',
  sources: {
    authorizeUrl: 'https://developer.sage.com/accounting/V3.0_docs/authentication/',
    tokenUrl: 'https://developer.sage.com/accounting/guides/authenticating/authentication',
    scopes: 'https://developer.sage.com/accounting/V3.0_docs/authentication/',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.sageone.com/oauth2/auth/central',
  tokenUrl: 'https://oauth.accounting.sage.com/token',
  defaultScopes: ['full_access'],
  scopeDescriptions: {
    full_access: 'Read and change your accounting data',
    readonly: 'See your accounting data',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  extraAuthorizeParams: { filter: 'apiv3.1' },
  tokenResponse: { keepFields: ['requested_by_id', 'refresh_token_expires_in'] },
  notes: [
    'Access tokens last five minutes; each refresh answers with a new refresh token (valid 31 days).',
    "API calls may name the business in an X-Business header; without it they reach the user's lead business.",
  ],
});
