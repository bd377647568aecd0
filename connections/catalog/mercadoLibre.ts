import { defineProvider } from '../schema';

/**
 * Mercado Libre: OAuth 2.0 authorization code (server side), PKCE when enabled on the app.
 *
 * - Authorize `https://auth.mercadolibre.com.ar/authorization` (Argentina's site; each country site has its own
 *   auth domain), token `POST https://api.mercadolibre.com/oauth/token`:
 *   https://developers.mercadolibre.com.ar/autenticacion-y-autorizacion
 * - Send the token request's parameters in the form body, not the query:
 *   https://developers.mercadolibre.com.ar/devsite/authorization-and-token-best-practices
 * - Refresh tokens need the `offline_access` scope: https://developers.mercadolibre.com.mx/en_us/authentication-and-authorization
 */
export const mercadoLibre = defineProvider({
  key: 'mercadoLibre',
  displayName: 'Mercado Libre',
  docsUrl: 'https://developers.mercadolibre.com.mx/en_us/authentication-and-authorization',
  sources: {
    authorizeUrl: 'https://developers.mercadolibre.com.ar/autenticacion-y-autorizacion',
    tokenUrl: 'https://developers.mercadolibre.com.ar/devsite/authorization-and-token-best-practices',
    apiBaseUrl: 'https://developers.mercadolibre.com.mx/en_us/authentication-and-authorization',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://auth.mercadolibre.com.ar/authorization',
  tokenUrl: 'https://api.mercadolibre.com/oauth/token',
  apiBaseUrl: 'https://api.mercadolibre.com',
  clientAuthMethod: 'client_secret_post',
  tokenResponse: { keepFields: ['user_id'] },
  notes: [
    'Scopes (read, write, offline_access) are set on the app; a refresh token comes only with offline_access and is single-use.',
    "Sellers on another country site authorize on that site's auth domain.",
  ],
});
