/** The REST API's {@link OAuthAppPort} on the runtime's platform-owned OAuth apps (src/runtime/oauth-apps.ts). */
import { KeywayError, isKeywayError } from '../errors';
import { oauthAppView, registerOAuthApp, removeOAuthApp } from '../runtime';
import type { ComponentRegistry } from '../runtime';
import type { Store } from '../store';
import type { OAuthAppPort } from './api/types';

/** {@link OAuthAppPort} on the store and the component registry. */
export function oauthAppApi(deps: {
  readonly store: Store;
  readonly components: ComponentRegistry;
}): OAuthAppPort {
  const { store } = deps;
  return {
    async putOAuthApp(input) {
      const { app, connectionsUpdated } = await registerOAuthApp(deps, input);
      return { oauthApp: app, connectionsUpdated };
    },
    async listOAuthApps() {
      return (await store.oauthApps.list()).map(oauthAppView);
    },
    async getOAuthApp(componentKey, definitionKey) {
      const app = await store.oauthApps.get(componentKey, definitionKey);
      return app && oauthAppView(app);
    },
    async deleteOAuthApp(componentKey, definitionKey) {
      try {
        return await removeOAuthApp(deps, componentKey, definitionKey);
      } catch (error) {
        if (!isKeywayError(error, 'KW_STORE_NOT_FOUND')) throw error;
        throw new KeywayError('KW_API_NOT_FOUND', {
          message: `No OAuth app "${componentKey}/${definitionKey}"`,
          details: { id: `${componentKey}/${definitionKey}` },
        });
      }
    },
  };
}
