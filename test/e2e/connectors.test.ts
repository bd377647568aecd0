/**
 * Every shipped connector end to end: connect through the runtime's ConnectFlows against the vendor fake's OAuth
 * endpoints (the sandbox's oidc-provider for sandbox-demo), run every action of the built bundle against the
 * fake's API with the stored token, then let the token expire and revoke the grant — each the way that vendor
 * really does it. Real SQLite store in a temp dir, real bundles from components/<name>/dist, real HTTP.
 */
import { join } from 'node:path';
import type { KeywayError } from '../../src/errors';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  createInstance,
  runAction,
} from '../../src/runtime';
import { followAuthorization, startSandbox } from '../../src/sandbox';
import type { Sandbox } from '../../src/sandbox';
import type { Connection, OutboxEvent, Store } from '../../src/store';
import type { RecordedRequest, RunningServer } from '../support/vendors/core';
import { githubFakeFields, startGitHubFake } from '../support/vendors/github';
import type { GitHubFake } from '../support/vendors/github';
import { startSalesforceFake } from '../support/vendors/salesforce';
import type { SalesforceFake } from '../support/vendors/salesforce';
import { startSlackFake } from '../support/vendors/slack';
import type { SlackFake } from '../support/vendors/slack';
import { startSpotifyFake } from '../support/vendors/spotify';
import type { SpotifyFake } from '../support/vendors/spotify';
import { openSqliteTestStore } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';
import { caught } from '../support/errors';

const REDIRECT_URI = 'https://keyway.example/oauth/callback';
const BROWSER = 'e2e-browser-binding';
const DAY_MS = 86_400_000;

let testStore: TestStore;
let store: Store;
let components: ComponentRegistry;
let flows: ConnectFlows;
let credentials: CredentialManager;
let customerId: string;
/** Added to the real time the credential manager sees: tokens expire without anyone sleeping. */
let clockOffsetMs = 0;

const bundle = (name: string): string => join(__dirname, '..', '..', 'components', name, 'dist', 'index.js');

beforeAll(async () => {
  testStore = await openSqliteTestStore();
  store = testStore.store;
  components = new ComponentRegistry({ store });
  for (const name of ['github', 'salesforce', 'slack', 'spotify', 'sandbox-demo'])
    components.loadFromPath(bundle(name));
  flows = new ConnectFlows({ store, components });
  credentials = new CredentialManager({ store, components, now: () => Date.now() + clockOffsetMs });
  customerId = (await store.createCustomer({ name: 'Initech' })).id;
});

afterAll(async () => {
  await testStore.close();
});

beforeEach(() => {
  clockOffsetMs = 0;
});

interface NewConnection {
  readonly name: string;
  readonly definitionKey?: string;
  readonly fields: Record<string, string>;
}

async function newInstance(
  componentKey: string,
  connections: readonly NewConnection[],
): Promise<{ instanceId: string; connections: Connection[] }> {
  const created = await createInstance(
    { store, components },
    {
      customerId,
      name: `${componentKey} e2e`,
      components: [componentKey],
      connections: connections.map((c) => ({ ...c, componentKey })),
    },
  );
  return { instanceId: created.instance.id, connections: [...created.connections] };
}

/** The browser part of the authorization code flow: Keyway's authorize URL → consent → callback → tokens. */
async function connectWithCode(
  connection: Connection,
): Promise<{ connected: Connection; authorizeUrl: URL }> {
  const { authorizationUrl } = await flows.startAuthorization({
    connectionId: connection.id,
    browserBinding: BROWSER,
    redirectUri: REDIRECT_URI,
  });
  const callback = await followAuthorization(authorizationUrl, { redirectUri: REDIRECT_URI });
  const { connection: connected } = await flows.completeAuthorization(callback, { browserBinding: BROWSER });
  expect(connected.status).toBe('connected');
  return { connected, authorizeUrl: new URL(authorizationUrl) };
}

