/**
 * What a component receives from the platform (issue #24), pinned with a component written as public
 * Prismatic components are (test/support/components/platform-compat: plain spectral, bundled CommonJS, no
 * Keyway import): a public client connects with PKCE and no secret, a `headers` key/value list travels with
 * the token requests, client credentials go in the query only when asked for, the token carries `expires_at`
 * and the provider's extras, the callback's extra parameters become the connection's `context`, unset list
 * inputs are lists, and template inputs cannot be set.
 */
import { httpTransport } from '../../src/oauth';
import type { HttpRequest, Transport } from '../../src/oauth';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  createInstance,
  runAction,
} from '../../src/runtime';
import { followAuthorization, startSandbox } from '../../src/sandbox';
import type { Sandbox } from '../../src/sandbox';
import type { Connection, Store } from '../../src/store';
import { buildTestComponent } from '../support/components/build';
import { caught } from '../support/errors';
import { json, startQuirkServer } from '../support/quirk-server';
import type { QuirkServer } from '../support/quirk-server';
import { openSqliteTestStore } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';

const BROWSER = 'browser-binding-compat';
const SERVICE_SECRET = 'service-secret-QUERY-0042';

describe('what a plain spectral component receives from Keyway', () => {
  let sandbox: Sandbox;
  let vendor: QuirkServer;
  let testStore: TestStore;
  let store: Store;
  let components: ComponentRegistry;
  let flows: ConnectFlows;
  let credentials: CredentialManager;
  let customerId: string;
  /** Every request the OAuth engine sent, as it went on the wire. */
  const sent: HttpRequest[] = [];
  const recording: Transport = (request, options) => {
    sent.push(request);
    return httpTransport(request, options);
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ accessTokenTtlS: 3600 });
    vendor = await startQuirkServer();
    testStore = await openSqliteTestStore();
    store = testStore.store;
    components = new ComponentRegistry({ store });
    components.loadFromPath(buildTestComponent('platform-compat'));
    flows = new ConnectFlows({ store, components, transport: recording });
    credentials = new CredentialManager({ store, components, transport: recording });
    customerId = (await store.createCustomer({ name: 'Initech' })).id;
  });

  afterAll(async () => {
    await testStore.close();
    await vendor.close();
    await sandbox.close();
  });

  let counter = 0;
  async function newConnection(definitionKey: string, fields: Record<string, unknown>): Promise<Connection> {
    counter += 1;
    const created = await createInstance(
      { store, components },
      {
        customerId,
        name: `compat-${counter}`,
        components: ['platformCompat'],
        connections: [{ name: 'conn', componentKey: 'platformCompat', definitionKey, fields }],
      },
    );
    const connection = created.connections[0];
    if (!connection) throw new Error('no connection created');
    return connection;
  }

  /** Runs the public client's authorization code flow against the sandbox; extras are added to the callback. */
  async function connectPublic(connection: Connection, extras: Record<string, string> = {}): Promise<void> {
    const redirectUri = sandbox.clients.public.redirectUri;
    const { authorizationUrl } = await flows.startAuthorization({
      connectionId: connection.id,
      browserBinding: BROWSER,
      redirectUri,
    });
    const callback = new URL(await followAuthorization(authorizationUrl, { redirectUri }));
    for (const [name, value] of Object.entries(extras)) callback.searchParams.set(name, value);
    await flows.completeAuthorization(callback.toString(), { browserBinding: BROWSER });
  }

  function publicFields(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { issuer: sandbox.issuer, clientId: sandbox.clients.public.clientId, ...extra };
  }

  function serviceFields(): Record<string, unknown> {
    return { tokenUrl: `${vendor.url}/oauth/token`, clientId: 'svc-client', clientSecret: SERVICE_SECRET };
  }

  /** Runs `echoInputs` on the connection's instance: each input's value and JavaScript type. */
  async function echo(
    connection: Connection,
    inputs: Record<string, unknown>,
  ): Promise<Record<string, { value?: unknown; kind: string }>> {
    const run = await runAction(
      { store, components, credentials },
      { instanceId: connection.instanceId, componentKey: 'platformCompat', actionKey: 'echoInputs', inputs },
    );
    // JSON drops undefined values: what the component saw, as it would serialise it.
    return JSON.parse(JSON.stringify((run.result as { data: unknown }).data)) as never;
  }

  async function inspect(connection: Connection): Promise<{
    token: Record<string, unknown> | null;
    context: Record<string, unknown> | null;
    fields: Record<string, unknown>;
    configVars: Record<string, unknown>;
  }> {
    const run = await runAction(
      { store, components, credentials },
      { instanceId: connection.instanceId, componentKey: 'platformCompat', actionKey: 'inspect' },
    );
    return (run.result as { data: never }).data;
  }

  describe('public clients (item 3)', () => {
    it('connects a client whose secret input is optional, hidden and empty as a public client with PKCE', async () => {
      const connection = await newConnection('publicOAuth', publicFields());
      await connectPublic(connection);
      const exchange = sent.filter((request) => request.url === `${sandbox.issuer}/token`).at(-1);
      const form = new URLSearchParams(exchange?.body ?? '');
      expect(form.get('grant_type')).toBe('authorization_code');
      expect(form.get('client_id')).toBe(sandbox.clients.public.clientId);
      expect(form.get('code_verifier')).toEqual(expect.any(String));
      expect(form.has('client_secret')).toBe(false);
      expect(exchange?.headers['authorization']).toBeUndefined();
      expect((await store.getConnection(connection.id))?.status).toBe('connected');
    });

    it('lets one connection choose its client authentication over what the values decide', async () => {
      const connection = await newConnection(
        'publicOAuth',
        publicFields({ keywayClientAuthMethod: 'client_secret_post' }),
      );
      const error = await caught(
        flows.startAuthorization({
          connectionId: connection.id,
          browserBinding: BROWSER,
          redirectUri: sandbox.clients.public.redirectUri,
        }),
      );
      expect(error.code).toBe('KW_PROVIDER_FIELD_MISSING');
      expect(error.message).toContain(
        'clientSecret is required for client authentication (client_secret_post)',
      );
    });
  });

  describe('token request headers (item 4)', () => {
    it("sends the connection's headers key/value list with the code exchange and the refresh", async () => {
      const headers = [
        { key: 'X-Tenant', value: 'initech' },
        { key: 'X-Api-Version', value: '2' },
      ];
      const connection = await newConnection('publicOAuth', publicFields({ headers }));
      sent.length = 0;
      await connectPublic(connection);
      await credentials.getToken(connection.id, { forceRefresh: true });
      const tokenRequests = sent.filter((request) => request.url === `${sandbox.issuer}/token`);
      expect(tokenRequests.map((r) => new URLSearchParams(r.body).get('grant_type'))).toEqual([
        'authorization_code',
        'refresh_token',
      ]);
      for (const request of tokenRequests) {
        expect(request.headers).toMatchObject({ 'x-tenant': 'initech', 'x-api-version': '2' });
      }
    });

    it('sends an Authorization header from the headers list when the client authenticates in the body', async () => {
      vendor.handle((_req, res) => json(res, 200, { access_token: 'svc-token-1', token_type: 'Bearer' }));
      const connection = await newConnection('serviceAccount', {
        tokenUrl: `${vendor.url}/oauth/token`,
        clientId: 'svc-client',
        clientSecret: SERVICE_SECRET,
        headers: [{ key: 'Authorization', value: 'Basic dmVuZG9yOmtleQ==' }],
      });
      await flows.connectWithClientCredentials(connection.id);
      const request = vendor.requests.at(-1);
      expect(request?.headers['authorization']).toBe('Basic dmVuZG9yOmtleQ==');
      expect(request?.form.get('client_secret')).toBe(SERVICE_SECRET);
    });
  });

  describe('client credentials in the query string (item 9)', () => {
    it('never puts the secret in the URL unless the connection names client_secret_query', async () => {
      vendor.handle((_req, res) => json(res, 200, { access_token: 'svc-token-2', token_type: 'Bearer' }));
      const connection = await newConnection('serviceAccount', {
        tokenUrl: `${vendor.url}/oauth/token`,
        clientId: 'svc-client',
        clientSecret: SERVICE_SECRET,
      });
      await flows.connectWithClientCredentials(connection.id);
      const request = vendor.requests.at(-1);
      expect([...(request?.query.keys() ?? [])]).toEqual([]);
      expect(request?.form.get('client_secret')).toBe(SERVICE_SECRET);
    });

    it('sends client_id and client_secret in the token URL query when opted in, and not in the body', async () => {
      vendor.handle((_req, res) => json(res, 200, { access_token: 'svc-token-3', token_type: 'Bearer' }));
      const connection = await newConnection('serviceAccount', {
        tokenUrl: `${vendor.url}/oauth/token`,
        clientId: 'svc-client',
        clientSecret: SERVICE_SECRET,
        keywayClientAuthMethod: 'client_secret_query',
      });
      await flows.connectWithClientCredentials(connection.id);
      const request = vendor.requests.at(-1);
      expect(request?.path).toBe('/oauth/token');
      expect(request?.query.get('client_id')).toBe('svc-client');
      expect(request?.query.get('client_secret')).toBe(SERVICE_SECRET);
      expect(request?.form.get('grant_type')).toBe('client_credentials');
      expect(request?.form.has('client_secret')).toBe(false);
      expect(request?.headers['authorization']).toBeUndefined();
    });

    it('keeps the query secret out of the error and the stored connection when the provider refuses', async () => {
      vendor.handle((req, res) =>
        json(res, 401, {
          error: 'invalid_client',
          error_description: `bad client at /oauth/token?client_id=svc-client&client_secret=${req.query.get('client_secret') ?? ''}`,
        }),
      );
      const connection = await newConnection('serviceAccount', {
        tokenUrl: `${vendor.url}/oauth/token`,
        clientId: 'svc-client',
        clientSecret: SERVICE_SECRET,
        keywayClientAuthMethod: 'client_secret_query',
      });
      const error = await caught(flows.connectWithClientCredentials(connection.id));
      expect(error.code).toBe('KW_OAUTH_INVALID_CLIENT');
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain(SERVICE_SECRET);
      const stored = await store.getConnection(connection.id);
      expect(JSON.stringify(stored?.lastError ?? null)).not.toContain(SERVICE_SECRET);
    });
  });

  describe('the token (item 1)', () => {
    it('is the stored token response with every provider extra plus an absolute ISO 8601 expires_at', async () => {
      vendor.handle((_req, res) =>
        json(res, 200, {
          access_token: 'svc-token-4',
          token_type: 'Bearer',
          expires_in: '3600',
          instance_url: 'https://initech.my.example.com',
          id: 'https://login.example.com/id/00D/005',
        }),
      );
      const connection = await newConnection('serviceAccount', {
        tokenUrl: `${vendor.url}/oauth/token`,
        clientId: 'svc-client',
        clientSecret: SERVICE_SECRET,
      });
      const before = Date.now();
      await flows.connectWithClientCredentials(connection.id);
      const { token } = await inspect(connection);
      expect(token).toMatchObject({
        access_token: 'svc-token-4',
        token_type: 'Bearer',
        expires_in: '3600',
        instance_url: 'https://initech.my.example.com',
        id: 'https://login.example.com/id/00D/005',
      });
      const expiresAt = String(token?.['expires_at']);
      expect(expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(expiresAt)).toBeGreaterThanOrEqual(before + 3600_000);
      expect(Date.parse(expiresAt)).toBeLessThanOrEqual(Date.now() + 3600_000);
    });

    it('has no expires_at when the provider gave no lifetime', async () => {
      vendor.handle((_req, res) => json(res, 200, { access_token: 'svc-token-5', token_type: 'Bearer' }));
      const connection = await newConnection('serviceAccount', {
        tokenUrl: `${vendor.url}/oauth/token`,
        clientId: 'svc-client',
        clientSecret: SERVICE_SECRET,
      });
      await flows.connectWithClientCredentials(connection.id);
      const { token } = await inspect(connection);
      expect(token).toEqual({ access_token: 'svc-token-5', token_type: 'Bearer' });
    });
  });

  describe('the callback context (item 2)', () => {
    it("passes the callback's extra parameters as connection.context, across a refresh, replaced on reconnect", async () => {
      const connection = await newConnection('publicOAuth', publicFields());
      await connectPublic(connection, { realmId: '9130354', 'accounts-server': 'https://accounts.zoho.eu' });
      const first = await inspect(connection);
      expect(first.context).toEqual({ realmId: '9130354', 'accounts-server': 'https://accounts.zoho.eu' });

      await credentials.getToken(connection.id, { forceRefresh: true });
      const refreshed = await inspect(connection);
      expect(refreshed.token?.['access_token']).not.toBe(first.token?.['access_token']);
      expect(refreshed.context).toEqual(first.context);

      await connectPublic(connection, { shop: 'initech.myshopify.com' });
      expect((await inspect(connection)).context).toEqual({ shop: 'initech.myshopify.com' });
      await flows.disconnect(connection.id);
      expect((await store.getConnection(connection.id))?.context).toEqual({});
    });

    it('keeps code, state, iss and the error fields out of the context', async () => {
      const connection = await newConnection('publicOAuth', publicFields());
      await connectPublic(connection, { realmId: '1', error_uri: 'https://x.example/e' });
      expect((await inspect(connection)).context).toEqual({ realmId: '1' });
    });
  });

  describe('unset inputs (item 5)', () => {
    it('gives an unset list input an empty list, never "", for every input type and collection', async () => {
      const connection = await newConnection('serviceAccount', serviceFields());
      const report = await echo(connection, {});
      for (const type of ['string', 'data', 'text', 'password', 'boolean', 'code', 'date', 'timestamp']) {
        expect([type, report[`${type}List`]]).toEqual([type, { value: [], kind: 'array' }]);
        expect([type, report[`${type}Pairs`]]).toEqual([type, { value: [], kind: 'array' }]);
        expect([type, report[type]]).toEqual([
          type,
          { value: type === 'boolean' ? 'false' : '', kind: 'string' },
        ]);
      }
      expect(report['conditional']).toEqual({ value: [], kind: 'array' });
      // Inputs whose type has no platform default stay absent.
      expect(report['objectSelection']).toEqual({ kind: 'undefined' });
      expect(report['jsonForm']).toEqual({ kind: 'undefined' });
    });
  });

  describe('every spectral input shape (item 4)', () => {
    it('passes value lists, key/value lists, objects, booleans, code and dates to perform as given', async () => {
      const connection = await newConnection('serviceAccount', serviceFields());
      const given = {
        stringList: ['a', 'b'],
        stringPairs: [
          { key: 'Accept', value: 'application/json' },
          { key: 'X-Trace', value: '1' },
        ],
        boolean: true,
        code: '{"query": "{ me { id } }"}',
        date: '2026-12-06',
        timestamp: '2026-12-06T08:00:00.000Z',
        objectSelection: [{ object: { key: 'Account' }, fields: [{ key: 'Name' }] }],
        jsonForm: { schema: { type: 'object' }, uiSchema: {}, data: { a: 1 } },
      };
      const report = await echo(connection, given);
      expect(report['stringList']?.value).toEqual(['a', 'b']);
      expect(report['stringPairs']?.value).toEqual(given.stringPairs);
      expect(report['boolean']?.value).toBe('true');
      expect(report['code']?.value).toBe(given.code);
      expect(report['date']?.value).toBe(given.date);
      expect(report['timestamp']?.value).toBe(given.timestamp);
      expect(report['objectSelection']?.value).toEqual(given.objectSelection);
      expect(report['jsonForm']?.value).toEqual(given.jsonForm);
    });

    it('accepts every shape in connection fields and instance config and hands them to the component', async () => {
      vendor.handle((_req, res) => json(res, 200, { access_token: 'svc-token-6', token_type: 'Bearer' }));
      counter += 1;
      const config = {
        region: 'eu',
        regions: ['eu', 'us'],
        labels: [{ key: 'team', value: 'ops' }],
        mapping: { objectSelection: [{ object: { key: 'Lead' } }] },
        enabled: true,
      };
      const headers = [{ key: 'X-Tenant', value: 'initech' }];
      const created = await createInstance(
        { store, components },
        {
          customerId,
          name: `compat-${counter}`,
          components: ['platformCompat'],
          config,
          connections: [
            {
              name: 'conn',
              componentKey: 'platformCompat',
              definitionKey: 'serviceAccount',
              fields: { ...serviceFields(), headers, tags: ['x', 'y'], sandboxMode: true },
            },
          ],
        },
      );
      const connection = created.connections[0];
      if (!connection) throw new Error('no connection');
      await flows.connectWithClientCredentials(connection.id);
      expect(vendor.requests.at(-1)?.headers['x-tenant']).toBe('initech');
      const seen = await inspect(connection);
      expect(seen.fields).toMatchObject({ headers, tags: ['x', 'y'], sandboxMode: 'true' });
      expect(seen.configVars).toMatchObject(config);
    });
  });

  describe('template inputs (item 7)', () => {
    it('refuses a field value for a template input with a typed error naming the field', async () => {
      const error = await caught(
        newConnection('publicOAuth', publicFields({ tokenUrl: 'https://attacker.example/token' })),
      );
      expect(error.code).toBe('KW_CONNECTION_TEMPLATE_SET');
      expect(error.message).toContain('"tokenUrl" is a template ({{#issuer}}/token)');
      expect(error.details).toEqual({ field: 'tokenUrl' });
      const stored = await store.listConnections({});
      const templated = stored.filter((c) => c.definitionKey === 'publicOAuth' && 'tokenUrl' in c.fields);
      expect(templated).toEqual([]);
    });

    it('always renders the template, even over a value stored before templates were refused', async () => {
      const connection = await newConnection('publicOAuth', publicFields());
      await store.updateConnection(connection.id, {
        fields: { ...connection.fields, tokenUrl: 'https://attacker.example/token' },
      });
      sent.length = 0;
      await connectPublic(connection);
      expect(sent.map((request) => request.url)).toContain(`${sandbox.issuer}/token`);
      expect(sent.map((request) => request.url).join(' ')).not.toContain('attacker.example');
      expect((await inspect(connection)).fields['tokenUrl']).toBe(`${sandbox.issuer}/token`);
    });
  });
});
