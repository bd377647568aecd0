import { defineProvider } from '../schema';

/**
 * Square: OAuth 2.0 code flow; `ObtainToken` takes a JSON body with the client id and secret in it.
 *
 * - Authorization URL `https://connect.squareup.com/oauth2/authorize` (sandbox `connect.squareupsandbox.com`),
 *   space-separated permissions, `session=false` so the seller signs in:
 *   https://developer.squareup.com/docs/oauth-api/create-urls-for-square-authorization
 * - Authorize reference: https://developer.squareup.com/reference/square/o-auth/authorize
 * - `POST /oauth2/token` (`ObtainToken`, JSON with `client_id`, `client_secret`, `code`, `grant_type`):
 *   https://developer.squareup.com/reference/square/oauth-api/obtain-token
 * - Permissions: https://developer.squareup.com/docs/oauth-api/square-permissions
 *
 * Revocation (`POST /oauth2/revoke`, JSON, `Authorization: Client <secret>`) is not RFC 7009: no `revokeUrl`.
 */
export const square = defineProvider({
  key: 'square',
  displayName: 'Square',
  docsUrl: 'https://developer.squareup.com/docs/oauth-api/overview',
  sources: {
    authorizeUrl: 'https://developer.squareup.com/reference/square/o-auth/authorize',
    tokenUrl: 'https://developer.squareup.com/reference/square/oauth-api/obtain-token',
    environments: 'https://developer.squareup.com/docs/oauth-api/create-urls-for-square-authorization',
    scopes: 'https://developer.squareup.com/docs/oauth-api/square-permissions',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: '{{#connectHost}}/oauth2/authorize',
  tokenUrl: '{{#connectHost}}/oauth2/token',
  environments: {
    default: 'production',
    options: {
      production: { label: 'Production', hosts: { connectHost: 'https://connect.squareup.com' } },
      sandbox: { label: 'Sandbox', hosts: { connectHost: 'https://connect.squareupsandbox.com' } },
    },
  },
  defaultScopes: ['MERCHANT_PROFILE_READ', 'PAYMENTS_READ'],
  scopeDescriptions: {
    MERCHANT_PROFILE_READ: 'See your business profile and locations',
    PAYMENTS_READ: 'See your payments',
    PAYMENTS_WRITE: 'Take payments for you',
    CUSTOMERS_READ: 'See your customers',
    ORDERS_READ: 'See your orders',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  extraAuthorizeParams: { session: 'false' },
  tokenRequestFormat: 'json',
  tokenResponse: { keepFields: ['merchant_id', 'short_lived', 'refresh_token_expires_at'] },
  notes: [
    'In the sandbox the seller must have the Sandbox Seller Dashboard open in the same browser.',
    'Access tokens last 30 days and carry an absolute expires_at instead of expires_in.',
  ],
});