async function act(
  instanceId: string,
  componentKey: string,
  actionKey: string,
  inputs: Record<string, unknown> = {},
  connection?: string,
): Promise<Record<string, unknown>> {
  const { result } = await runAction(
    { store, components, credentials },
    {
      instanceId,
      componentKey,
      actionKey,
      inputs,
      ...(connection !== undefined ? { connections: { connection } } : {}),
    },
  );
  return (result as { data: Record<string, unknown> }).data;
}

async function events(connectionId: string, type: string): Promise<OutboxEvent[]> {
  const all = await store.claimOutboxEvents({
    // Events carry the credential manager's clock, which a test may have moved forward.
    now: Date.now() + clockOffsetMs + 10 * DAY_MS,
    limit: 1000,
    leaseMs: 1,
    owner: `e2e-${Math.random()}`,
  });
  return all.filter((event) => event.connectionId === connectionId && event.type === type);
}

async function accessTokenOf(connectionId: string): Promise<string> {
  const row = await store.getConnection(connectionId);
  const token = row?.tokenSet?.['accessToken'];
  if (typeof token !== 'string') throw new Error(`connection ${connectionId} holds no access token`);
  return token;
}

async function rawOf(connectionId: string): Promise<Record<string, unknown>> {
  const row = await store.getConnection(connectionId);
  return (row?.tokenSet?.['raw'] ?? {}) as Record<string, unknown>;
}

/** Token endpoint requests the fake received with this grant_type (GitHub's code exchange sends none). */
function tokenRequests(fake: RunningServer, path: string, grantType: string): RecordedRequest[] {
  return fake.requests.filter(
    (r) =>
      r.method === 'POST' &&
      r.path === path &&
      (r.form?.get('grant_type') ?? 'authorization_code') === grantType,
  );
}

/** The action failed with a typed error, the row says needs_reauthorization and the outbox has the event. */
async function expectNeedsReauthorization(error: KeywayError, connectionId: string): Promise<void> {
  expect(error.code).toBe('KW_CONNECTION_NOT_CONNECTED');
  expect(error.details?.['status']).toBe('needs_reauthorization');
  const row = await store.getConnection(connectionId);
  expect(row?.status).toBe('needs_reauthorization');
  expect(await events(connectionId, 'connection.needs_reauthorization')).toHaveLength(1);
}

