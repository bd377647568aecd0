/**
 * Definition-level OAuth quirks through the runtime, with a real SQLite store. A provider definition that gives only
 * an issuer: Keyway fills its endpoints from the issuer's metadata (OpenID discovery), cached and checked against the
 * issuer, and the connection connects end to end against the sandbox (a real oidc-provider on 127.0.0.1); a server
 * whose metadata names another issuer is refused before anyone is sent anywhere. A provider whose token endpoint
 * takes JSON (Notion, Square) gets its code exchange as one JSON object (an in-process vendor fake).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { component } from '@prismatic-io/spectral';
import { defineProvider, toSpectralConnection, type ProviderDefinitionInput } from '../../connections';
import { sandbox as sandboxProvider } from '../../connections/catalog/sandbox';
import { httpTransport, type Transport } from '../../src/oauth';
import { ComponentRegistry, ConnectFlows, CredentialManager, createInstance } from '../../src/runtime';
import { followAuthorization, startSandbox, type Sandbox } from '../../src/sandbox';
import type { Instance, Store } from '../../src/store';
import { caught } from '../support/errors';
import { closeServer, json, startQuirkServer } from '../support/quirk-server';
import { openSqliteTestStore, type TestStore } from '../support/runtime-stores';

const BROWSER = 'browser-binding-discovery';

/** The sandbox entry with every endpoint left out: only the issuer (a field) remains. */
function issuerOnly(key: string): ProviderDefinitionInput {
  const { authorizeUrl, tokenUrl, revokeUrl, deviceAuthorizationUrl, userinfoUrl, sources, ...rest } =
    sandboxProvider;
  void [authorizeUrl, tokenUrl, revokeUrl, deviceAuthorizationUrl, userinfoUrl];
  const { issuer = '', apiBaseUrl = '' } = sources;
  return { ...rest, key, sources: { issuer, apiBaseUrl } };
}

const discovered = defineProvider(issuerOnly('sandboxDiscovered'));

const discoveringComponent = component({
  key: 'discovering',
  display: { label: 'Discovering', description: 'An issuer-only connection', iconPath: 'icon.png' },
  connections: [toSpectralConnection(discovered, { key: 'discoveredOAuth' })],
  actions: {},
});

describe('an issuer-only provider definition', () => {
  let sandbox: Sandbox;
  let testStore: TestStore;
  let store: Store;
  let flows: ConnectFlows;
  let credentials: CredentialManager;
  let instance: Instance;
  let foreign: Server;
  let foreignUrl: string;
  const discoveryRequests: string[] = [];
  const transport: Transport = (request, options) => {
    if (request.url.includes('/.well-known/')) discoveryRequests.push(request.url);
    return httpTransport(request, options);
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ accessTokenTtlS: 3600 });
    testStore = await openSqliteTestStore();
    store = testStore.store;
    const components = new ComponentRegistry({ store });
    components.registerExports({ default: discoveringComponent }, 'bundle-hash-discovering');
    flows = new ConnectFlows({ store, components, transport });
    credentials = new CredentialManager({ store, components, transport });
    const customerId = (await store.createCustomer({ name: 'Initech' })).id;
    instance = (
      await createInstance(
        { store, components },
        { customerId, name: 'Initech', components: ['discovering'] },
      )
    ).instance;
    // Metadata that claims to be another server's: RFC 8414 §3.3 says to refuse it.
    foreign = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          issuer: 'https://attacker.example',
          authorization_endpoint: 'https://attacker.example/auth',
          token_endpoint: 'https://attacker.example/token',
        }),
      );
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await closeServer(foreign);
    await testStore.close();
    await sandbox.close();
  });

  let counter = 0;
  async function newConnection(issuer: string) {
    counter += 1;
    return store.createConnection({
      instanceId: instance.id,
      name: `discovered-${counter}`,
      componentKey: 'discovering',
      definitionKey: 'discoveredOAuth',
      grantType: 'authorization_code',
      fields: { issuer },
      secretFields: {
        clientId: sandbox.clients.basic.clientId,
        clientSecret: sandbox.clients.basic.clientSecret ?? '',
      },
    });
  }

  it('renders to a spectral connection without endpoints, carrying the issuer', () => {
    const definition = toSpectralConnection(discovered, { key: 'discoveredOAuth' });
    const inputs = definition.inputs as Record<string, { default?: unknown; templateValue?: unknown }>;
    expect(inputs.keywayIssuer?.templateValue).toBe('{{#issuer}}');
    expect(inputs.authorizeUrl?.default).toBeUndefined();
    expect(inputs.tokenUrl?.default).toBeUndefined();
  });

  it('connects end to end with the endpoints from the issuer, fetching the metadata once', async () => {
    const first = await newConnection(sandbox.issuer);
    const second = await newConnection(sandbox.issuer);
    const started = await flows.startAuthorization({
      connectionId: first.id,
      browserBinding: BROWSER,
      redirectUri: sandbox.clients.basic.redirectUri,
    });
    const afterFirst = discoveryRequests.length;
    expect(discoveryRequests).toContain(`${sandbox.issuer}/.well-known/openid-configuration`);
    const url = new URL(started.authorizationUrl);
    // oidc-provider's own authorization endpoint, as its discovery document names it.
    expect(`${url.origin}${url.pathname}`).toBe(`${sandbox.issuer}/auth`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    sandbox.resetCounts();
    const callback = await followAuthorization(started.authorizationUrl, {
      redirectUri: sandbox.clients.basic.redirectUri,
    });
    const { connection } = await flows.completeAuthorization(callback, { browserBinding: BROWSER });
    expect(connection.status).toBe('connected');
    expect(typeof connection.tokenSet?.refreshToken).toBe('string');
    expect(sandbox.tokenRequests()['authorization_code']).toBe(1);

    // The refresh goes to the discovered token endpoint too.
    const token = await credentials.getToken(first.id, {
      forceRefresh: true,
      rejectedAccessToken: String(connection.tokenSet?.accessToken),
    });
    expect(token.accessToken).not.toBe(connection.tokenSet?.accessToken);
    expect(sandbox.tokenRequests()['refresh_token']).toBe(1);

    await flows.startAuthorization({
      connectionId: second.id,
      browserBinding: BROWSER,
      redirectUri: sandbox.clients.basic.redirectUri,
    });
    // The callback, the refresh and the second connection reuse the cached metadata.
    expect(discoveryRequests).toHaveLength(afterFirst);
  });

  it('refuses metadata that names another issuer, storing no session and sending no one there', async () => {
    const connection = await newConnection(foreignUrl);
    const error = await caught(
      flows.startAuthorization({
        connectionId: connection.id,
        browserBinding: BROWSER,
        redirectUri: sandbox.clients.basic.redirectUri,
      }),
    );
    expect(error.code).toBe('KW_OAUTH_DISCOVERY_FAILED');
    expect(error.message).not.toContain('attacker.example/auth');
    expect((await store.getConnection(connection.id))?.status).toBe(connection.status);
  });
});

