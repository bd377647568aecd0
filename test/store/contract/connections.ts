/** The store contract: connections and the compare-and-set of their tokens. */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../../src/store';
import type { KyselyStore } from '../../../src/store/kysely-store';
import { expectCode, keyA, multiProcess, runWorker } from './context';
import type { ContractContext, ContractEnv } from './context';

/** Connections: round-trips, conflicts and rows that do not read back. */
export function connectionsContract(ctx: ContractContext): void {
  let store: Store;
  const { fixture } = ctx;
  beforeAll(() => {
    store = ctx.store;
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
}

/** Compare-and-set of tokens, with the outbox events written alongside. */
export function tokensContract(ctx: ContractContext): void {
  describe('compare-and-set of tokens', () => {
    tokenVersionsContract(ctx);
    tokenEventsContract(ctx);
  });
}

/** The version check: a matching version applies the patch, a stale one changes nothing. */
function tokenVersionsContract(ctx: ContractContext): void {
  let store: Store;
  const { fixture } = ctx;
  beforeAll(() => {
    store = ctx.store;
  });

  it('applies the patch and bumps the version when the version matches', async () => {
    const { connection } = await fixture();
    const result = await store.compareAndSetConnectionTokens(connection.id, 1, {
      tokenSet: { access_token: 'new' },
      status: 'connected',
    });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.connection).toMatchObject({ version: 2, tokenSet: { access_token: 'new' } });
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
}

/** The outbox events written with a token update, all or none. */
function tokenEventsContract(ctx: ContractContext): void {
  let store: Store;
  let env: ContractEnv;
  const { fixture } = ctx;
  beforeAll(() => {
    store = ctx.store;
    env = ctx.env;
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
}
