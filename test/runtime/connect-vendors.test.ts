/**
 * Connect flows and actions against in-process vendor fakes (Salesforce, Spotify), with the shipped bundles
 * and a real SQLite store.
 */
import { join } from 'node:path';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  createInstance,
  runAction,
} from '../../src/runtime';
import { followAuthorization } from '../../src/sandbox';
import type { Connection, Store } from '../../src/store';
import { startSalesforceFake } from '../support/vendors/salesforce';
import type { SalesforceFake } from '../support/vendors/salesforce';
import { startSpotifyFake } from '../support/vendors/spotify';
import type { SpotifyFake } from '../support/vendors/spotify';
import { openSqliteTestStore } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';

const BROWSER = 'browser-binding-hash-1';

describe('connect flows and actions against vendor fakes, with the shipped bundles', () => {
  let testStore: TestStore;
  let store: Store;
  let components: ComponentRegistry;
  let flows: ConnectFlows;
  let credentials: CredentialManager;
  let customerId: string;
  let salesforceFake: SalesforceFake;
  let spotifyFake: SpotifyFake;
  const bundle = (name: string): string =>
    join(__dirname, '..', '..', 'components', name, 'dist', 'index.js');

  beforeAll(async () => {
    salesforceFake = await startSalesforceFake({ requirePkce: true });
    spotifyFake = await startSpotifyFake();
    testStore = await openSqliteTestStore();
    store = testStore.store;
    components = new ComponentRegistry({ store });
    components.loadFromPath(bundle('salesforce'));
    components.loadFromPath(bundle('spotify'));
    flows = new ConnectFlows({ store, components });
    credentials = new CredentialManager({ store, components });
    customerId = (await store.createCustomer({ name: 'Umbrella' })).id;
  });

  afterAll(async () => {
    await testStore.close();
    await salesforceFake.close();
    await spotifyFake.close();
  });

  it('connects Salesforce with code + PKCE and reads a record from the instance_url the token named', async () => {
    const redirectUri = 'https://keyway.example/oauth/callback';
    // The fake's hosts replace the production login host, as a customer's sandbox environment would.
    const environments = {
      default: 'production',
      options: { production: { label: 'Fake', hosts: { loginHost: salesforceFake.baseUrl } } },
    };
    const { instance, connections } = await createInstance(
      {
        store,
        components,
        platformDefaults: {
          salesforce: {
            salesforceOAuth: { clientId: salesforceFake.clientId, clientSecret: salesforceFake.clientSecret },
          },
        },
      },
      {
        customerId,
        name: 'Umbrella CRM',
        components: ['salesforce'],
        connections: [
          {
            name: 'crm',
            componentKey: 'salesforce',
            fields: { keywayEnvironments: JSON.stringify(environments) },
          },
        ],
      },
    );
    const [connection] = connections as [Connection];
    const { authorizationUrl } = await flows.startAuthorization({
      connectionId: connection.id,
      browserBinding: BROWSER,
      redirectUri,
    });
    const callback = await followAuthorization(authorizationUrl, { redirectUri });
    const { connection: connected } = await flows.completeAuthorization(callback, {
      browserBinding: BROWSER,
    });
    expect((connected.tokenSet?.raw as Record<string, unknown>).instance_url).toBe(
      salesforceFake.urls.instanceUrl,
    );
    const { result } = await runAction(
      { store, components, credentials },
      {
        instanceId: instance.id,
        componentKey: 'salesforce',
        actionKey: 'getRecord',
        inputs: { sObject: 'Account', recordId: '001000000000001AAA' },
      },
    );
    expect((result as { data: Record<string, unknown> }).data).toMatchObject({ Name: 'Edge Communications' });
  });

  it('connects Spotify with client credentials and calls the Web API with the token', async () => {
    const { instance, connections } = await createInstance(
      { store, components },
      {
        customerId,
        name: 'Umbrella music',
        components: ['spotify'],
        connections: [
          {
            name: 'music',
            componentKey: 'spotify',
            fields: {
              tokenUrl: spotifyFake.urls.tokenUrl,
              apiBaseUrl: spotifyFake.urls.apiBaseUrl,
              clientId: spotifyFake.clientId,
              clientSecret: spotifyFake.clientSecret,
            },
          },
        ],
      },
    );
    const [connection] = connections as [Connection];
    expect(connection.secretFields).toEqual({ clientSecret: spotifyFake.clientSecret });
    await flows.connectWithClientCredentials(connection.id);
    const { result } = await runAction(
      { store, components, credentials },
      {
        instanceId: instance.id,
        componentKey: 'spotify',
        actionKey: 'getArtist',
        inputs: { artistId: '4Z8W4fKeB5YxbusRsdQVPb' },
      },
    );
    expect((result as { data: Record<string, unknown> }).data).toMatchObject({ name: 'Radiohead' });
  });
});