describe('GitHub', () => {
  let oauthApp: GitHubFake;
  let githubApp: GitHubFake;
  const TOKEN_PATH = '/login/oauth/access_token';
  let deviceClockMs = 0;

  beforeAll(async () => {
    // The fake's clock follows the device polls' `now`, so its slow_down check sees the time they claim.
    oauthApp = await startGitHubFake({ now: () => Date.now() + deviceClockMs });
    githubApp = await startGitHubFake({ expiringTokens: true, accessTokenTtlSeconds: 28_800 });
  });
  afterAll(async () => {
    await oauthApp.close();
    await githubApp.close();
  });

  async function runEveryAction(instanceId: string): Promise<void> {
    expect(await act(instanceId, 'github', 'getAuthenticatedUser')).toMatchObject({ login: 'octocat' });
    const repos = (await act(instanceId, 'github', 'listRepositories', { perPage: '1' })) as unknown;
    expect(repos).toEqual([expect.objectContaining({ full_name: 'octocat/Hello-World' })]);
    expect(
      await act(instanceId, 'github', 'createIssue', {
        owner: 'octocat',
        repo: 'Hello-World',
        title: 'Found a bug',
        body: 'From Keyway',
      }),
    ).toMatchObject({ number: expect.any(Number), title: 'Found a bug', state: 'open' });
  }

  it('OAuth app (authorization code): tokens never expire, so a year later no refresh happens; a revoked grant needs reauthorization', async () => {
    const { instanceId, connections } = await newInstance('github', [
      { name: 'octocat', definitionKey: 'githubOAuth', fields: githubFakeFields(oauthApp, 'code') },
    ]);
    const [connection] = connections as [Connection];
    const { connected, authorizeUrl } = await connectWithCode(connection);
    expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(oauthApp.urls.authorizeUrl);
    expect(authorizeUrl.searchParams.get('scope')).toBe('read:user repo');
    // An OAuth app's token has no expiry and comes without a refresh token.
    expect(connected.expiresAt).toBeNull();
    expect(connected.tokenSet?.['refreshToken']).toBeUndefined();

    await runEveryAction(instanceId);
    expect(oauthApp.issues.get('octocat/Hello-World')).toEqual([
      expect.objectContaining({ title: 'Found a bug', body: 'From Keyway' }),
    ]);

    const exchanges = tokenRequests(oauthApp, TOKEN_PATH, 'authorization_code').length;
    clockOffsetMs = 365 * DAY_MS;
    expect(await act(instanceId, 'github', 'getAuthenticatedUser')).toMatchObject({ login: 'octocat' });
    expect(tokenRequests(oauthApp, TOKEN_PATH, 'authorization_code')).toHaveLength(exchanges);
    expect(tokenRequests(oauthApp, TOKEN_PATH, 'refresh_token')).toHaveLength(0);

    oauthApp.book.revokeGrantOf(await accessTokenOf(connection.id));
    const error = await caught(act(instanceId, 'github', 'getAuthenticatedUser'));
    await expectNeedsReauthorization(error, connection.id);
    // Nothing to refresh with: no token request was made.
    expect(tokenRequests(oauthApp, TOKEN_PATH, 'refresh_token')).toHaveLength(0);
  });

  it('GitHub App user tokens (expiring): an expired token is refreshed once on the 401 and the action succeeds; a revoked grant needs reauthorization', async () => {
    const { instanceId, connections } = await newInstance('github', [
      { name: 'app-user', definitionKey: 'githubOAuth', fields: githubFakeFields(githubApp, 'code') },
    ]);
    const [connection] = connections as [Connection];
    const { connected } = await connectWithCode(connection);
    expect(connected.tokenSet?.['refreshToken']).toEqual(expect.stringMatching(/^ghr_/));
    expect(connected.expiresAt).toBeGreaterThan(Date.now() + 7 * 3_600_000);
    await runEveryAction(instanceId);

    const first = await accessTokenOf(connection.id);
    githubApp.book.expireAccessToken(first);
    expect(await act(instanceId, 'github', 'getAuthenticatedUser')).toMatchObject({ login: 'octocat' });
    expect(tokenRequests(githubApp, TOKEN_PATH, 'refresh_token')).toHaveLength(1);
    const second = await accessTokenOf(connection.id);
    expect(second).not.toBe(first);
    expect(await events(connection.id, 'connection.refreshed')).toHaveLength(1);

    githubApp.book.revokeGrantOf(second);
    const error = await caught(act(instanceId, 'github', 'listRepositories'));
    await expectNeedsReauthorization(error, connection.id);
    // The refresh was tried once and refused with bad_refresh_token (GitHub's invalid_grant).
    expect(tokenRequests(githubApp, TOKEN_PATH, 'refresh_token')).toHaveLength(2);
    expect((await store.getConnection(connection.id))?.lastError?.code).toBe('KW_OAUTH_INVALID_GRANT');
  });

  it('device flow: connects after the user approves; the OAuth-app token does not expire; a revoked grant needs reauthorization', async () => {
    const { instanceId, connections } = await newInstance('github', [
      { name: 'terminal', definitionKey: 'githubDevice', fields: githubFakeFields(oauthApp, 'device') },
    ]);
    const [connection] = connections as [Connection];
    expect(connection.grantType).toBe('device_code');
    const started = await flows.startDeviceAuthorization(connection.id);
    expect(started.verificationUri).toBe(`${oauthApp.baseUrl}/login/device`);
    const poll = Date.now() + started.intervalMs;
    expect((await flows.pollDeviceAuthorization(started.sessionId, { now: poll })).status).toBe('pending');
    oauthApp.approveDevice(started.userCode);
    deviceClockMs = started.intervalMs + 60_000;
    const done = await flows.pollDeviceAuthorization(started.sessionId, { now: poll + 60_000 });
    expect(done.status).toBe('connected');
    // The device flow authenticates with the client id alone (the secret is not sent).
    const polls = tokenRequests(oauthApp, TOKEN_PATH, 'urn:ietf:params:oauth:grant-type:device_code');
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.every((r) => !r.form?.has('client_secret'))).toBe(true);

    await runEveryAction(instanceId);
    const refreshesBefore = tokenRequests(oauthApp, TOKEN_PATH, 'refresh_token').length;
    clockOffsetMs = 30 * DAY_MS;
    expect(await act(instanceId, 'github', 'getAuthenticatedUser')).toMatchObject({ login: 'octocat' });
    expect(tokenRequests(oauthApp, TOKEN_PATH, 'refresh_token')).toHaveLength(refreshesBefore);

    oauthApp.book.revokeGrantOf(await accessTokenOf(connection.id));
    const error = await caught(
      act(instanceId, 'github', 'createIssue', { owner: 'octocat', repo: 'x', title: 't' }),
    );
    await expectNeedsReauthorization(error, connection.id);
  });
});

