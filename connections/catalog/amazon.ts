import { defineProvider } from '../schema';

/**
 * Login with Amazon: authorization code grant for websites.
 *
 * - Authorize `https://www.amazon.com/ap/oa` (scopes `profile`, `profile:user_id`, `postal_code`, space-separated),
 *   token `POST https://api.amazon.com/auth/o2/token`, refresh tokens:
 *   https://developer.amazon.com/docs/login-with-amazon/authorization-code-grant.html
 * - Customer profile `https://api.amazon.com/user/profile`:
 *   https://developer.amazon.com/docs/login-with-amazon/obtain-customer-profile.html
 */
export const amazon = defineProvider({
  key: 'amazon',
  displayName: 'Login with Amazon',
  docsUrl: 'https://developer.amazon.com/docs/login-with-amazon/authorization-code-grant.html',
  sources: {
    authorizeUrl: 'https://developer.amazon.com/docs/login-with-amazon/authorization-code-grant.html',
    tokenUrl: 'https://developer.amazon.com/docs/login-with-amazon/authorization-code-grant.html',
    userinfoUrl: 'https://developer.amazon.com/docs/login-with-amazon/obtain-customer-profile.html',
    scopes: 'https://developer.amazon.com/docs/login-with-amazon/authorization-code-grant.html',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://www.amazon.com/ap/oa',
  tokenUrl: 'https://api.amazon.com/auth/o2/token',
  userinfoUrl: 'https://api.amazon.com/user/profile',
  defaultScopes: ['profile'],
  scopeDescriptions: {
    profile: 'See your name, email address and Amazon account id',
    'profile:user_id': 'See your Amazon account id',
    postal_code: 'See the postal code of your primary address',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
  notes: ['Access tokens last one hour; use the refresh token for longer access.'],
});
