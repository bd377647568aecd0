/** The store contract: device sessions. */
import type { Connection, NewDeviceSession, NewOutboxEvent, Store, StoreEngine } from '../../../src/store';
import { expectCode } from './context';
import type { ContractContext } from './context';

/** A pending session of `connectionId`. */
function newSession(connectionId: string): NewDeviceSession {
  return {
    connectionId,
    deviceCode: 'device-code-secret',
    userCode: 'ABCD-EFGH',
    verificationUri: 'https://idp.test/device',
    intervalMs: 5000,
    expiresAt: 9_000_000,
  };
}

function connectedEvent(connection: Connection): NewOutboxEvent {
  return {
    type: 'connection.connected',
    payload: { connectionId: connection.id },
    instanceId: connection.instanceId,
    connectionId: connection.id,
  };
}

/**
 * Statements (one per {@link ContractEnv.rawQuery}) adding a trigger that raises an error on every update of
 * connection `id`, and statements removing it.
 */
function raisingTrigger(engine: StoreEngine, id: string): { inject: string[]; heal: string[] } {
  if (engine === 'sqlite') {
    return {
      inject: [
        `create trigger kw_test_fail_approve before update on connections when old.id = '${id}'
           begin select raise(abort, 'injected failure'); end`,
      ],
      heal: ['drop trigger kw_test_fail_approve'],
    };
  }
  return {
    inject: [
      `create function kw_test_fail_approve() returns trigger language plpgsql as
         $$ begin raise exception 'injected failure'; end $$`,
      `create trigger kw_test_fail_approve before update on connections for each row
         when (old.id = '${id}') execute function kw_test_fail_approve()`,
    ],
    heal: ['drop trigger kw_test_fail_approve on connections', 'drop function kw_test_fail_approve()'],
  };
}

