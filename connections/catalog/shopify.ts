import { defineProvider } from '../schema';

/**
 * Shopify: the authorization code grant against one shop, for apps that are not embedded.
 *
 * - Redirect to `https://{shop}.myshopify.com/admin/oauth/authorize` (`client_id`, comma-separated `scope`,
 *   `redirect_uri`, `state`, `grant_options[]=per-user` for online tokens), exchange at
 *   `POST https://{shop}.myshopify.com/admin/oauth/access_token` with `client_id`, `client_secret`, `code`:
 *   https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant
 *   and Shopify's own OAuth description: https://github.com/Shopify/omniauth-shopify-oauth2/wiki/Shopify-OAuth
 *
 * Embedded apps should use token exchange instead (not an OAuth grant Keyway runs).
 */
export const shopify = defineProvider({
  key: 'shopify',
  displayName: 'Shopify',
  docsUrl:
    'https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant',
  sources: {
    authorizeUrl: 'https://github.com/Shopify/omniauth-shopify-oauth2/wiki/Shopify-OAuth',
    tokenUrl: 'https://github.com/Shopify/omniauth-shopify-oauth2/wiki/Shopify-OAuth',
    scopes: 'https://github.com/Shopify/omniauth-shopify-oauth2/wiki/Shopify-OAuth',
  },
  grantTypes: ['authorization_code'],
  fields: {
    shop: {
      label: 'Shop',
      comments: 'The shop name: the part before .myshopify.com',
      example: 'my-store',
    },
  },
  authorizeUrl: 'https://{{#shop}}.myshopify.com/admin/oauth/authorize',
  tokenUrl: 'https://{{#shop}}.myshopify.com/admin/oauth/access_token',
  defaultScopes: ['read_products'],
  scopeDescriptions: {
    read_products: 'See your products',
    write_products: 'Create and change your products',
    read_orders: 'See your orders',
  },
  scopeSeparator: ',',
  clientAuthMethod: 'client_secret_post',
  notes: [
    'Offline tokens (the default) do not expire; add grant_options[]=per-user for an online, per-user token.',
  ],
});
