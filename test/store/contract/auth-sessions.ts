/** The store contract: authorization sessions. */
import { randomBytes } from 'node:crypto';
import { isKeywayError } from '../../../src/errors';
import type { Store } from '../../../src/store';
import { expectCode } from './context';
import type { ContractContext } from './context';

/** Authorization sessions: consumed once, bound to a browser, expiring. */
export function authSessionsContract(ctx: ContractContext): void {
  let store: Store;
  const { fixture, open } = ctx;
  beforeAll(() => {
    store = ctx.store;
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
}
