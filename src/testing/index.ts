/**
 * Testing helpers for connector authors (`keyway/testing`): run a component's action the way Keyway runs it —
 * same loader, same connection value, same input defaults — with a token stored beforehand (against a fake of the
 * vendor's API), or with a token obtained through a real connect flow against Keyway's sandbox authorization
 * server (oidc-provider). Each helper works in a throw-away SQLite store in a temp directory; `close()` removes it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeywayError } from '../errors';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  createInstance,
  grantTypeOf,
  runAction,
} from '../runtime';
import type { LoadedComponent } from '../runtime';
import { followAuthorization, startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { openStore } from '../store';
import type { Connection, Store } from '../store';

/** A component to test: the object `component(...)` returns (its module's default export), or a bundle's path. */
export type ComponentUnderTest = object | string;

/** A token response as a provider sends it (`access_token`, `token_type`, `expires_in`, extras…). */
export type RawToken = Readonly<Record<string, unknown>> & { readonly access_token: string };

/** A component, one instance of it with one connection, and a way to run its actions. */
export interface TestInstance {
  readonly store: Store;
  readonly component: LoadedComponent;
  /** The instance's one connection, as stored now. */
  connection(): Promise<Connection>;
  /** Runs an action with the connection (and the given inputs; missing ones take their defaults). */
  runAction(
    actionKey: string,
    inputs?: Readonly<Record<string, unknown>>,
  ): Promise<{ readonly result: unknown }>;
  /** Closes the store (and the sandbox, if one was started) and deletes the temp directory. */
  close(): Promise<void>;
}

interface Setup {
  readonly component: ComponentUnderTest;
  /** The connection definition to use; defaults to the component's only one. */
  readonly definitionKey?: string;
  /** Values of the connection's inputs (an API base URL pointing at your fake, a subdomain, …). */
  readonly fields?: Readonly<Record<string, unknown>>;
}

async function setUp(
  setup: Setup,
  extraFields: Readonly<Record<string, unknown>>,
  onClose: () => Promise<void>,
): Promise<TestInstance & { readonly connectionId: string; readonly components: ComponentRegistry }> {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-testing-'));
  const store = await openStore({ dataDir: dir, notice: () => undefined });
  try {
    const components = new ComponentRegistry({ store });
    const component =
      typeof setup.component === 'string'
        ? components.loadFromPath(setup.component)
        : components.registerExports(
            { default: setup.component },
            createHash('sha256').update(randomUUID()).digest('hex'),
          );
    const definitionKey = setup.definitionKey ?? [...component.connections.keys()][0];
    if (definitionKey === undefined) {
      throw new KeywayError('KW_CONNECTION_INVALID', {
        message: `Component "${component.key}" has no connection definition`,
      });
    }
    const customer = await store.createCustomer({ name: 'Test customer' });
    const created = await createInstance(
      { store, components },
      {
        customerId: customer.id,
        name: 'Test instance',
        components: [component.key],
        connections: [
          {
            name: 'connection',
            componentKey: component.key,
            definitionKey,
            fields: { ...extraFields, ...setup.fields },
          },
        ],
      },
    );
    const connectionId = created.connections[0]?.id ?? '';
    const credentials = new CredentialManager({ store, components });
    return {
      store,
      component,
      components,
      connectionId,
      async connection() {
        const found = await store.getConnection(connectionId);
        if (!found) throw new KeywayError('KW_STORE_NOT_FOUND', { message: 'The test connection is gone' });
        return found;
      },
      async runAction(actionKey, inputs = {}) {
        const run = await runAction(
          { store, components, credentials },
          { instanceId: created.instance.id, componentKey: component.key, actionKey, inputs },
        );
        return { result: run.result };
      },
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
        await onClose();
      },
    };
  } catch (error) {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await onClose();
    throw error;
  }
}

/**
 * An instance of the component whose connection already holds `token`, as if a customer had connected: for
 * running actions against an in-process fake of the vendor's API (point the connection at it with `fields`).
 * The token is served as stored while it is valid (`expires_in` in the future, or none).
 */
export async function withStoredToken(options: Setup & { readonly token: RawToken }): Promise<TestInstance> {
  // No token request is made while the token is valid, but the connection must still resolve: stand-in client.
  const client = { clientId: 'keyway-test-client', clientSecret: 'keyway-test-secret' };
  const instance = await setUp(options, client, () => Promise.resolve());
  const now = Date.now();
  const expiresIn = typeof options.token['expires_in'] === 'number' ? options.token['expires_in'] : undefined;
  const expiresAt = expiresIn === undefined ? null : now + expiresIn * 1000;
  await instance.store.updateConnection(instance.connectionId, {
    tokenSet: {
      accessToken: options.token.access_token,
      tokenType:
        typeof options.token['token_type'] === 'string'
          ? options.token['token_type'].toLowerCase()
          : 'bearer',
      ...(expiresIn !== undefined ? { expiresIn, expiresAt: now + expiresIn * 1000 } : {}),
      raw: { ...options.token },
    },
    expiresAt,
    status: 'connected',
    connectedAt: now,
  });
  return instance;
}

/** An instance connected through a real flow against a sandbox started for it; see {@link connectWithSandbox}. */
export interface SandboxInstance extends TestInstance {
  readonly sandbox: Sandbox;
}

/**
 * Starts Keyway's sandbox authorization server, creates an instance of the component whose connection points at
 * it (the `issuer` field and the sandbox's client id and secret for the connection's grant), and connects it the
 * way a customer would: authorization code with PKCE through the sandbox's automatic login and consent, or client
 * credentials. The component's connection must take an `issuer` input, as connections built from Keyway's
 * `sandbox` provider do (`toSpectralConnection(sandbox, …)` from `keyway/providers`).
 */
export async function connectWithSandbox(options: Setup): Promise<SandboxInstance> {
  const sandbox = await startSandbox();
  const instance = await setUp(options, { issuer: sandbox.issuer }, () => sandbox.close()).catch(
    async (error: unknown) => {
      await sandbox.close();
      throw error;
    },
  );
  try {
    const connection = await instance.connection();
    const flows = new ConnectFlows({ store: instance.store, components: instance.components });
    const definition = instance.component.connections.get(connection.definitionKey);
    const grant = definition ? grantTypeOf(definition) : connection.grantType;
    const client = grant === 'client_credentials' ? sandbox.clients.service : sandbox.clients.basic;
    await instance.store.updateConnection(connection.id, {
      secretFields: {
        ...connection.secretFields,
        clientId: client.clientId,
        clientSecret: client.clientSecret ?? '',
      },
    });
    if (grant === 'client_credentials') {
      await flows.connectWithClientCredentials(connection.id);
    } else if (grant === 'authorization_code') {
      const browserBinding = randomUUID();
      const redirectUri = `${sandbox.issuer}/cb`;
      const started = await flows.startAuthorization({
        connectionId: connection.id,
        browserBinding,
        redirectUri,
      });
      const callback = await followAuthorization(started.authorizationUrl, { redirectUri });
      await flows.completeAuthorization(callback, { browserBinding });
    } else {
      throw new KeywayError('KW_CONNECT_GRANT_UNSUPPORTED', {
        message: `connectWithSandbox drives authorization code and client credentials; "${connection.definitionKey}" uses ${grant}`,
      });
    }
    return { ...instance, sandbox };
  } catch (error) {
    await instance.close();
    throw error;
  }
}
