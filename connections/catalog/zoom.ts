import { defineProvider } from '../schema';

/**
 * Zoom: user-authorized OAuth apps (authorization code grant) on the Zoom App Marketplace.
 *
 * - OAuth 2.0 overview: token requests to `POST https://zoom.us/oauth/token` with an HTTP Basic header of client id
 *   and secret, refresh and revocation: https://developers.zoom.us/docs/rooms/oauth/
 * - Zoom's own OAuth runbook: authorize URL `https://zoom.us/oauth/authorize`, token URL
 *   `https://zoom.us/oauth/token`, the authorization code exchange with Basic client authentication, rotating
 *   refresh tokens: https://github.com/zoom/zoom-zra-plugin-codex/blob/main/skills/oauth/RUNBOOK.md
 *
 * Server-to-Server apps use Zoom's own `account_credentials` grant with an `account_id`, which is not an RFC 6749
 * grant Keyway runs; they are not covered here.
 */
export const zoom = defineProvider({
  key: 'zoom',
  displayName: 'Zoom',
  docsUrl: 'https://developers.zoom.us/docs/rooms/oauth/',
  sources: {
    authorizeUrl: 'https://github.com/zoom/zoom-zra-plugin-codex/blob/main/skills/oauth/RUNBOOK.md',
    tokenUrl: 'https://developers.zoom.us/docs/rooms/oauth/',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://zoom.us/oauth/authorize',
  tokenUrl: 'https://zoom.us/oauth/token',
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  notes: ['Scopes are chosen on the app in the Marketplace; refresh tokens are single-use and rotate.'],
});
