/**
 * The runtime put together one way for every command: on a store, the component registry, the connect flows
 * and the credential manager (the only place a token is refreshed). `keyway serve` and `keyway start` add the
 * background workers and the server's ports (`createRuntimeServices`) on top; `keyway run`, `data-source` and
 * `connections activate` use it as it is.
 */
import { ComponentRegistry, ConnectFlows, CredentialManager } from '../runtime';
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
