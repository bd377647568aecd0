/**
 * A refresh marker written by a holder whose lock confirmation then fails (its PostgreSQL session was terminated,
 * its SQLite lease taken from it) is removed by that holder: it sent nothing, so the next holder must not wait
 * for an answer that will never come. And a holder removes only its own marker, never one another refresher
 * wrote over it. On both engines, against the real sandbox (rotating refresh tokens, reuse detection).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { isKeywayError } from '../../src/errors';
import { httpTransport, type Transport } from '../../src/oauth';
import { CredentialManager, type AccessToken } from '../../src/runtime';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { openStore, type Store, type StoreConfig } from '../../src/store';
import { until } from '../support/until';
import {
  connectedSandboxConnection,
  demoComponents,
  dropPostgresSchema,
  expireStoredToken,
  postgresConfig,
  runPostgres,
  sqliteConfig,
} from './workers/fixture';

/**
 * Another refresher, held after its marker and confirmation, before its token request, until `release()`.
 * `requestTimeoutMs` also sets how long a marker it finds counts as in flight (that + 2 s).
 */
function heldRefresher(
  store: Store,
  owner: string,
  requestTimeoutMs?: number,
): { readonly manager: CredentialManager; readonly release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const transport: Transport = async (request, options) => {
    await released;
    return httpTransport(request, options);
  };
  const manager = new CredentialManager({
    store,
    components: demoComponents(store),
    owner,
    transport,
    ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
  });
  return { manager, release };
}

/** Two stores on one database: the holder's, whose lock a test can take away, and everyone else's. */
interface Engine {
  readonly store: Store;
  readonly holderStore: Store;
  /** Makes the holder's lock lost without the holder knowing yet. */
  loseHolderLock(): Promise<void>;
  close(): Promise<void>;
}

async function postgresEngine(): Promise<Engine> {
  const holderApp = `kw_marker_${randomBytes(4).toString('hex')}`;
  const config: StoreConfig = await postgresConfig();
  const store = await openStore(config);
  const holderStore = await openStore({
    ...config,
    databaseUrl: `${config.databaseUrl ?? ''}?application_name=${holderApp}`,
    migrate: false,
  });
  const admin = new pg.Client({ connectionString: config.databaseUrl });
  await admin.connect();
  return {
    store,
    holderStore,
    loseHolderLock: async () => {
      const killed = await admin.query(
        `select pg_terminate_backend(l.pid) from pg_locks l join pg_stat_activity a using (pid)
         where l.locktype = 'advisory' and l.granted and a.application_name = $1`,
        [holderApp],
      );
      expect(killed.rowCount).toBe(1);
    },
    close: async () => {
      await admin.end();
      await holderStore.close();
      await store.close();
      await dropPostgresSchema(config);
    },
  };
}

async function sqliteEngine(): Promise<Engine> {
  const config = sqliteConfig();
  const store = await openStore(config);
  return {
    store,
    holderStore: store,
    loseHolderLock: () => {
      // The lease row gone is what a takeover after failed renewals looks like to its holder.
      const db = new BetterSqlite3(join(config.dataDir ?? '', 'keyway.sqlite'));
      try {
        db.pragma('busy_timeout = 5000');
        expect(db.prepare('delete from locks').run().changes).toBe(1);
      } finally {
        db.close();
      }
      return Promise.resolve();
    },
    close: () => store.close(),
  };
}

const engines: [string, () => Promise<Engine>][] = [
  ['SQLite', sqliteEngine],
  ...(runPostgres ? [['PostgreSQL', postgresEngine] as [string, () => Promise<Engine>]] : []),
];

/** `store` whose `putRefreshMarker` runs `after` once the marker is written, before returning. */
function afterMarker(store: Store, after: () => Promise<void>): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const method = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
      if (key !== 'putRefreshMarker') return method;
      return async (...args: unknown[]) => {
        const written = await method(...args);
        await after();
        return written;
      };
    },
  });
}

/** `store` whose `putRefreshMarker` runs `before` first, and calls `tried` once the write was attempted. */
function beforeMarker(store: Store, before: () => Promise<void>, tried: () => void): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const method = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
      if (key !== 'putRefreshMarker') return method;
      return async (...args: unknown[]) => {
        await before();
        try {
          return await method(...args);
        } finally {
          tried();
        }
      };
    },
  });
}

const codeOf = (err: unknown): string => (isKeywayError(err) ? err.code : String(err));

