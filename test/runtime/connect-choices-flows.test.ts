/**
 * The customer's choices (an environment) in the flows that are not the authorization code grant: the device
 * flow, against two real sandboxes (oidc-provider) standing for two environments, and the legacy implicit grant.
 * The choice is checked, used for that flow's endpoints, and saved with the connection when it connects, as the
 * authorization code flow does (test/server/connect-choices.test.ts). Each on SQLite and PostgreSQL.
 */
import { component } from '@prismatic-io/spectral';
import { defineProvider, toSpectralConnection } from '../../connections';
import { httpTransport, type Transport } from '../../src/oauth';
import { ComponentRegistry, ConnectFlows, createInstance } from '../../src/runtime';
import { startSandbox } from '../../src/sandbox';
import type { Sandbox } from '../../src/sandbox';
import type { Connection, Store } from '../../src/store';
import { storeEngines } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';

jest.setTimeout(60_000);

/** A device-flow provider and an implicit one, each with two environments (`us` the default, `eu`). */
function regionalComponent(hosts: { us: string; eu: string }) {
  const environments = {
    default: 'us',
    options: {
      us: { label: 'United States', hosts: { authHost: hosts.us } },
      eu: { label: 'Europe', hosts: { authHost: hosts.eu } },
    },
  };
  const device = defineProvider({
    key: 'regionalDevice',
    displayName: 'Regional device sandbox',
    docsUrl: 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md',
    grantTypes: ['device_code'],
    deviceAuthorizationUrl: '{{#authHost}}/device/auth',
    tokenUrl: '{{#authHost}}/token',
    environments,
    defaultScopes: ['openid', 'api:read'],
    clientAuthMethod: 'none',
    pkce: false,
  });
  const implicit = defineProvider({
    key: 'regionalImplicit',
    displayName: 'Regional implicit vendor',
    docsUrl: 'https://vendor.example/docs',
    grantTypes: ['implicit'],
    allowImplicit: true,
    authorizeUrl: '{{#authHost}}/authorize',
    environments,
    clientAuthMethod: 'none',
  });
  return component({
    key: 'regionalFlows',
    public: false,
    display: { label: 'Regional flows', description: 'Choices in every flow.', iconPath: 'icon.png' },
    connections: [
      toSpectralConnection(device, { key: 'regionalDevice' }),
      toSpectralConnection(implicit, { grantType: 'implicit', key: 'regionalImplicit' }),
    ],
    actions: {},
  });
}

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return undefined;
}

