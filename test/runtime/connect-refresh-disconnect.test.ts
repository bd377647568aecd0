/**
 * A connected connection against the sandbox, later: a revoked access token answered with one refresh and one
 * retry, and disconnecting (revocation at the provider, tokens deleted, events).
 * Each on SQLite and PostgreSQL, with the shared setup of ./connect-sandbox.
 */
import { runAction } from '../../src/runtime';
import { caught } from '../support/errors';
import { storeEngines } from '../support/runtime-stores';
import { BROWSER, connectSandbox } from './connect-sandbox';

describe.each(storeEngines)('refresh and disconnect against the sandbox on %s', (_engine, open) => {
  const env = connectSandbox(open);
  const { newConnection, authorize } = env;

  it('answers a revoked access token with one refresh and one retry, end to end', async () => {
    const connection = await newConnection();
    const { connection: connected } = await env.flows.completeAuthorization(await authorize(connection), {
      browserBinding: BROWSER,
    });
    const accessToken = String(connected.tokenSet?.accessToken);
    // The provider stops accepting the stored access token before it expires (revoked there, keys rotated...):
    // the next API call gets a 401 while the refresh token still works.
    const tokenSet = connected.tokenSet ?? {};
    const raw = (tokenSet.raw ?? {}) as Record<string, unknown>;
    await env.store.updateConnection(connection.id, {
      tokenSet: {
        ...tokenSet,
        accessToken: 'no-longer-accepted-token',
        raw: { ...raw, access_token: 'no-longer-accepted-token' },
      },
    });
    env.sandbox.resetCounts();
    const { result } = await runAction(env, {
      instanceId: env.instance.id,
      componentKey: 'sandboxDemo',
      actionKey: 'getMe',
      connections: { connection: connection.name },
    });
    expect((result as { data: Record<string, unknown> }).data).toMatchObject({ sub: 'sandbox-user' });
    expect(env.sandbox.tokenRequests()['refresh_token']).toBe(1);
    const row = await env.store.getConnection(connection.id);
    expect(row?.tokenSet?.accessToken).not.toBe(accessToken);
  });

  it('says a refused revocation failed, deletes the tokens anyway, and emits one event for two disconnects', async () => {
    const connection = await newConnection();
    await env.flows.completeAuthorization(await authorize(connection), { browserBinding: BROWSER });
    // The provider now refuses the client (wrong secret), so revocation fails.
    await env.store.updateConnection(connection.id, {
      secretFields: { clientId: env.sandbox.clients.basic.clientId, clientSecret: 'wrong-secret-value' },
    });
    const first = await env.flows.disconnect(connection.id);
    expect(first).toMatchObject({ revoked: false, revocation: 'failed', alreadyDisconnected: false });
    expect(first.revocationError).toMatch(/^KW_OAUTH_/);
    expect(first.connection).toMatchObject({ status: 'disconnected', tokenSet: null });
    const second = await env.flows.disconnect(connection.id);
    expect(second).toMatchObject({ revocation: 'no_tokens', alreadyDisconnected: true });
    const events = await env.store.claimOutboxEvents({
      now: Date.now() + 1000,
      limit: 1000,
      leaseMs: 1000,
      owner: 'twice',
    });
    const disconnected = events.filter(
      (e) => e.type === 'connection.disconnected' && e.connectionId === connection.id,
    );
    expect(disconnected).toHaveLength(1);
  });

  it('disconnects: revokes the grant at the provider, deletes the tokens and emits `disconnected`', async () => {
    const connection = await newConnection();
    const { connection: connected } = await env.flows.completeAuthorization(await authorize(connection), {
      browserBinding: BROWSER,
    });
    const refreshToken = String(connected.tokenSet?.refreshToken);
    const result = await env.flows.disconnect(connection.id);
    expect(result.revoked).toBe(true);
    expect(result.revocation).toBe('revoked');
    expect(result.connection).toMatchObject({ status: 'disconnected', tokenSet: null, expiresAt: null });
    const events = await env.store.claimOutboxEvents({
      now: Date.now() + 1000,
      limit: 100,
      leaseMs: 1000,
      owner: 'd',
    });
    expect(events.some((e) => e.type === 'connection.disconnected' && e.connectionId === connection.id)).toBe(
      true,
    );
    // The provider no longer honours the grant.
    const refreshed = await fetch(`${env.sandbox.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(
          `${encodeURIComponent(env.sandbox.clients.basic.clientId)}:${encodeURIComponent(env.sandbox.clients.basic.clientSecret ?? '')}`,
        ).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    expect(refreshed.status).toBe(400);
    const error = await caught(
      runAction(env, {
        instanceId: env.instance.id,
        componentKey: 'sandboxDemo',
        actionKey: 'getMe',
        connections: { connection: connection.name },
      }),
    );
    expect(error.code).toBe('KW_CONNECTION_NOT_CONNECTED');
  });
});
