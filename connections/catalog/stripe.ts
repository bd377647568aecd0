import { defineProvider } from '../schema';

/**
 * Stripe Connect OAuth for Standard accounts: a Stripe user connects their account to a platform.
 *
 * - Connection flow (`response_type=code`, `client_id`, `scope=read_write` or `read_only`):
 *   https://docs.stripe.com/connect/oauth-standard-accounts
 * - `GET https://connect.stripe.com/oauth/authorize` and its parameters: https://docs.stripe.com/connect/oauth-reference
 * - Stripe's own Python library: `POST /oauth/token` on the Connect host (grant `authorization_code` or
 *   `refresh_token`), response `stripe_user_id`, `stripe_publishable_key`, `livemode`, `refresh_token`:
 *   https://github.com/stripe/stripe-python/blob/master/stripe/_oauth.py
 *
 * No `revokeUrl`: disconnecting is `POST /oauth/deauthorize` with `stripe_user_id`, not RFC 7009.
 */
export const stripe = defineProvider({
  key: 'stripe',
  displayName: 'Stripe Connect',
  docsUrl: 'https://docs.stripe.com/connect/oauth-standard-accounts',
  sources: {
    authorizeUrl: 'https://docs.stripe.com/connect/oauth-reference',
    tokenUrl: 'https://github.com/stripe/stripe-python/blob/master/stripe/_oauth.py',
    scopes: 'https://docs.stripe.com/connect/oauth-reference',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://connect.stripe.com/oauth/authorize',
  tokenUrl: 'https://connect.stripe.com/oauth/token',
  defaultScopes: ['read_write'],
  scopeDescriptions: {
    read_write: 'Read and change data in your Stripe account for this platform',
    read_only: 'Read data in your Stripe account',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['stripe_user_id', 'stripe_publishable_key', 'livemode'], errorCodes: {} },
  notes: [
    'The client secret is the platform\'s secret API key (sk_...); the client id is the Connect "ca_..." id.',
    'Stripe no longer recommends OAuth for new Connect platforms; read_write cannot reach accounts another platform controls.',
  ],
});