describe('Salesforce', () => {
  let production: SalesforceFake;
  let sandboxOrg: SalesforceFake;
  const TOKEN_PATH = '/services/oauth2/token';

  beforeAll(async () => {
    production = await startSalesforceFake({ requirePkce: true });
    sandboxOrg = await startSalesforceFake({ requirePkce: true });
  });
  afterAll(async () => {
    await production.close();
    await sandboxOrg.close();
  });

  /** The shipped production/sandbox hosts, pointed at the two fakes. */
  const environments = (): string =>
    JSON.stringify({
      default: 'production',
      options: {
        production: { label: 'Production', hosts: { loginHost: production.baseUrl } },
        sandbox: { label: 'Sandbox', hosts: { loginHost: sandboxOrg.baseUrl } },
      },
    });

  it.each([
    ['production', () => production, () => sandboxOrg],
    ['sandbox', () => sandboxOrg, () => production],
  ])(
    '%s host: code + PKCE, every action on instance_url; no expires_in, so the expired session is refreshed on the 401; a revoked grant needs reauthorization',
    async (environment, org, otherOrg) => {
      const fake = org();
      const untouched = otherOrg().requests.length;
      const { instanceId, connections } = await newInstance('salesforce', [
        {
          name: `crm-${environment}`,
          fields: {
            keywayEnvironments: environments(),
            environment,
            clientId: fake.clientId,
            clientSecret: fake.clientSecret,
          },
        },
      ]);
      const [connection] = connections as [Connection];
      const { connected, authorizeUrl } = await connectWithCode(connection);
      expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(fake.urls.authorizeUrl);
      expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
      const exchange = tokenRequests(fake, TOKEN_PATH, 'authorization_code').at(-1);
      expect(exchange?.form?.get('code_verifier')?.length).toBeGreaterThanOrEqual(43);
      expect(otherOrg().requests.length).toBe(untouched);
      expect((connected.tokenSet?.['raw'] as Record<string, unknown>)['instance_url']).toBe(
        fake.urls.instanceUrl,
      );
      // Salesforce sends no expires_in: Keyway cannot know when the session ends.
      expect(connected.expiresAt).toBeNull();

      const queried = await act(instanceId, 'salesforce', 'query', { soql: 'SELECT Id, Name FROM Account' });
      expect(queried).toMatchObject({
        done: true,
        records: [expect.objectContaining({ Name: 'Edge Communications' })],
      });
      const created = await act(instanceId, 'salesforce', 'createRecord', {
        sObject: 'Account',
        fields: JSON.stringify({ Name: `Acme ${environment}` }),
      });
      expect(created).toMatchObject({ success: true });
      expect(
        await act(instanceId, 'salesforce', 'getRecord', { sObject: 'Account', recordId: created['id'] }),
      ).toMatchObject({ Name: `Acme ${environment}` });

      const first = await accessTokenOf(connection.id);
      const refreshToken = connected.tokenSet?.['refreshToken'];
      fake.book.expireAccessToken(first);
      expect(
        await act(instanceId, 'salesforce', 'getRecord', {
          sObject: 'Account',
          recordId: '001000000000001AAA',
        }),
      ).toMatchObject({ Name: 'Edge Communications' });
      expect(tokenRequests(fake, TOKEN_PATH, 'refresh_token')).toHaveLength(1);
      const after = await store.getConnection(connection.id);
      expect(after?.tokenSet?.['accessToken']).not.toBe(first);
      // Salesforce does not rotate: the refresh answer has no refresh token and the old one is kept.
      expect(after?.tokenSet?.['refreshToken']).toBe(refreshToken);
      expect((after?.tokenSet?.['raw'] as Record<string, unknown>)['instance_url']).toBe(
        fake.urls.instanceUrl,
      );

      fake.book.revokeGrantOf(await accessTokenOf(connection.id));
      const error = await caught(act(instanceId, 'salesforce', 'query', { soql: 'SELECT Id FROM Account' }));
      await expectNeedsReauthorization(error, connection.id);
      expect(tokenRequests(fake, TOKEN_PATH, 'refresh_token')).toHaveLength(2);
    },
  );
});

