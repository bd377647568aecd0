import { isKeywayError } from '../../src/errors';
import { httpTransport, type Transport } from '../../src/oauth';
import { CredentialManager, runAction, type ComponentRegistry } from '../../src/runtime';
import { resolveClient } from '../../src/runtime/client-config';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { openStore, type OutboxEvent, type Store } from '../../src/store';
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
  sandbox.behaviour.tokenDelayMs = 0;
});
afterEach(async () => {
  await store.close();
});

function refreshes(): number {
  return sandbox.tokenRequests()['refresh_token'] ?? 0;
}

async function events(type?: string): Promise<OutboxEvent[]> {
  const all = await store.claimOutboxEvents({
    now: Date.now() + 10 * 86_400_000,
    limit: 100,
    leaseMs: 1,
    owner: `reader-${Math.random()}`,
  });
  return type === undefined ? all : all.filter((event) => event.type === type);
}

async function callApi(accessToken: string): Promise<number> {
  const res = await fetch(sandbox.apiUrl, { headers: { authorization: `Bearer ${accessToken}` } });
  await res.arrayBuffer();
  return res.status;
}

async function storedTokenSet(id: string): Promise<Record<string, unknown>> {
  const row = await store.getConnection(id);
  if (!row?.tokenSet) throw new Error('no token set');
  return row.tokenSet;
}

async function setExpiresAt(id: string, expiresAt: number): Promise<void> {
  const tokenSet = await storedTokenSet(id);
  await store.updateConnection(id, { tokenSet: { ...tokenSet, expiresAt }, expiresAt });
}

