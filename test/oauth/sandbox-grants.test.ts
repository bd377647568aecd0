/**
 * Every grant end to end against a real authorization server (oidc-provider, in-process, real HTTP).
 */
import {
  buildAuthorizationUrl,
  clientCredentialsGrant,
  clientSecretBasic,
  discover,
  exchangeAuthorizationCode,
  generatePkce,
  generateState,
  mergeRefreshedTokenSet,
  pollDeviceAuthorization,
  refreshTokenGrant,
  requestDeviceAuthorization,
  revokeToken,
  validateAuthorizationCallback,
  type DiscoveredServer,
  type TokenSet,
} from '../../src/oauth';
import { followAuthorization, startSandbox, type Sandbox, type SandboxClient } from '../../src/sandbox';
import { exposedText } from '../support/quirk-server';
import { caught } from '../support/errors';
import { until } from '../support/until';

let sandbox: Sandbox;
let server: DiscoveredServer;

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await discover(sandbox.issuer);
});

afterAll(async () => {
  await sandbox.close();
});

afterEach(() => {
  sandbox.behaviour.denyConsent = false;
  sandbox.behaviour.tokenDelayMs = 0;
});

async function authorize(client: SandboxClient, scopes = ['openid', 'api:read']) {
  const pkce = generatePkce();
  const state = generateState();
  const url = buildAuthorizationUrl(server, client.clientId, {
    redirectUri: client.redirectUri,
    scopes,
    state,
    pkce,
  });
  const callbackUrl = await followAuthorization(url, { redirectUri: client.redirectUri });
  return { callbackUrl, state, pkce };
}

async function codeFlow(client: SandboxClient): Promise<TokenSet> {
  const { callbackUrl, state, pkce } = await authorize(client);
  const { code } = validateAuthorizationCallback(callbackUrl, {
    expectedState: state,
    expectedIssuer: server.issuer,
    issRequired: server.authorizationResponseIssParameterSupported,
  });
  return exchangeAuthorizationCode(server, client, {
    code,
    redirectUri: client.redirectUri,
    codeVerifier: pkce.verifier,
  });
}

