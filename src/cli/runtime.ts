/**
 * The runtime put together one way for every command: on a store, the component registry, the connect flows
 * and the credential manager (the only place a token is refreshed). `keyway serve` and `keyway start` add the
 * background workers and the server's ports (`createRuntimeServices`) on top; `keyway run`, `data-source` and
 * `connections activate` use it as it is; `customers` and `instances update|delete` use the API's operations
 * on it (`composeApiServices`).
 */
import { KeywayError } from '../errors';
import { ComponentRegistry, ConnectFlows, CredentialManager, Triggers, WebhookDirectory } from '../runtime';
import { createRuntimeServices } from '../server';
import type { ApiPort } from '../server';
import type { Store } from '../store';

/** The runtime's parts on one store. */
export interface KeywayRuntime {
  readonly store: Store;
  readonly components: ComponentRegistry;
  readonly flows: ConnectFlows;
  readonly credentials: CredentialManager;
}

/** Options of {@link composeRuntime}. */
export interface ComposeRuntimeOptions {
  /** Keep-warm window of the credential manager (`grantRefreshWindowMinutes` of `keyway serve`). */
  readonly recentUseWindowMs?: number;
}

/** Builds the runtime's parts on `store`. */
export function composeRuntime(store: Store, options: ComposeRuntimeOptions = {}): KeywayRuntime {
  const components = new ComponentRegistry({ store });
  return {
    store,
    components,
    flows: new ConnectFlows({ store, components }),
    credentials: new CredentialManager({
      store,
      components,
      ...(options.recentUseWindowMs !== undefined ? { recentUseWindowMs: options.recentUseWindowMs } : {}),
    }),
  };
}

/** Options of {@link composeApiServices}. */
export interface ComposeApiServicesOptions {
  /**
   * Where `keyway serve` is reached: the trigger URLs a hook (`onInstanceDelete`) is told about. Required when a
   * change runs hooks; see {@link requirePublicUrlForHooks}.
   */
  readonly publicBaseUrl?: string | undefined;
}

/**
 * The REST API's operations (`createRuntimeServices`, the port `/api` is served from) on `store`, for the CLI:
 * a command that changes customers or instances goes through exactly what the matching route does (deleting an
 * instance runs its triggers' `onInstanceDelete`, then disconnects and revokes its connections).
 */
export function composeApiServices(store: Store, options: ComposeApiServicesOptions = {}): ApiPort {
  const { components, flows, credentials } = composeRuntime(store);
  const webhooks = new WebhookDirectory({ store, publicBaseUrl: options.publicBaseUrl ?? '' });
  const triggers = new Triggers({ store, components, credentials, webhooks });
  return createRuntimeServices({ store, components, flows, credentials, triggers: { triggers, webhooks } })
    .api;
}

/**
 * Refuses a change that would run trigger hooks of these instances without knowing the public URL (the hooks
 * are told their trigger URLs, e.g. to remove the webhook registered at a vendor): `KW_PUBLIC_URL_UNKNOWN`.
 */
export async function requirePublicUrlForHooks(
  store: Store,
  instanceIds: readonly string[],
  publicBaseUrl: string | undefined,
): Promise<void> {
  if (publicBaseUrl !== undefined) return;
  for (const instanceId of instanceIds) {
    if ((await store.triggers.listSubscriptions({ instanceId })).length === 0) continue;
    throw new KeywayError('KW_PUBLIC_URL_UNKNOWN', {
      message: `Instance "${instanceId}" has trigger subscriptions whose onInstanceDelete needs their URLs: pass --public-url, set KEYWAY_PUBLIC_URL, or set publicUrl in the --config file (the same value \`keyway serve\` uses)`,
      details: { instanceId },
    });
  }
}