describe.each(engines)('a refresh marker after a failed lock confirmation (%s)', (_name, open) => {
  let sandbox: Sandbox;
  let engine: Engine;

  beforeAll(async () => {
    sandbox = await startSandbox();
    engine = await open();
  });
  afterAll(async () => {
    await engine.close();
    await sandbox.close();
  });

  it('is removed, so the next holder refreshes at once instead of waiting for it', async () => {
    const { store, holderStore } = engine;
    const { connection } = await connectedSandboxConnection(store, demoComponents(store), sandbox);
    await expireStoredToken(store, connection.id);
    const before = sandbox.tokenRequests()['refresh_token'] ?? 0;
    const holder = new CredentialManager({
      store: afterMarker(holderStore, () => engine.loseHolderLock()),
      components: demoComponents(store),
      owner: 'holder:1',
    });

    const outcome = await holder.getToken(connection.id).then(() => 'token', codeOf);

    expect(outcome).toBe('KW_STORE_UNAVAILABLE');
    expect(sandbox.tokenRequests()['refresh_token'] ?? 0).toBe(before);
    expect(await store.getRefreshMarker(connection.id)).toBeUndefined();
    // A marker left behind would hold it for its request timeout + 2 s before it tried: 62 s with this one, far
    // from what a refresh takes even on a loaded host (the default 12 s was too close to time it reliably).
    const next = new CredentialManager({
      store,
      components: demoComponents(store),
      owner: 'next:1',
      requestTimeoutMs: 60_000,
    });
    const started = Date.now();
    await expect(next.getToken(connection.id)).resolves.toBeDefined();
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(sandbox.tokenRequests()['refresh_token']).toBe(before + 1);
    expect((await store.getConnection(connection.id))?.status).toBe('connected');
  }, 120_000);

  it('is removed only while it is the holder’s own, never once another refresher wrote over it', async () => {
    const { store, holderStore } = engine;
    const { connection } = await connectedSandboxConnection(store, demoComponents(store), sandbox);
    await expireStoredToken(store, connection.id);
    const before = sandbox.tokenRequests()['refresh_token'] ?? 0;
    // The holder's marker counts as in flight for 1 s + 2 s; then the other refresher writes over it.
    const { manager: other, release } = heldRefresher(store, 'other:2', 1_000);
    let otherToken: Promise<AccessToken> | undefined;
    // The holder's confirmation comes only once its lock was lost, the other process took the lock, found the
    // holder's marker stale and wrote its own over it: the order a database that hangs for seconds can produce.
    const holder = new CredentialManager({
      store: afterMarker(holderStore, async () => {
        await engine.loseHolderLock();
        otherToken = other.getToken(connection.id);
        await until(
          'the other refresher’s marker',
          async () => (await store.getRefreshMarker(connection.id))?.owner === 'other:2',
          30_000,
        );
      }),
      components: demoComponents(store),
      owner: 'holder:2',
    });

    const outcome = await holder.getToken(connection.id).then(() => 'token', codeOf);

    expect(outcome).toBe('KW_STORE_UNAVAILABLE');
    expect((await store.getRefreshMarker(connection.id))?.owner).toBe('other:2');
    release();
    expect(otherToken).toBeDefined();
    await expect(otherToken).resolves.toBeDefined();
    expect(sandbox.tokenRequests()['refresh_token']).toBe(before + 1);
    expect(await store.getRefreshMarker(connection.id)).toBeUndefined();
    expect((await store.getConnection(connection.id))?.status).toBe('connected');
  }, 60_000);

  it('is never written over the marker of a refresher that took the lock since the holder looked', async () => {
    const { store, holderStore } = engine;
    const { connection } = await connectedSandboxConnection(store, demoComponents(store), sandbox);
    await expireStoredToken(store, connection.id);
    const before = sandbox.tokenRequests()['refresh_token'] ?? 0;
    const { manager: other, release } = heldRefresher(store, 'other:3');
    let otherToken: Promise<AccessToken> | undefined;
    let tried!: () => void;
    const holderTried = new Promise<void>((resolve) => (tried = resolve));
    // The holder found no marker, then its lock was lost, and the other process took the lock, found no marker
    // and recorded its refresh before the holder's marker write arrived: the order a loaded host can produce.
    const holder = new CredentialManager({
      store: beforeMarker(
        holderStore,
        async () => {
          await engine.loseHolderLock();
          otherToken = other.getToken(connection.id);
          await until(
            'the other refresher’s marker',
            async () => (await store.getRefreshMarker(connection.id))?.owner === 'other:3',
            30_000,
          );
        },
        () => tried(),
      ),
      components: demoComponents(store),
      owner: 'holder:3',
    });

    const holderToken = holder.getToken(connection.id).then((token) => token.accessToken, codeOf);
    await holderTried;

    // The other refresher's request is still in flight: its marker must still say so.
    expect((await store.getRefreshMarker(connection.id))?.owner).toBe('other:3');
    release();
    expect(otherToken).toBeDefined();
    const theirs = (await otherToken) as AccessToken;
    // The holder waited for that answer and uses it: the refresh token was sent once.
    expect(await holderToken).toBe(theirs.accessToken);
    expect(sandbox.tokenRequests()['refresh_token']).toBe(before + 1);
    expect(await store.getRefreshMarker(connection.id)).toBeUndefined();
    expect((await store.getConnection(connection.id))?.status).toBe('connected');
  }, 60_000);
});
