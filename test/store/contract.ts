/**
 * The store contract: one suite, run unchanged against every engine (sqlite.test.ts, postgres.test.ts).
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { isKeywayError } from '../../src/errors';
import type { ErrorCode } from '../../src/errors';
import { KeyRing, envelopeKeyId, migrateStore, openStore, rotateKeys } from '../../src/store';
import type { Connection, FinishedExecution, Store, StoreConfig } from '../../src/store';
import type { KyselyStore } from '../../src/store/kysely-store';

/** What an engine's test file provides to the contract. */
export interface ContractEnv {
  /** Config pointing at this file's database, without keys. */
  readonly config: StoreConfig;
  /** Runs SQL directly against the database, bypassing the store (`?` placeholders). */
  rawQuery(sqlText: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Everything the database holds at rest, as text (file bytes or every row). */
  rawDump(): Promise<string>;
}

/** Two fixed test keys, so the suite can move data between rings. */
export const keyA = `ka:${Buffer.alloc(32, 1).toString('base64')}`;
export const keyB = `kb:${Buffer.alloc(32, 2).toString('base64')}`;

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    if (!isKeywayError(err)) throw err;
    expect(err.code).toBe(code);
    return err;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/**
 * Tests that start other processes: skipped by `npm run test:unit` (KEYWAY_TEST_UNIT=1), the fast inner loop;
 * `npm test` runs them.
 */
const multiProcess = process.env['KEYWAY_TEST_UNIT'] === '1' ? it.skip : it;

function runWorker(job: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', join(__dirname, 'worker.ts'), JSON.stringify(job)],
      { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${String(code)}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>);
    });
  });
}

