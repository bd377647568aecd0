/**
 * Authorization-code connect flows end to end against the sandbox: the single-use session, the callback's
 * checks (state, browser binding, expiry, RFC 9207 `iss`), a provider's refusal, and a callback settled as a value.
 * Each on SQLite and PostgreSQL, with the shared setup of ./connect-sandbox.
 */
import { ConnectFlows, runAction } from '../../src/runtime';
import { followAuthorization } from '../../src/sandbox';
import type { Connection } from '../../src/store';
import { caught } from '../support/errors';
import { storeEngines } from '../support/runtime-stores';
import { BROWSER, connectSandbox, withParam } from './connect-sandbox';

describe.each(storeEngines)('authorization-code connect flows against the sandbox on %s', (_engine, open) => {
  const env = connectSandbox(open);
  const { newConnection, authorize } = env;

  it('starts with a single-use session (state, PKCE, ten minutes, browser binding) and the authorize URL', async () => {
    const connection = await newConnection();
    const now = Date.now();
    const { authorizationUrl, expiresAt } = await env.flows.startAuthorization({
      connectionId: connection.id,
      browserBinding: BROWSER,
      redirectUri: env.redirectUri,
      now,
    });
    const url = new URL(authorizationUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${env.sandbox.issuer}/auth`);
    expect(url.searchParams.get('client_id')).toBe(env.sandbox.clients.basic.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(env.redirectUri);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('scope')).toBe('openid offline_access api:read');
    expect(expiresAt).toBe(now + 10 * 60 * 1000);
    const state = url.searchParams.get('state') ?? '';
    expect(state.length).toBeGreaterThanOrEqual(32);
    const session = await env.store.getAuthSession(state);
    expect(session).toMatchObject({
      connectionId: connection.id,
      browserBinding: BROWSER,
      expiresAt,
      consumedAt: null,
    });
    expect(session?.codeVerifier?.length).toBeGreaterThanOrEqual(43);
    // The verifier never leaves Keyway: only its S256 challenge is in the URL.
    expect(authorizationUrl).not.toContain(session?.codeVerifier ?? '-');
  });

  it('connects through the provider, saves the tokens and emits `connected`; the action then runs with them', async () => {
    const connection = await newConnection();
    env.sandbox.resetCounts();
    const callback = await authorize(connection);
    const { connection: connected } = await env.flows.completeAuthorization(callback, {
      browserBinding: BROWSER,
    });
    expect(connected.status).toBe('connected');
    expect(connected.tokenSet).toMatchObject({ tokenType: 'bearer' });
    expect(typeof connected.tokenSet?.refreshToken).toBe('string');
    expect(connected.expiresAt).toBeGreaterThan(Date.now());
    expect(connected.refreshAt).toBeLessThan(connected.expiresAt ?? 0);
    expect(env.sandbox.tokenRequests()['authorization_code']).toBe(1);
    const events = await env.store.claimOutboxEvents({
      now: Date.now() + 1000,
      limit: 100,
      leaseMs: 1000,
      owner: 't',
    });
    expect(events.some((e) => e.type === 'connection.connected' && e.connectionId === connection.id)).toBe(
      true,
    );

    const { result } = await runAction(env, {
      instanceId: env.instance.id,
      componentKey: 'sandboxDemo',
      actionKey: 'getMe',
      connections: { connection: connection.name },
    });
    expect((result as { data: Record<string, unknown> }).data).toMatchObject({ sub: 'sandbox-user' });
  });

  it('rejects a callback whose state was already used, changing nothing', async () => {
    const connection = await newConnection();
    const callback = await authorize(connection);
    const first = await env.flows.completeAuthorization(callback, { browserBinding: BROWSER });
    env.sandbox.resetCounts();
    const error = await caught(env.flows.completeAuthorization(callback, { browserBinding: BROWSER }));
    expect(error.code).toBe('KW_AUTH_SESSION_CONSUMED');
    expect(env.sandbox.tokenRequests()['authorization_code'] ?? 0).toBe(0);
    expect((await env.store.getConnection(connection.id))?.version).toBe(first.connection.version);
  });

  it('rejects a forged state', async () => {
    const connection = await newConnection();
    const callback = await authorize(connection);
    const error = await caught(
      env.flows.completeAuthorization(withParam(callback, 'state', 'forged-state-value-0123456789abcdef'), {
        browserBinding: BROWSER,
      }),
    );
    expect(error.code).toBe('KW_AUTH_SESSION_NOT_FOUND');
    expect((await env.store.getConnection(connection.id))?.status).toBe('pending');
  });

  it('rejects an expired session', async () => {
    const connection = await newConnection();
    const callback = await authorize(connection);
    const error = await caught(
      env.flows.completeAuthorization(callback, {
        browserBinding: BROWSER,
        now: Date.now() + 11 * 60 * 1000,
      }),
    );
    expect(error.code).toBe('KW_AUTH_SESSION_EXPIRED');
    expect((await env.store.getConnection(connection.id))?.status).toBe('pending');
  });

  it('rejects a callback arriving in another browser, and the right browser can still finish', async () => {
    const connection = await newConnection();
    const callback = await authorize(connection);
    const error = await caught(
      env.flows.completeAuthorization(callback, { browserBinding: 'some-other-browser' }),
    );
    expect(error.code).toBe('KW_AUTH_SESSION_BROWSER_MISMATCH');
    expect((await env.store.getConnection(connection.id))?.status).toBe('pending');
    const done = await env.flows.completeAuthorization(callback, { browserBinding: BROWSER });
    expect(done.connection.status).toBe('connected');
  });

  it('reports access_denied from the provider and leaves the connection unchanged', async () => {
    const connection = await newConnection();
    env.sandbox.behaviour.denyConsent = true;
    try {
      const callback = await authorize(connection);
      expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
      const error = await caught(env.flows.completeAuthorization(callback, { browserBinding: BROWSER }));
      expect(error.code).toBe('KW_OAUTH_ACCESS_DENIED');
    } finally {
      env.sandbox.behaviour.denyConsent = false;
    }
    const row = await env.store.getConnection(connection.id);
    expect(row).toMatchObject({ status: 'pending', tokenSet: null, version: connection.version });
  });

  describe('a callback settled as a value (the page that leads back to the link)', () => {
    const LINK = 'link-token-1';
    let reads: string[] = [];
    let counted: ConnectFlows;

    beforeAll(() => {
      // The same store, recording every read of a session or a connection.
      const recording = new Proxy(env.store, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (typeof value !== 'function') return value;
          const method = (value as (...a: unknown[]) => unknown).bind(target);
          if (property !== 'getAuthSession' && property !== 'getConnection') return method;
          return (...args: unknown[]) => {
            reads.push(property);
            return method(...args);
          };
        },
      });
      counted = new ConnectFlows({ store: recording, components: env.components });
    });

    async function startFrom(connection: Connection): Promise<string> {
      const { authorizationUrl } = await env.flows.startAuthorization({
        connectionId: connection.id,
        browserBinding: BROWSER,
        redirectUri: env.redirectUri,
        returnTo: LINK,
      });
      return followAuthorization(authorizationUrl, { redirectUri: env.redirectUri });
    }

    it('completes with the link from the consumed session, reading no session or connection again', async () => {
      const connection = await newConnection();
      const callback = await startFrom(connection);
      reads = [];
      const result = await counted.settleAuthorization(callback, { browserBinding: BROWSER });
      expect(result).toMatchObject({ ok: true, returnTo: LINK, connection: { id: connection.id } });
      expect(reads).toEqual([]);
    });

    it('leads a failure after the session was consumed back to its link, without reading the session', async () => {
      const connection = await newConnection();
      env.sandbox.behaviour.denyConsent = true;
      let callback: string;
      try {
        callback = await startFrom(connection);
      } finally {
        env.sandbox.behaviour.denyConsent = false;
      }
      reads = [];
      const result = await counted.settleAuthorization(callback, { browserBinding: BROWSER });
      expect(result).toMatchObject({
        ok: false,
        error: { code: 'KW_OAUTH_ACCESS_DENIED' },
        connectionId: connection.id,
        instanceId: env.instance.id,
        returnTo: LINK,
      });
      expect(reads).not.toContain('getAuthSession');
    });

    it('leads an expired session back to its link, and tells another browser nothing', async () => {
      const connection = await newConnection();
      const callback = await startFrom(connection);
      const late = { browserBinding: BROWSER, now: Date.now() + 11 * 60 * 1000 };
      const expired = await counted.settleAuthorization(callback, late);
      expect(expired).toMatchObject({
        ok: false,
        error: { code: 'KW_AUTH_SESSION_EXPIRED' },
        connectionId: connection.id,
        instanceId: env.instance.id,
        returnTo: LINK,
      });
      const other = await counted.settleAuthorization(callback, { browserBinding: 'some-other-browser' });
      expect(other).toEqual({
        ok: false,
        error: expect.objectContaining({ code: 'KW_AUTH_SESSION_BROWSER_MISMATCH' }),
      });
    });
  });

  it('refuses a callback whose iss names another server, without exchanging the code', async () => {
    const connection = await newConnection();
    const callback = await authorize(connection);
    expect(new URL(callback).searchParams.get('iss')).toBe(env.sandbox.issuer);
    env.sandbox.resetCounts();
    const error = await caught(
      env.flows.completeAuthorization(withParam(callback, 'iss', 'https://evil.example'), {
        browserBinding: BROWSER,
      }),
    );
    expect(error.code).toBe('KW_OAUTH_ISSUER_MISMATCH');
    expect(env.sandbox.tokenRequests()['authorization_code'] ?? 0).toBe(0);
    expect((await env.store.getConnection(connection.id))?.status).toBe('pending');
  });

  it('refuses a callback without iss from a server whose metadata promises it (RFC 9207), without exchanging the code', async () => {
    const connection = await newConnection();
    const callback = new URL(await authorize(connection));
    expect(callback.searchParams.get('iss')).toBe(env.sandbox.issuer);
    callback.searchParams.delete('iss');
    env.sandbox.resetCounts();
    const error = await caught(
      env.flows.completeAuthorization(callback.toString(), { browserBinding: BROWSER }),
    );
    expect(error.code).toBe('KW_OAUTH_ISSUER_MISMATCH');
    expect(error.message).toContain('RFC 9207');
    expect(env.sandbox.tokenRequests()['authorization_code'] ?? 0).toBe(0);
    expect((await env.store.getConnection(connection.id))?.status).toBe('pending');
  });
});