/** Device sessions: completed exactly once; approved only together with their connection's tokens. */
export function deviceSessionsContract(ctx: ContractContext): void {
  let store: Store;
  const { fixture } = ctx;
  beforeAll(() => {
    store = ctx.store;
  });

  /** How many `connection.connected` events the outbox holds for the connection. */
  async function connectedEvents(connectionId: string): Promise<number> {
    const rows = await ctx.env.rawQuery(
      "select id from outbox_events where connection_id = ? and type = 'connection.connected'",
      [connectionId],
    );
    return rows.length;
  }

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
      const done = await store.completeDeviceSession(created.id, { status: 'failed', now: 42 });
      expect(done).toMatchObject({ status: 'failed', completedAt: 42 });
      expect(await store.getDeviceSession(created.id)).toMatchObject({ status: 'failed' });
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

    it('approves a session together with its connection, exactly once', async () => {
      const { connection } = await fixture();
      const created = await store.createDeviceSession(newSession(connection.id));
      const approved = await store.approveDeviceSession(created.id, {
        now: 42,
        expectedVersion: connection.version,
        patch: { status: 'connected', tokenSet: { accessToken: 'at-1' }, fields: { clientId: 'client-9' } },
        events: [connectedEvent(connection)],
      });
      if (!approved.ok) throw new Error('the approval found the connection changed');
      expect(approved.session).toMatchObject({ id: created.id, status: 'approved', completedAt: 42 });
      expect(approved.connection).toMatchObject({
        status: 'connected',
        tokenSet: { accessToken: 'at-1' },
        fields: { clientId: 'client-9' },
        version: connection.version + 1,
      });
      expect(await store.getConnection(connection.id)).toEqual(approved.connection);
      expect(await connectedEvents(connection.id)).toBe(1);
      // A second approval (another replica's poll) writes nothing.
      await expectCode(
        store.approveDeviceSession(created.id, {
          now: 43,
          expectedVersion: approved.connection.version,
          patch: { status: 'connected', tokenSet: { accessToken: 'at-2' } },
          events: [connectedEvent(connection)],
        }),
        'KW_DEVICE_SESSION_COMPLETED',
      );
      expect(await store.getConnection(connection.id)).toEqual(approved.connection);
      expect(await connectedEvents(connection.id)).toBe(1);
      await expectCode(
        store.approveDeviceSession('missing', { now: 1, expectedVersion: 1, patch: { status: 'connected' } }),
        'KW_DEVICE_SESSION_NOT_FOUND',
      );
    });

    it('approves nothing when the connection changed since the expected version, and says how it is now', async () => {
      const { connection } = await fixture();
      const created = await store.createDeviceSession(newSession(connection.id));
      const edited = await store.updateConnection(connection.id, { fields: { clientId: 'edited' } });
      const refused = await store.approveDeviceSession(created.id, {
        now: 42,
        expectedVersion: connection.version,
        patch: { status: 'connected', tokenSet: { accessToken: 'at-1' }, fields: { clientId: 'stale' } },
        events: [connectedEvent(connection)],
      });
      expect(refused).toEqual({ ok: false, current: edited });
      expect(await store.getConnection(connection.id)).toEqual(edited);
      expect(await store.getDeviceSession(created.id)).toMatchObject({
        status: 'pending',
        completedAt: null,
      });
      expect(await connectedEvents(connection.id)).toBe(0);
      const approved = await store.approveDeviceSession(created.id, {
        now: 43,
        expectedVersion: edited.version,
        patch: { status: 'connected', tokenSet: { accessToken: 'at-1' } },
        events: [connectedEvent(connection)],
      });
      expect(approved).toMatchObject({
        ok: true,
        session: { status: 'approved' },
        connection: { status: 'connected', fields: { clientId: 'edited' }, version: edited.version + 1 },
      });
      expect(await connectedEvents(connection.id)).toBe(1);
    });

    it('approves nothing when the input is bad or the connection write fails', async () => {
      const { connection } = await fixture();
      const created = await store.createDeviceSession(newSession(connection.id));
      const unchanged = async () => {
        expect(await store.getDeviceSession(created.id)).toMatchObject({
          status: 'pending',
          completedAt: null,
        });
        expect(await store.getConnection(connection.id)).toEqual(connection);
        expect(await connectedEvents(connection.id)).toBe(0);
      };
      const bad = (await expectCode(
        store.approveDeviceSession(created.id, {
          now: 42,
          expectedVersion: connection.version,
          patch: { status: 'bogus', tokenSet: { accessToken: 'at-secret-1' } } as never,
        }),
        'KW_STORE_INVALID_INPUT',
      )) as Error;
      expect(bad.message).not.toContain('at-secret-1');
      await unchanged();
      await expectCode(
        store.approveDeviceSession(created.id, {
          now: -1,
          expectedVersion: connection.version,
          patch: { status: 'connected' },
        }),
        'KW_STORE_INVALID_INPUT',
      );
      await unchanged();
      // The database refuses the connection's write after the session's: the whole approval rolls back.
      const fault = raisingTrigger(store.engine, connection.id);
      for (const statement of fault.inject) await ctx.env.rawQuery(statement);
      try {
        const failed = (await expectCode(
          store.approveDeviceSession(created.id, {
            now: 42,
            expectedVersion: connection.version,
            patch: { status: 'connected', tokenSet: { accessToken: 'at-secret-2' } },
            events: [connectedEvent(connection)],
          }),
          'KW_STORE_WRITE_FAILED',
        )) as Error;
        expect(`${failed.message} ${JSON.stringify(failed)}`).not.toMatch(/at-secret-2|injected failure/);
      } finally {
        for (const statement of fault.heal) await ctx.env.rawQuery(statement);
      }
      await unchanged();
      // Once the fault is gone the same approval succeeds.
      const approved = await store.approveDeviceSession(created.id, {
        now: 44,
        expectedVersion: connection.version,
        patch: { status: 'connected', tokenSet: { accessToken: 'at-3' } },
        events: [connectedEvent(connection)],
      });
      expect(approved).toMatchObject({ ok: true, connection: { status: 'connected' } });
      expect(await connectedEvents(connection.id)).toBe(1);
    });

    it("keeps the customer's choices with the session, and none as an empty object", async () => {
      const { connection } = await fixture();
      const base = {
        connectionId: connection.id,
        deviceCode: 'device-code-choices',
        userCode: 'WXYZ-1234',
        verificationUri: 'https://idp.test/device',
        intervalMs: 5000,
        expiresAt: 9_000_000,
      };
      const chosen = await store.createDeviceSession({ ...base, choices: { environment: 'eu' } });
      expect(chosen.choices).toEqual({ environment: 'eu' });
      expect((await store.getDeviceSession(chosen.id))?.choices).toEqual({ environment: 'eu' });
      const plain = await store.createDeviceSession(base);
      expect((await store.getDeviceSession(plain.id))?.choices).toEqual({});
    });
  });
}