describe.each(storeEngines)('choices in the device and implicit flows on %s', (_engine, open) => {
  let us: Sandbox;
  let eu: Sandbox;
  let testStore: TestStore;
  let store: Store;
  let components: ComponentRegistry;
  let flows: ConnectFlows;
  let customerId: string;

  beforeAll(async () => {
    [us, eu, testStore] = await Promise.all([startSandbox(), startSandbox(), open()]);
    store = testStore.store;
    components = new ComponentRegistry({ store });
    components.registerExports({ default: regionalComponent({ us: us.url, eu: eu.url }) }, 'regional-flows');
    flows = new ConnectFlows({ store, components });
    customerId = (await store.createCustomer({ name: 'Initech' })).id;
  });

  afterAll(async () => {
    await testStore?.close();
    await us?.close();
    await eu?.close();
  });

  async function newConnection(definitionKey: string, clientId: string): Promise<Connection> {
    const { connections } = await createInstance(
      { store, components },
      {
        customerId,
        name: `Initech ${definitionKey}`,
        components: ['regionalFlows'],
        connections: [{ name: 'conn', componentKey: 'regionalFlows', definitionKey, fields: { clientId } }],
      },
    );
    return connections[0] as Connection;
  }

  it('runs a device flow at the environment the customer chose and saves the choice when it connects', async () => {
    const connection = await newConnection('regionalDevice', eu.clients.device.clientId);
    us.resetCounts();
    eu.resetCounts();
    const started = await flows.startDeviceAuthorization(connection.id, { choices: { environment: 'eu' } });
    expect(started.verificationUri.startsWith(`${eu.url}/`)).toBe(true);
    // Nothing is saved before the provider answers: the choice lives in the device session until it connects.
    expect((await store.getConnection(connection.id))?.fields).toEqual(connection.fields);

    await eu.approveDevice(started.userCode);
    const done = await flows.pollDeviceAuthorization(started.sessionId, { now: Date.now() + 60_000 });
    expect(done.status).toBe('connected');
    const row = await store.getConnection(connection.id);
    expect(row?.status).toBe('connected');
    expect(row?.fields).toEqual({ ...connection.fields, environment: 'eu' });
    const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';
    expect(eu.tokenRequests()[deviceGrant]).toBe(1);
    expect(us.tokenRequests()[deviceGrant] ?? 0).toBe(0);
    // The token is the European sandbox's: its API accepts it.
    const me = await fetch(eu.apiUrl, {
      headers: { authorization: `Bearer ${String(row?.tokenSet?.accessToken)}` },
    });
    expect(me.status).toBe(200);
  });

  /** Flows whose device token request runs `meanwhile` first: a write between the poll's read and its save. */
  function flowsWithWriteBeforeTokenRequest(meanwhile: () => Promise<void>): ConnectFlows {
    let done = false;
    const transport: Transport = async (request, options) => {
      if (!done && request.body?.includes('device_code') === true) {
        done = true;
        await meanwhile();
      }
      return httpTransport(request, options);
    };
    return new ConnectFlows({ store, components, transport });
  }

  it('keeps a field edited while the device poll waits for the provider, and saves the tokens and choice over it', async () => {
    // Regression: the approval wrote the fields read before the token request, losing the edit.
    const connection = await newConnection('regionalDevice', eu.clients.device.clientId);
    const started = await flows.startDeviceAuthorization(connection.id, { choices: { environment: 'eu' } });
    await eu.approveDevice(started.userCode);
    const edited = { ...connection.fields, clientId: eu.clients.device.clientId, note: 'edited meanwhile' };
    const racing = flowsWithWriteBeforeTokenRequest(async () => {
      await store.updateConnection(connection.id, { fields: edited });
    });

    const done = await racing.pollDeviceAuthorization(started.sessionId, { now: Date.now() + 60_000 });

    expect(done.status).toBe('connected');
    const row = await store.getConnection(connection.id);
    expect(row?.fields).toEqual({ ...edited, environment: 'eu' });
    expect(row?.status).toBe('connected');
    expect(typeof row?.tokenSet?.accessToken).toBe('string');
    expect(await store.getDeviceSession(started.sessionId)).toMatchObject({ status: 'approved' });
  });

  it('lets a disconnect or another connect made while the device poll waits win, and ends the session', async () => {
    const cases: [string, (id: string) => Promise<unknown>][] = [
      ['disconnected', (id) => flows.disconnect(id)],
      [
        'connected',
        (id) =>
          store.updateConnection(id, {
            status: 'connected',
            tokenSet: { accessToken: 'from-another-flow' },
            connectedAt: Date.now(),
          }),
      ],
    ];
    for (const [status, write] of cases) {
      const connection = await newConnection('regionalDevice', eu.clients.device.clientId);
      const started = await flows.startDeviceAuthorization(connection.id, { choices: { environment: 'eu' } });
      await eu.approveDevice(started.userCode);
      let written: Connection | undefined;
      const racing = flowsWithWriteBeforeTokenRequest(async () => {
        await write(connection.id);
        written = await store.getConnection(connection.id);
      });

      const outcome = await codeOf(
        racing.pollDeviceAuthorization(started.sessionId, { now: Date.now() + 60_000 }),
      );

      expect([status, outcome]).toEqual([status, 'KW_DEVICE_SESSION_SUPERSEDED']);
      expect(written?.status).toBe(status);
      expect(await store.getConnection(connection.id)).toEqual(written);
      expect(await store.getDeviceSession(started.sessionId)).toMatchObject({ status: 'failed' });
      expect(
        await codeOf(flows.pollDeviceAuthorization(started.sessionId, { now: Date.now() + 120_000 })),
      ).toBe('KW_DEVICE_SESSION_FAILED');
    }
  });

  it('refuses a forged environment for a device flow before asking the provider, and saves nothing', async () => {
    const connection = await newConnection('regionalDevice', us.clients.device.clientId);
    for (const choices of [{ environment: 'mars' }, { authHost: 'https://evil.example' }]) {
      expect(await codeOf(flows.startDeviceAuthorization(connection.id, { choices }))).toBe(
        'KW_CONNECT_CHOICE_INVALID',
      );
    }
    expect(await store.listPendingDeviceSessions({ connectionId: connection.id })).toEqual([]);
    const row = await store.getConnection(connection.id);
    expect(row?.fields).toEqual(connection.fields);
    expect(row?.status).toBe(connection.status);
  });

  it('saves the environment chosen for an implicit grant when the fragment completes it', async () => {
    const connection = await newConnection('regionalImplicit', 'implicit-client');
    const browserBinding = 'browser-binding-implicit';
    const started = await flows.startAuthorization({
      connectionId: connection.id,
      browserBinding,
      redirectUri: 'https://keyway.test/oauth/callback',
      choices: { environment: 'eu' },
    });
    const authorize = new URL(started.authorizationUrl);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${eu.url}/authorize`);
    expect(authorize.searchParams.get('response_type')).toBe('token');
    const state = authorize.searchParams.get('state') ?? '';
    const fragment = new URLSearchParams({
      access_token: 'implicit-access-token',
      token_type: 'bearer',
      expires_in: '3600',
      state,
    }).toString();
    const done = await flows.completeImplicit(`#${fragment}`, { browserBinding });
    expect(done.connection.status).toBe('connected');
    expect(done.connection.fields).toEqual({ ...connection.fields, environment: 'eu' });
    expect((await store.getConnection(connection.id))?.fields).toEqual({
      ...connection.fields,
      environment: 'eu',
    });
  });
});
