/**
 * A refresh token is sent once even when the session holding the refresh lock dies just before the refresh
 * marker is written (PostgreSQL). The holder learns of its dead session only when the socket's close event is
 * handled, which can come after its last look at the lease; meanwhile another process takes the lock, finds no
 * marker and refreshes. The sandbox rotates refresh tokens and revokes the grant when one is presented twice,
 * so a second send loses the connection. Seen in the chaos test under CPU load (`recovered=false`, every call
 * `KW_CONNECTION_NOT_CONNECTED`).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { isKeywayError } from '../../src/errors';
import { httpTransport, type Transport } from '../../src/oauth';
import { CredentialManager, type AccessToken } from '../../src/runtime';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { openStore, type Store, type StoreConfig } from '../../src/store';
import {
  connectedSandboxConnection,
  demoComponents,
  dropPostgresSchema,
  expireStoredToken,
  postgresConfig,
  runPostgres,
} from './workers/fixture';

(runPostgres ? describe : describe.skip)(
  'the refresh lock session dying before the marker (PostgreSQL)',
  () => {
    const holderApp = `kw_fence_${randomBytes(4).toString('hex')}`;
    let sandbox: Sandbox;
    let config: StoreConfig;
    let store: Store;
    let holderStore: Store;
    let admin: pg.Client;

    beforeAll(async () => {
      sandbox = await startSandbox();
      config = await postgresConfig();
      store = await openStore(config);
      holderStore = await openStore({
        ...config,
        databaseUrl: `${config.databaseUrl ?? ''}?application_name=${holderApp}`,
        migrate: false,
      });
      admin = new pg.Client({ connectionString: config.databaseUrl });
      await admin.connect();
    });
    afterAll(async () => {
      await admin.end();
      await holderStore.close();
      await store.close();
      await sandbox.close();
      await dropPostgresSchema(config);
    });

    it('sends the refresh token once and keeps the grant when the lock is lost just before the marker', async () => {
      const { connection } = await connectedSandboxConnection(store, demoComponents(store), sandbox);
      await expireStoredToken(store, connection.id);
      const other = new CredentialManager({ store, components: demoComponents(store), owner: 'other:1' });
      let otherRefreshed: Promise<unknown> | undefined;
      // The holder's marker write comes only after its lock session was terminated and the other process has
      // taken the lock and refreshed: the order a loaded host can produce.
      const holderView = new Proxy(holderStore, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver) as unknown;
          if (typeof value !== 'function') return value;
          const method = (value as (...a: unknown[]) => unknown).bind(target);
          if (key !== 'putRefreshMarker') return method;
          return async (...args: unknown[]) => {
            const killed = await admin.query(
              `select pg_terminate_backend(l.pid) from pg_locks l join pg_stat_activity a using (pid)
             where l.locktype = 'advisory' and l.granted and a.application_name = $1`,
              [holderApp],
            );
            expect(killed.rowCount).toBe(1);
            otherRefreshed = other.getToken(connection.id);
            await otherRefreshed;
            return method(...args);
          };
        },
      });
      const holder = new CredentialManager({
        store: holderView,
        components: demoComponents(store),
        owner: 'holder:1',
        lockTimeoutMs: 5_000,
      });

      const outcome = await holder.getToken(connection.id).then(
        () => 'token',
        (err: unknown) => (isKeywayError(err) ? err.code : String(err)),
      );

      expect(otherRefreshed).toBeDefined();
      expect(outcome).toBe('KW_STORE_UNAVAILABLE');
      expect(sandbox.tokenRequests()['refresh_token']).toBe(1);
      // The grant survived: the rotated refresh token the other process saved still works.
      await expireStoredToken(store, connection.id);
      await expect(other.getToken(connection.id)).resolves.toBeDefined();
      expect(sandbox.tokenRequests()['refresh_token']).toBe(2);
      const after = await store.getConnection(connection.id);
      expect(after?.status).toBe('connected');
      expect(await store.getRefreshMarker(connection.id)).toBeUndefined();
    }, 60_000);

    it('does not send the refresh token again when the holder that lost the lock saves its answer meanwhile', async () => {
      const { connection } = await connectedSandboxConnection(store, demoComponents(store), sandbox);
      await expireStoredToken(store, connection.id);
      const before = sandbox.tokenRequests()['refresh_token'] ?? 0;
      let reached!: () => void;
      const otherReached = new Promise<void>((resolve) => (reached = resolve));
      let holderDone: Promise<unknown> = Promise.resolve();
      // The other process takes the lock after the holder's session died, reads the row, and looks for a marker
      // only after the holder has saved its answer and dropped its marker.
      const otherView = new Proxy(store, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver) as unknown;
          if (typeof value !== 'function') return value;
          const method = (value as (...a: unknown[]) => unknown).bind(target);
          if (key !== 'getRefreshMarker') return method;
          return async (...args: unknown[]) => {
            reached();
            await holderDone.catch(() => undefined);
            return method(...args);
          };
        },
      });
      const other = new CredentialManager({
        store: otherView,
        components: demoComponents(store),
        owner: 'other:2',
      });
      let otherToken: Promise<unknown> | undefined;
      const transport: Transport = async (request, options) => {
        if (otherToken === undefined) {
          const killed = await admin.query(
            `select pg_terminate_backend(l.pid) from pg_locks l join pg_stat_activity a using (pid)
           where l.locktype = 'advisory' and l.granted and a.application_name = $1`,
            [holderApp],
          );
          expect(killed.rowCount).toBe(1);
          otherToken = other.getToken(connection.id);
          await otherReached;
        }
        return httpTransport(request, options);
      };
      const holder = new CredentialManager({
        store: holderStore,
        components: demoComponents(store),
        owner: 'holder:2',
        transport,
      });

      holderDone = holder.getToken(connection.id);
      const saved = (await holderDone) as AccessToken;
      expect(otherToken).toBeDefined();
      const theirs = (await otherToken) as AccessToken;

      expect(theirs.accessToken).toBe(saved.accessToken);
      expect(sandbox.tokenRequests()['refresh_token']).toBe(before + 1);
      expect((await store.getConnection(connection.id))?.status).toBe('connected');
    }, 60_000);
  },
);