describe('CredentialManager.getToken', () => {
  it('serves the stored token without a token request while it is outside the refresh margin', async () => {
    const { connection } = await connectedSandboxConnection(store, components, sandbox);
    const credentials = new CredentialManager({ store, components });
    const token = await credentials.getToken(connection.id);
    expect(token.accessToken).toBe((await storedTokenSet(connection.id))['accessToken']);
    expect(token.raw['access_token']).toBe(token.accessToken);
    expect(refreshes()).toBe(0);
    expect(await callApi(token.accessToken)).toBe(200);
  });

  it('refreshes inside the margin, saves the rotated refresh token first and emits connection.refreshed', async () => {
    const { connection } = await connectedSandboxConnection(store, components, sandbox);
    const before = await storedTokenSet(connection.id);
    await setExpiresAt(connection.id, Date.now() + 60_000);
    const credentials = new CredentialManager({ store, components });

    const token = await credentials.getToken(connection.id);

    expect(refreshes()).toBe(1);
    expect(token.accessToken).not.toBe(before['accessToken']);
    const row = await store.getConnection(connection.id);
    expect(row?.tokenSet?.['accessToken']).toBe(token.accessToken);
    expect(row?.tokenSet?.['refreshToken']).toEqual(expect.any(String));
    expect(row?.tokenSet?.['refreshToken']).not.toBe(before['refreshToken']);
    expect(row?.expiresAt).toBe(token.expiresAt);
    expect(row?.refreshAt).toBeLessThan(token.expiresAt ?? 0);
    expect(row?.refreshAt).toBeGreaterThan(Date.now());
    const refreshed = await events('connection.refreshed');
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]?.connectionId).toBe(connection.id);
    expect(JSON.stringify(refreshed[0]?.payload)).not.toContain(token.accessToken);
    expect(await callApi(token.accessToken)).toBe(200);
  });

  it('shares one refresh among 50 concurrent callers in one process', async () => {
    const { connection } = await connectedSandboxConnection(store, components, sandbox);
    await expireStoredToken(store, connection.id);
    const credentials = new CredentialManager({ store, components });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => credentials.getToken(connection.id)));
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(refreshes()).toBe(1);
  });

  it('refreshes once when two managers (as two processes would) race on the same store', async () => {
    const { connection } = await connectedSandboxConnection(store, components, sandbox);
    await expireStoredToken(store, connection.id);
    // A slow provider keeps the first refresh in flight while the other manager waits for the lock.
    sandbox.behaviour.tokenDelayMs = 300;
    const a = new CredentialManager({ store, components });
    const b = new CredentialManager({ store, components });
    const tokens = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).getToken(connection.id)),
    );
    expect(refreshes()).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect((await storedTokenSet(connection.id))['accessToken']).toBe(tokens[0]?.accessToken);
  });

  it('honours a per-definition refresh margin override', async () => {
    const { connection } = await connectedSandboxConnection(store, components, sandbox);
    await setExpiresAt(connection.id, Date.now() + 60_000);
    const narrow = new CredentialManager({
      store,
      resolveClient: async (row) => {
        const resolved = await resolveClient({ store, components }, row);
        return { ...resolved, config: { ...resolved.config, refreshMarginSeconds: 10 } };
      },
    });
    const kept = await narrow.getToken(connection.id);
    expect(refreshes()).toBe(0);
    expect(kept.accessToken).toBe((await storedTokenSet(connection.id))['accessToken']);

    // The default margin (5 min, capped at half the 300 s lifetime) puts the same token inside the margin.
    const standard = new CredentialManager({ store, components });
    const renewed = await standard.getToken(connection.id);
    expect(refreshes()).toBe(1);
    expect(renewed.accessToken).not.toBe(kept.accessToken);
  });

  it('forces one refresh for a rejected token and none when the rejected token was already replaced', async () => {
    const { connection } = await connectedSandboxConnection(store, components, sandbox);
    const credentials = new CredentialManager({ store, components });
    const original = await credentials.getToken(connection.id);

    const forced = await credentials.getToken(connection.id, {
      forceRefresh: true,
      rejectedAccessToken: original.accessToken,
    });
    expect(refreshes()).toBe(1);
    expect(forced.accessToken).not.toBe(original.accessToken);

    // A second caller that saw the old token get a 401 finds it already replaced.
    const late = await credentials.getToken(connection.id, {
      forceRefresh: true,
      rejectedAccessToken: original.accessToken,
    });
    expect(refreshes()).toBe(1);
    expect(late.accessToken).toBe(forced.accessToken);
  });

  it('marks the connection needs_reauthorization on invalid_grant, emits the event and stops refreshing', async () => {
    const { connection } = await connectedSandboxConnection(store, components, sandbox);
    const refreshToken = String((await storedTokenSet(connection.id))['refreshToken']);
    await sandbox.revokeAll();
    await expireStoredToken(store, connection.id);
    const credentials = new CredentialManager({ store, components });

    const error = await credentials.getToken(connection.id).catch((err: unknown) => err);
    expect(isKeywayError(error, 'KW_CONNECTION_NOT_CONNECTED')).toBe(true);
    expect(isKeywayError(error) && error.details?.['status']).toBe('needs_reauthorization');
    expect(JSON.stringify(error)).not.toContain(refreshToken);
    expect(String(error)).not.toContain(refreshToken);

    const row = await store.getConnection(connection.id);
    expect(row?.status).toBe('needs_reauthorization');
    expect(row?.lastError?.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect(row?.refreshAt).toBeNull();
    const emitted = await events('connection.needs_reauthorization');
    expect(emitted).toHaveLength(1);
    expect(emitted[0]?.payload['error']).toMatchObject({ code: 'KW_OAUTH_INVALID_GRANT' });

    const again = await credentials.getToken(connection.id).catch((err: unknown) => err);
    expect(isKeywayError(again, 'KW_CONNECTION_NOT_CONNECTED')).toBe(true);
    expect(refreshes()).toBe(1);
  });

  it('keeps serving a still-valid token through a transient failure, backs off, then recovers', async () => {
    const { connection } = await connectedSandboxConnection(store, components, sandbox);
    const original = await storedTokenSet(connection.id);
    let now = Date.now();
    let failing = true;
    let tokenCalls = 0;
    const transport: Transport = async (request, options) => {
      tokenCalls++;
      if (failing) {
        return {
          status: 503,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ error: 'temporarily_unavailable' }),
        };
      }
      return httpTransport(request, options);
    };
    const credentials = new CredentialManager({
      store,
      components,
      transport,
      now: () => now,
      backoff: { baseMs: 10_000, maxMs: 60_000 },
    });
    await setExpiresAt(connection.id, now + 60_000);

    const served = await credentials.getToken(connection.id);
    expect(served.accessToken).toBe(original['accessToken']);
    expect(tokenCalls).toBe(1);
    let row = await store.getConnection(connection.id);
    expect(row?.refreshFailures).toBe(1);
    expect(row?.cooldownUntil).toBe(now + 10_000);
    expect(row?.lastError?.code).toBe('KW_OAUTH_SERVER_ERROR');
    expect(row?.status).toBe('connected');
    expect(await events('connection.refresh_failed')).toHaveLength(1);

    // Inside the cooldown: no new attempt, the old token is still served.
    expect((await credentials.getToken(connection.id)).accessToken).toBe(original['accessToken']);
    expect(tokenCalls).toBe(1);

    // Expired and still cooling down: a typed, transient error saying when to try again.
    now += 61_000;
    await store.updateConnection(connection.id, { cooldownUntil: now + 5000 });
    const cooling = await credentials.getToken(connection.id).catch((err: unknown) => err);
    expect(isKeywayError(cooling, 'KW_CREDENTIALS_COOLDOWN')).toBe(true);
    expect(isKeywayError(cooling) && cooling.transient).toBe(true);
    expect(isKeywayError(cooling) && cooling.retryAfterMs).toBe(5000);
    expect(tokenCalls).toBe(1);

    // Expired, cooldown over, provider still down: the transient error itself, and a longer backoff.
    now += 6000;
    const down = await credentials.getToken(connection.id).catch((err: unknown) => err);
    expect(isKeywayError(down, 'KW_OAUTH_SERVER_ERROR')).toBe(true);
    row = await store.getConnection(connection.id);
    expect(row?.refreshFailures).toBe(2);
    expect(row?.cooldownUntil).toBe(now + 20_000);

    // Provider back, cooldown over: refreshed, failures cleared.
    now += 21_000;
    failing = false;
    const recovered = await credentials.getToken(connection.id);
    expect(recovered.accessToken).not.toBe(original['accessToken']);
    row = await store.getConnection(connection.id);
    expect(row?.refreshFailures).toBe(0);
    expect(row?.cooldownUntil).toBeNull();
    expect(row?.lastError).toBeNull();
    expect(refreshes()).toBe(1);
  });

  it('caps the refresh cooldown at minutes, even after many failures and a day-long Retry-After', async () => {
    const { connection } = await connectedSandboxConnection(store, components, sandbox);
    let now = Date.now();
    let retryAfter: string | undefined = undefined;
    const transport: Transport = () =>
      Promise.resolve({
        status: retryAfter === undefined ? 503 : 429,
        headers: {
          'content-type': 'application/json',
          ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }),
        },
        body: JSON.stringify({ error: 'temporarily_unavailable' }),
      });
    const credentials = new CredentialManager({ store, components, transport, now: () => now });
    await setExpiresAt(connection.id, now - 1000);
    // Ten failures in a row: 30 s doubling would reach hours; the default cap is 5 minutes.
    for (let i = 0; i < 10; i += 1) {
      await credentials.getToken(connection.id).catch(() => undefined);
      const row = await store.getConnection(connection.id);
      expect((row?.cooldownUntil ?? 0) - now).toBeLessThanOrEqual(300_000);
      now = row?.cooldownUntil ?? now;
    }
    expect((await store.getConnection(connection.id))?.refreshFailures).toBe(10);
    retryAfter = '86400';
    const limited = await credentials.getToken(connection.id).catch((err: unknown) => err);
    expect(isKeywayError(limited, 'KW_OAUTH_RATE_LIMITED')).toBe(true);
    expect(((await store.getConnection(connection.id))?.cooldownUntil ?? 0) - now).toBe(300_000);
  });

  it('fetches, caches and re-fetches the token of a client credentials connection', async () => {
    const { connection } = await createSandboxConnection(
      store,
      components,
      sandbox,
      'sandboxClientCredentials',
    );
    const credentials = new CredentialManager({ store, components });
    const count = (): number => sandbox.tokenRequests()['client_credentials'] ?? 0;

    const first = await credentials.getToken(connection.id);
    expect(count()).toBe(1);
    expect(await callApi(first.accessToken)).toBe(200);
    const row = await store.getConnection(connection.id);
    expect(row?.status).toBe('connected');
    // Fetched again on demand only: the background refresher never schedules it.
    expect(row?.refreshAt).toBeNull();
    expect(await events('connection.connected')).toHaveLength(1);

    expect((await credentials.getToken(connection.id)).accessToken).toBe(first.accessToken);
    expect(count()).toBe(1);

    await expireStoredToken(store, connection.id);
    const second = await credentials.getToken(connection.id);
    expect(count()).toBe(2);
    expect(second.accessToken).not.toBe(first.accessToken);
  });

  it('refuses unknown and not-yet-connected connections with typed errors', async () => {
    const credentials = new CredentialManager({ store, components });
    const missing = await credentials.getToken('no-such-connection').catch((err: unknown) => err);
    expect(isKeywayError(missing, 'KW_CONNECTION_NOT_FOUND')).toBe(true);

    const { connection } = await createSandboxConnection(store, components, sandbox);
    const pending = await credentials.getToken(connection.id).catch((err: unknown) => err);
    expect(isKeywayError(pending, 'KW_CONNECTION_NOT_CONNECTED')).toBe(true);
    expect(isKeywayError(pending) && pending.details?.['status']).toBe('pending');
  });

  it('gives runAction exactly one forced refresh when the provider answers 401', async () => {
    const { instanceId, connection } = await connectedSandboxConnection(store, components, sandbox);
    const tokenSet = await storedTokenSet(connection.id);
    // A token the provider no longer accepts although it has not expired (revoked, rotated elsewhere).
    await store.updateConnection(connection.id, {
      tokenSet: {
        ...tokenSet,
        accessToken: 'revoked-token',
        raw: { ...(tokenSet['raw'] as object), access_token: 'revoked-token' },
      },
    });
    const credentials = new CredentialManager({ store, components });
    const result = await runAction(
      { store, components, credentials },
      { instanceId, componentKey: 'sandboxDemo', actionKey: 'getMe' },
    );
    expect(result).toMatchObject({ result: { data: { sub: 'sandbox-user' } } });
    expect(refreshes()).toBe(1);
    expect((await storedTokenSet(connection.id))['accessToken']).not.toBe('revoked-token');
  });
});
