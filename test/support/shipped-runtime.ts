/**
 * The real Keyway runtime around a shipped component, for end-to-end tests that go the way an operator does:
 * publish the built bundle into a SQLite store, create an instance, connect (browser flow) or activate (no
 * person), and run actions with the stored tokens.
 */
import { join } from 'node:path';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  createInstance,
  runAction,
} from '../../src/runtime';
import { followAuthorization } from '../../src/sandbox';
import type { Connection, Store } from '../../src/store';
import { openSqliteTestStore } from './runtime-stores';

const REDIRECT_URI = 'https://keyway.example/oauth/callback';
const BROWSER = 'shipped-browser-binding';

/** A store with one published component and the runtime parts around it. */
export interface ShippedRuntime {
  readonly store: Store;
  readonly flows: ConnectFlows;
  /** Publishes `components/<dir>/dist/index.js` as the next version of its key (what `components publish` does). */
  publish(dir: string): Promise<string>;
  /** Creates an instance of `componentKey` with named connections; returns the instance id and connections. */
  instance(
    componentKey: string,
    connections: readonly { name: string; definitionKey: string; fields: Record<string, unknown> }[],
  ): Promise<{ instanceId: string; connections: Connection[] }>;
  /** The browser part of the authorization code flow, against whatever authorize URL the definition names. */
  connectWithCode(connection: Connection): Promise<{ connected: Connection; authorizeUrl: URL }>;
  /** Runs an action; returns what `perform` put under `data`. */
  act(
    instanceId: string,
    componentKey: string,
    actionKey: string,
    inputs?: Record<string, unknown>,
    connection?: string,
  ): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Opens a fresh SQLite store and the runtime on it. */
export async function startShippedRuntime(): Promise<ShippedRuntime> {
  const testStore = await openSqliteTestStore();
  const store = testStore.store;
  const components = new ComponentRegistry({ store });
  const flows = new ConnectFlows({ store, components });
  const credentials = new CredentialManager({ store, components });
  const customerId = (await store.createCustomer({ name: 'Shipped components' })).id;
  let count = 0;
  return {
    store,
    flows,
    async publish(dir) {
      const path = join(__dirname, '..', '..', 'components', dir, 'dist', 'index.js');
      return (await components.publish(path)).published.key;
    },
    async instance(componentKey, connections) {
      const created = await createInstance(
        { store, components },
        {
          customerId,
          name: `${componentKey} ${++count}`,
          components: [componentKey],
          connections: connections.map((c) => ({ ...c, componentKey })),
        },
      );
      return { instanceId: created.instance.id, connections: [...created.connections] };
    },
    async connectWithCode(connection) {
      const { authorizationUrl } = await flows.startAuthorization({
        connectionId: connection.id,
        browserBinding: BROWSER,
        redirectUri: REDIRECT_URI,
      });
      const callback = await followAuthorization(authorizationUrl, { redirectUri: REDIRECT_URI });
      const { connection: connected } = await flows.completeAuthorization(callback, {
        browserBinding: BROWSER,
      });
      return { connected, authorizeUrl: new URL(authorizationUrl) };
    },
    async act(instanceId, componentKey, actionKey, inputs = {}, connection) {
      const { result } = await runAction(
        { store, components, credentials },
        {
          instanceId,
          componentKey,
          actionKey,
          inputs,
          ...(connection !== undefined ? { connections: { connection } } : {}),
        },
      );
      return (result as { data: Record<string, unknown> }).data;
    },
    close: () => testStore.close(),
  };
}
