import type { Transport } from '../../src/oauth';
import { CredentialManager, startRefresher, type ComponentRegistry, type Refresher } from '../../src/runtime';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { openStore, type Store } from '../../src/store';
import {
  connectedSandboxConnection,
  createSandboxConnection,
  demoComponents,
  expireStoredToken,
  sqliteConfig,
} from './workers/fixture';
import { until } from '../support/until';

let sandbox: Sandbox;
let store: Store;
let components: ComponentRegistry;
const running: Refresher[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  store = await openStore(sqliteConfig());
  components = demoComponents(store);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((refresher) => refresher.stop()));
  await store.close();
});

function refreshes(): number {
  return sandbox.tokenRequests()['refresh_token'] ?? 0;
}

/** A connected connection whose refreshAt has passed while its token is still valid (an idle connection). */
async function dueConnection(): Promise<string> {
  const { connection } = await connectedSandboxConnection(store, components, sandbox);
  await store.updateConnection(connection.id, { refreshAt: Date.now() - 1000 });
  return connection.id;
}

function refresher(
  credentials: CredentialManager,
  owner: string,
  intervalMs = 60_000,
  now: () => number = Date.now,
): Refresher {
  const started = startRefresher({ store, credentials, owner, intervalMs, now });
  running.push(started);
  return started;
}

