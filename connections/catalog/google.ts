import { defineProvider } from '../schema';

/**
 * Google: one authorization server for every Google API (Gmail, Drive, Calendar, Sheets…); the APIs differ only
 * in their scopes.
 *
 * - Web server flow: authorize `https://accounts.google.com/o/oauth2/v2/auth`, token
 *   `https://oauth2.googleapis.com/token`, revoke `https://oauth2.googleapis.com/revoke` (form POST with
 *   `token`), `access_type=offline` for a refresh token, PKCE:
 *   https://developers.google.com/identity/protocols/oauth2/web-server
 * - OpenID Connect discovery document at `https://accounts.google.com/.well-known/openid-configuration`:
 *   https://developers.google.com/identity/openid-connect/openid-connect#discovery
 * - Scopes: https://developers.google.com/identity/protocols/oauth2/scopes
 *
 * Google issues a refresh token only on the first consent unless `prompt=consent` asks again, hence both extras.
 */
export const google = defineProvider({
  key: 'google',
  displayName: 'Google',
  docsUrl: 'https://developers.google.com/identity/protocols/oauth2/web-server',
  sources: {
    authorizeUrl: 'https://developers.google.com/identity/protocols/oauth2/web-server',
    tokenUrl: 'https://developers.google.com/identity/protocols/oauth2/web-server',
    revokeUrl: 'https://developers.google.com/identity/protocols/oauth2/web-server',
    issuer: 'https://developers.google.com/identity/openid-connect/openid-connect#discovery',
    scopes: 'https://developers.google.com/identity/protocols/oauth2/scopes',
  },
  issuer: 'https://accounts.google.com',
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  revokeUrl: 'https://oauth2.googleapis.com/revoke',
  defaultScopes: ['openid', 'email'],
  scopeDescriptions: {
    openid: 'Confirm who you are',
    email: 'See your email address',
    profile: 'See your name and profile picture',
    'https://www.googleapis.com/auth/gmail.readonly': 'Read your Gmail messages and settings',
    'https://www.googleapis.com/auth/drive.readonly': 'See and download your Google Drive files',
    'https://www.googleapis.com/auth/drive.file':
      'See and change only the Drive files this app opens or creates',
    'https://www.googleapis.com/auth/calendar.readonly': 'See your Google Calendar events',
    'https://www.googleapis.com/auth/spreadsheets': 'See and change your Google Sheets spreadsheets',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
  extraAuthorizeParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
  tokenResponse: { keepFields: ['id_token', 'refresh_token_expires_in'] },
  notes: [
    'A refresh token comes only with access_type=offline, and again after the first consent only with prompt=consent.',
  ],
});
