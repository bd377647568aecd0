/**
 * The setup the connect-flow tests share (test/runtime/connect-*.test.ts): the sandbox (a real oidc-provider
 * authorization server on 127.0.0.1), a store of the given engine, the shipped sandbox-demo bundle and the
 * testkit component, and an instance of sandbox-demo using the platform's shared OAuth app.
 */
import { join } from 'node:path';
import { ComponentRegistry, ConnectFlows, CredentialManager, createInstance } from '../../src/runtime';
import { followAuthorization, startSandbox } from '../../src/sandbox';
import type { Sandbox } from '../../src/sandbox';
import type { Connection, Instance, Store } from '../../src/store';
import { buildTestComponent } from '../support/components/build';
import type { TestStore } from '../support/runtime-stores';

const demoBundle = join(__dirname, '..', '..', 'components', 'sandbox-demo', 'dist', 'index.js');

/** The browser binding every flow of these tests starts with. */
export const BROWSER = 'browser-binding-hash-1';

/** `url` with the query parameter `name` set to `value`. */
export function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}

/** What the tests use, available once the `beforeAll` of {@link connectSandbox} has run. */
export interface ConnectSandbox {
  readonly sandbox: Sandbox;
  readonly store: Store;
  readonly components: ComponentRegistry;
  readonly flows: ConnectFlows;
  readonly credentials: CredentialManager;
  readonly instance: Instance;
  readonly redirectUri: string;
  readonly customerId: string;
  /** Runs SQL on the store's database outside the store (see TestStore.rawExec). */
  readonly rawExec: (sqlText: string) => Promise<void>;
}

/** A {@link ConnectSandbox} and two helpers; see {@link connectSandbox}. */
export interface ConnectSandboxSetup extends ConnectSandbox {
  /** A fresh authorization-code connection on the instance. */
  newConnection(): Promise<Connection>;
  /** Starts `connection`'s flow and follows it through the sandbox; resolves to the callback URL. */
  authorize(connection: Connection): Promise<string>;
}

/**
 * Registers the `beforeAll` that builds a {@link ConnectSandbox} on the store `open` makes, and the `afterAll`
 * that closes it; call inside a `describe`. Its parts are read through the returned object once built (in a
 * test), which also serves as `runAction`'s and `createInstance`'s dependencies.
 */
export function connectSandbox(open: () => Promise<TestStore>): ConnectSandboxSetup {
  let built: ConnectSandbox | undefined;
  let testStore: TestStore | undefined;
  let sandboxToClose: Sandbox | undefined;
  let counter = 0;
  const current = (): ConnectSandbox => {
    if (built === undefined) throw new Error('the connect sandbox is not built yet (use it inside a test)');
    return built;
  };

  beforeAll(async () => {
    const sandbox = await startSandbox({ accessTokenTtlS: 3600 });
    sandboxToClose = sandbox;
    testStore = await open();
    const { store } = testStore;
    const components = new ComponentRegistry({ store });
    components.loadFromPath(demoBundle);
    components.loadFromPath(buildTestComponent('testkit'));
    const customerId = (await store.createCustomer({ name: 'Globex' })).id;
    const { instance } = await createInstance(
      {
        store,
        components,
        // The shared OAuth app of the platform: the customer never sees or sets these.
        platformDefaults: {
          sandboxDemo: {
            sandboxOAuth: {
              clientId: sandbox.clients.basic.clientId,
              clientSecret: sandbox.clients.basic.clientSecret,
            },
            sandboxClientCredentials: {
              clientId: sandbox.clients.service.clientId,
              clientSecret: sandbox.clients.service.clientSecret,
            },
          },
        },
      },
      { customerId, name: 'Globex demo', components: ['sandboxDemo'] },
    );
    built = {
      sandbox,
      store,
      components,
      flows: new ConnectFlows({ store, components }),
      credentials: new CredentialManager({ store, components }),
      instance,
      redirectUri: sandbox.clients.basic.redirectUri,
      customerId,
      rawExec: testStore.rawExec,
    };
  });

  afterAll(async () => {
    await testStore?.close();
    await sandboxToClose?.close();
  });

  return {
    get sandbox() {
      return current().sandbox;
    },
    get store() {
      return current().store;
    },
    get components() {
      return current().components;
    },
    get flows() {
      return current().flows;
    },
    get credentials() {
      return current().credentials;
    },
    get instance() {
      return current().instance;
    },
    get redirectUri() {
      return current().redirectUri;
    },
    get customerId() {
      return current().customerId;
    },
    get rawExec() {
      return current().rawExec;
    },
    async newConnection() {
      const { store, instance, sandbox } = current();
      counter += 1;
      return store.createConnection({
        instanceId: instance.id,
        name: `sandbox-${counter}`,
        componentKey: 'sandboxDemo',
        definitionKey: 'sandboxOAuth',
        grantType: 'authorization_code',
        fields: { issuer: sandbox.issuer },
        secretFields: {
          clientId: sandbox.clients.basic.clientId,
          clientSecret: sandbox.clients.basic.clientSecret ?? '',
        },
      });
    },
    async authorize(connection) {
      const { flows, redirectUri } = current();
      const { authorizationUrl } = await flows.startAuthorization({
        connectionId: connection.id,
        browserBinding: BROWSER,
        redirectUri,
      });
      return followAuthorization(authorizationUrl, { redirectUri });
    },
  };
}
