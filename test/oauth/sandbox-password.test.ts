/**
 * The sandbox's resource owner password grant (RFC 6749 §4.3), registered on oidc-provider with
 * `registerGrantType`, driven by Keyway's own `passwordGrant` over real HTTP.
 */
import { passwordGrant, refreshTokenGrant, type TokenSet } from '../../src/oauth';
import { SANDBOX_LOGIN, startSandbox, type Sandbox } from '../../src/sandbox';
import { caught } from '../support/errors';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

async function apiMe(accessToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(sandbox.apiUrl, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function signIn(password: string = SANDBOX_LOGIN.password, username: string = SANDBOX_LOGIN.username) {
  return passwordGrant(sandbox.server, sandbox.clients.password, {
    username,
    password,
    scopes: ['openid', 'offline_access', 'api:read'],
  });
}

describe('sandbox password grant', () => {
  it('issues an access token for the sandbox user and a refresh token that rotates', async () => {
    sandbox.resetCounts();
    const tokens: TokenSet = await signIn();
    expect(tokens.tokenType).toBe('bearer');
    expect(tokens.scope).toEqual(['openid', 'offline_access', 'api:read']);
    expect(typeof tokens.refreshToken).toBe('string');
    expect(sandbox.tokenRequests()).toEqual({ password: 1 });

    const me = await apiMe(tokens.accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      sub: 'sandbox-user',
      client_id: 'keyway-password',
      scope: tokens.scope?.join(' '),
    });

    const refreshed = await refreshTokenGrant(sandbox.server, sandbox.clients.password, {
      refreshToken: tokens.refreshToken ?? '',
    });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect((await apiMe(refreshed.accessToken)).status).toBe(200);
  });

  it('answers a wrong password with invalid_grant and never repeats the password', async () => {
    const err = await caught(signIn('wrong-password-value'));
    expect(err.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect(err.provider).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect(err.provider?.error_description).toBe('The username or password is not correct.');
    expect(
      JSON.stringify({ message: err.message, details: err.details, provider: err.provider }),
    ).not.toContain('wrong-password-value');
  });

  it('answers an unknown username exactly like a wrong password', async () => {
    const err = await caught(signIn(SANDBOX_LOGIN.password, 'someone-else'));
    expect(err.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect(err.provider?.error_description).toBe('The username or password is not correct.');
  });

  it('refuses the grant to a client not registered for it', async () => {
    const err = await caught(
      passwordGrant(sandbox.server, sandbox.clients.basic, {
        username: SANDBOX_LOGIN.username,
        password: SANDBOX_LOGIN.password,
      }),
    );
    expect(err.provider?.error).toBe('invalid_request');
  });

  it('loses its tokens when the sandbox revokes everything', async () => {
    const tokens = await signIn();
    await sandbox.revokeAll();
    expect((await apiMe(tokens.accessToken)).status).toBe(401);
    const err = await caught(
      refreshTokenGrant(sandbox.server, sandbox.clients.password, {
        refreshToken: tokens.refreshToken ?? '',
      }),
    );
    expect(err.code).toBe('KW_OAUTH_INVALID_GRANT');
  });
});