describe('a provider whose token endpoint takes JSON', () => {
  it('exchanges the code with one JSON object carrying the client credentials (Square-style)', async () => {
    const vendor = await startQuirkServer();
    const testStore = await openSqliteTestStore();
    try {
      vendor.handle((_req, res) => json(res, 200, { access_token: 'json-at', token_type: 'bearer' }));
      const provider = defineProvider({
        key: 'jsonVendor',
        displayName: 'JSON vendor',
        docsUrl: 'https://docs.example/oauth',
        grantTypes: ['authorization_code'],
        authorizeUrl: `${vendor.url}/oauth2/authorize`,
        tokenUrl: `${vendor.url}/oauth2/token`,
        clientAuthMethod: 'client_secret_post',
        tokenRequestFormat: 'json',
      });
      const bundle = component({
        key: 'jsonVendor',
        display: { label: 'JSON vendor', description: 'JSON token requests', iconPath: 'icon.png' },
        connections: [toSpectralConnection(provider, { key: 'jsonOAuth' })],
        actions: {},
      });
      const { store } = testStore;
      const components = new ComponentRegistry({ store });
      components.registerExports({ default: bundle }, 'bundle-hash-json');
      const flows = new ConnectFlows({ store, components });
      const customerId = (await store.createCustomer({ name: 'Hooli' })).id;
      const { instance } = await createInstance(
        { store, components },
        { customerId, name: 'Hooli', components: ['jsonVendor'] },
      );
      const connection = await store.createConnection({
        instanceId: instance.id,
        name: 'json-1',
        componentKey: 'jsonVendor',
        definitionKey: 'jsonOAuth',
        grantType: 'authorization_code',
        fields: {},
        secretFields: { clientId: 'json-client', clientSecret: 'json-secret' },
      });
      const redirectUri = 'https://keyway.example/oauth/callback';
      const started = await flows.startAuthorization({
        connectionId: connection.id,
        browserBinding: BROWSER,
        redirectUri,
      });
      const state = new URL(started.authorizationUrl).searchParams.get('state') ?? '';
      const done = await flows.completeAuthorization(`${redirectUri}?code=code-1&state=${state}`, {
        browserBinding: BROWSER,
      });
      expect(done.connection.status).toBe('connected');
      const [request] = vendor.requests;
      expect(request?.path).toBe('/oauth2/token');
      expect(request?.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request?.body ?? '')).toEqual({
        grant_type: 'authorization_code',
        code: 'code-1',
        redirect_uri: redirectUri,
        client_id: 'json-client',
        client_secret: 'json-secret',
      });
    } finally {
      await testStore.close();
      await vendor.close();
    }
  });
});