describe('Slack', () => {
  let plain: SlackFake;
  let rotating: SlackFake;
  const TOKEN_PATH = '/api/oauth.v2.access';

  beforeAll(async () => {
    plain = await startSlackFake();
    rotating = await startSlackFake({ tokenRotation: true, accessTokenTtlSeconds: 43_200 });
  });
  afterAll(async () => {
    await plain.close();
    await rotating.close();
  });

  const fieldsFor = (fake: SlackFake, extra: Record<string, string> = {}): Record<string, string> => ({
    authorizeUrl: fake.urls.authorizeUrl,
    tokenUrl: fake.urls.tokenUrl,
    apiBaseUrl: fake.urls.apiBaseUrl,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    ...extra,
  });

  async function runEveryAction(instanceId: string, connection: string, actor: string): Promise<void> {
    expect(await act(instanceId, 'slack', 'authTest', {}, connection)).toMatchObject({
      ok: true,
      user_id: actor,
    });
    const listed = await act(instanceId, 'slack', 'listChannels', { limit: '1' }, connection);
    expect(listed['channels']).toEqual([expect.objectContaining({ name: 'general' })]);
    const posted = await act(
      instanceId,
      'slack',
      'postMessage',
      { channel: 'C061EG9T2', text: `hello from ${connection}` },
      connection,
    );
    expect(posted).toMatchObject({ ok: true, channel: 'C061EG9T2', message: { user: actor } });
  }

  it('installs with comma-separated bot and user scopes; actions act as the bot by default or as the user; without token rotation tokens never expire; an uninstalled app needs reauthorization', async () => {
    const { instanceId, connections } = await newInstance('slack', [
      { name: 'as-bot', fields: fieldsFor(plain) },
      { name: 'as-user', fields: fieldsFor(plain, { tokenType: 'user' }) },
    ]);
    const [bot, user] = connections as [Connection, Connection];
    const { authorizeUrl } = await connectWithCode(bot);
    expect(authorizeUrl.searchParams.get('scope')).toBe('chat:write,channels:read');
    expect(authorizeUrl.searchParams.get('user_scope')).toBe('chat:write,channels:read');
    await connectWithCode(user);
    // The bot token at the top level, the user token under authed_user; Keyway tracks the user token.
    const raw = await rawOf(user.id);
    expect(raw).toMatchObject({ token_type: 'bot', access_token: expect.stringMatching(/^xoxb-/) });
    expect(raw['authed_user']).toMatchObject({ access_token: expect.stringMatching(/^xoxp-/) });

    await runEveryAction(instanceId, 'as-bot', 'U0BOTUSER1');
    await runEveryAction(instanceId, 'as-user', 'user-1');
    expect(plain.messages.get('C061EG9T2')?.map((m) => m.user)).toEqual(['U0BOTUSER1', 'user-1']);

    clockOffsetMs = 365 * DAY_MS;
    expect(await act(instanceId, 'slack', 'authTest', {}, 'as-user')).toMatchObject({ ok: true });
    expect(tokenRequests(plain, TOKEN_PATH, 'refresh_token')).toHaveLength(0);

    // Uninstalling revokes every token; Slack says so in an HTTP 200 body (`token_revoked`).
    plain.book.revokeAll();
    const asBot = await caught(
      act(instanceId, 'slack', 'postMessage', { channel: 'C012AB3CD', text: 'x' }, 'as-bot'),
    );
    await expectNeedsReauthorization(asBot, bot.id);
    const asUser = await caught(act(instanceId, 'slack', 'authTest', {}, 'as-user'));
    await expectNeedsReauthorization(asUser, user.id);
    expect(tokenRequests(plain, TOKEN_PATH, 'refresh_token')).toHaveLength(0);
  });

  it('with token rotation: an expired user token (token_expired in a 200 body) is refreshed once, the nested authed_user token is updated in place, and a revoked grant needs reauthorization', async () => {
    const { instanceId, connections } = await newInstance('slack', [
      { name: 'rotating-user', fields: fieldsFor(rotating, { tokenType: 'user' }) },
    ]);
    const [connection] = connections as [Connection];
    const { connected } = await connectWithCode(connection);
    expect(connected.expiresAt).toBeGreaterThan(Date.now() + 11 * 3_600_000);
    await runEveryAction(instanceId, 'rotating-user', 'user-1');

    const before = await rawOf(connection.id);
    const first = await accessTokenOf(connection.id);
    expect((before['authed_user'] as Record<string, unknown>)['access_token']).toBe(first);
    rotating.book.expireAccessToken(first);
    expect(await act(instanceId, 'slack', 'authTest', {}, 'rotating-user')).toMatchObject({
      user_id: 'user-1',
    });
    const refreshes = tokenRequests(rotating, TOKEN_PATH, 'refresh_token');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]?.form?.get('refresh_token')).toBe(connected.tokenSet?.['refreshToken']);

    const after = await rawOf(connection.id);
    const second = await accessTokenOf(connection.id);
    expect(second).not.toBe(first);
    // The refresh answered at the top level; the user token stays where the component reads it, the bot's too.
    expect(after['authed_user']).toMatchObject({ id: 'user-1', access_token: second, token_type: 'user' });
    expect(after['access_token']).toBe(before['access_token']);
    expect(after['token_type']).toBe('bot');

    rotating.book.revokeAll();
    const error = await caught(act(instanceId, 'slack', 'listChannels', {}, 'rotating-user'));
    await expectNeedsReauthorization(error, connection.id);
    // invalid_refresh_token, Slack's name for invalid_grant.
    expect((await store.getConnection(connection.id))?.lastError?.code).toBe('KW_OAUTH_INVALID_GRANT');
  });
});

