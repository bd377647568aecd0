/**
 * `/api/oauth-apps`: the platform's OAuth apps, one per connection definition of a component. Registering one
 * writes it into every connection of the definition; no response ever carries a secret value (only its name).
 */
import { z } from 'zod';
import { parseRequest } from '../http';
import { notFound } from './customer-routes';
import { nextCursor, pageOfList, pageQuery, pageRequest } from './pagination';
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
    query: pageQuery,
    async handle({ query }) {
      const page = pageOfList(await api.listOAuthApps(), idOf, pageRequest(query));
      return { oauthApps: page.items, nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'POST',
    url: '/api/oauth-apps',
    scope: 'oauthApps:write',
    async handle({ request }) {
      const body = parseRequest(PutOAuthAppBodySchema, request.body, 'body');
      return api.putOAuthApp(body);
    },
  });
  define({
    method: 'GET',
    url: '/api/oauth-apps/:componentKey/:definitionKey',
    scope: 'oauthApps:read',
    async handle({ request }) {
      const { componentKey, definitionKey } = parseRequest(appParams, request.params, 'params');
      const oauthApp = await api.getOAuthApp(componentKey, definitionKey);
      if (!oauthApp) throw notFound('OAuth app', `${componentKey}/${definitionKey}`);
      return { oauthApp };
    },
  });
  define({
    method: 'DELETE',
    url: '/api/oauth-apps/:componentKey/:definitionKey',
    scope: 'oauthApps:write',
    async handle({ request }) {
      const { componentKey, definitionKey } = parseRequest(appParams, request.params, 'params');
      return {
        deleted: { componentKey, definitionKey },
        ...(await api.deleteOAuthApp(componentKey, definitionKey)),
      };
    },
  });
}
