import { defineProvider } from '../schema';

/**
 * Ory Network (Ory OAuth2 and OpenID Connect, hosted Hydra): the authorization code flow on a project's domain.
 *
 * - `https://{project.slug}.projects.oryapis.com/oauth2/auth`, `.../oauth2/token` (form body; a confidential
 *   client created with `--token-endpoint-auth-method client_secret_post`), PKCE, `offline_access` for a refresh
 *   token, `openid` for an ID token: https://www.ory.sh/docs/oauth2-oidc/authorization-code-flow
 */
export const ory = defineProvider({
  key: 'ory',
  displayName: 'Ory Network',
  docsUrl: 'https://www.ory.sh/docs/oauth2-oidc/authorization-code-flow',
  sources: {
    authorizeUrl: 'https://www.ory.sh/docs/oauth2-oidc/authorization-code-flow',
    tokenUrl: 'https://www.ory.sh/docs/oauth2-oidc/authorization-code-flow',
    scopes: 'https://www.ory.sh/docs/oauth2-oidc/authorization-code-flow',
  },
  grantTypes: ['authorization_code'],
  fields: {
    projectSlug: {
      label: 'Project slug',
      comments: 'The part before .projects.oryapis.com',
      example: 'affectionate-archimedes-abc123',
    },
  },
  authorizeUrl: 'https://{{#projectSlug}}.projects.oryapis.com/oauth2/auth',
  tokenUrl: 'https://{{#projectSlug}}.projects.oryapis.com/oauth2/token',
  defaultScopes: ['openid', 'offline_access'],
  scopeDescriptions: {
    openid: 'Sign you in',
    offline_access: 'Keep access while you are offline',
  },
  scopeSeparator: ' ',
  clientAuthMethod: 'client_secret_post',
  pkce: 'S256',
  notes: [
    'The client must be allowed the offline_access scope, and the person must accept it, to get a refresh token.',
  ],
});
