/**
 * `/api/oauth-apps`: the platform's OAuth apps, one per connection definition of a component. Registering one
 * writes it into every connection of the definition; no response ever carries a secret value (only its name).
 */
import { z } from 'zod';
import { notFound } from './customer-routes';
import { nextCursor, pageOfList, pageQuery, pageRequest } from './pagination';
import { OAuthAppSchema, pageOf } from './responses';
import type { DefineRoute } from './route';
import type { ApiPort, OAuthAppDto } from './types';

/** Body of `POST /api/oauth-apps`. */
export const PutOAuthAppBodySchema = z.strictObject({
  componentKey: z.string().min(1).max(200),
  /** Defaults to the component's only connection definition. */
  definitionKey: z.string().min(1).max(200).optional(),
  /** `clientId`, `clientSecret` and overrides of the definition's inputs (`tokenUrl`, `scopes`, …). */
  fields: z.record(z.string().min(1).max(200), z.string().max(10_000)),
});

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
}