async function callApi(accessToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(sandbox.apiUrl, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('discovery', () => {
  it('fills every endpoint from the issuer', () => {
    expect(server.issuer).toBe(sandbox.issuer);
    expect(server.tokenEndpoint).toBe(sandbox.server.tokenEndpoint);
    expect(server.authorizationEndpoint).toBe(sandbox.server.authorizationEndpoint);
    expect(server.revocationEndpoint).toBe(sandbox.server.revocationEndpoint);
    expect(server.deviceAuthorizationEndpoint).toBe(sandbox.server.deviceAuthorizationEndpoint);
    expect(server.authorizationResponseIssParameterSupported).toBe(true);
    expect(server.codeChallengeMethodsSupported).toContain('S256');
  });

  it('rejects metadata whose issuer is not the one asked for', async () => {
    const err = await caught(discover(`${sandbox.issuer}/`));
    expect(err.code).toBe('KW_OAUTH_DISCOVERY_FAILED');
  });
});

describe('authorization code + PKCE', () => {
  it.each(['basic', 'post', 'public'] as const)(
    'gets tokens for the %s client with automatic login and consent',
    async (name) => {
      const client = sandbox.clients[name];
      const tokens = await codeFlow(client);
      expect(tokens.tokenType).toBe('bearer');
      expect(tokens.refreshToken).toEqual(expect.any(String));
      expect(tokens.scope).toEqual(['openid', 'api:read']);
      expect(tokens.idToken).toEqual(expect.any(String));
      expect(tokens.raw.access_token).toBe(tokens.accessToken);
      const api = await callApi(tokens.accessToken);
      expect(api.status).toBe(200);
      expect(api.body).toMatchObject({
        sub: 'sandbox-user',
        client_id: client.clientId,
        scope: 'openid api:read',
      });
    },
  );

  it('authenticates a Basic client whose id and secret contain ":", "%", "+", " " and "="', async () => {
    const client = sandbox.clients.basic;
    expect(client.clientId).toMatch(/[: ]/);
    expect(client.clientSecret).toMatch(/[:%+ =]/);
    const tokens = await codeFlow(client);
    expect(tokens.accessToken.length).toBeGreaterThan(10);
  });

  it('rejects a code presented a second time, without retrying the first exchange', async () => {
    const client = sandbox.clients.post;
    const { callbackUrl, state, pkce } = await authorize(client);
    const { code } = validateAuthorizationCallback(callbackUrl, { expectedState: state });
    sandbox.resetCounts();
    await exchangeAuthorizationCode(server, client, {
      code,
      redirectUri: client.redirectUri,
      codeVerifier: pkce.verifier,
    });
    const err = await caught(
      exchangeAuthorizationCode(server, client, {
        code,
        redirectUri: client.redirectUri,
        codeVerifier: pkce.verifier,
      }),
    );
    expect(err.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect(err.provider).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect(sandbox.tokenRequests()).toEqual({ authorization_code: 2 });
    expect(exposedText(err)).not.toContain(code);
  });

  it('rejects a wrong PKCE verifier as invalid_grant', async () => {
    const client = sandbox.clients.public;
    const { callbackUrl, state } = await authorize(client);
    const { code } = validateAuthorizationCallback(callbackUrl, { expectedState: state });
    const wrong = generatePkce().verifier;
    const err = await caught(
      exchangeAuthorizationCode(server, client, {
        code,
        redirectUri: client.redirectUri,
        codeVerifier: wrong,
      }),
    );
    expect(err.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect(exposedText(err)).not.toContain(wrong);
    expect(exposedText(err)).not.toContain(code);
  });

  it('rejects a callback whose state is not the one this authorization started with', async () => {
    const { callbackUrl } = await authorize(sandbox.clients.public);
    const err = await caught(
      Promise.resolve().then(() =>
        validateAuthorizationCallback(callbackUrl, { expectedState: generateState() }),
      ),
    );
    expect(err.code).toBe('KW_OAUTH_STATE_MISMATCH');
  });

  it('rejects a callback from another issuer (RFC 9207 mix-up defence)', async () => {
    const { callbackUrl, state } = await authorize(sandbox.clients.public);
    expect(new URL(callbackUrl).searchParams.get('iss')).toBe(sandbox.issuer);
    const err = await caught(
      Promise.resolve().then(() =>
        validateAuthorizationCallback(callbackUrl, {
          expectedState: state,
          expectedIssuer: 'https://other.example',
        }),
      ),
    );
    expect(err.code).toBe('KW_OAUTH_ISSUER_MISMATCH');
  });

  it('turns a denied consent into KW_OAUTH_ACCESS_DENIED with the provider description', async () => {
    sandbox.behaviour.denyConsent = true;
    const { callbackUrl, state } = await authorize(sandbox.clients.public);
    const err = await caught(
      Promise.resolve().then(() =>
        validateAuthorizationCallback(callbackUrl, { expectedState: state, expectedIssuer: sandbox.issuer }),
      ),
    );
    expect(err.code).toBe('KW_OAUTH_ACCESS_DENIED');
    expect(err.provider).toMatchObject({
      error: 'access_denied',
      error_description: 'The sandbox user denied consent.',
    });
  });

  it('fails with KW_OAUTH_TIMEOUT when the token endpoint answers after the timeout', async () => {
    const client = sandbox.clients.post;
    const { callbackUrl, state, pkce } = await authorize(client);
    const { code } = validateAuthorizationCallback(callbackUrl, { expectedState: state });
    sandbox.behaviour.tokenDelayMs = 600;
    const err = await caught(
      exchangeAuthorizationCode(
        server,
        client,
        { code, redirectUri: client.redirectUri, codeVerifier: pkce.verifier },
        { timeoutMs: 150 },
      ),
    );
    expect(err.code).toBe('KW_OAUTH_TIMEOUT');
    expect(err.transient).toBe(true);
    expect(exposedText(err)).not.toContain(code);
  });
});

describe('client credentials', () => {
  it('gets a token with client_secret_basic and scope', async () => {
    const tokens = await clientCredentialsGrant(server, sandbox.clients.service, { scopes: ['api:read'] });
    expect(tokens.scope).toEqual(['api:read']);
    expect(tokens.refreshToken).toBeUndefined();
    expect(tokens.expiresIn).toBe(300);
    const api = await callApi(tokens.accessToken);
    expect(api.body).toMatchObject({ sub: sandbox.clients.service.clientId, scope: 'api:read' });
  });

  it('gets a token with client_secret_post', async () => {
    const tokens = await clientCredentialsGrant(server, sandbox.clients.post, { scopes: ['api:write'] });
    expect(tokens.scope).toEqual(['api:write']);
  });

  it('rejects a wrong secret as KW_OAUTH_INVALID_CLIENT without revealing it', async () => {
    const wrongSecret = 'not-the-secret-0123456789';
    const err = await caught(
      clientCredentialsGrant(server, {
        clientId: sandbox.clients.service.clientId,
        auth: clientSecretBasic(wrongSecret),
      }),
    );
    expect(err.code).toBe('KW_OAUTH_INVALID_CLIENT');
    expect(err.provider?.status).toBe(401);
    expect(exposedText(err)).not.toContain(wrongSecret);
  });
});

describe('refresh', () => {
  it('rotates the refresh token and sends exactly one refresh request', async () => {
    const client = sandbox.clients.basic;
    const first = await codeFlow(client);
    sandbox.resetCounts();
    const fresh = await refreshTokenGrant(server, client, { refreshToken: first.refreshToken ?? '' });
    const merged = mergeRefreshedTokenSet(first, fresh);
    expect(sandbox.tokenRequests()).toEqual({ refresh_token: 1 });
    expect(fresh.refreshToken).toEqual(expect.any(String));
    expect(merged.refreshToken).toBe(fresh.refreshToken);
    expect(merged.refreshToken).not.toBe(first.refreshToken);
    expect(merged.accessToken).not.toBe(first.accessToken);
    expect((await callApi(merged.accessToken)).status).toBe(200);
  });

  it('detects reuse of a rotated refresh token: invalid_grant, and the whole grant is gone', async () => {
    const client = sandbox.clients.post;
    const first = await codeFlow(client);
    const second = await refreshTokenGrant(server, client, { refreshToken: first.refreshToken ?? '' });
    const reuse = await caught(refreshTokenGrant(server, client, { refreshToken: first.refreshToken ?? '' }));
    expect(reuse.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect(reuse.transient).toBe(false);
    expect(exposedText(reuse)).not.toContain(first.refreshToken);
    // The legitimate newer tokens were revoked with the grant.
    const afterReuse = await caught(
      refreshTokenGrant(server, client, { refreshToken: second.refreshToken ?? '' }),
    );
    expect(afterReuse.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect((await callApi(second.accessToken)).status).toBe(401);
  });

  it('fails with KW_OAUTH_INVALID_GRANT after the sandbox revokes everything', async () => {
    const client = sandbox.clients.public;
    const tokens = await codeFlow(client);
    await sandbox.revokeAll();
    const err = await caught(refreshTokenGrant(server, client, { refreshToken: tokens.refreshToken ?? '' }));
    expect(err.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect((await callApi(tokens.accessToken)).status).toBe(401);
  });

  it('does not repeat a refresh that timed out, since the server may have consumed the token', async () => {
    const client = sandbox.clients.post;
    const tokens = await codeFlow(client);
    sandbox.resetCounts();
    sandbox.behaviour.tokenDelayMs = 500;
    const err = await caught(
      refreshTokenGrant(
        server,
        client,
        { refreshToken: tokens.refreshToken ?? '' },
        { timeoutMs: 100, sleep: async () => {} },
      ),
    );
    expect(err.code).toBe('KW_OAUTH_TIMEOUT');
    // The server counts a request once it has handled it, before holding its answer back.
    await until(
      'the server to handle the refresh',
      () => (sandbox.tokenRequests()['refresh_token'] ?? 0) >= 1,
    );
    // Why: the server did rotate; presenting the same token again now counts as reuse.
    sandbox.behaviour.tokenDelayMs = 0;
    const retried = await caught(
      refreshTokenGrant(server, client, { refreshToken: tokens.refreshToken ?? '' }),
    );
    expect(retried.code).toBe('KW_OAUTH_INVALID_GRANT');
    // A later request has been sent, handled and answered since: a repeat of the timed-out one, sent before
    // the client gave up, would be counted by now.
    expect(sandbox.tokenRequests()).toEqual({ refresh_token: 2 });
  });
});

describe('device authorization grant', () => {
  it('polls until the user approves, then returns tokens', async () => {
    const client = sandbox.clients.device;
    const authorization = await requestDeviceAuthorization(server, client, {
      scopes: ['openid', 'api:read'],
    });
    expect(authorization.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(authorization.verificationUri).toBe(`${sandbox.issuer}/device`);
    const waits: number[] = [];
    const outcomes: string[] = [];
    const tokens = await pollDeviceAuthorization(server, client, authorization, {
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 3) await sandbox.approveDevice(authorization.userCode);
      },
      onPending: (outcome) => outcomes.push(outcome),
    });
    expect(outcomes).toEqual(['pending', 'pending']);
    expect(waits).toEqual([5000, 5000, 5000]);
    expect(tokens.scope).toEqual(['openid', 'api:read']);
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect((await callApi(tokens.accessToken)).body).toMatchObject({ sub: 'sandbox-user' });
  });

  it('stops with KW_OAUTH_ACCESS_DENIED when the user denies', async () => {
    const client = sandbox.clients.device;
    const authorization = await requestDeviceAuthorization(server, client, { scopes: ['openid'] });
    await sandbox.denyDevice(authorization.userCode);
    const err = await caught(
      pollDeviceAuthorization(server, client, authorization, { sleep: async () => {} }),
    );
    expect(err.code).toBe('KW_OAUTH_ACCESS_DENIED');
    expect(exposedText(err)).not.toContain(authorization.deviceCode);
  });

  it('stops with KW_OAUTH_ABORTED as soon as the caller cancels', async () => {
    const client = sandbox.clients.device;
    const authorization = await requestDeviceAuthorization(server, client, { scopes: ['openid'] });
    const controller = new AbortController();
    let polls = 0;
    const err = await caught(
      pollDeviceAuthorization(server, client, authorization, {
        signal: controller.signal,
        sleep: () => {
          polls++;
          if (polls === 2) controller.abort();
          return Promise.resolve();
        },
      }),
    );
    expect(err.code).toBe('KW_OAUTH_ABORTED');
    expect(polls).toBe(2);
  });
});

describe('revocation', () => {
  it('revokes an access token so the API refuses it', async () => {
    const tokens = await codeFlow(sandbox.clients.post);
    expect((await callApi(tokens.accessToken)).status).toBe(200);
    await revokeToken(server, sandbox.clients.post, {
      token: tokens.accessToken,
      tokenTypeHint: 'access_token',
    });
    expect((await callApi(tokens.accessToken)).status).toBe(401);
  });

  it('revokes a refresh token so it can no longer be used', async () => {
    const client = sandbox.clients.basic;
    const tokens = await codeFlow(client);
    await revokeToken(server, client, { token: tokens.refreshToken ?? '', tokenTypeHint: 'refresh_token' });
    const err = await caught(refreshTokenGrant(server, client, { refreshToken: tokens.refreshToken ?? '' }));
    expect(err.code).toBe('KW_OAUTH_INVALID_GRANT');
  });

  it('treats revoking an unknown token as success (RFC 7009 §2.2)', async () => {
    await expect(
      revokeToken(server, sandbox.clients.post, { token: 'never-issued-token-value' }),
    ).resolves.toBeUndefined();
  });
});