describe('Spotify (client credentials)', () => {
  let fake: SpotifyFake;
  const TOKEN_PATH = '/api/token';

  beforeAll(async () => {
    fake = await startSpotifyFake();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('fetches a token, runs every action, re-fetches once for an expired or revoked token; a deleted app is refused as invalid_client and backed off, not marked for reauthorization', async () => {
    const { instanceId, connections } = await newInstance('spotify', [
      {
        name: 'catalogue',
        fields: {
          tokenUrl: fake.urls.tokenUrl,
          apiBaseUrl: fake.urls.apiBaseUrl,
          clientId: fake.clientId,
          clientSecret: fake.clientSecret,
        },
      },
    ]);
    const [connection] = connections as [Connection];
    await flows.connectWithClientCredentials(connection.id);
    expect(tokenRequests(fake, TOKEN_PATH, 'client_credentials')).toHaveLength(1);
    expect(tokenRequests(fake, TOKEN_PATH, 'client_credentials')[0]?.headers.authorization).toMatch(
      /^Basic /,
    );

    const found = await act(instanceId, 'spotify', 'search', { query: 'radio' });
    expect(found['artists']).toMatchObject({ items: [expect.objectContaining({ name: 'Radiohead' })] });
    expect(
      await act(instanceId, 'spotify', 'getArtist', { artistId: '0TnOYISbd1XYRBk9myaseg' }),
    ).toMatchObject({
      name: 'Pitbull',
    });
    expect(await act(instanceId, 'spotify', 'getAlbum', { albumId: '4aawyAB9vmqN3uQ7FjRGTy' })).toMatchObject(
      {
        name: 'Global Warming',
      },
    );

    const first = await accessTokenOf(connection.id);
    fake.book.expireAccessToken(first);
    expect(
      await act(instanceId, 'spotify', 'getArtist', { artistId: '4Z8W4fKeB5YxbusRsdQVPb' }),
    ).toMatchObject({
      name: 'Radiohead',
    });
    expect(tokenRequests(fake, TOKEN_PATH, 'client_credentials')).toHaveLength(2);
    expect(await accessTokenOf(connection.id)).not.toBe(first);

    // Spotify has no grant to revoke: a revoked token is simply replaced by a fresh client-credentials token.
    fake.book.revokeAll();
    expect(await act(instanceId, 'spotify', 'getAlbum', { albumId: '4aawyAB9vmqN3uQ7FjRGTy' })).toMatchObject(
      {
        name: 'Global Warming',
      },
    );
    expect(tokenRequests(fake, TOKEN_PATH, 'client_credentials')).toHaveLength(3);

    // Deleting the app (or rotating its secret) is what ends access: the token endpoint answers invalid_client.
    // That is the app's credentials, not a customer's grant, so the connection is not marked for
    // reauthorization: the failure is recorded and the next attempt waits for the backoff.
    fake.book.revokeAll();
    fake.book.clients.delete(fake.clientId);
    const error = await caught(act(instanceId, 'spotify', 'search', { query: 'radio' }));
    expect(error.code).toBe('KW_OAUTH_INVALID_CLIENT');
    expect(error.message).not.toContain(fake.clientSecret);
    expect(tokenRequests(fake, TOKEN_PATH, 'client_credentials')).toHaveLength(4);
    const row = await store.getConnection(connection.id);
    expect(row?.lastError?.code).toBe('KW_OAUTH_INVALID_CLIENT');
    expect(row?.cooldownUntil).toBeGreaterThan(Date.now());
    expect(await events(connection.id, 'connection.refresh_failed')).toHaveLength(1);
    expect(await events(connection.id, 'connection.needs_reauthorization')).toHaveLength(0);
  });
});

describe('sandbox-demo (oidc-provider)', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ accessTokenTtlS: 3600, redirectUris: [REDIRECT_URI] });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('connects with code + PKCE, runs every action, refreshes once when the clock passes expiry, and needs reauthorization after the grant is revoked', async () => {
    const { instanceId, connections } = await newInstance('sandboxDemo', [
      {
        name: 'demo',
        definitionKey: 'sandboxOAuth',
        fields: {
          issuer: sandbox.issuer,
          clientId: sandbox.clients.basic.clientId,
          clientSecret: sandbox.clients.basic.clientSecret ?? '',
        },
      },
    ]);
    const [connection] = connections as [Connection];
    sandbox.resetCounts();
    const { connected } = await connectWithCode(connection);
    expect(sandbox.tokenRequests()['authorization_code']).toBe(1);
    expect(await act(instanceId, 'sandboxDemo', 'getMe')).toMatchObject({ sub: 'sandbox-user' });
    expect(await act(instanceId, 'sandboxDemo', 'getUserinfo')).toMatchObject({ sub: expect.any(String) });

    const first = await accessTokenOf(connection.id);
    clockOffsetMs = (connected.expiresAt ?? 0) - Date.now() + 1000;
    expect(await act(instanceId, 'sandboxDemo', 'getMe')).toMatchObject({ sub: 'sandbox-user' });
    expect(sandbox.tokenRequests()['refresh_token']).toBe(1);
    expect(await accessTokenOf(connection.id)).not.toBe(first);

    await sandbox.revokeAll();
    const error = await caught(act(instanceId, 'sandboxDemo', 'getUserinfo'));
    await expectNeedsReauthorization(error, connection.id);
    expect(sandbox.tokenRequests()['refresh_token']).toBe(2);
  });
});
