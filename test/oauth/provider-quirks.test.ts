/**
 * Provider quirks carried by connections/ definitions (vendor error codes, extra token headers, the scope
 * parameter name, a token path that only sometimes holds the token, JSON token requests), against in-process fakes
 * over real HTTP.
 */
import { isKeywayError } from '../../src/errors';
import {
  buildAuthorizationUrl,
  classifyProviderError,
  clientCredentialsGrant,
  clientSecretBasic,
  clientSecretPost,
  exchangeAuthorizationCode,
  passwordGrant,
  pollDeviceAuthorization,
  refreshTokenGrant,
  standardErrorCode,
  type AuthorizationServer,
  type OAuthClient,
} from '../../src/oauth';
import { json, startQuirkServer, text, type QuirkServer } from '../support/quirk-server';
import { caught } from '../support/errors';

let fake: QuirkServer;
let server: AuthorizationServer;
const clientSecret = 'provider-quirk-secret-0123456789';
const basicClient: OAuthClient = { clientId: 'quirk-client', auth: clientSecretBasic(clientSecret) };
const postClient: OAuthClient = { clientId: 'quirk-client', auth: clientSecretPost(clientSecret) };
const noSleep = async (): Promise<void> => {};

// As in connections/catalog/github.ts, salesforce.ts and slack.ts.
const githubErrorCodes = {
  bad_verification_code: 'invalid_grant',
  bad_refresh_token: 'invalid_grant',
  incorrect_client_credentials: 'invalid_client',
  incorrect_device_code: 'invalid_grant',
};
const salesforceErrorCodes = {
  invalid_client_id: 'invalid_client',
  invalid_client_credentials: 'invalid_client',
};

beforeEach(async () => {
  fake = await startQuirkServer();
  server = { authorizationEndpoint: `${fake.url}/authorize`, tokenEndpoint: `${fake.url}/token` };
});

afterEach(async () => {
  await fake.close();
});

const exchange = (client: OAuthClient, options = {}) =>
  exchangeAuthorizationCode(
    server,
    client,
    { code: 'the-authorization-code', redirectUri: 'https://app.example/cb' },
    { now: () => 1_000_000, ...options },
  );

const refresh = (options = {}) =>
  refreshTokenGrant(
    server,
    postClient,
    { refreshToken: 'the-refresh-token' },
    { now: () => 1_000_000, sleep: noSleep, ...options },
  );

function queryOf(url: string): URLSearchParams {
  return new URL(url).searchParams;
}