describe('startRefresher', () => {
  it('refreshes an idle connection whose refreshAt passed and leaves fresh ones alone', async () => {
    const due = await dueConnection();
    const { connection: fresh } = await connectedSandboxConnection(store, components, sandbox);
    sandbox.resetCounts();
    const dueBefore = await store.getConnection(due);

    const pass = await refresher(new CredentialManager({ store, components }), 'replica-a').runOnce();

    expect(pass).toMatchObject({ claimed: 1, refreshed: 1, failed: 0 });
    expect(refreshes()).toBe(1);
    const dueAfter = await store.getConnection(due);
    expect(dueAfter?.tokenSet?.['accessToken']).not.toBe(dueBefore?.tokenSet?.['accessToken']);
    expect(dueAfter?.refreshAt).toBeGreaterThan(Date.now());
    expect((await store.getConnection(fresh.id))?.version).toBe(fresh.version);
    // Nothing is due any more.
    expect(await running[0]?.runOnce()).toMatchObject({ claimed: 0 });
  });

  it('never refreshes the same connection twice when two replicas run at once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await dueConnection());
    const versions = new Map<string, number>();
    for (const id of ids) versions.set(id, (await store.getConnection(id))?.version ?? -1);
    sandbox.resetCounts();
    const seen: Record<string, string[]> = { a: [], b: [] };
    const replicas = (['a', 'b'] as const).map((name) => {
      const started = startRefresher({
        store,
        credentials: new CredentialManager({ store, components }),
        owner: `replica-${name}`,
        intervalMs: 60_000,
        batchSize: 3,
        onOutcome: (id) => seen[name]?.push(id),
      });
      running.push(started);
      return started;
    });

    const passes = await Promise.all([
      replicas[0]?.runOnce(),
      replicas[1]?.runOnce(),
      replicas[0]?.runOnce(),
      replicas[1]?.runOnce(),
    ]);

    expect(passes.reduce((sum, pass) => sum + (pass?.refreshed ?? 0), 0)).toBe(6);
    expect(refreshes()).toBe(6);
    expect(seen['a']?.filter((id) => seen['b']?.includes(id))).toEqual([]);
    expect([...(seen['a'] ?? []), ...(seen['b'] ?? [])].sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await store.getConnection(id))?.version).toBe((versions.get(id) ?? 0) + 1);
  });

  it('records a failed refresh and does not claim the connection again before its cooldown', async () => {
    const id = await dueConnection();
    const before = await store.getConnection(id);
    let calls = 0;
    const failing: Transport = () => {
      calls++;
      return Promise.resolve({
        status: 500,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: 'server_error' }),
      });
    };
    const credentials = new CredentialManager({ store, components, transport: failing });
    const outcomes: string[] = [];
    const started = startRefresher({
      store,
      credentials,
      owner: 'replica-a',
      intervalMs: 60_000,
      onOutcome: (_id, outcome) => outcomes.push(outcome.outcome),
    });
    running.push(started);

    expect(await started.runOnce()).toMatchObject({ claimed: 1, refreshed: 0, failed: 1 });
    expect(outcomes).toEqual(['failed']);
    const after = await store.getConnection(id);
    expect(after?.refreshFailures).toBe(1);
    expect(after?.cooldownUntil).toBeGreaterThan(Date.now());
    expect(after?.tokenSet?.['accessToken']).toBe(before?.tokenSet?.['accessToken']);
    expect(after?.status).toBe('connected');

    expect(await started.runOnce()).toMatchObject({ claimed: 0 });
    expect(calls).toBe(1);
  });

  it('stops claiming a due connection whose token has no refresh token instead of retrying it forever', async () => {
    const id = await dueConnection();
    const row = await store.getConnection(id);
    const { refreshToken: _dropped, ...withoutRefresh } = row?.tokenSet ?? {};
    await store.updateConnection(id, { tokenSet: withoutRefresh });
    sandbox.resetCounts();
    const started = refresher(new CredentialManager({ store, components }), 'replica-a');

    expect(await started.runOnce()).toMatchObject({ claimed: 1, refreshed: 0, fresh: 1 });
    expect(refreshes()).toBe(0);
    expect((await store.getConnection(id))?.refreshAt).toBeNull();
    expect(await started.runOnce()).toMatchObject({ claimed: 0 });
  });

  it('leaves an idle client credentials token alone and fetches it again only when an action needs it', async () => {
    const { connection } = await createSandboxConnection(
      store,
      components,
      sandbox,
      'sandboxClientCredentials',
    );
    const credentials = new CredentialManager({ store, components });
    await credentials.getToken(connection.id);
    // A row scheduled before tokens were fetched on demand: due, its token past the margin.
    await expireStoredToken(store, connection.id);
    sandbox.resetCounts();
    const grants = (): number => sandbox.tokenRequests()['client_credentials'] ?? 0;
    const started = refresher(credentials, 'replica-a');

    expect(await started.runOnce()).toMatchObject({ claimed: 1, refreshed: 0, fresh: 1 });
    expect(grants()).toBe(0);
    expect((await store.getConnection(connection.id))?.refreshAt).toBeNull();
    expect(await started.runOnce()).toMatchObject({ claimed: 0 });

    // On demand: the next use fetches a fresh token, and still schedules nothing.
    await credentials.getToken(connection.id);
    expect(grants()).toBe(1);
    expect((await store.getConnection(connection.id))?.refreshAt).toBeNull();
    expect(await started.runOnce()).toMatchObject({ claimed: 0 });
  });

  it('keeps polling on its own until stopped', async () => {
    const id = await dueConnection();
    const before = await store.getConnection(id);
    // Each pass reads the clock once, to claim what is due: counting the reads counts the passes.
    const passes = { 'replica-a': 0, 'replica-b': 0 };
    const counted = (owner: keyof typeof passes) => () => {
      passes[owner] += 1;
      return Date.now();
    };
    const started = refresher(
      new CredentialManager({ store, components }),
      'replica-a',
      20,
      counted('replica-a'),
    );

    await until('the refresher to refresh on its own', async () => {
      const now = await store.getConnection(id);
      return now?.tokenSet?.['accessToken'] !== before?.tokenSet?.['accessToken'];
    });

    await started.stop();
    const passesWhenStopped = passes['replica-a'];
    await store.updateConnection(id, { refreshAt: Date.now() - 1000 });
    // A replica polling at the same interval, started after the stop: by the time it has refreshed the row and
    // polled twice more, the stopped one would have polled too had its timer survived.
    const dueVersion = (await store.getConnection(id))?.version;
    refresher(new CredentialManager({ store, components }), 'replica-b', 20, counted('replica-b'));
    await until('the other replica to refresh the row', async () => {
      return (await store.getConnection(id))?.version !== dueVersion;
    });
    const seen = passes['replica-b'];
    await until('the other replica to poll twice more', () => passes['replica-b'] >= seen + 2);
    expect(passes['replica-a']).toBe(passesWhenStopped);
  });
});
