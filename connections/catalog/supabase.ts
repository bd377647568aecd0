import { defineProvider } from '../schema';

/**
 * Supabase Management API: OAuth apps that manage a user's organizations and projects.
 *
 * - Authorize at `https://api.supabase.com/v1/oauth/authorize` (optional `organization_slug`, PKCE S256
 *   strongly recommended, scopes set on the OAuth app rather than in the request), exchange and refresh at
 *   `POST https://api.supabase.com/v1/oauth/token` (form body, client id and secret as HTTP Basic):
 *   https://supabase.com/docs/guides/integrations/build-a-supabase-oauth-integration
 */
export const supabase = defineProvider({
  key: 'supabase',
  displayName: 'Supabase (Management API)',
  docsUrl: 'https://supabase.com/docs/guides/integrations/build-a-supabase-oauth-integration',
  sources: {
    authorizeUrl: 'https://supabase.com/docs/guides/integrations/build-a-supabase-oauth-integration',
    tokenUrl: 'https://supabase.com/docs/guides/integrations/build-a-supabase-oauth-integration',
    apiBaseUrl: 'https://supabase.com/docs/guides/integrations/build-a-supabase-oauth-integration',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://api.supabase.com/v1/oauth/authorize',
  tokenUrl: 'https://api.supabase.com/v1/oauth/token',
  apiBaseUrl: 'https://api.supabase.com/v1',
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
  notes: ['Scopes are configured on the OAuth app; the scope request parameter is deprecated.'],
});
