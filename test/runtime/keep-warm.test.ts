/**
 * The keep-warm window for client-credentials tokens (issue #24, item 11): off by default (tokens fetched on
 * demand, never in the background); with a window of N minutes, the background refresher renews the token of a
 * connection used within N minutes before its renewal is due, and leaves idle ones alone. Real sandbox token
 * endpoint, real SQLite store, the refresher's and the credential manager's clock injected (no waits).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeConfig } from '../../src/cli/config';
import { isKeywayError } from '../../src/errors';
import {
  CredentialManager,
  runAction,
  startRefresher,
  type ComponentRegistry,
  type Refresher,
} from '../../src/runtime';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { openStore, type Store } from '../../src/store';
import { createSandboxConnection, demoComponents, sqliteConfig } from './workers/fixture';

const MINUTE = 60_000;
/** Sandbox tokens live an hour; the default margin renews them 5 minutes before they expire. */
const TTL_S = 3600;
const WINDOW = 10 * MINUTE;

let sandbox: Sandbox;
let store: Store;
let components: ComponentRegistry;
let clock: number;
const now = (): number => clock;
const running: Refresher[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ accessTokenTtlS: TTL_S });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  clock = Date.now();
  store = await openStore(sqliteConfig());
  components = demoComponents(store);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((refresher) => refresher.stop()));
  await store.close();
});

const grants = (): number => sandbox.tokenRequests()['client_credentials'] ?? 0;

function setUp(recentUseWindowMs?: number): { credentials: CredentialManager; refresher: Refresher } {
  const credentials = new CredentialManager({
    store,
    components,
    now,
    ...(recentUseWindowMs !== undefined ? { recentUseWindowMs } : {}),
  });
  const refresher = startRefresher({ store, credentials, owner: 'replica-a', intervalMs: 3_600_000, now });
  running.push(refresher);
  return { credentials, refresher };
}

/** A client-credentials connection with its first token, fetched on demand at the current clock. */
async function fetched(
  credentials: CredentialManager,
): Promise<{ id: string; instanceId: string; due: number; refreshAt: number | null }> {
  const { connection, instanceId } = await createSandboxConnection(
    store,
    components,
    sandbox,
    'sandboxClientCredentials',
  );
  await credentials.getToken(connection.id);
  const row = await store.getConnection(connection.id);
  const due = (row?.expiresAt ?? 0) - 5 * MINUTE;
  return { id: connection.id, instanceId, due, refreshAt: row?.refreshAt ?? null };
}

/** Runs the demo action with the connection, as a customer's workflow would (the hot path's cached token). */
async function use(credentials: CredentialManager, instanceId: string): Promise<void> {
  await runAction(
    { store, components, credentials },
    { instanceId, componentKey: 'sandboxDemo', actionKey: 'getMe' },
  );
}

describe('the keep-warm window for client-credentials tokens', () => {
  it('renews in the background a connection used within the window, and leaves an idle one alone', async () => {
    const { credentials, refresher } = setUp(WINDOW);
    const used = await fetched(credentials);
    const idle = await fetched(credentials);
    expect([used.refreshAt, idle.refreshAt]).toEqual([null, null]);
    await use(credentials, used.instanceId);
    await use(credentials, idle.instanceId);
    const idleToken = (await store.getConnection(idle.id))?.tokenSet?.['accessToken'];

    // Used 4 minutes before its renewal is due: inside the 10-minute window.
    clock = used.due - 4 * MINUTE;
    await use(credentials, used.instanceId);
    expect((await store.getConnection(used.id))?.refreshAt).toBe(used.due);
    expect((await store.getConnection(idle.id))?.refreshAt).toBeNull();

    sandbox.resetCounts();
    clock = used.due + 1000;
    expect(await refresher.runOnce()).toMatchObject({ claimed: 1, refreshed: 1, failed: 0 });
    expect(grants()).toBe(1);
    const renewed = await store.getConnection(used.id);
    expect(renewed?.expiresAt).toBe(clock + TTL_S * 1000);
    expect(renewed?.refreshAt).toBeNull();
    expect((await store.getConnection(idle.id))?.tokenSet?.['accessToken']).toBe(idleToken);

    // Nobody uses it in the next window: the refresher leaves it alone from then on.
    clock = (renewed?.expiresAt ?? 0) - 5 * MINUTE + 1000;
    expect(await refresher.runOnce()).toMatchObject({ claimed: 0 });
    expect(grants()).toBe(1);
  });

  it('schedules a token fetched on demand at once when its renewal falls inside the window', async () => {
    const { credentials, refresher } = setUp(2 * TTL_S * 1000);
    // The fetch itself is a use, and the whole lifetime lies inside a two-hour window.
    const { id, due, refreshAt } = await fetched(credentials);
    expect(refreshAt).toBe(due);
    sandbox.resetCounts();
    clock = due + 1000;
    expect(await refresher.runOnce()).toMatchObject({ claimed: 1, refreshed: 1 });
    expect(grants()).toBe(1);
    expect((await store.getConnection(id))?.expiresAt).toBe(clock + TTL_S * 1000);
  });

  it('is off by default: a connection used just before its renewal is still renewed only on demand', async () => {
    const { credentials, refresher } = setUp();
    const { id, instanceId, due, refreshAt } = await fetched(credentials);
    expect(refreshAt).toBeNull();
    clock = due - MINUTE;
    await use(credentials, instanceId);
    expect((await store.getConnection(id))?.refreshAt).toBeNull();
    sandbox.resetCounts();
    clock = due + 1000;
    expect(await refresher.runOnce()).toMatchObject({ claimed: 0 });
    expect(grants()).toBe(0);
  });
});

describe('the keep-warm window setting', () => {
  it('is 0 (off) unless the config file or KEYWAY_GRANT_REFRESH_WINDOW_MINUTES sets it; the environment wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyway-keep-warm-'));
    try {
      const file = join(dir, 'keyway.json');
      writeFileSync(file, JSON.stringify({ grantRefreshWindowMinutes: 15 }));
      expect(loadServeConfig({ dataDir: dir }, {}).serve.grantRefreshWindowMinutes).toBe(0);
      expect(loadServeConfig({ dataDir: dir, config: file }, {}).serve.grantRefreshWindowMinutes).toBe(15);
      const env = { KEYWAY_GRANT_REFRESH_WINDOW_MINUTES: '30' };
      expect(loadServeConfig({ dataDir: dir, config: file }, env).serve.grantRefreshWindowMinutes).toBe(30);
      let refused: unknown;
      try {
        loadServeConfig({ dataDir: dir }, { KEYWAY_GRANT_REFRESH_WINDOW_MINUTES: '-5' });
      } catch (error) {
        refused = error;
      }
      expect(isKeywayError(refused) && refused.code).toBe('KW_CONFIG_INVALID');
      expect(String((refused as Error).message)).toContain('KEYWAY_GRANT_REFRESH_WINDOW_MINUTES');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
