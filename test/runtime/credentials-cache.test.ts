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

  it('serves a token it found fresh in a snapshot row without a promise, until the refresh margin starts', async () => {
    const { instanceId, connection } = await connectedSandboxConnection(store, components, sandbox);
    const snapshot = await store.getInstanceWithConnections(instanceId);
    const row = snapshot?.connections.find((c) => c.id === connection.id);
    if (!row) throw new Error('no snapshot row');
    expect(Object.isFrozen(row)).toBe(true);
    const expiresAt = Number(row.tokenSet?.['expiresAt']);
    const expiresIn = Number(row.tokenSet?.['expiresIn']);
    const marginMs = Math.min(60_000, (expiresIn * 1000) / 2);
    let clock = Date.now();
    const counting = countingReads(store);
    const credentials = new CredentialManager({
      store: counting.store,
      components,
      refreshMarginMs: 60_000,
      now: () => clock,
    });
    // Nothing is known before the first decision.
    expect(credentials.cachedToken(row)).toBeUndefined();
    const token = await credentials.getToken(row.id, undefined, row);
    expect(credentials.cachedToken(row)).toBe(token);
    // A copy of the row is not the row the decision was made for (and could have been changed).
    expect(credentials.cachedToken({ ...row })).toBeUndefined();
    clock = expiresAt - marginMs - 1;
    expect(credentials.cachedToken(row)).toBe(token);
    // Inside the margin the token must be decided again (and refreshed), never served from memory.
    clock = expiresAt - marginMs;
    expect(credentials.cachedToken(row)).toBeUndefined();
    expect(counting.reads()).toBe(0);
    // A token write makes a new snapshot row, which starts unknown.
    clock = Date.now();
    await expireStoredToken(store, connection.id);
    const changed = (await store.getInstanceWithConnections(instanceId))?.connections.find(
      (c) => c.id === connection.id,
    );
    if (!changed) throw new Error('no changed row');
    expect(changed).not.toBe(row);
    expect(credentials.cachedToken(changed)).toBeUndefined();
    const refreshed = await credentials.getToken(changed.id, undefined, changed);
    expect(refreshed.accessToken).not.toBe(token.accessToken);
    // The expired row itself is never remembered as servable.
    expect(credentials.cachedToken(changed)).toBeUndefined();
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
