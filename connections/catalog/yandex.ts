import { defineProvider } from '../schema';

/**
 * Yandex ID (Yandex OAuth): authorization code with optional PKCE; permissions are chosen on the app.
 *
 * - Confirmation code `https://oauth.yandex.com/authorize?response_type=code&client_id=…` (`scope`,
 *   `optional_scope`, `code_challenge`, `force_confirm`): https://yandex.ru/dev/id/doc/en/codes/code-url
 * - Exchange the code for a token (`POST https://oauth.yandex.com/token`):
 *   https://yandex.com/dev/id/doc/ru/codes/code-and-token
 * - How Yandex tokens work: https://yandex.com/dev/id/doc/en/concepts/ya-oauth-intro.md
 */
export const yandex = defineProvider({
  key: 'yandex',
  displayName: 'Yandex',
  docsUrl: 'https://yandex.com/dev/id/doc/en/concepts/ya-oauth-intro.md',
  sources: {
    authorizeUrl: 'https://yandex.ru/dev/id/doc/en/codes/code-url',
    tokenUrl: 'https://yandex.com/dev/id/doc/ru/codes/code-and-token',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://oauth.yandex.com/authorize',
  tokenUrl: 'https://oauth.yandex.com/token',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  notes: [
    'Permissions are configured on the app; scope and optional_scope may narrow them per request.',
    'The same endpoints are served on oauth.yandex.ru.',
  ],
});