/** Registers the contract suite for one engine. `setup` runs once; `teardown` after all tests. */
export function storeContract(setup: () => Promise<ContractEnv>, teardown: () => Promise<void>): void {
  let env: ContractEnv;
  let store: Store;
  const stores: Store[] = [];

  const open = async (overrides: Partial<StoreConfig> = {}): Promise<Store> => {
    const opened = await openStore({ ...env.config, keys: keyA, ...overrides });
    stores.push(opened);
    return opened;
  };

  beforeAll(async () => {
    env = await setup();
    store = await open();
  });

  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await teardown();
  });

  async function fixture(): Promise<{ instanceId: string; connection: Connection }> {
    const customer = await store.createCustomer({ name: 'Acme', externalId: `acme-${randomUUID()}` });
    const instance = await store.createInstance({ customerId: customer.id, name: 'Acme CRM sync' });
    const connection = await store.createConnection({
      instanceId: instance.id,
      name: 'crmConnection',
      componentKey: 'salesforce',
      definitionKey: 'salesforce-oauth',
      grantType: 'authorization_code',
      fields: { clientId: 'client-123' },
      secretFields: { clientSecret: 'secret-value' },
    });
    return { instanceId: instance.id, connection };
  }

  describe('customers and instances', () => {
    it('round-trips a customer and finds it by external id', async () => {
      const created = await store.createCustomer({ name: 'Globex', externalId: `globex-${randomUUID()}` });
      expect(await store.getCustomer(created.id)).toEqual(created);
      expect(await store.getCustomerByExternalId(created.externalId ?? '')).toEqual(created);
      const renamed = await store.updateCustomer(created.id, { name: 'Globex Corp' });
      expect(renamed.name).toBe('Globex Corp');
      expect(await store.getCustomer('nope')).toBeUndefined();
    });

    it('rejects a second customer with the same external id', async () => {
      const externalId = `dup-${randomUUID()}`;
      await store.createCustomer({ name: 'One', externalId });
      await expectCode(store.createCustomer({ name: 'Two', externalId }), 'KW_STORE_CONFLICT');
    });

    it('rejects an instance of a customer that does not exist', async () => {
      await expectCode(store.createInstance({ customerId: 'missing', name: 'x' }), 'KW_STORE_NOT_FOUND');
    });

    it('keeps config values and component keys as JSON and deletes connections with their instance', async () => {
      const { instanceId, connection } = await fixture();
      const updated = await store.updateInstance(instanceId, {
        componentKeys: ['salesforce', 'slack'],
        config: { region: 'eu', retries: 3, nested: { on: true } },
      });
      expect(updated.componentKeys).toEqual(['salesforce', 'slack']);
      expect((await store.getInstance(instanceId))?.config).toEqual({
        region: 'eu',
        retries: 3,
        nested: { on: true },
      });
      await store.deleteInstance(instanceId);
      expect(await store.getConnection(connection.id)).toBeUndefined();
    });

    it('names the offending field when input is malformed', async () => {
      const err = await expectCode(store.createCustomer({ name: '' }), 'KW_STORE_INVALID_INPUT');
      expect((err as Error).message).toContain('name');
    });
  });

  describe('instance with its customer and connections', () => {
    it('reads exactly what getInstance, getCustomer and listConnections answer', async () => {
      const { instanceId, connection } = await fixture();
      const second = await store.createConnection({
        instanceId,
        name: 'otherConnection',
        componentKey: 'slack',
        definitionKey: 'slack-oauth',
        grantType: 'authorization_code',
        secretFields: { clientSecret: 'another-secret' },
        tokenSet: { accessToken: 'at-1', tokenType: 'bearer' },
      });
      await store.putState({ instanceId, scope: 'instance', key: 'flow-1' }, { cursor: 42 });
      await store.putState({ instanceId, scope: 'integration' }, { shared: ['a'] });
      const instance = await store.getInstance(instanceId);
      const states = [
        { scope: 'instance', key: 'flow-1' },
        { scope: 'crossFlow' },
        { scope: 'integration' },
        { scope: 'instance', key: 'flow-2' },
      ] as const;
      const read = await store.getInstanceWithConnections(instanceId, { states });
      expect(read).toEqual({
        instance,
        customer: await store.getCustomer(instance?.customerId ?? ''),
        connections: await store.listConnections({ instanceId }),
        states: await store.getStates(states.map((key) => ({ instanceId, ...key }))),
      });
      expect(read?.states).toEqual([{ cursor: 42 }, undefined, { shared: ['a'] }, undefined]);
      expect(read?.connections.map((c) => c.id).sort()).toEqual([connection.id, second.id].sort());
      expect(read?.connections.find((c) => c.id === second.id)?.secretFields).toEqual({
        clientSecret: 'another-secret',
      });
    });

    it('answers an instance without connections with an empty list, and a missing one with undefined', async () => {
      const customer = await store.createCustomer({ name: 'Lonely' });
      const instance = await store.createInstance({ customerId: customer.id, name: 'No connections' });
      await store.putState({ instanceId: instance.id, scope: 'crossFlow' }, { seen: true });
      expect(
        await store.getInstanceWithConnections(instance.id, { states: [{ scope: 'crossFlow' }] }),
      ).toEqual({ instance, customer, connections: [], states: [{ seen: true }] });
      expect(await store.getInstanceWithConnections(instance.id)).toEqual({
        instance,
        customer,
        connections: [],
        states: [],
      });
      expect(await store.getInstanceWithConnections('no-such-instance')).toBeUndefined();
    });
  });

  describe('cached instance snapshots', () => {
    const states = [{ scope: 'instance', key: 'flow-1' }, { scope: 'crossFlow' }] as const;
    /** Reads until `done` holds (another process's change arrives within milliseconds), or fails. */
    async function readUntil(
      instanceId: string,
      done: (read: Awaited<ReturnType<Store['getInstanceWithConnections']>>) => boolean,
    ): Promise<void> {
      const deadline = Date.now() + 3000;
      for (;;) {
        const read = await store.getInstanceWithConnections(instanceId, { states });
        if (done(read)) return;
        if (Date.now() > deadline) throw new Error('the change was never seen');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    /**
     * A snapshot the store serves again. PostgreSQL caches only once its LISTEN is in place, a few
     * milliseconds after the first read.
     */
    async function cached(
      instanceId: string,
    ): Promise<Awaited<ReturnType<Store['getInstanceWithConnections']>>> {
      const deadline = Date.now() + 3000;
      for (;;) {
        const first = await store.getInstanceWithConnections(instanceId, { states });
        if ((await store.getInstanceWithConnections(instanceId, { states })) === first) return first;
        if (Date.now() > deadline) throw new Error('the snapshot was never served from memory');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    it('serves the same frozen snapshot while nothing changed', async () => {
      const { instanceId } = await fixture();
      const first = await cached(instanceId);
      expect(await store.getInstanceWithConnections(instanceId, { states })).toBe(first);
      expect(Object.isFrozen(first?.connections[0]?.secretFields)).toBe(true);
      expect(() => {
        (first?.connections as Connection[]).push(first?.connections[0] as Connection);
      }).toThrow(TypeError);
    });

    it("shows this process's own writes on the very next read", async () => {
      const { instanceId, connection } = await fixture();
      await cached(instanceId);
      await store.updateConnection(connection.id, {
        status: 'connected',
        tokenSet: { accessToken: 'at-new', tokenType: 'bearer' },
      });
      let read = await store.getInstanceWithConnections(instanceId, { states });
      expect(read?.connections[0]?.tokenSet).toMatchObject({ accessToken: 'at-new' });
      await store.putState({ instanceId, scope: 'instance', key: 'flow-1' }, { cursor: 7 });
      read = await store.getInstanceWithConnections(instanceId, { states });
      expect(read?.states[0]).toEqual({ cursor: 7 });
      await store.updateInstance(instanceId, { config: { region: 'eu' } });
      read = await store.getInstanceWithConnections(instanceId, { states });
      expect(read?.instance.config).toEqual({ region: 'eu' });
      await store.updateCustomer(read?.instance.customerId ?? '', { name: 'Acme Renamed' });
      read = await store.getInstanceWithConnections(instanceId, { states });
      expect(read?.customer?.name).toBe('Acme Renamed');
      await store.deleteConnection(connection.id);
      read = await store.getInstanceWithConnections(instanceId, { states });
      expect(read?.connections).toEqual([]);
    });

    it('reads a snapshot dropped by a write once for many concurrent callers, with the write in it', async () => {
      const { instanceId, connection } = await fixture();
      await cached(instanceId);
      await store.updateConnection(connection.id, {
        status: 'connected',
        tokenSet: { accessToken: 'at-herd', tokenType: 'bearer' },
      });
      // PostgreSQL also hears of its own write by NOTIFY, a moment later; should that land among the reads,
      // the read in flight is (rightly) not joined any more and a second one starts. Without sharing: 50.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const reads = await Promise.all(
        Array.from({ length: 50 }, () => store.getInstanceWithConnections(instanceId, { states })),
      );
      expect(new Set(reads).size).toBeLessThanOrEqual(2);
      expect(reads[0]?.connections[0]?.tokenSet).toMatchObject({ accessToken: 'at-herd' });
    });

    it('sees a write made by another store on the same database', async () => {
      const { instanceId, connection } = await fixture();
      await cached(instanceId);
      const other = await open();
      await other.updateConnection(connection.id, { status: 'needs_reauthorization' });
      await other.putState({ instanceId, scope: 'crossFlow' }, { from: 'other' });
      await readUntil(
        instanceId,
        (read) =>
          read?.connections[0]?.status === 'needs_reauthorization' && read.states[1]?.['from'] === 'other',
      );
    });

    let markerId: string | undefined;
    /**
     * Returns once the store has heard of every write committed before the call: a hand-written write to another
     * instance, read back. PostgreSQL delivers notifications in commit order, so once this one is heard every
     * earlier one (a fixture's own, arriving late on a busy machine) has been too; on SQLite the read re-checks.
     */
    async function settle(): Promise<void> {
      markerId ??= (await fixture()).instanceId;
      const name = `marker ${randomUUID()}`;
      await env.rawQuery('update instances set name = ? where id = ?', [name, markerId]);
      await readUntil(markerId, (read) => read?.instance.name === name);
    }

    it('sees hand-written SQL, and ignores lease-only writes', async () => {
      const { instanceId, connection } = await fixture();
      await settle();
      const before = await cached(instanceId);
      // The refresher's claim writes only the lease: the snapshot stays.
      await env.rawQuery('update connections set lease_owner = ?, lease_until = ? where id = ?', [
        'someone',
        Date.now() + 60_000,
        connection.id,
      ]);
      await settle();
      expect(await store.getInstanceWithConnections(instanceId, { states })).toBe(before);
      await env.rawQuery('update instances set name = ? where id = ?', ['Renamed by hand', instanceId]);
      await readUntil(instanceId, (read) => read?.instance.name === 'Renamed by hand');
    });

    it('forgets a deleted instance', async () => {
      const { instanceId } = await fixture();
      expect(await store.getInstanceWithConnections(instanceId, { states })).toBeDefined();
      await store.deleteInstance(instanceId);
      expect(await store.getInstanceWithConnections(instanceId, { states })).toBeUndefined();
    });
  });

  describe('connections', () => {
    it('round-trips every field, secrets included', async () => {
      const { instanceId, connection } = await fixture();
      expect(connection).toMatchObject({
        instanceId,
        status: 'pending',
        version: 1,
        secretFields: { clientSecret: 'secret-value' },
        tokenSet: null,
        scopes: [],
      });
      const updated = await store.updateConnection(connection.id, {
        tokenSet: { access_token: 'at-1', refresh_token: 'rt-1', instance_url: 'https://x' },
        expiresAt: 1_900_000_000_000,
        refreshAt: 1_899_999_000_000,
        scopes: ['api', 'refresh_token'],
        status: 'connected',
        lastError: { code: 'KW_OAUTH_TIMEOUT', message: 'slow', at: 5 },
        refreshFailures: 2,
        cooldownUntil: 10,
        connectedAt: 7,
      });
      expect(updated.version).toBe(2);
      expect(await store.getConnection(connection.id)).toEqual(updated);
      expect(await store.getConnectionByName(instanceId, 'crmConnection')).toEqual(updated);
      expect(await store.listConnections({ instanceId, status: 'connected' })).toEqual([updated]);
      expect(updated.expiresAt).toBe(1_900_000_000_000);
    });

    it('rejects a second connection with the same name in one instance', async () => {
      const { instanceId } = await fixture();
      await expectCode(
        store.createConnection({
          instanceId,
          name: 'crmConnection',
          componentKey: 'c',
          definitionKey: 'd',
          grantType: 'authorization_code',
        }),
        'KW_STORE_CONFLICT',
      );
    });

    it('reports a missing connection on update', async () => {
      await expectCode(store.updateConnection('missing', { status: 'error' }), 'KW_STORE_NOT_FOUND');
    });
  });

  describe('rows that do not read back', () => {
    it.each([
      ['fields that are not JSON', { fields: '{not json' }],
      ['fields that are not an object', { fields: '["a"]' }],
      ['scopes that are not strings', { scopes: '["read", 7]' }],
      ['an unknown status', { status: 'exploded' }],
    ])('refuses a connection row with %s as KW_STORE_CORRUPT_ROW', async (_what, damage) => {
      const { connection } = await fixture();
      await (store as KyselyStore).db
        .updateTable('connections')
        .set(damage)
        .where('id', '=', connection.id)
        .execute();
      const err = await expectCode(store.getConnection(connection.id), 'KW_STORE_CORRUPT_ROW');
      expect((err as Error).message).toContain(connection.id);
    });
  });

  describe('compare-and-set of tokens', () => {
    it('applies the patch and bumps the version when the version matches', async () => {
      const { connection } = await fixture();
      const result = await store.compareAndSetConnectionTokens(connection.id, 1, {
        tokenSet: { access_token: 'new' },
        status: 'connected',
      });
      expect(result.ok).toBe(true);
      if (result.ok)
        expect(result.connection).toMatchObject({ version: 2, tokenSet: { access_token: 'new' } });
    });

    it('refuses a stale version and returns the current row unchanged', async () => {
      const { connection } = await fixture();
      await store.compareAndSetConnectionTokens(connection.id, 1, { tokenSet: { access_token: 'first' } });
      const stale = await store.compareAndSetConnectionTokens(connection.id, 1, {
        tokenSet: { access_token: 'second' },
      });
      expect(stale.ok).toBe(false);
      if (!stale.ok) expect(stale.current).toMatchObject({ version: 2, tokenSet: { access_token: 'first' } });
    });

    it('writes outbox events only when the compare-and-set succeeds', async () => {
      const { connection } = await fixture();
      const won = randomUUID();
      const lost = randomUUID();
      await store.compareAndSetConnectionTokens(
        connection.id,
        1,
        { status: 'needs_reauthorization' },
        { events: [{ id: won, type: 'connection.needs_reauthorization', payload: { id: connection.id } }] },
      );
      await store.compareAndSetConnectionTokens(
        connection.id,
        1,
        { status: 'connected' },
        { events: [{ id: lost, type: 'connection.connected', payload: {} }] },
      );
      expect((await store.getEvent(won))?.type).toBe('connection.needs_reauthorization');
      expect(await store.getEvent(lost)).toBeUndefined();
    });

    it('writes every event of one update with it, each field as given', async () => {
      const { connection } = await fixture();
      const first = randomUUID();
      const second = randomUUID();
      await store.updateConnection(
        connection.id,
        { status: 'connected', tokenSet: { access_token: 'with-events' } },
        {
          events: [
            {
              id: first,
              type: 'connection.connected',
              payload: { nested: { n: 1 }, list: ['a'] },
              instanceId: connection.instanceId,
              connectionId: connection.id,
              nextAttemptAt: 1_900_000_000_000,
            },
            { id: second, type: 'connection.refreshed', payload: {} },
          ],
        },
      );
      expect(await store.getEvent(first)).toMatchObject({
        type: 'connection.connected',
        payload: { nested: { n: 1 }, list: ['a'] },
        instanceId: connection.instanceId,
        connectionId: connection.id,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: 1_900_000_000_000,
      });
      expect(await store.getEvent(second)).toMatchObject({
        type: 'connection.refreshed',
        connectionId: null,
      });
    });

    it('writes no event for an update of a missing connection', async () => {
      const id = randomUUID();
      await expectCode(
        store.updateConnection(
          'missing',
          { status: 'error' },
          { events: [{ id, type: 'connection.refreshed', payload: {} }] },
        ),
        'KW_STORE_NOT_FOUND',
      );
      expect(await store.getEvent(id)).toBeUndefined();
    });

    it('refuses a duplicate event id with KW_STORE_CONFLICT and keeps the connection unchanged', async () => {
      const { connection } = await fixture();
      const taken = randomUUID();
      await store.enqueueEvent({ id: taken, type: 'connection.connected', payload: {} });
      const cas = await expectCode(
        store.compareAndSetConnectionTokens(
          connection.id,
          1,
          { tokenSet: { access_token: 'must-not-stay' }, status: 'connected' },
          { events: [{ id: taken, type: 'connection.refreshed', payload: {} }] },
        ),
        'KW_STORE_CONFLICT',
      );
      expect((cas as Error).message).toBe('An outbox event with this id already exists.');
      const update = await expectCode(
        store.updateConnection(
          connection.id,
          { status: 'connected' },
          { events: [{ id: taken, type: 'connection.connected', payload: {} }] },
        ),
        'KW_STORE_CONFLICT',
      );
      expect((update as Error).message).toBe('An outbox event with this id already exists.');
      expect(await store.getConnection(connection.id)).toMatchObject({ version: 1, tokenSet: null });
    });

    multiProcess(
      'loses no update when several processes increment concurrently',
      async () => {
        const { connection } = await fixture();
        await store.updateConnection(connection.id, { tokenSet: { counter: 0 } });
        const perWorker = 25;
        const workers = 3;
        const results = await Promise.all(
          Array.from({ length: workers }, () =>
            runWorker({
              config: { ...env.config, keys: keyA },
              mode: 'cas',
              connectionId: connection.id,
              count: perWorker,
            }),
          ),
        );
        const final = await store.getConnection(connection.id);
        expect(final?.tokenSet).toEqual({ counter: workers * perWorker });
        // One version per successful write: the initial 1, the reset, then each increment.
        expect(final?.version).toBe(2 + workers * perWorker);
        expect(results).toHaveLength(workers);
      },
      120_000,
    );
  });

  describe('connection lock', () => {
    it('times out with KW_STORE_LOCK_TIMEOUT while another holder has the lock, and frees it afterwards', async () => {
      const { connection } = await fixture();
      const other = await open();
      let release: () => void = () => undefined;
      let entered: () => void = () => undefined;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const held = store.withConnectionLock(connection.id, { timeoutMs: 1000 }, () => {
        entered();
        return new Promise<string>((resolve) => {
          release = () => resolve('first');
        });
      });
      // The first holder is inside its critical section: the lock is taken.
      await inside;
      await expectCode(
        other.withConnectionLock(connection.id, { timeoutMs: 150 }, () => Promise.resolve('second')),
        'KW_STORE_LOCK_TIMEOUT',
      );
      release();
      expect(await held).toBe('first');
      expect(
        await other.withConnectionLock(connection.id, { timeoutMs: 1000 }, () => Promise.resolve('second')),
      ).toBe('second');
    });

    it('releases the lock when the function throws', async () => {
      const { connection } = await fixture();
      await expect(
        store.withConnectionLock(connection.id, { timeoutMs: 500 }, () => Promise.reject(new Error('boom'))),
      ).rejects.toThrow('boom');
      expect(
        await store.withConnectionLock(connection.id, { timeoutMs: 500 }, () => Promise.resolve(1)),
      ).toBe(1);
    });

    it('does not block locks on other connections', async () => {
      const a = (await fixture()).connection;
      const b = (await fixture()).connection;
      const result = await store.withConnectionLock(a.id, { timeoutMs: 500 }, () =>
        store.withConnectionLock(b.id, { timeoutMs: 500 }, () => Promise.resolve('both')),
      );
      expect(result).toBe('both');
    });

    multiProcess(
      'excludes other processes: read-modify-write under the lock loses no update',
      async () => {
        const { connection } = await fixture();
        await store.updateConnection(connection.id, { fields: { counter: 0 } });
        await Promise.all(
          Array.from({ length: 3 }, () =>
            runWorker({
              config: { ...env.config, keys: keyA },
              mode: 'lock',
              connectionId: connection.id,
              count: 15,
            }),
          ),
        );
        expect((await store.getConnection(connection.id))?.fields).toEqual({ counter: 45 });
      },
      120_000,
    );
  });

  describe('claiming due refreshes', () => {
    // Claims use an explicit `now` far in the future of other tests' rows, so each test claims its own.
    async function dueConnections(count: number, refreshAt: number): Promise<string[]> {
      const { instanceId } = await fixture();
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const c = await store.createConnection({
          instanceId,
          name: `due-${i}`,
          componentKey: 'c',
          definitionKey: 'd',
          grantType: 'authorization_code',
          status: 'connected',
          refreshAt,
        });
        ids.push(c.id);
      }
      return ids;
    }

    it('claims only connected, due connections outside cooldown, and never the same one twice while leased', async () => {
      const base = 5_000_000_000_000 + Math.floor(Math.random() * 1e9);
      const [due, cooling, later] = await dueConnections(3, base);
      await store.updateConnection(cooling ?? '', { cooldownUntil: base + 10_000 });
      await store.updateConnection(later ?? '', { refreshAt: base + 10_000 });
      const { connection: pending } = await fixture();
      await store.updateConnection(pending.id, { refreshAt: base });

      const first = await store.claimDueRefreshes({ now: base + 1, limit: 10, leaseMs: 60_000, owner: 'a' });
      const claimedIds = first.map((c) => c.id);
      expect(claimedIds).toContain(due);
      expect(claimedIds).not.toContain(cooling);
      expect(claimedIds).not.toContain(later);
      expect(claimedIds).not.toContain(pending.id);

      const second = await store.claimDueRefreshes({ now: base + 2, limit: 10, leaseMs: 60_000, owner: 'b' });
      expect(second.map((c) => c.id)).not.toContain(due);

      // After the lease runs out another replica may take it over.
      const third = await store.claimDueRefreshes({
        now: base + 60_002,
        limit: 1000,
        leaseMs: 60_000,
        owner: 'c',
      });
      expect(third.map((c) => c.id)).toContain(due);
    });

    it('does not change the version when claiming, so the claimer can compare-and-set', async () => {
      const base = 6_000_000_000_000 + Math.floor(Math.random() * 1e9);
      const [id] = await dueConnections(1, base);
      const [claimed] = (
        await store.claimDueRefreshes({ now: base, limit: 100, leaseMs: 1000, owner: 'x' })
      ).filter((c) => c.id === id);
      expect(claimed?.version).toBe(1);
      const cas = await store.compareAndSetConnectionTokens(id ?? '', 1, { refreshAt: base + 3_600_000 });
      expect(cas.ok).toBe(true);
    });

    it('lets the owner release a claim early', async () => {
      const base = 7_000_000_000_000 + Math.floor(Math.random() * 1e9);
      const [id] = await dueConnections(1, base);
      await store.claimDueRefreshes({ now: base, limit: 100, leaseMs: 60_000, owner: 'owner-1' });
      await store.releaseRefreshClaim(id ?? '', 'someone-else');
      expect(
        (await store.claimDueRefreshes({ now: base, limit: 100, leaseMs: 60_000, owner: 'o2' })).map(
          (c) => c.id,
        ),
      ).not.toContain(id);
      await store.releaseRefreshClaim(id ?? '', 'owner-1');
      expect(
        (await store.claimDueRefreshes({ now: base, limit: 100, leaseMs: 60_000, owner: 'o3' })).map(
          (c) => c.id,
        ),
      ).toContain(id);
    });

    multiProcess(
      'never hands the same connection to two processes claiming at once',
      async () => {
        // Everything else in this database is due before `now` too, so compare against all claimable ids.
        const now = 8_000_000_000_000;
        const ids = await dueConnections(30, now - 1);
        const results = await Promise.all(
          ['p1', 'p2', 'p3'].map((owner) =>
            runWorker({
              config: { ...env.config, keys: keyA },
              mode: 'claim',
              owner,
              limit: 2,
              leaseMs: 1e12,
              now,
            }),
          ),
        );
        const all = results.flatMap((r) => r['claimed'] as string[]);
        expect(new Set(all).size).toBe(all.length);
        for (const id of ids) expect(all).toContain(id);
      },
      120_000,
    );
  });

  describe('auth sessions', () => {
    async function session(
      overrides: {
        expiresAt?: number;
        browserBinding?: string | null;
        connectionId?: string;
        extra?: Record<string, string>;
      } = {},
    ): Promise<string> {
      const connectionId = overrides.connectionId ?? (await fixture()).connection.id;
      const state = randomBytes(16).toString('base64url');
      await store.createAuthSession({
        state,
        connectionId,
        codeVerifier: 'verifier-abcdefghijklmnopqrstuvwxyz-0123456789',
        browserBinding: overrides.browserBinding === undefined ? 'browser-1' : overrides.browserBinding,
        redirectUri: 'https://keyway.test/oauth/callback',
        scopes: ['api'],
        ...(overrides.extra ? { extra: overrides.extra } : {}),
        expiresAt: overrides.expiresAt ?? 2_000_000,
      });
      return state;
    }

    it('consumes a live session once and returns its verifier', async () => {
      const state = await session();
      const consumed = await store.consumeAuthSession(state, { now: 1_000_000, browserBinding: 'browser-1' });
      expect(consumed).toMatchObject({
        codeVerifier: 'verifier-abcdefghijklmnopqrstuvwxyz-0123456789',
        consumedAt: 1_000_000,
        scopes: ['api'],
      });
    });

    it('returns the connection with the session it consumes, read as getConnection reads it', async () => {
      const { connection } = await fixture();
      await store.updateConnection(connection.id, {
        tokenSet: { access_token: 'at-consume', token_type: 'bearer', refresh_token: 'rt-consume' },
        expiresAt: 1_234_567,
        status: 'connected',
      });
      const state = await session({
        connectionId: connection.id,
        browserBinding: null,
        extra: { issuer: 'https://issuer.test' },
      });
      const consumed = await store.consumeAuthSession(state, { now: 1_000_000 });
      const { connection: read, ...sessionPart } = consumed;
      expect(sessionPart).toEqual({ ...(await store.getAuthSession(state)), consumedAt: 1_000_000 });
      expect(read).toEqual(await store.getConnection(connection.id));
      expect(read).toMatchObject({
        secretFields: { clientSecret: 'secret-value' },
        tokenSet: { access_token: 'at-consume', refresh_token: 'rt-consume' },
        expiresAt: 1_234_567,
        status: 'connected',
      });
    });

    it('rejects a callback whose state was already used', async () => {
      const state = await session();
      await store.consumeAuthSession(state, { now: 1_000_000, browserBinding: 'browser-1' });
      await expectCode(
        store.consumeAuthSession(state, { now: 1_000_001, browserBinding: 'browser-1' }),
        'KW_AUTH_SESSION_CONSUMED',
      );
    });

    it('rejects an expired session', async () => {
      const state = await session({ expiresAt: 1_000 });
      await expectCode(
        store.consumeAuthSession(state, { now: 1_000, browserBinding: 'browser-1' }),
        'KW_AUTH_SESSION_EXPIRED',
      );
    });

    it('rejects an unknown state', async () => {
      await expectCode(store.consumeAuthSession('no-such-state', { now: 1 }), 'KW_AUTH_SESSION_NOT_FOUND');
    });

    it('rejects another browser without burning the session', async () => {
      const state = await session();
      await expectCode(
        store.consumeAuthSession(state, { now: 1_000_000, browserBinding: 'browser-2' }),
        'KW_AUTH_SESSION_BROWSER_MISMATCH',
      );
      await expectCode(
        store.consumeAuthSession(state, { now: 1_000_000 }),
        'KW_AUTH_SESSION_BROWSER_MISMATCH',
      );
      expect(
        (await store.consumeAuthSession(state, { now: 1_000_000, browserBinding: 'browser-1' })).state,
      ).toBe(state);
    });

    it('accepts any browser for a session without a binding', async () => {
      const state = await session({ browserBinding: null });
      expect((await store.consumeAuthSession(state, { now: 1, browserBinding: 'whatever' })).consumedAt).toBe(
        1,
      );
    });

    it('lets exactly one of many concurrent consumers win', async () => {
      const state = await session();
      const other = await open();
      const attempts = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : store).consumeAuthSession(state, { now: 1_000_000, browserBinding: 'browser-1' }),
        ),
      );
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      for (const a of attempts) {
        if (a.status === 'rejected') expect(isKeywayError(a.reason, 'KW_AUTH_SESSION_CONSUMED')).toBe(true);
      }
    });

    it('deletes expired sessions', async () => {
      const state = await session({ expiresAt: 500 });
      expect(await store.deleteExpiredAuthSessions(501)).toBeGreaterThanOrEqual(1);
      expect(await store.getAuthSession(state)).toBeUndefined();
    });
  });

  describe('device sessions', () => {
    it('completes a pending session exactly once and refuses updates afterwards', async () => {
      const { connection } = await fixture();
      const created = await store.createDeviceSession({
        connectionId: connection.id,
        deviceCode: 'device-code-secret',
        userCode: 'ABCD-EFGH',
        verificationUri: 'https://idp.test/device',
        intervalMs: 5000,
        expiresAt: 9_000_000,
      });
      expect(created.status).toBe('pending');
      expect(
        (await store.listPendingDeviceSessions({ connectionId: connection.id })).map((s) => s.id),
      ).toEqual([created.id]);
      const slowed = await store.updateDeviceSession(created.id, { intervalMs: 10_000, nextPollAt: 123 });
      expect(slowed).toMatchObject({ intervalMs: 10_000, nextPollAt: 123, deviceCode: 'device-code-secret' });
      const done = await store.completeDeviceSession(created.id, { status: 'approved', now: 42 });
      expect(done).toMatchObject({ status: 'approved', completedAt: 42 });
      await expectCode(
        store.completeDeviceSession(created.id, { status: 'denied', now: 43 }),
        'KW_DEVICE_SESSION_COMPLETED',
      );
      await expectCode(
        store.updateDeviceSession(created.id, { intervalMs: 1 }),
        'KW_DEVICE_SESSION_COMPLETED',
      );
      await expectCode(
        store.completeDeviceSession('missing', { status: 'denied', now: 43 }),
        'KW_DEVICE_SESSION_NOT_FOUND',
      );
    });
  });

  describe('components', () => {
    it('stores versions, returns the latest by default and lists latest versions without bytes', async () => {
      const key = `comp-${randomUUID()}`;
      const bundle = new Uint8Array([1, 2, 3, 250]);
      await store.putComponent({ key, version: 1, bundleHash: 'h1', manifest: { actions: ['a'] }, bundle });
      await store.putComponent({
        key,
        version: 2,
        bundleHash: 'h2',
        manifest: { actions: ['a', 'b'] },
        bundlePath: '/x',
      });
      expect((await store.getComponent(key))?.bundleHash).toBe('h2');
      const v1 = await store.getComponent(key, 1);
      expect(v1 && Array.from(v1.bundle ?? [])).toEqual([1, 2, 3, 250]);
      const listed = (await store.listComponents()).filter((c) => c.key === key);
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ version: 2, bundle: null, manifest: { actions: ['a', 'b'] } });
      await expectCode(
        store.putComponent({ key, version: 2, bundleHash: 'h3', manifest: {} }),
        'KW_STORE_CONFLICT',
      );
    });
  });

  describe('instance state', () => {
    it('keeps one JSON object per instance, scope and key', async () => {
      const { instanceId } = await fixture();
      await store.putState({ instanceId, scope: 'instance' }, { cursor: 1 });
      await store.putState({ instanceId, scope: 'crossFlow' }, { shared: true });
      await store.putState({ instanceId, scope: 'integration', key: 'flow-a' }, { seen: ['x'] });
      await store.putState({ instanceId, scope: 'instance' }, { cursor: 2 });
      expect(await store.getState({ instanceId, scope: 'instance' })).toEqual({ cursor: 2 });
      expect(await store.getState({ instanceId, scope: 'crossFlow' })).toEqual({ shared: true });
      expect(await store.getState({ instanceId, scope: 'integration', key: 'flow-a' })).toEqual({
        seen: ['x'],
      });
      expect(await store.getState({ instanceId, scope: 'integration', key: 'flow-b' })).toBeUndefined();
      await store.deleteState({ instanceId, scope: 'instance' });
      expect(await store.getState({ instanceId, scope: 'instance' })).toBeUndefined();
    });

    it('reads several scopes in one call, in the order asked, as getState answers each', async () => {
      const { instanceId } = await fixture();
      const other = (await fixture()).instanceId;
      await store.putState({ instanceId, scope: 'instance', key: 'flow-a' }, { cursor: 7 });
      await store.putState({ instanceId, scope: 'crossFlow' }, { shared: ['x'] });
      await store.putState({ instanceId: other, scope: 'integration' }, { otherInstance: true });
      await store.putState({ instanceId, scope: 'execution', key: 'run-2' }, { run: 2 });
      const keys = [
        { instanceId, scope: 'integration' },
        { instanceId, scope: 'instance', key: 'flow-a' },
        { instanceId, scope: 'execution', key: 'run-1' },
        { instanceId, scope: 'crossFlow' },
        { instanceId, scope: 'instance', key: 'flow-b' },
        { instanceId: other, scope: 'integration' },
      ] as const;
      const states = await store.getStates(keys);
      expect(states).toEqual([
        undefined,
        { cursor: 7 },
        undefined,
        { shared: ['x'] },
        undefined,
        { otherInstance: true },
      ]);
      expect(states).toEqual(await Promise.all(keys.map((key) => store.getState(key))));
      expect(await store.getStates([])).toEqual([]);
      await expectCode(store.getStates([{ instanceId: '', scope: 'instance' }]), 'KW_STORE_INVALID_INPUT');
    });
  });

  describe('events outbox', () => {
    it('claims due events once, reschedules failures and finishes deliveries', async () => {
      const now = 9_000_000_000_000 + Math.floor(Math.random() * 1e9);
      const e1 = await store.enqueueEvent({
        type: 'connection.connected',
        payload: { n: 1 },
        nextAttemptAt: now,
      });
      const e2 = await store.enqueueEvent({
        type: 'connection.connected',
        payload: { n: 2 },
        nextAttemptAt: now + 5000,
      });
      const first = (await store.claimOutboxEvents({ now, limit: 1000, leaseMs: 1000, owner: 'a' })).map(
        (e) => e.id,
      );
      expect(first).toContain(e1.id);
      expect(first).not.toContain(e2.id);
      expect(
        (await store.claimOutboxEvents({ now, limit: 1000, leaseMs: 1000, owner: 'b' })).map((e) => e.id),
      ).not.toContain(e1.id);

      await store.markEventFailed(e1.id, { nextAttemptAt: now + 100, error: 'HTTP 500' });
      expect(await store.getEvent(e1.id)).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'HTTP 500',
      });
      const retried = await store.claimOutboxEvents({
        now: now + 100,
        limit: 1000,
        leaseMs: 1000,
        owner: 'c',
      });
      expect(retried.map((e) => e.id)).toContain(e1.id);
      await store.markEventDelivered(e1.id, now + 101);
      expect(await store.getEvent(e1.id)).toMatchObject({
        status: 'delivered',
        deliveredAt: now + 101,
        attempts: 2,
      });

      await store.markEventFailed(e2.id, { nextAttemptAt: null, error: 'gave up' });
      expect((await store.getEvent(e2.id))?.status).toBe('failed');
      expect(
        (await store.claimOutboxEvents({ now: now + 1e9, limit: 1000, leaseMs: 1000, owner: 'd' })).map(
          (e) => e.id,
        ),
      ).not.toContain(e2.id);
    });

    multiProcess(
      'never hands the same event to two processes claiming at once',
      async () => {
        const now = 9_500_000_000_000;
        for (let i = 0; i < 30; i++)
          await store.enqueueEvent({ type: 't', payload: { i }, nextAttemptAt: now - 1 });
        const results = await Promise.all(
          ['q1', 'q2', 'q3'].map((owner) =>
            runWorker({
              config: { ...env.config, keys: keyA },
              mode: 'claim-events',
              owner,
              limit: 2,
              leaseMs: 1e12,
              now,
            }),
          ),
        );
        const all = results.flatMap((r) => r['claimed'] as string[]);
        expect(new Set(all).size).toBe(all.length);
        expect(all.length).toBeGreaterThanOrEqual(30);
      },
      120_000,
    );
  });

  describe('API keys', () => {
    it('verifies a key it issued, refuses altered or revoked keys and stores only a hash', async () => {
      const { apiKey, key } = await store.createApiKey({ name: 'ci', scopes: ['instances:write'] });
      expect((await store.verifyApiKey(key))?.id).toBe(apiKey.id);
      expect(await store.verifyApiKey(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
      expect(await store.verifyApiKey('kw_000000000000_notakeyatallnotakey')).toBeUndefined();
      // The secret part follows `kw_<12 hex>_`; it may itself contain '_'.
      expect(await env.rawDump()).not.toContain(key.slice('kw_'.length + 12 + 1));
      await store.revokeApiKey(apiKey.id);
      expect(await store.verifyApiKey(key)).toBeUndefined();
      expect((await store.listApiKeys()).find((k) => k.id === apiKey.id)?.revokedAt).not.toBeNull();
    });
  });

  describe('executions', () => {
    it('records a run with its duration, error code and redacted log', async () => {
      const { instanceId } = await fixture();
      const started = await store.createExecution({
        instanceId,
        componentKey: 'c',
        actionKey: 'a',
        startedAt: 1000,
      });
      expect(started.status).toBe('running');
      const finished = await store.finishExecution(started.id, {
        status: 'failed',
        finishedAt: 1250,
        errorCode: 'KW_ACTION_FAILED',
        errorMessage: 'boom',
        log: [{ at: 1100, level: 'info', message: 'calling [REDACTED]' }],
      });
      expect(finished).toMatchObject({ durationMs: 250, errorCode: 'KW_ACTION_FAILED', status: 'failed' });
      expect(await store.listExecutions({ instanceId })).toEqual([finished]);
    });

    it('records a finished run in one call exactly as start and finish would leave it', async () => {
      const { instanceId } = await fixture();
      const log = [{ at: 2100, level: 'warn', message: 'retrying once' }] as const;
      const recorded = await store.recordExecution({
        instanceId,
        componentKey: 'c',
        actionKey: 'a',
        startedAt: 2000,
        status: 'succeeded',
        finishedAt: 2040,
        log,
      });
      expect(recorded).toMatchObject({
        status: 'succeeded',
        startedAt: 2000,
        finishedAt: 2040,
        durationMs: 40,
        errorCode: null,
        errorMessage: null,
        log,
      });
      expect(await store.getExecution(recorded.id)).toEqual(recorded);
      const twoStep = await store.createExecution({
        instanceId,
        componentKey: 'c',
        actionKey: 'a',
        startedAt: 3000,
      });
      const finished = await store.finishExecution(twoStep.id, {
        status: 'succeeded',
        finishedAt: 3040,
        log,
      });
      expect({ ...recorded, id: twoStep.id, startedAt: 3000, finishedAt: 3040 }).toEqual(finished);
      await expectCode(
        store.recordExecution({
          id: recorded.id,
          instanceId,
          componentKey: 'c',
          actionKey: 'a',
          status: 'failed',
        }),
        'KW_STORE_CONFLICT',
      );
      await expectCode(
        store.recordExecution({
          instanceId: 'no-such-instance',
          componentKey: 'c',
          actionKey: 'a',
          status: 'failed',
        }),
        'KW_STORE_NOT_FOUND',
      );
    });
    it('records many concurrent runs, each readable as soon as its own call resolves', async () => {
      const { instanceId } = await fixture();
      // More than one batch's worth, all issued in the same turn so they are grouped.
      const ids = Array.from({ length: 150 }, () => randomUUID());
      const seenAtResolve = await Promise.all(
        ids.map((id, i) =>
          store
            .recordExecution({
              id,
              instanceId,
              componentKey: 'c',
              actionKey: 'a',
              startedAt: 5000 + i,
              status: i % 2 === 0 ? 'succeeded' : 'failed',
              finishedAt: 5100 + i,
              ...(i % 2 === 0 ? {} : { errorCode: 'KW_ACTION_FAILED', errorMessage: `run ${i} failed` }),
              log: [{ at: 5050 + i, level: 'info', message: `run ${i}` }],
            })
            // Durable before it resolves: read back right when this caller is told it is recorded.
            .then(async (recorded) => ({ recorded, stored: await store.getExecution(id) })),
        ),
      );
      for (const [i, { recorded, stored }] of seenAtResolve.entries()) {
        expect(stored).toEqual(recorded);
        expect(recorded).toMatchObject({ id: ids[i], durationMs: 100, log: [{ message: `run ${i}` }] });
      }
      expect(await store.listExecutions({ instanceId, limit: 1000 })).toHaveLength(ids.length);
    });

    it('fails only the bad rows of a concurrent group of execution records', async () => {
      const { instanceId } = await fixture();
      const existing = await store.recordExecution({
        instanceId,
        componentKey: 'c',
        actionKey: 'a',
        status: 'succeeded',
      });
      const twice = randomUUID();
      const run = (id: string, instance = instanceId): Promise<unknown> =>
        store.recordExecution({
          id,
          instanceId: instance,
          componentKey: 'c',
          actionKey: 'a',
          status: 'failed',
        });
      const good = Array.from({ length: 20 }, () => randomUUID());
      const outcomes = await Promise.allSettled([
        ...good.slice(0, 10).map((id) => run(id)),
        run(existing.id),
        run(randomUUID(), 'no-such-instance'),
        run(twice),
        run(twice),
        ...good.slice(10).map((id) => run(id)),
      ]);
      const codeOf = (outcome: PromiseSettledResult<unknown> | undefined): string =>
        outcome?.status === 'rejected' && isKeywayError(outcome.reason) ? outcome.reason.code : 'resolved';
      expect(outcomes.slice(0, 10).every((o) => o.status === 'fulfilled')).toBe(true);
      expect(outcomes.slice(14).every((o) => o.status === 'fulfilled')).toBe(true);
      expect(codeOf(outcomes[10])).toBe('KW_STORE_CONFLICT');
      expect(codeOf(outcomes[11])).toBe('KW_STORE_NOT_FOUND');
      // The same new id twice in one group: exactly one of them is recorded.
      expect([codeOf(outcomes[12]), codeOf(outcomes[13])].sort()).toEqual(['KW_STORE_CONFLICT', 'resolved']);
      for (const id of [...good, twice]) expect(await store.getExecution(id)).toMatchObject({ id });
      expect(await store.getExecution(existing.id)).toEqual(existing);
      expect(await store.listExecutions({ instanceId, limit: 1000 })).toHaveLength(good.length + 2);
    });

    it('records concurrent execution records, failing only the bad ones with their own code', async () => {
      const { instanceId } = await fixture();
      const existing = await store.recordExecution({
        instanceId,
        componentKey: 'c',
        actionKey: 'a',
        status: 'succeeded',
      });
      const record = (id: string, instance = instanceId): Promise<unknown> =>
        store.recordExecution({
          id,
          instanceId: instance,
          componentKey: 'c',
          actionKey: 'a',
          startedAt: 7000,
          status: 'succeeded',
          finishedAt: 7025,
          log: [],
        });
      const good = Array.from({ length: 30 }, () => randomUUID());
      const orphan = randomUUID();
      // Written together: they share commits, and a bad record fails only its own promise.
      const outcomes = await Promise.allSettled([
        ...good.map((id) => record(id)),
        record(existing.id),
        record(orphan, 'no-such-instance'),
      ]);
      const codeOf = (outcome: PromiseSettledResult<unknown> | undefined): string =>
        outcome?.status === 'rejected'
          ? isKeywayError(outcome.reason)
            ? outcome.reason.code
            : String(outcome.reason)
          : 'recorded';
      expect(outcomes.map(codeOf)).toEqual([
        ...good.map(() => 'recorded'),
        'KW_STORE_CONFLICT',
        'KW_STORE_NOT_FOUND',
      ]);
      for (const id of good) {
        expect(await store.getExecution(id)).toMatchObject({
          id,
          status: 'succeeded',
          durationMs: 25,
          log: [],
        });
      }
      expect(await store.getExecution(existing.id)).toEqual(existing);
      expect(await store.getExecution(orphan)).toBeUndefined();
    });

    it('stores a record with its defaults filled and only the three fields of each log entry', async () => {
      const { instanceId } = await fixture();
      const log = [
        { at: 7001, level: 'info' as const, message: 'one', extra: 'dropped' },
        { at: 7002, level: 'warn' as const, message: 'two' },
      ];
      const recorded = await store.recordExecution({
        instanceId,
        componentKey: 'c',
        actionKey: 'a',
        status: 'failed',
        errorCode: 'KW_ACTION_FAILED',
        errorMessage: 'it broke',
        log,
      } satisfies FinishedExecution);
      expect(await store.getExecution(recorded.id)).toEqual(recorded);
      expect(recorded.id).toMatch(/^[0-9a-f-]{36}$/);
      // No start or finish given: both are the same reading of the store's clock.
      expect(recorded.startedAt).toBe(recorded.finishedAt);
      expect(recorded.durationMs).toBe(0);
      // As stored, not only as read back: nothing but the three fields reaches the database.
      const row = await (store as unknown as KyselyStore).db
        .selectFrom('executions')
        .select('log')
        .where('id', '=', recorded.id)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.log)).toEqual([
        { at: 7001, level: 'info', message: 'one' },
        { at: 7002, level: 'warn', message: 'two' },
      ]);
    });

    it('rejects an invalid execution record at once, without touching the others', async () => {
      const { instanceId } = await fixture();
      const valid = store.recordExecution({
        instanceId,
        componentKey: 'c',
        actionKey: 'a',
        status: 'succeeded',
      });
      await expectCode(
        store.recordExecution({ instanceId, componentKey: '', actionKey: 'a', status: 'succeeded' }),
        'KW_STORE_INVALID_INPUT',
      );
      expect(await store.getExecution((await valid).id)).toEqual(await valid);
    });
  });

  describe('encryption at rest', () => {
    it('keeps token and secret values out of the raw database', async () => {
      const { connection } = await fixture();
      const marks = {
        access: `AT-${randomBytes(12).toString('hex')}`,
        refresh: `RT-${randomBytes(12).toString('hex')}`,
        secret: `CS-${randomBytes(12).toString('hex')}`,
        verifier: `PV-${randomBytes(24).toString('hex')}`,
        device: `DC-${randomBytes(12).toString('hex')}`,
        context: `RI-${randomBytes(12).toString('hex')}`,
      };
      await store.updateConnection(connection.id, {
        tokenSet: { access_token: marks.access, refresh_token: marks.refresh },
        secretFields: { clientSecret: marks.secret },
        context: { realmId: marks.context },
      });
      await store.createAuthSession({
        state: randomBytes(16).toString('hex'),
        connectionId: connection.id,
        codeVerifier: marks.verifier,
        redirectUri: 'https://keyway.test/cb',
        expiresAt: 10,
      });
      await store.createDeviceSession({
        connectionId: connection.id,
        deviceCode: marks.device,
        userCode: 'WXYZ',
        verificationUri: 'https://idp.test/device',
        intervalMs: 5,
        expiresAt: 10,
      });
      // The values really are readable through the store...
      expect((await store.getConnection(connection.id))?.tokenSet?.['access_token']).toBe(marks.access);
      // ...and nowhere in what an attacker holding the database would see.
      const dump = await env.rawDump();
      expect(dump).toContain(connection.id);
      for (const value of Object.values(marks)) expect(dump).not.toContain(value);
    });

    it('keeps the callback context across token writes, replaces it when given and clears it with null', async () => {
      const { connection } = await fixture();
      expect(connection.context).toEqual({});
      await store.updateConnection(connection.id, {
        tokenSet: { access_token: 'first' },
        context: { realmId: '9130', shop: ['a', 'b'] },
      });
      const before = await store.getConnection(connection.id);
      const cas = await store.compareAndSetConnectionTokens(connection.id, before?.version ?? 0, {
        tokenSet: { access_token: 'refreshed' },
      });
      expect(cas.ok && cas.connection.context).toEqual({ realmId: '9130', shop: ['a', 'b'] });
      await store.updateConnection(connection.id, { context: { realmId: '4620' } });
      expect((await store.getConnection(connection.id))?.context).toEqual({ realmId: '4620' });
      await store.updateConnection(connection.id, { context: null });
      expect((await store.getConnection(connection.id))?.context).toEqual({});
    });

    it('refuses a ciphertext copied into another row instead of revealing it', async () => {
      const victim = (await fixture()).connection;
      const attacker = (await fixture()).connection;
      await store.updateConnection(victim.id, { tokenSet: { access_token: 'victim-token' } });
      await store.updateConnection(attacker.id, { tokenSet: { access_token: 'attacker-token' } });
      const [row] = await env.rawQuery('select token_set from connections where id = ?', [victim.id]);
      await env.rawQuery('update connections set token_set = ? where id = ?', [
        row?.['token_set'],
        attacker.id,
      ]);
      await expectCode(store.getConnection(attacker.id), 'KW_CRYPTO_DECRYPT_FAILED');
      expect((await store.getConnection(victim.id))?.tokenSet).toEqual({ access_token: 'victim-token' });
    });

    it('refuses a tampered ciphertext with a typed error', async () => {
      const { connection } = await fixture();
      await store.updateConnection(connection.id, { tokenSet: { access_token: 'x' } });
      const [row] = await env.rawQuery('select token_set from connections where id = ?', [connection.id]);
      const envelope = String(row?.['token_set']);
      const parts = envelope.split('.');
      const body = Buffer.from(parts[4] ?? '', 'base64url');
      body[0] = (body[0] ?? 0) ^ 1;
      parts[4] = body.toString('base64url');
      await env.rawQuery('update connections set token_set = ? where id = ?', [
        parts.join('.'),
        connection.id,
      ]);
      const err = await expectCode(store.getConnection(connection.id), 'KW_CRYPTO_DECRYPT_FAILED');
      expect((err as Error).message).not.toContain(envelope);
    });

    it('fails at start with KW_CRYPTO_KEY_INVALID when given the wrong key under a known id', async () => {
      await expectCode(
        openStore({ ...env.config, keys: `ka:${Buffer.alloc(32, 9).toString('base64')}` }),
        'KW_CRYPTO_KEY_INVALID',
      );
    });

    it('fails at start when no configured key belongs to the database', async () => {
      await expectCode(
        openStore({ ...env.config, keys: `kz:${Buffer.alloc(32, 9).toString('base64')}` }),
        'KW_CRYPTO_KEY_INVALID',
      );
    });

    it('rejects a key that is not 32 bytes without echoing it', async () => {
      const err = await expectCode(
        openStore({ ...env.config, keys: 'ka:c2hvcnQ=' }),
        'KW_CRYPTO_KEY_INVALID',
      );
      expect((err as Error).message).not.toContain('c2hvcnQ=');
    });
  });

  describe('key rotation', () => {
    it('re-encrypts every row under the new key so the old key can be removed', async () => {
      const { connection } = await fixture();
      await store.updateConnection(connection.id, { tokenSet: { access_token: 'rotate-me' } });
      const state = randomBytes(16).toString('hex');
      await store.createAuthSession({
        state,
        connectionId: connection.id,
        codeVerifier: 'verifier-under-a',
        redirectUri: 'https://keyway.test/cb',
        expiresAt: 10,
      });

      const broken = (await fixture()).connection;
      await store.updateConnection(broken.id, { tokenSet: { access_token: 'will be tampered' } });
      const [brokenRow] = await env.rawQuery('select token_set from connections where id = ?', [broken.id]);
      const tampered = String(brokenRow?.['token_set']).replace(
        /\.([A-Za-z0-9_-])([A-Za-z0-9_-]*)$/,
        (_m, c: string, rest: string) => `.${c === 'A' ? 'B' : 'A'}${rest}`,
      );
      await env.rawQuery('update connections set token_set = ? where id = ?', [tampered, broken.id]);

      // Key B added (newest encrypts): rows written under A still read.
      const both = await open({ keys: `${keyA},${keyB}` });
      expect((await both.getConnection(connection.id))?.tokenSet).toEqual({ access_token: 'rotate-me' });

      const progress: number[] = [];
      const report = await rotateKeys(both, { batchSize: 3, onProgress: (p) => progress.push(p.done) });
      expect(report.primaryKeyId).toBe('kb');
      expect(report.rewritten).toBeGreaterThan(0);
      expect(progress.length).toBeGreaterThan(1);

      expect(report.failures).toContainEqual({
        column: 'connections.token_set',
        id: broken.id,
        code: 'KW_CRYPTO_DECRYPT_FAILED',
      });
      // Cells tampered with or moved (here and in earlier tests) are reported with a typed code and left alone.
      for (const failure of report.failures) expect(failure.code).toBe('KW_CRYPTO_DECRYPT_FAILED');
      const skipped = new Set(report.failures.map((f) => `${f.column}:${f.id}`));
      const rows = await env.rawQuery('select id, token_set, secret_fields from connections', []);
      for (const r of rows as { id: string; token_set: string | null; secret_fields: string }[]) {
        expect(envelopeKeyId(r.secret_fields)).toBe('kb');
        if (r.token_set !== null && !skipped.has(`connections.token_set:${r.id}`)) {
          expect(envelopeKeyId(r.token_set)).toBe('kb');
        }
      }

      // Resumable: a second run finds nothing left to do.
      const again = await rotateKeys(both);
      expect(again.rewritten).toBe(0);
      expect(again.failures).toHaveLength(report.failures.length);

      // A removed: B alone reads everything.
      const onlyB = await open({ keys: keyB });
      expect((await onlyB.getConnection(connection.id))?.tokenSet).toEqual({ access_token: 'rotate-me' });
      expect((await onlyB.getAuthSession(state))?.codeVerifier).toBe('verifier-under-a');
      expect((await onlyB.listConnections({ instanceId: connection.instanceId }))[0]?.secretFields).toEqual({
        clientSecret: 'secret-value',
      });

      // The original store (A only) meets a B ciphertext: a typed error, not garbage.
      await expectCode(store.getConnection(connection.id), 'KW_CRYPTO_KEY_UNKNOWN');
    });
  });

  describe('migrations', () => {
    it('applies nothing when the schema is already current', async () => {
      expect((await migrateStore(env.config)).applied).toEqual([]);
    });
  });

  describe('ring helpers', () => {
    it('parses the key ring format with the last key as primary', () => {
      const ring = KeyRing.parse(`${keyA}, ${keyB}`);
      expect(ring.primaryId).toBe('kb');
      expect(KeyRing.parse(`${keyA},${keyB}`, 'ka').primaryId).toBe('ka');
      expect(JSON.stringify(ring)).not.toContain(Buffer.alloc(32, 1).toString('base64'));
    });
  });
}