describe('vendor error codes', () => {
  const githubBadRefresh = {
    error: 'bad_refresh_token',
    error_description: 'The refresh token passed is incorrect or expired.',
    error_uri:
      'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors',
  };

  it("classifies GitHub's bad_refresh_token in a 200 as KW_OAUTH_INVALID_GRANT, keeping the vendor's error", async () => {
    fake.handle((_req, res) => json(res, 200, githubBadRefresh));
    const err = await caught(refresh({ errorCodes: githubErrorCodes }));
    expect(err.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect(err.provider).toEqual({ ...githubBadRefresh, status: 200 });
    // A dead grant is permanent: the refresh is not repeated.
    expect(fake.requests).toHaveLength(1);
  });

  it('leaves an unmapped vendor code a generic provider error', async () => {
    fake.handle((_req, res) => json(res, 200, githubBadRefresh));
    const err = await caught(refresh());
    expect(err.code).toBe('KW_OAUTH_PROVIDER_ERROR');
    expect(err.provider?.error).toBe('bad_refresh_token');
  });

  it("classifies GitHub's bad_verification_code on the code exchange as KW_OAUTH_INVALID_GRANT", async () => {
    fake.handle((_req, res) =>
      text(
        res,
        200,
        'error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.',
        'application/x-www-form-urlencoded',
      ),
    );
    const err = await caught(exchange(postClient, { errorCodes: githubErrorCodes }));
    expect(err.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect(err.provider).toMatchObject({ error: 'bad_verification_code', status: 200 });
  });

  it("classifies Salesforce's invalid_client_id (HTTP 400) as KW_OAUTH_INVALID_CLIENT", async () => {
    fake.handle((_req, res) =>
      json(res, 400, { error: 'invalid_client_id', error_description: 'client identifier invalid' }),
    );
    const err = await caught(exchange(postClient, { errorCodes: salesforceErrorCodes }));
    expect(err.code).toBe('KW_OAUTH_INVALID_CLIENT');
    expect(err.provider).toEqual({
      error: 'invalid_client_id',
      error_description: 'client identifier invalid',
      status: 400,
    });
  });

  it('still classifies HTTP 429 as rate limiting whatever the vendor code maps to', () => {
    expect(classifyProviderError(429, 'bad_refresh_token', githubErrorCodes)).toBe('KW_OAUTH_RATE_LIMITED');
  });

  it('never resolves an error named like an Object prototype member to a classification', () => {
    expect(classifyProviderError(400, 'constructor')).toBe('KW_OAUTH_PROVIDER_ERROR');
    expect(classifyProviderError(400, 'toString', {})).toBe('KW_OAUTH_PROVIDER_ERROR');
    expect(standardErrorCode('hasOwnProperty', githubErrorCodes)).toBe('hasOwnProperty');
  });

  it('maps a vendor device-flow code while polling (GitHub incorrect_device_code → invalid_grant)', async () => {
    fake.handle((_req, res) => json(res, 200, { error: 'incorrect_device_code' }));
    const err = await caught(
      pollDeviceAuthorization(
        server,
        postClient,
        { deviceCode: 'dc', interval: 1, expiresAt: Date.now() + 600_000 },
        { sleep: noSleep, errorCodes: githubErrorCodes },
      ),
    );
    expect(err.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect(err.provider?.error).toBe('incorrect_device_code');
  });
});

describe('device flow polling with errors inside HTTP 200 (GitHub)', () => {
  it('keeps polling on authorization_pending and slow_down sent with HTTP 200', async () => {
    const answers = ['authorization_pending', 'slow_down', 'authorization_pending'];
    fake.handle((_req, res) => {
      const error = answers[fake.requests.length - 1];
      if (error) json(res, 200, { error, error_description: 'still waiting' });
      else json(res, 200, { access_token: 'gho_device', token_type: 'bearer', scope: 'repo' });
    });
    const waits: number[] = [];
    const tokens = await pollDeviceAuthorization(
      server,
      postClient,
      { deviceCode: 'dc', interval: 5, expiresAt: Date.now() + 600_000 },
      {
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
      },
    );
    expect(tokens.accessToken).toBe('gho_device');
    expect(waits).toEqual([5000, 5000, 10_000, 10_000]);
    expect(fake.requests).toHaveLength(4);
  });

  it('stops with KW_OAUTH_ACCESS_DENIED on access_denied sent with HTTP 200', async () => {
    fake.handle((_req, res) => json(res, 200, { error: 'access_denied' }));
    const err = await caught(
      pollDeviceAuthorization(
        server,
        postClient,
        { deviceCode: 'dc', interval: 1, expiresAt: Date.now() + 600_000 },
        { sleep: noSleep },
      ),
    );
    expect(err.code).toBe('KW_OAUTH_ACCESS_DENIED');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('extra token headers', () => {
  const extraTokenHeaders = { 'X-Api-Version': '2022-11-28', Accept: 'application/vnd.example+json' };

  it('sends the extra headers on every token-endpoint request, replacing the default Accept', async () => {
    fake.handle((_req, res) => json(res, 200, { access_token: 'at', token_type: 'bearer' }));
    const options = { extraTokenHeaders, sleep: noSleep };
    await exchange(basicClient, options);
    await refresh(options);
    await clientCredentialsGrant(server, basicClient, {}, options);
    await passwordGrant(server, basicClient, { username: 'u', password: 'p' }, options);
    await pollDeviceAuthorization(
      server,
      basicClient,
      { deviceCode: 'dc', interval: 1, expiresAt: Date.now() + 600_000 },
      options,
    );
    expect(fake.requests.map((r) => r.form.get('grant_type'))).toEqual([
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'password',
      'urn:ietf:params:oauth:grant-type:device_code',
    ]);
    for (const request of fake.requests) {
      expect(request.headers['x-api-version']).toBe('2022-11-28');
      expect(request.headers.accept).toBe('application/vnd.example+json');
    }
  });

  it('sends Accept: application/json without extra headers', async () => {
    fake.handle((_req, res) => json(res, 200, { access_token: 'at' }));
    await exchange(basicClient);
    expect(fake.requests[0]?.headers.accept).toBe('application/json');
    expect(fake.requests[0]?.headers['x-api-version']).toBeUndefined();
  });

  it('never lets extra headers replace Authorization or Content-Type', async () => {
    fake.handle((_req, res) => json(res, 200, { access_token: 'at' }));
    const hostile = {
      Authorization: 'Bearer not-the-client',
      'content-type': 'application/json',
      'X-Trace': 'trace-1',
    };
    await exchange(basicClient, { extraTokenHeaders: hostile });
    await exchange(postClient, { extraTokenHeaders: hostile });
    const [basic, post] = fake.requests;
    const expectedBasic = `Basic ${Buffer.from(`quirk-client:${clientSecret}`).toString('base64')}`;
    expect(basic?.headers.authorization).toBe(expectedBasic);
    expect(post?.headers.authorization).toBeUndefined();
    for (const request of [basic, post]) {
      expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(request?.headers['x-trace']).toBe('trace-1');
      expect(request?.form.get('code')).toBe('the-authorization-code');
    }
    expect(post?.form.get('client_secret')).toBe(clientSecret);
  });
});

describe('token request format', () => {
  it('sends every token-endpoint request as one JSON object when the provider says json (Notion, Square)', async () => {
    fake.handle((_req, res) => json(res, 200, { access_token: 'at', token_type: 'bearer' }));
    const options = { tokenRequestFormat: 'json' as const, extraTokenParams: { owner: 'user' } };
    await exchange(basicClient, options);
    await exchange(postClient, options);
    await refresh(options);
    const [basic, post, refreshed] = fake.requests;
    for (const request of [basic, post, refreshed]) {
      expect(request?.method).toBe('POST');
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.headers.accept).toBe('application/json');
    }
    expect(basic?.headers.authorization).toBe(
      `Basic ${Buffer.from(`quirk-client:${clientSecret}`).toString('base64')}`,
    );
    expect(JSON.parse(basic?.body ?? '')).toEqual({
      grant_type: 'authorization_code',
      code: 'the-authorization-code',
      redirect_uri: 'https://app.example/cb',
      owner: 'user',
    });
    // client_secret_post puts the credentials inside the JSON object, as Square's ObtainToken wants them.
    expect(post?.headers.authorization).toBeUndefined();
    expect(JSON.parse(post?.body ?? '')).toEqual({
      grant_type: 'authorization_code',
      code: 'the-authorization-code',
      redirect_uri: 'https://app.example/cb',
      owner: 'user',
      client_id: 'quirk-client',
      client_secret: clientSecret,
    });
    expect(JSON.parse(refreshed?.body ?? '')).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'the-refresh-token',
      owner: 'user',
      client_id: 'quirk-client',
      client_secret: clientSecret,
    });
  });

  it('keeps the form encoding by default and for an explicit form', async () => {
    fake.handle((_req, res) => json(res, 200, { access_token: 'at' }));
    await exchange(basicClient);
    await exchange(basicClient, { tokenRequestFormat: 'form' });
    for (const request of fake.requests) {
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(request.form.get('code')).toBe('the-authorization-code');
    }
  });
});

describe('scope parameter name', () => {
  const params = {
    redirectUri: 'https://app.example/cb',
    scopes: ['chat:write', 'users:read'],
    state: 's'.repeat(20),
  };

  it("puts requested scopes under the provider's scope parameter (Slack user_scope)", () => {
    const url = buildAuthorizationUrl(server, 'quirk-client', params, {
      scopeParam: 'user_scope',
      scopeSeparator: ',',
      // Slack bot scopes still go under `scope`, as a provider-wide extra.
      extraAuthorizeParams: { scope: 'commands' },
    });
    expect(url).toContain('user_scope=chat%3Awrite,users%3Aread&');
    const query = queryOf(url);
    expect(query.getAll('user_scope')).toEqual(['chat:write,users:read']);
    expect(query.getAll('scope')).toEqual(['commands']);
  });

  it('uses scope when no scope parameter is configured', () => {
    const query = queryOf(buildAuthorizationUrl(server, 'quirk-client', params));
    expect(query.getAll('scope')).toEqual(['chat:write users:read']);
    expect(query.has('user_scope')).toBe(false);
  });

  it('does not let an extra parameter repeat or replace the scopes', () => {
    const url = buildAuthorizationUrl(
      server,
      'quirk-client',
      { ...params, extraParams: { user_scope: 'admin' } },
      { scopeParam: 'user_scope', scopeSeparator: ',' },
    );
    expect(queryOf(url).getAll('user_scope')).toEqual(['chat:write,users:read']);
  });

  it('refuses a scope parameter named like a protocol parameter', () => {
    let err: unknown;
    try {
      buildAuthorizationUrl(server, 'quirk-client', params, { scopeParam: 'state' });
    } catch (error) {
      err = error;
    }
    expect(isKeywayError(err, 'KW_CONFIG_INVALID')).toBe(true);
  });

  it('keeps sending scope in token-endpoint requests', async () => {
    fake.handle((_req, res) => json(res, 200, { access_token: 'at' }));
    await clientCredentialsGrant(
      server,
      basicClient,
      { scopes: ['a', 'b'] },
      { scopeParam: 'user_scope', scopeSeparator: ',' },
    );
    expect(fake.requests[0]?.form.get('scope')).toBe('a,b');
    expect(fake.requests[0]?.form.has('user_scope')).toBe(false);
  });
});

describe('token path that only sometimes holds the token (Slack authed_user)', () => {
  const slack = { errorInOkBody: { okField: 'ok' }, tokenPath: 'authed_user', scopeSeparator: ',' as const };

  it('reads a refreshed token at the top level when the token path is absent (token rotation)', async () => {
    fake.handle((_req, res) =>
      json(res, 200, {
        ok: true,
        app_id: 'A1',
        access_token: 'xoxe.xoxp-rotated',
        token_type: 'user',
        refresh_token: 'xoxe-1-next',
        expires_in: 43_200,
        scope: 'chat:write,users:read',
        team: { id: 'T1' },
      }),
    );
    const tokens = await refresh(slack);
    expect(tokens).toMatchObject({
      accessToken: 'xoxe.xoxp-rotated',
      tokenType: 'user',
      refreshToken: 'xoxe-1-next',
      expiresAt: 1_000_000 + 43_200_000,
      scope: ['chat:write', 'users:read'],
    });
  });

  it('reads the top level when the object at the token path has no access_token', async () => {
    fake.handle((_req, res) =>
      json(res, 200, {
        ok: true,
        access_token: 'xoxb-bot',
        token_type: 'bot',
        authed_user: { id: 'U1' },
      }),
    );
    const tokens = await exchange(postClient, slack);
    expect(tokens).toMatchObject({ accessToken: 'xoxb-bot', tokenType: 'bot' });
    expect(tokens.raw).toMatchObject({ authed_user: { id: 'U1' } });
  });

  it('prefers the token under the token path when both places hold one', async () => {
    fake.handle((_req, res) =>
      json(res, 200, {
        ok: true,
        access_token: 'xoxb-bot',
        token_type: 'bot',
        authed_user: { id: 'U1', access_token: 'xoxp-user', token_type: 'user', refresh_token: 'xoxe-1-u' },
      }),
    );
    const tokens = await exchange(postClient, slack);
    expect(tokens).toMatchObject({ accessToken: 'xoxp-user', tokenType: 'user', refreshToken: 'xoxe-1-u' });
  });

  it('names both places when neither holds an access_token', async () => {
    fake.handle((_req, res) => json(res, 200, { ok: true, authed_user: { id: 'U1' } }));
    const err = await caught(exchange(postClient, slack));
    expect(err.code).toBe('KW_OAUTH_UNEXPECTED_RESPONSE');
    expect(err.message).toContain('access_token');
    expect(err.message).toContain('"authed_user" nor at the top level');
  });
});
