/**
 * Replicas publish the key ids they hold; `keys rotate` refuses (and rewrites nothing) while a live replica
 * lacks the target key, and a process is not ready while stored secrets use a key it does not hold. On both
 * engines, with one store per "replica" on the same database.
 */
import { randomBytes } from 'node:crypto';
import { isKeywayError } from '../../src/errors';
import { storeReadiness } from '../../src/server';
import { openStore, rotateKeys, type Store, type StoreConfig } from '../../src/store';
import { dropPostgresSchema, postgresConfig, sqliteConfig } from '../runtime/workers/fixture';

const k1 = `k1:${randomBytes(32).toString('base64')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;

const engines: [string, () => Promise<StoreConfig>][] = [
  ['SQLite', () => Promise.resolve(sqliteConfig())],
  ['PostgreSQL', postgresConfig],
];

describe.each(engines)('replica keys on %s', (_name, makeConfig) => {
  let config: StoreConfig;
  const opened: Store[] = [];
  const open = async (keys: string, now?: () => number): Promise<Store> => {
    const store = await openStore({ ...config, keys, ...(now ? { now } : {}) });
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    config = await makeConfig();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await dropPostgresSchema(config);
  });

  async function connectionWithSecret(store: Store): Promise<string> {
    const customer = await store.createCustomer({ name: 'Keys' });
    const instance = await store.createInstance({ customerId: customer.id, name: 'Keys', componentKeys: [] });
    const connection = await store.createConnection({
      instanceId: instance.id,
      name: 'c',
      componentKey: 'x',
      definitionKey: 'y',
      grantType: 'authorization_code',
      fields: {},
      secretFields: { clientSecret: 'shh' },
    });
    await store.updateConnection(connection.id, { tokenSet: { access_token: 'secret-token' } });
    return connection.id;
  }

  it('refuses to rotate while a live replica lacks the target key, and rewrites nothing', async () => {
    const old = await open(k1);
    await old.publishReplica({ id: 'old-replica', label: 'host-a:101', ttlMs: 60_000 });
    const id = await connectionWithSecret(old);
    const rotating = await open(`${k1},${k2}`);

    const refusal = await rotateKeys(rotating).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isKeywayError(refusal, 'KW_CRYPTO_KEY_NOT_ON_REPLICAS')).toBe(true);
    expect((refusal as Error).message).toContain('host-a:101');
    expect((refusal as Error).message).toContain('"k2"');
    // Nothing was rewritten: the replica holding only k1 still reads every secret.
    expect((await old.getConnection(id))?.tokenSet).toEqual({ access_token: 'secret-token' });

    // Once that replica holds k2 as well (restarted with both keys), rotation goes ahead.
    const upgraded = await open(`${k1},${k2}`);
    await upgraded.publishReplica({ id: 'old-replica', label: 'host-a:101', ttlMs: 60_000 });
    const report = await rotateKeys(rotating);
    expect(report.rewritten).toBeGreaterThan(0);
    expect(report.failures).toEqual([]);
  });

  it('does not let an expired heartbeat (a crashed replica) block rotation', async () => {
    // The crashed replica's clock: its last heartbeat was ten seconds ago, and lasted one.
    let clock = Date.now() - 10_000;
    const old = await open(k1, () => clock);
    await old.publishReplica({ id: 'gone', label: 'host-b:202', ttlMs: 1000 });
    expect(await old.listLiveReplicas()).toHaveLength(1);
    clock = Date.now();
    expect(await old.listLiveReplicas()).toEqual([]);
    await expect(rotateKeys(await open(`${k1},${k2}`))).resolves.toMatchObject({ primaryKeyId: 'k2' });
  });

  it('is not ready while stored secrets use a key this process does not hold', async () => {
    const current = await open(`${k1},${k2}`);
    await connectionWithSecret(current);
    const stale = await open(k1);

    const result = await storeReadiness(stale).check();
    expect(result).toMatchObject({ ready: false, reason: 'KW_CRYPTO_KEY_UNKNOWN' });
    expect(result.message).toContain('k2');
    expect(await storeReadiness(current).check()).toEqual({ ready: true });
  });
});
