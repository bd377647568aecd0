/**
 * The REST API's {@link OAuthAppPort} and {@link ProviderOAuthAppPort} on the runtime's platform-owned OAuth apps
 * (src/runtime/oauth-apps.ts, src/runtime/provider-oauth-apps.ts).
 */
import { KeywayError, isKeywayError } from '../errors';
import {
  oauthAppView,
  providerOAuthAppView,
  registerOAuthApp,
  registerProviderOAuthApp,
  removeOAuthApp,
  removeProviderOAuthApp,
} from '../runtime';
import type { ComponentRegistry, ProviderLookup } from '../runtime';
import type { Store } from '../store';
import type { OAuthAppPort, ProviderOAuthAppPort } from './api/types';

/** {@link OAuthAppPort} and {@link ProviderOAuthAppPort} on the store, the component registry and the catalog. */
export function oauthAppApi(deps: {
  readonly store: Store;
  readonly components: ComponentRegistry;
  /** The provider catalog; without it no provider app can be registered (`KW_PROVIDER_UNKNOWN`). */
  readonly providers?: ProviderLookup;
}): OAuthAppPort & ProviderOAuthAppPort {
  const { store } = deps;
  return {
    ...providerOAuthAppApi({ ...deps, providers: deps.providers ?? (() => undefined) }),
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

function providerOAuthAppApi(deps: {
  readonly store: Store;
  readonly components: ComponentRegistry;
  readonly providers: ProviderLookup;
}): ProviderOAuthAppPort {
  return {
    async putProviderOAuthApp(input) {
      const { app, connectionsUpdated } = await registerProviderOAuthApp(deps, input);
      return { providerOAuthApp: app, connectionsUpdated };
    },
    async listProviderOAuthApps() {
      return (await deps.store.providerOAuthApps.list()).map(providerOAuthAppView);
    },
    async getProviderOAuthApp(providerKey) {
      const app = await deps.store.providerOAuthApps.get(providerKey);
      return app && providerOAuthAppView(app);
    },
    async deleteProviderOAuthApp(providerKey) {
      try {
        return await removeProviderOAuthApp(deps, providerKey);
      } catch (error) {
        if (!isKeywayError(error, 'KW_STORE_NOT_FOUND')) throw error;
        throw new KeywayError('KW_API_NOT_FOUND', {
          message: `No OAuth app for provider "${providerKey}"`,
          details: { id: providerKey },
        });
      }
    },
  };
}
