/** The store contract: device sessions. */
import type { Store } from '../../../src/store';
import { expectCode } from './context';
import type { ContractContext } from './context';

/** Device sessions: completed exactly once. */
export function deviceSessionsContract(ctx: ContractContext): void {
  let store: Store;
  const { fixture } = ctx;
  beforeAll(() => {
    store = ctx.store;
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
