/**
 * Provider behaviour a compliant server never shows, against small in-process fakes over real HTTP.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeywayError } from '../../src/errors';
import {
  buildAuthorizationUrl,
  clientCredentialsGrant,
  clientSecretBasic,
  clientSecretPost,
  exchangeAuthorizationCode,
  httpTransport,
  passwordGrant,
  pollDeviceAuthorization,
  processTokenResponse,
  refreshTokenGrant,
  revokeToken,
  type AuthorizationServer,
  type OAuthClient,
  type Transport,
} from '../../src/oauth';
import { exposedText, json, startQuirkServer, text, type QuirkServer } from '../support/quirk-server';
import { caught } from '../support/errors';

let fake: QuirkServer;
let server: AuthorizationServer;
const clientSecret = 'quirk-client-secret-0123456789';
const client: OAuthClient = { clientId: 'quirk-client', auth: clientSecretBasic(clientSecret) };
const noSleep = async (): Promise<void> => {};
const recordSleep =
  (waits: number[]) =>
  (ms: number): Promise<void> => {
    waits.push(ms);
    return Promise.resolve();
  };

/** A port nothing listens on: bound, then released. */
async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}/token`;
}

beforeEach(async () => {
  fake = await startQuirkServer();
  server = {
    authorizationEndpoint: `${fake.url}/authorize`,
    tokenEndpoint: `${fake.url}/token`,
    revocationEndpoint: `${fake.url}/revoke`,
  };
});

afterEach(async () => {
  await fake.close();
});

const exchange = (code = 'the-authorization-code', options = {}) =>
  exchangeAuthorizationCode(
    server,
    client,
    { code, redirectUri: 'https://app.example/cb', codeVerifier: 'v'.repeat(43) },
    { now: () => 1_000_000, ...options },
  );

describe('token response bodies', () => {
  it('reads a form-encoded token response', async () => {
    fake.handle((_req, res) =>
      text(
        res,
        200,
        'access_token=gho_abc123&scope=repo%2Cuser&token_type=bearer',
        'application/x-www-form-urlencoded',
      ),
    );
    const tokens = await exchange(undefined, { scopeSeparator: ',' });
    expect(tokens).toMatchObject({ accessToken: 'gho_abc123', tokenType: 'bearer', scope: ['repo', 'user'] });
    expect(tokens.expiresAt).toBeUndefined();
  });

  it('accepts expires_in as a numeric string and computes expiresAt from the injected clock', async () => {
    fake.handle((_req, res) =>
      json(res, 200, { access_token: 'at-1', token_type: 'Bearer', expires_in: '3600' }),
    );
    const tokens = await exchange();
    expect(tokens.expiresIn).toBe(3600);
    expect(tokens.expiresAt).toBe(1_000_000 + 3_600_000);
    expect(tokens.tokenType).toBe('bearer');
  });

  it('keeps every extra field of the response in raw', async () => {
    fake.handle((_req, res) =>
      json(res, 200, {
        access_token: 'sf-token',
        token_type: 'BEARER',
        instance_url: 'https://na1.salesforce.example',
        signature: 'abc',
      }),
    );
    const tokens = await exchange();
    expect(tokens.raw).toMatchObject({ instance_url: 'https://na1.salesforce.example', signature: 'abc' });
  });

  it('treats a 200 with ok:false as an error when the definition says so (Slack)', async () => {
    fake.handle((_req, res) => json(res, 200, { ok: false, error: 'invalid_code' }));
    const err = await caught(exchange(undefined, { errorInOkBody: { okField: 'ok' } }));
    expect(err.code).toBe('KW_OAUTH_PROVIDER_ERROR');
    expect(err.provider).toEqual({ error: 'invalid_code', status: 200 });
  });

  it('treats a 200 whose body has an error and no access_token as an error', async () => {
    fake.handle((_req, res) => json(res, 200, { error: 'invalid_grant', error_description: 'Code expired' }));
    const err = await caught(exchange());
    expect(err.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect(err.provider).toEqual({ error: 'invalid_grant', error_description: 'Code expired', status: 200 });
  });

  it('reads the user token nested under a configured token path (Slack authed_user)', async () => {
    fake.handle((_req, res) =>
      json(res, 200, {
        ok: true,
        team: { id: 'T1' },
        authed_user: {
          id: 'U1',
          access_token: 'xoxp-user',
          token_type: 'user',
          scope: 'chat:write,users:read',
        },
      }),
    );
    const tokens = await exchange(undefined, {
      errorInOkBody: { okField: 'ok' },
      tokenPath: 'authed_user',
      scopeSeparator: ',',
    });
    expect(tokens).toMatchObject({
      accessToken: 'xoxp-user',
      tokenType: 'user',
      scope: ['chat:write', 'users:read'],
    });
    expect(tokens.raw).toMatchObject({ team: { id: 'T1' } });
  });

  it('reports an HTML 502 with its status and a short, redacted snippet', async () => {
    const code = 'code-that-the-proxy-echoes';
    fake.handle((_req, res) =>
      text(
        res,
        502,
        `<html><head><style>body{color:red}</style></head><body><h1>502 Bad Gateway</h1><p>upstream failed for code=${code} secret ${clientSecret}</p>${'<p>filler</p>'.repeat(100)}</body></html>`,
        'text/html',
      ),
    );
    const err = await caught(exchange(code));
    expect(err.code).toBe('KW_OAUTH_SERVER_ERROR');
    expect(err.transient).toBe(true);
    expect(err.provider?.status).toBe(502);
    expect(err.message).toContain('HTTP 502');
    expect(err.message).toContain('502 Bad Gateway');
    expect(err.message).not.toContain('<h1>');
    expect(err.message).not.toContain('color:red');
    const snippet = String(err.details?.snippet);
    expect(snippet.length).toBeLessThanOrEqual(201);
    expect(exposedText(err)).not.toContain(code);
    expect(exposedText(err)).not.toContain(clientSecret);
  });

  it('reports an HTML 200 as an unexpected response', async () => {
    fake.handle((_req, res) => text(res, 200, '<html><body>Please log in</body></html>', 'text/html'));
    const err = await caught(exchange());
    expect(err.code).toBe('KW_OAUTH_UNEXPECTED_RESPONSE');
    expect(err.message).toContain('Please log in');
  });

  it('names what is missing when a 200 JSON body has no access_token', async () => {
    fake.handle((_req, res) => json(res, 200, { token_type: 'bearer' }));
    const err = await caught(exchange());
    expect(err.code).toBe('KW_OAUTH_UNEXPECTED_RESPONSE');
    expect(err.message).toContain('access_token');
  });
});

describe('timeouts, rate limits and retries', () => {
  it('fails a response slower than the timeout with KW_OAUTH_TIMEOUT', async () => {
    fake.handle((_req, res) => {
      setTimeout(() => json(res, 200, { access_token: 'late' }), 400);
    });
    const err = await caught(
      clientCredentialsGrant(
        server,
        client,
        {},
        { timeoutMs: 100, retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
      ),
    );
    expect(err.code).toBe('KW_OAUTH_TIMEOUT');
  });

  it('maps 429 to KW_OAUTH_RATE_LIMITED with retryAfterMs, and retries client credentials after it', async () => {
    const waits: number[] = [];
    fake.handle((_req, res) => {
      if (fake.requests.length === 1) json(res, 429, { error: 'rate_limited' }, { 'retry-after': '2' });
      else json(res, 200, { access_token: 'after-429', expires_in: 60 });
    });
    const tokens = await clientCredentialsGrant(server, client, {}, { sleep: recordSleep(waits) });
    expect(tokens.accessToken).toBe('after-429');
    expect(waits).toEqual([2000]);
    expect(fake.requests).toHaveLength(2);
  });

  it('gives up on a 429 whose Retry-After exceeds the policy, keeping retryAfterMs', async () => {
    fake.handle((_req, res) => json(res, 429, { error: 'slow_down_please' }, { 'retry-after': '3600' }));
    const err = await caught(clientCredentialsGrant(server, client, {}, { sleep: noSleep }));
    expect(err.code).toBe('KW_OAUTH_RATE_LIMITED');
    expect(err.retryAfterMs).toBe(3_600_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('never repeats a code exchange, even on a 503', async () => {
    fake.handle((_req, res) => json(res, 503, { error: 'temporarily_unavailable' }));
    const err = await caught(exchange(undefined, { sleep: noSleep }));
    expect(err.code).toBe('KW_OAUTH_SERVER_ERROR');
    expect(fake.requests).toHaveLength(1);
  });

  it('does not repeat a refresh after the connection was reset', async () => {
    fake.handle((_req, res) => {
      res.socket?.destroy();
    });
    const err = await caught(
      refreshTokenGrant(server, client, { refreshToken: 'rt-once-only-value' }, { sleep: noSleep }),
    );
    expect(err.code).toBe('KW_OAUTH_NETWORK');
    expect(err.details?.requestSent).toBe(true);
    expect(fake.requests).toHaveLength(1);
    expect(exposedText(err)).not.toContain('rt-once-only-value');
  });

  it('repeats a refresh whose connection was refused, since it never left', async () => {
    fake.handle((_req, res) => json(res, 200, { access_token: 'refreshed', refresh_token: 'rt-2' }));
    const closed = await closedPortUrl();
    const refusedOnce: Transport = (() => {
      let calls = 0;
      return async (request, options) => {
        calls++;
        // A closed port: the real transport maps ECONNREFUSED to requestSent: false.
        if (calls === 1) return httpTransport({ ...request, url: closed }, options);
        return httpTransport(request, options);
      };
    })();
    const tokens = await refreshTokenGrant(
      server,
      client,
      { refreshToken: 'rt-1' },
      { transport: refusedOnce, sleep: noSleep },
    );
    expect(tokens.refreshToken).toBe('rt-2');
    expect(fake.requests).toHaveLength(1);
  });

  it('reports a refused connection as KW_OAUTH_NETWORK with requestSent false', async () => {
    const err = await caught(
      clientCredentialsGrant({ tokenEndpoint: await closedPortUrl() }, client, {}, { sleep: noSleep }),
    );
    expect(err.code).toBe('KW_OAUTH_NETWORK');
    expect(err.details?.requestSent).toBe(false);
  });

  it('cancels an in-flight request with KW_OAUTH_ABORTED', async () => {
    fake.handle((_req, res) => {
      setTimeout(() => json(res, 200, { access_token: 'late' }), 1000);
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await caught(clientCredentialsGrant(server, client, {}, { signal: controller.signal }));
    expect(err.code).toBe('KW_OAUTH_ABORTED');
  });
});

describe('comma-separated scopes', () => {
  it('joins requested scopes with a literal comma in the authorize URL and sends them with a comma', async () => {
    const url = buildAuthorizationUrl(
      server,
      'quirk-client',
      { redirectUri: 'https://app.example/cb', scopes: ['read:user', 'repo'], state: 's'.repeat(20) },
      { scopeSeparator: ',' },
    );
    expect(url).toContain('scope=read%3Auser,repo&');
    fake.handle((_req, res) => json(res, 200, { access_token: 'cc', scope: 'read:user,repo' }));
    const tokens = await clientCredentialsGrant(
      server,
      client,
      { scopes: ['read:user', 'repo'] },
      { scopeSeparator: ',' },
    );
    expect(fake.requests[0]?.form.get('scope')).toBe('read:user,repo');
    expect(tokens.scope).toEqual(['read:user', 'repo']);
  });
});

describe('password grant', () => {
  it('sends username, password and client authentication, and returns tokens', async () => {
    fake.handle((_req, res) =>
      json(res, 200, { access_token: 'pw-at', refresh_token: 'pw-rt', expires_in: 7200 }),
    );
    const tokens = await passwordGrant(
      server,
      { clientId: 'svc', auth: clientSecretPost('svc-secret-value') },
      { username: 'robot@example.com', password: 'hunter2-hunter2', scopes: ['api'] },
    );
    const sent = fake.requests[0];
    expect(sent?.form.get('grant_type')).toBe('password');
    expect(sent?.form.get('username')).toBe('robot@example.com');
    expect(sent?.form.get('password')).toBe('hunter2-hunter2');
    expect(sent?.form.get('client_id')).toBe('svc');
    expect(sent?.form.get('client_secret')).toBe('svc-secret-value');
    expect(tokens).toMatchObject({ accessToken: 'pw-at', refreshToken: 'pw-rt', expiresIn: 7200 });
  });

  it('keeps the password out of the error when the provider echoes it', async () => {
    fake.handle((req, res) =>
      json(res, 400, {
        error: 'invalid_grant',
        error_description: `bad password ${req.form.get('password') ?? ''}`,
      }),
    );
    const err = await caught(
      passwordGrant(server, client, { username: 'robot', password: 'hunter2-hunter2' }),
    );
    expect(err.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect(exposedText(err)).not.toContain('hunter2-hunter2');
    expect(err.provider?.error_description).toBe('bad password [REDACTED]');
  });
});

describe('client authentication on the wire', () => {
  it('form-urlencodes id and secret before base64 in client_secret_basic (RFC 6749 §2.3.1)', async () => {
    fake.handle((_req, res) => json(res, 200, { access_token: 'ok' }));
    await clientCredentialsGrant(server, {
      clientId: 'id:with space',
      auth: clientSecretBasic('s3cr+t:%/=é'),
    });
    const header = String(fake.requests[0]?.headers.authorization);
    const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
    expect(decoded).toBe('id%3Awith+space:s3cr%2Bt%3A%25%2F%3D%C3%A9');
    expect(fake.requests[0]?.form.has('client_secret')).toBe(false);
  });
});

describe('device flow polling', () => {
  it('adds 5 seconds to the interval on every slow_down and keeps it', async () => {
    const answers = ['authorization_pending', 'slow_down', 'authorization_pending', 'slow_down'];
    fake.handle((_req, res) => {
      const error = answers[fake.requests.length - 1];
      if (error) json(res, 400, { error });
      else json(res, 200, { access_token: 'device-at', token_type: 'Bearer' });
    });
    const waits: number[] = [];
    const tokens = await pollDeviceAuthorization(
      server,
      client,
      { deviceCode: 'dc', interval: 2, expiresAt: Date.now() + 600_000 },
      { sleep: recordSleep(waits) },
    );
    expect(tokens.accessToken).toBe('device-at');
    expect(waits).toEqual([2000, 2000, 7000, 7000, 12000]);
    expect(
      fake.requests.every((r) => r.form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:device_code'),
    ).toBe(true);
  });

  it('stops with KW_OAUTH_DEVICE_EXPIRED on expired_token', async () => {
    fake.handle((_req, res) => json(res, 400, { error: 'expired_token' }));
    const err = await caught(
      pollDeviceAuthorization(
        server,
        client,
        { deviceCode: 'dc', interval: 5, expiresAt: Date.now() + 600_000 },
        { sleep: noSleep },
      ),
    );
    expect(err.code).toBe('KW_OAUTH_DEVICE_EXPIRED');
  });

  it('stops with KW_OAUTH_DEVICE_EXPIRED once the injected clock passes expires_in, without another poll', async () => {
    fake.handle((_req, res) => json(res, 400, { error: 'authorization_pending' }));
    let now = 0;
    const err = await caught(
      pollDeviceAuthorization(
        server,
        client,
        { deviceCode: 'dc', interval: 5, expiresAt: 12_000 },
        {
          now: () => now,
          sleep: (ms) => {
            now += ms;
            return Promise.resolve();
          },
        },
      ),
    );
    expect(err.code).toBe('KW_OAUTH_DEVICE_EXPIRED');
    expect(fake.requests).toHaveLength(2);
  });

  it('keeps polling through a transient 503', async () => {
    fake.handle((_req, res) => {
      if (fake.requests.length === 1) json(res, 503, { error: 'temporarily_unavailable' });
      else json(res, 200, { access_token: 'after-503' });
    });
    const tokens = await pollDeviceAuthorization(
      server,
      client,
      { deviceCode: 'dc', interval: 1, expiresAt: Date.now() + 60_000 },
      { sleep: noSleep },
    );
    expect(tokens.accessToken).toBe('after-503');
  });
});

describe('revocation', () => {
  it('sends the token with its hint and accepts a 200', async () => {
    fake.handle((_req, res) => text(res, 200, '', 'text/plain'));
    await revokeToken(server, client, { token: 'tok-to-revoke', tokenTypeHint: 'refresh_token' });
    expect(fake.requests[0]?.form.get('token')).toBe('tok-to-revoke');
    expect(fake.requests[0]?.form.get('token_type_hint')).toBe('refresh_token');
  });

  it('retries a 503 with Retry-After, then succeeds', async () => {
    fake.handle((_req, res) => {
      if (fake.requests.length === 1)
        json(res, 503, { error: 'temporarily_unavailable' }, { 'retry-after': '1' });
      else text(res, 200, '', 'text/plain');
    });
    const waits: number[] = [];
    await revokeToken(server, client, { token: 'tok' }, { sleep: recordSleep(waits) });
    expect(waits).toEqual([1000]);
  });
});

describe('no secrets in errors', () => {
  it('keeps every secret sent out of the message and JSON of every classified error', () => {
    const secrets = ['sec-code-123456', 'sec-verifier-123456', 'sec-client-secret-123456'];
    const bodies = [
      {
        status: 400,
        body: JSON.stringify({ error: 'invalid_grant', error_description: `code ${secrets[0]} bad` }),
      },
      {
        status: 401,
        body: JSON.stringify({ error: 'invalid_client', error_description: `secret ${secrets[2]}` }),
      },
      { status: 500, body: `<html>verifier=${secrets[1]}</html>` },
      { status: 200, body: `{"error":"x","error_uri":"https://e.example/?code=${secrets[0]}"}` },
      { status: 200, body: `<p>${secrets.join(' ')}</p>` },
    ];
    for (const { status, body } of bodies) {
      let thrown: unknown;
      try {
        processTokenResponse({ status, headers: { 'content-type': 'text/html' }, body }, { secrets });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(KeywayError);
      for (const secret of secrets) expect(exposedText(thrown)).not.toContain(secret);
    }
  });
});
