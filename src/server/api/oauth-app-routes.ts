/**
 * `/api/oauth-apps`: the platform's OAuth apps, one per connection definition of a component, and
 * `/api/provider-oauth-apps`, one per catalog provider. Registering one writes it into every connection that
 * inherits it; no response ever carries a secret value (only its name).
 */
import { z } from 'zod';
import { notFound } from './customer-routes';
import { nextCursor, pageOfList, pageQuery, pageRequest } from './pagination';
import { OAuthAppSchema, ProviderOAuthAppSchema, pageOf } from './responses';
import type { DefineRoute } from './route';
import type { ApiPort, OAuthAppDto, ProviderOAuthAppDto } from './types';

/** Body of `POST /api/oauth-apps`. */
export const PutOAuthAppBodySchema = z.strictObject({
  componentKey: z.string().min(1).max(200),
  /** Defaults to the component's only connection definition. */
  definitionKey: z.string().min(1).max(200).optional(),
  /** `clientId`, `clientSecret` and overrides of the definition's inputs (`tokenUrl`, `scopes`, …). */
  fields: z.record(z.string().min(1).max(200), z.string().max(10_000)),
});

/** Body of `POST /api/provider-oauth-apps`. */
export const PutProviderOAuthAppBodySchema = z
  .strictObject({
    providerKey: z.string().min(1).max(200).describe('A catalog provider key (docs/providers.md).'),
    /** `clientId`, `clientSecret`, and optionally `scopes`, `environment`, the provider's own fields. */
    fields: z
      .record(z.string().min(1).max(200), z.string().max(10_000))
      .describe(
        'clientId, clientSecret (write-only), and optionally scopes, environment, keywayClientAuthMethod or a field of the provider.',
      ),
  })
  .meta({
    examples: [
      {
        providerKey: 'github',
        fields: { clientId: 'Iv1.8a61f9b3a7aba766', clientSecret: '…', scopes: 'repo read:user' },
      },
    ],
  });

const providerParams = z.object({ providerKey: z.string().min(1).max(200) });

const appParams = z.object({
  componentKey: z.string().min(1).max(200),
  definitionKey: z.string().min(1).max(200),
});

const idOf = (app: OAuthAppDto): string => `${app.componentKey}/${app.definitionKey}`;

/** Registers the OAuth app routes. */
export function registerOAuthAppRoutes(define: DefineRoute, api: ApiPort): void {
  define({
    method: 'GET',
    url: '/api/oauth-apps',
    scope: 'oauthApps:read',
    operationId: 'listOAuthApps',
    summary: 'List the platform’s OAuth apps (secret values by name only)',
    query: pageQuery,
    response: pageOf('oauthApps', OAuthAppSchema),
    async handle({ query }) {
      const page = pageOfList(await api.listOAuthApps(), idOf, pageRequest(query));
      return { oauthApps: page.items, nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'POST',
    url: '/api/oauth-apps',
    scope: 'oauthApps:write',
    operationId: 'putOAuthApp',
    summary:
      'Register (or replace) the platform’s OAuth app of a connection definition; its connections inherit it',
    body: PutOAuthAppBodySchema,
    response: z.object({ oauthApp: OAuthAppSchema, connectionsUpdated: z.number().int() }),
    errors: [404, 409],
    async handle({ body }) {
      return api.putOAuthApp(body);
    },
  });
  define({
    method: 'GET',
    url: '/api/oauth-apps/:componentKey/:definitionKey',
    scope: 'oauthApps:read',
    operationId: 'getOAuthApp',
    summary: 'Get the platform’s OAuth app of a connection definition',
    params: appParams,
    response: z.object({ oauthApp: OAuthAppSchema }),
    async handle({ params: { componentKey, definitionKey } }) {
      const oauthApp = await api.getOAuthApp(componentKey, definitionKey);
      if (!oauthApp) throw notFound('OAuth app', `${componentKey}/${definitionKey}`);
      return { oauthApp };
    },
  });
  define({
    method: 'DELETE',
    url: '/api/oauth-apps/:componentKey/:definitionKey',
    scope: 'oauthApps:write',
    operationId: 'deleteOAuthApp',
    summary: 'Remove the platform’s OAuth app of a connection definition from it and its connections',
    params: appParams,
    response: z.object({
      deleted: z.object({ componentKey: z.string(), definitionKey: z.string() }),
      connectionsUpdated: z.number().int(),
    }),
    async handle({ params: { componentKey, definitionKey } }) {
      return {
        deleted: { componentKey, definitionKey },
        ...(await api.deleteOAuthApp(componentKey, definitionKey)),
      };
    },
  });
  registerProviderOAuthAppRoutes(define, api);
}

/** `/api/provider-oauth-apps`: one app per catalog provider. */
function registerProviderOAuthAppRoutes(define: DefineRoute, api: ApiPort): void {
  define({
    method: 'GET',
    url: '/api/provider-oauth-apps',
    scope: 'oauthApps:read',
    operationId: 'listProviderOAuthApps',
    summary: 'List the platform’s OAuth apps per provider (secret values by name only)',
    query: pageQuery,
    response: pageOf('providerOAuthApps', ProviderOAuthAppSchema),
    async handle({ query }) {
      const page = pageOfList(
        await api.listProviderOAuthApps(),
        (app: ProviderOAuthAppDto) => app.providerKey,
        pageRequest(query),
      );
      return { providerOAuthApps: page.items, nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'POST',
    url: '/api/provider-oauth-apps',
    scope: 'oauthApps:write',
    operationId: 'putProviderOAuthApp',
    summary:
      'Register (or replace) the platform’s OAuth app of a catalog provider; every connection definition built on it without an app of its own inherits it',
    body: PutProviderOAuthAppBodySchema,
    response: z.object({ providerOAuthApp: ProviderOAuthAppSchema, connectionsUpdated: z.number().int() }),
    errors: [404, 409],
    async handle({ body }) {
      return api.putProviderOAuthApp(body);
    },
  });
  define({
    method: 'GET',
    url: '/api/provider-oauth-apps/:providerKey',
    scope: 'oauthApps:read',
    operationId: 'getProviderOAuthApp',
    summary: 'Get the platform’s OAuth app of a catalog provider',
    params: providerParams,
    response: z.object({ providerOAuthApp: ProviderOAuthAppSchema }),
    async handle({ params: { providerKey } }) {
      const providerOAuthApp = await api.getProviderOAuthApp(providerKey);
      if (!providerOAuthApp) throw notFound('provider OAuth app', providerKey);
      return { providerOAuthApp };
    },
  });
  define({
    method: 'DELETE',
    url: '/api/provider-oauth-apps/:providerKey',
    scope: 'oauthApps:write',
    operationId: 'deleteProviderOAuthApp',
    summary: 'Remove the platform’s OAuth app of a catalog provider from the connections that inherit it',
    params: providerParams,
    response: z.object({
      deleted: z.object({ providerKey: z.string() }),
      connectionsUpdated: z.number().int(),
    }),
    async handle({ params: { providerKey } }) {
      return { deleted: { providerKey }, ...(await api.deleteProviderOAuthApp(providerKey)) };
    },
  });
}
