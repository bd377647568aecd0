/**
 * Connect flows end to end against the sandbox (a real oidc-provider authorization server on 127.0.0.1), with
 * the shipped sandbox-demo bundle and a real SQLite store; then actions run with the tokens obtained.
 */
import { join } from 'node:path';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  createInstance,
  runAction,
} from '../../src/runtime';
import { followAuthorization, startSandbox } from '../../src/sandbox';
import type { Sandbox } from '../../src/sandbox';
import type { Connection, Instance, Store } from '../../src/store';
import { buildTestComponent } from '../support/components/build';
import { storeEngines } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';
import { caught } from '../support/errors';

const demoBundle = join(__dirname, '..', '..', 'components', 'sandbox-demo', 'dist', 'index.js');
const BROWSER = 'browser-binding-hash-1';

function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}

describe.each(storeEngines)('connect flows against the sandbox on %s', (_engine, open) => {
  let sandbox: Sandbox;
  let testStore: TestStore;
  let store: Store;
  let components: ComponentRegistry;
  let flows: ConnectFlows;
  let credentials: CredentialManager;
  let instance: Instance;
  let redirectUri: string;
  let customerId: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ accessTokenTtlS: 3600 });
    redirectUri = sandbox.clients.basic.redirectUri;
    testStore = await open();
    store = testStore.store;
    components = new ComponentRegistry({ store });
    components.loadFromPath(demoBundle);
    components.loadFromPath(buildTestComponent('testkit'));
    flows = new ConnectFlows({ store, components });
    credentials = new CredentialManager({ store, components });
    customerId = (await store.createCustomer({ name: 'Globex' })).id;
    instance = (
      await createInstance(
        {
          store,
          components,
          // The shared OAuth app of the platform: the customer never sees or sets these.
          platformDefaults: {
            sandboxDemo: {
              sandboxOAuth: {
                clientId: sandbox.clients.basic.clientId,
                clientSecret: sandbox.clients.basic.clientSecret,
              },
              sandboxClientCredentials: {
                clientId: sandbox.clients.service.clientId,
                clientSecret: sandbox.clients.service.clientSecret,
              },
            },
          },
        },
        { customerId, name: 'Globex demo', components: ['sandboxDemo'] },
      )
    ).instance;
  });

  afterAll(async () => {
    await testStore.close();
    await sandbox.close();
  });

  /** A fresh authorization-code connection on the instance. */
  let counter = 0;
  async function newConnection(): Promise<Connection> {
    counter += 1;
    const connection = await store.createConnection({
      instanceId: instance.id,
      name: `sandbox-${counter}`,
      componentKey: 'sandboxDemo',
      definitionKey: 'sandboxOAuth',
      grantType: 'authorization_code',
      fields: { issuer: sandbox.issuer },
      secretFields: {
        clientId: sandbox.clients.basic.clientId,
        clientSecret: sandbox.clients.basic.clientSecret ?? '',
      },
    });
    return connection;
  }

  async function authorize(connection: Connection): Promise<string> {
    const { authorizationUrl } = await flows.startAuthorization({
      connectionId: connection.id,
      browserBinding: BROWSER,
      redirectUri,
    });
    return followAuthorization(authorizationUrl, { redirectUri });
  }

  it('starts with a single-use session (state, PKCE, ten minutes, browser binding) and the authorize URL', async () => {
    const connection = await newConnection();
    const now = Date.now();
    const { authorizationUrl, expiresAt } = await flows.startAuthorization({
      connectionId: connection.id,
      browserBinding: BROWSER,
      redirectUri,
      now,
    });
    const url = new URL(authorizationUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${sandbox.issuer}/auth`);
    expect(url.searchParams.get('client_id')).toBe(sandbox.clients.basic.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(redirectUri);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('scope')).toBe('openid offline_access api:read');
    expect(expiresAt).toBe(now + 10 * 60 * 1000);
    const state = url.searchParams.get('state') ?? '';
    expect(state.length).toBeGreaterThanOrEqual(32);
    const session = await store.getAuthSession(state);
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
    sandbox.resetCounts();
    const callback = await authorize(connection);
    const { connection: connected } = await flows.completeAuthorization(callback, {
      browserBinding: BROWSER,
    });
    expect(connected.status).toBe('connected');
    expect(connected.tokenSet).toMatchObject({ tokenType: 'bearer' });
    expect(typeof connected.tokenSet?.refreshToken).toBe('string');
    expect(connected.expiresAt).toBeGreaterThan(Date.now());
    expect(connected.refreshAt).toBeLessThan(connected.expiresAt ?? 0);
    expect(sandbox.tokenRequests()['authorization_code']).toBe(1);
    const events = await store.claimOutboxEvents({
      now: Date.now() + 1000,
      limit: 100,
      leaseMs: 1000,
      owner: 't',
    });
    expect(events.some((e) => e.type === 'connection.connected' && e.connectionId === connection.id)).toBe(
      true,
    );

    const { result } = await runAction(
      { store, components, credentials },
      {
        instanceId: instance.id,
        componentKey: 'sandboxDemo',
        actionKey: 'getMe',
        connections: { connection: connection.name },
      },
    );
    expect((result as { data: Record<string, unknown> }).data).toMatchObject({ sub: 'sandbox-user' });
  });

  it('rejects a callback whose state was already used, changing nothing', async () => {
    const connection = await newConnection();
    const callback = await authorize(connection);
    const first = await flows.completeAuthorization(callback, { browserBinding: BROWSER });
    sandbox.resetCounts();
    const error = await caught(flows.completeAuthorization(callback, { browserBinding: BROWSER }));
    expect(error.code).toBe('KW_AUTH_SESSION_CONSUMED');
    expect(sandbox.tokenRequests()['authorization_code'] ?? 0).toBe(0);
    expect((await store.getConnection(connection.id))?.version).toBe(first.connection.version);
  });

  it('rejects a forged state', async () => {
    const connection = await newConnection();
    const callback = await authorize(connection);
    const error = await caught(
      flows.completeAuthorization(withParam(callback, 'state', 'forged-state-value-0123456789abcdef'), {
        browserBinding: BROWSER,
      }),
    );
    expect(error.code).toBe('KW_AUTH_SESSION_NOT_FOUND');
    expect((await store.getConnection(connection.id))?.status).toBe('pending');
  });

  it('rejects an expired session', async () => {
    const connection = await newConnection();
    const callback = await authorize(connection);
    const error = await caught(
      flows.completeAuthorization(callback, { browserBinding: BROWSER, now: Date.now() + 11 * 60 * 1000 }),
    );
    expect(error.code).toBe('KW_AUTH_SESSION_EXPIRED');
    expect((await store.getConnection(connection.id))?.status).toBe('pending');
  });

  it('rejects a callback arriving in another browser, and the right browser can still finish', async () => {
    const connection = await newConnection();
    const callback = await authorize(connection);
    const error = await caught(
      flows.completeAuthorization(callback, { browserBinding: 'some-other-browser' }),
    );
    expect(error.code).toBe('KW_AUTH_SESSION_BROWSER_MISMATCH');
    expect((await store.getConnection(connection.id))?.status).toBe('pending');
    const done = await flows.completeAuthorization(callback, { browserBinding: BROWSER });
    expect(done.connection.status).toBe('connected');
  });

  it('reports access_denied from the provider and leaves the connection unchanged', async () => {
    const connection = await newConnection();
    sandbox.behaviour.denyConsent = true;
    try {
      const callback = await authorize(connection);
      expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
      const error = await caught(flows.completeAuthorization(callback, { browserBinding: BROWSER }));
      expect(error.code).toBe('KW_OAUTH_ACCESS_DENIED');
    } finally {
      sandbox.behaviour.denyConsent = false;
    }
    const row = await store.getConnection(connection.id);
    expect(row).toMatchObject({ status: 'pending', tokenSet: null, version: connection.version });
  });

  describe('a callback settled as a value (the page that leads back to the link)', () => {
    const LINK = 'link-token-1';
    let reads: string[] = [];
    let counted: ConnectFlows;

    beforeAll(() => {
      // The same store, recording every read of a session or a connection.
      const recording = new Proxy(store, {
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
      counted = new ConnectFlows({ store: recording, components });
    });

    async function startFrom(connection: Connection): Promise<string> {
      const { authorizationUrl } = await flows.startAuthorization({
        connectionId: connection.id,
        browserBinding: BROWSER,
        redirectUri,
        returnTo: LINK,
      });
      return followAuthorization(authorizationUrl, { redirectUri });
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
      sandbox.behaviour.denyConsent = true;
      let callback: string;
      try {
        callback = await startFrom(connection);
      } finally {
        sandbox.behaviour.denyConsent = false;
      }
      reads = [];
      const result = await counted.settleAuthorization(callback, { browserBinding: BROWSER });
      expect(result).toMatchObject({
        ok: false,
        error: { code: 'KW_OAUTH_ACCESS_DENIED' },
        connectionId: connection.id,
        instanceId: instance.id,
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
        instanceId: instance.id,
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
    expect(new URL(callback).searchParams.get('iss')).toBe(sandbox.issuer);
    sandbox.resetCounts();
    const error = await caught(
      flows.completeAuthorization(withParam(callback, 'iss', 'https://evil.example'), {
        browserBinding: BROWSER,
      }),
    );
    expect(error.code).toBe('KW_OAUTH_ISSUER_MISMATCH');
    expect(sandbox.tokenRequests()['authorization_code'] ?? 0).toBe(0);
    expect((await store.getConnection(connection.id))?.status).toBe('pending');
  });

  it('refuses a callback without iss from a server whose metadata promises it (RFC 9207), without exchanging the code', async () => {
    const connection = await newConnection();
    const callback = new URL(await authorize(connection));
    expect(callback.searchParams.get('iss')).toBe(sandbox.issuer);
    callback.searchParams.delete('iss');
    sandbox.resetCounts();
    const error = await caught(flows.completeAuthorization(callback.toString(), { browserBinding: BROWSER }));
    expect(error.code).toBe('KW_OAUTH_ISSUER_MISMATCH');
    expect(error.message).toContain('RFC 9207');
    expect(sandbox.tokenRequests()['authorization_code'] ?? 0).toBe(0);
    expect((await store.getConnection(connection.id))?.status).toBe('pending');
  });

  it('refuses to start a browser flow for a client-credentials connection', async () => {
    const connection = await store.createConnection({
      instanceId: instance.id,
      name: 'cc-wrong-flow',
      componentKey: 'sandboxDemo',
      definitionKey: 'sandboxClientCredentials',
      grantType: 'client_credentials',
      fields: { issuer: sandbox.issuer },
    });
    const error = await caught(
      flows.startAuthorization({ connectionId: connection.id, browserBinding: BROWSER, redirectUri }),
    );
    expect(error.code).toBe('KW_CONNECT_GRANT_UNSUPPORTED');
  });

  it('connects a client-credentials connection with the shared app and runs an action with its token', async () => {
    const created = await createInstance(
      {
        store,
        components,
        platformDefaults: {
          sandboxDemo: {
            sandboxClientCredentials: {
              clientId: sandbox.clients.service.clientId,
              clientSecret: sandbox.clients.service.clientSecret,
            },
          },
        },
      },
      {
        customerId,
        name: 'Globex service',
        components: ['sandboxDemo'],
        connections: [
          {
            name: 'service',
            componentKey: 'sandboxDemo',
            definitionKey: 'sandboxClientCredentials',
            fields: { issuer: sandbox.issuer, scopes: 'api:read' },
          },
        ],
      },
    );
    const [connection] = created.connections as [Connection];
    // Platform values are kept apart from what the customer gave.
    expect(connection.fields).toEqual({ issuer: sandbox.issuer, scopes: 'api:read' });
    expect(connection.secretFields.clientId).toBe(sandbox.clients.service.clientId);
    const connected = await flows.connectWithClientCredentials(connection.id);
    expect(connected.status).toBe('connected');
    const { result } = await runAction(
      { store, components, credentials },
      { instanceId: created.instance.id, componentKey: 'sandboxDemo', actionKey: 'getMe' },
    );
    expect((result as { data: Record<string, unknown> }).data).toBeDefined();
  });

  it('answers a revoked access token with one refresh and one retry, end to end', async () => {
    const connection = await newConnection();
    const { connection: connected } = await flows.completeAuthorization(await authorize(connection), {
      browserBinding: BROWSER,
    });
    const accessToken = String(connected.tokenSet?.accessToken);
    // The provider stops accepting the stored access token before it expires (revoked there, keys rotated...):
    // the next API call gets a 401 while the refresh token still works.
    const tokenSet = connected.tokenSet ?? {};
    const raw = (tokenSet.raw ?? {}) as Record<string, unknown>;
    await store.updateConnection(connection.id, {
      tokenSet: {
        ...tokenSet,
        accessToken: 'no-longer-accepted-token',
        raw: { ...raw, access_token: 'no-longer-accepted-token' },
      },
    });
    sandbox.resetCounts();
    const { result } = await runAction(
      { store, components, credentials },
      {
        instanceId: instance.id,
        componentKey: 'sandboxDemo',
        actionKey: 'getMe',
        connections: { connection: connection.name },
      },
    );
    expect((result as { data: Record<string, unknown> }).data).toMatchObject({ sub: 'sandbox-user' });
    expect(sandbox.tokenRequests()['refresh_token']).toBe(1);
    const row = await store.getConnection(connection.id);
    expect(row?.tokenSet?.accessToken).not.toBe(accessToken);
  });

  it('says a refused revocation failed, deletes the tokens anyway, and emits one event for two disconnects', async () => {
    const connection = await newConnection();
    await flows.completeAuthorization(await authorize(connection), { browserBinding: BROWSER });
    // The provider now refuses the client (wrong secret), so revocation fails.
    await store.updateConnection(connection.id, {
      secretFields: { clientId: sandbox.clients.basic.clientId, clientSecret: 'wrong-secret-value' },
    });
    const first = await flows.disconnect(connection.id);
    expect(first).toMatchObject({ revoked: false, revocation: 'failed', alreadyDisconnected: false });
    expect(first.revocationError).toMatch(/^KW_OAUTH_/);
    expect(first.connection).toMatchObject({ status: 'disconnected', tokenSet: null });
    const second = await flows.disconnect(connection.id);
    expect(second).toMatchObject({ revocation: 'no_tokens', alreadyDisconnected: true });
    const events = await store.claimOutboxEvents({
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
    const { connection: connected } = await flows.completeAuthorization(await authorize(connection), {
      browserBinding: BROWSER,
    });
    const refreshToken = String(connected.tokenSet?.refreshToken);
    const result = await flows.disconnect(connection.id);
    expect(result.revoked).toBe(true);
    expect(result.revocation).toBe('revoked');
    expect(result.connection).toMatchObject({ status: 'disconnected', tokenSet: null, expiresAt: null });
    const events = await store.claimOutboxEvents({
      now: Date.now() + 1000,
      limit: 100,
      leaseMs: 1000,
      owner: 'd',
    });
    expect(events.some((e) => e.type === 'connection.disconnected' && e.connectionId === connection.id)).toBe(
      true,
    );
    // The provider no longer honours the grant.
    const refreshed = await fetch(`${sandbox.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(
          `${encodeURIComponent(sandbox.clients.basic.clientId)}:${encodeURIComponent(sandbox.clients.basic.clientSecret ?? '')}`,
        ).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    expect(refreshed.status).toBe(400);
    const error = await caught(
      runAction(
        { store, components, credentials },
        {
          instanceId: instance.id,
          componentKey: 'sandboxDemo',
          actionKey: 'getMe',
          connections: { connection: connection.name },
        },
      ),
    );
    expect(error.code).toBe('KW_CONNECTION_NOT_CONNECTED');
  });

  it('connects with the device flow: pending until the user approves, then connected', async () => {
    const created = await createInstance(
      { store, components },
      {
        customerId,
        name: 'Globex device',
        components: ['testkit'],
        connections: [
          {
            name: 'device',
            componentKey: 'testkit',
            definitionKey: 'testkitSandboxDevice',
            fields: {
              issuer: sandbox.issuer,
              clientId: sandbox.clients.device.clientId,
              keywayClientAuthMethod: 'none',
            },
          },
        ],
      },
    );
    const [connection] = created.connections as [Connection];
    expect(connection.grantType).toBe('device_code');
    const started = await flows.startDeviceAuthorization(connection.id);
    expect(started.userCode.length).toBeGreaterThan(0);
    expect(started.verificationUri).toContain(sandbox.issuer);
    expect(JSON.stringify(started)).not.toContain('deviceCode');
    // Too early: no request is made before the interval has passed.
    sandbox.resetCounts();
    const early = await flows.pollDeviceAuthorization(started.sessionId, {
      now: started.expiresAt - 1_000_000,
    });
    expect(early.status).toBe('pending');
    expect(sandbox.tokenRequests()['urn:ietf:params:oauth:grant-type:device_code'] ?? 0).toBe(0);
    const later = Date.now() + started.intervalMs;
    const pending = await flows.pollDeviceAuthorization(started.sessionId, { now: later });
    expect(pending.status).toBe('pending');
    await sandbox.approveDevice(started.userCode);
    const done = await flows.pollDeviceAuthorization(started.sessionId, { now: later + 60_000 });
    expect(done.status).toBe('connected');
    const row = await store.getConnection(connection.id);
    expect(row).toMatchObject({ status: 'connected' });
    expect(typeof row?.tokenSet?.accessToken).toBe('string');
  });
});
