/**
 * What the credential manager keeps between calls (the row a caller passes, the resolved client per row
 * version) must never serve anything the store no longer says. Against the real sandbox and a real SQLite file.
 */
import { isKeywayError } from '../../src/errors';
import { CredentialManager, type ComponentRegistry } from '../../src/runtime';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { openStore, type Store } from '../../src/store';
import { cachedClientResolver } from '../../src/runtime/client-config';
import {
  connectedSandboxConnection,
  createSandboxConnection,
  demoComponents,
  expireStoredToken,
  sqliteConfig,
} from './workers/fixture';

let sandbox: Sandbox;
let store: Store;
let components: ComponentRegistry;

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  store = await openStore(sqliteConfig());
  components = demoComponents(store);
  sandbox.resetCounts();
});
afterEach(async () => {
  await store.close();
});

/** The store, counting `getConnection` calls. */
function countingReads(inner: Store): { store: Store; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'getConnection') {
        return (id: string) => {
          reads++;
          return target.getConnection(id);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: counted, reads: () => reads };
}

describe('CredentialManager caches', () => {
  it('serves a valid token from the row the caller passes, without reading the connection again', async () => {
    const { connection } = await connectedSandboxConnection(store, components, sandbox);
    const counting = countingReads(store);
    const credentials = new CredentialManager({ store: counting.store, components });
    const token = await credentials.getToken(connection.id, undefined, connection);
    expect(token.accessToken).toBe(connection.tokenSet?.['accessToken']);
    expect(counting.reads()).toBe(0);
    // A row for another connection is not taken for this one.
    const other = { ...connection, id: 'someone-else' };
    await credentials.getToken(connection.id, undefined, other);
    expect(counting.reads()).toBe(1);
  });

  it('ignores the passed row on a forced refresh and refreshes against the current one', async () => {
    const { connection } = await connectedSandboxConnection(store, components, sandbox);
    const credentials = new CredentialManager({ store, components });
    const fresh = await credentials.getToken(connection.id, {
      forceRefresh: true,
      rejectedAccessToken: String(connection.tokenSet?.['accessToken']),
    });
    expect(fresh.accessToken).not.toBe(connection.tokenSet?.['accessToken']);
    // The caller's stale row still holds the rejected token; it must not make the new one look replaced.
    const again = await credentials.getToken(
      connection.id,
      { forceRefresh: true, rejectedAccessToken: fresh.accessToken },
      connection,
    );
    expect(again.accessToken).not.toBe(fresh.accessToken);
    expect(sandbox.tokenRequests()['refresh_token']).toBe(2);
  });

  it('resolves the client again once the connection row changes', async () => {
    const { connection } = await connectedSandboxConnection(store, components, sandbox);
    const credentials = new CredentialManager({ store, components });
    await expireStoredToken(store, connection.id);
    await credentials.getToken(connection.id); // resolves (and caches) the client with the right secret
    const current = await store.getConnection(connection.id);
    if (!current) throw new Error('connection vanished');
    await store.updateConnection(connection.id, {
      secretFields: { ...current.secretFields, clientSecret: 'not-the-secret' },
    });
    await expireStoredToken(store, connection.id);
    const failure: unknown = await credentials.getToken(connection.id).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isKeywayError(failure, 'KW_OAUTH_INVALID_CLIENT')).toBe(true);
  });

  it('serves a fresh token from the snapshot row it is given without reading the store', async () => {
    const { instanceId, connection } = await connectedSandboxConnection(store, components, sandbox);
    const snapshot = await store.getInstanceWithConnections(instanceId);
    const row = snapshot?.connections.find((c) => c.id === connection.id);
    if (!row) throw new Error('no snapshot row');
    const counting = countingReads(store);
    const credentials = new CredentialManager({ store: counting.store, components, refreshMarginMs: 60_000 });
    const token = await credentials.getToken(row.id, undefined, row);
    expect(token.accessToken).toBe(row.tokenSet?.['accessToken']);
    expect((await credentials.getToken(row.id, undefined, row)).accessToken).toBe(token.accessToken);
    expect(counting.reads()).toBe(0);
  });

  it('decides once per snapshot row until the refresh margin starts, then looks again', async () => {
    const { instanceId, connection } = await connectedSandboxConnection(store, components, sandbox);
    const snapshot = await store.getInstanceWithConnections(instanceId);
    const row = snapshot?.connections.find((c) => c.id === connection.id);
    const expiresAt = row?.tokenSet?.['expiresAt'];
    if (!row || typeof expiresAt !== 'number') throw new Error('no snapshot row with an expiry');
    const resolve = cachedClientResolver({ store, components });
    let resolves = 0;
    let now = expiresAt - 120_000;
    const credentials = new CredentialManager({
      store,
      resolveClient: (c) => {
        resolves++;
        return resolve(c);
      },
      now: () => now,
      refreshMarginMs: 60_000,
    });
    const token = await credentials.getToken(row.id, undefined, row);
    expect(resolves).toBe(1);
    now += 30_000;
    expect(await credentials.getToken(row.id, undefined, row)).toBe(token);
    expect(resolves).toBe(1);
    // Inside the margin: decided afresh (and refreshed).
    now = expiresAt - 30_000;
    const refreshed = await credentials.getToken(row.id, undefined, row);
    expect(resolves).toBeGreaterThan(1);
    expect(refreshed.accessToken).not.toBe(token.accessToken);
  });

  it('resolves a definition once for every connection with the same fields, each result with its own row', async () => {
    // Many customers' connections share one platform app: the same client id, secret and URLs.
    const a = (await createSandboxConnection(store, components, sandbox)).connection;
    const b = (await createSandboxConnection(store, components, sandbox)).connection;
    const resolve = cachedClientResolver({ store, components });
    const resolvedA = await resolve(a);
    const resolvedB = await resolve(b);
    expect(resolvedB.config).toBe(resolvedA.config);
    expect(resolvedA.connection).toBe(a);
    expect(resolvedB.connection).toBe(b);
    // Different field values are a different client, resolved on their own.
    const other = (await createSandboxConnection(store, components, sandbox, 'sandboxClientCredentials'))
      .connection;
    const resolvedOther = await resolve(other);
    expect(resolvedOther.config).not.toBe(resolvedA.config);
    expect(resolvedOther.config.clientId).not.toBe(resolvedA.config.clientId);
    expect(resolvedOther.connection).toBe(other);
  });
});
