/**
 * The Spotify low-code connector (connectors/spotify.yaml, client credentials) end to end through Keyway:
 * build the YAML, publish the bundle into a real SQLite store, create an instance, connect with client
 * credentials against the Spotify fake, run every action. The TypeScript component components/spotify makes
 * the same requests for the same inputs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  createInstance,
  runAction,
} from '../../src/runtime';
import type { Store } from '../../src/store';
import { buildConnector } from '../../src/lowcode';
import { startSpotifyFake } from '../support/vendors/spotify';
import type { SpotifyFake } from '../support/vendors/spotify';
import type { RecordedRequest } from '../support/vendors/core';
import { openSqliteTestStore } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';
import { caught } from '../support/errors';

const ROOT = join(__dirname, '..', '..');
let out: string;
let testStore: TestStore;
let store: Store;
let components: ComponentRegistry;
let fake: SpotifyFake;
let customerId: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'keyway-lowcode-spotify-'));
  testStore = await openSqliteTestStore();
  store = testStore.store;
  components = new ComponentRegistry({ store });
  fake = await startSpotifyFake();
  customerId = (await store.createCustomer({ name: 'Initech' })).id;
  const { bundle } = await buildConnector(join(ROOT, 'connectors', 'spotify.yaml'), {
    outfile: join(out, 'spotify.js'),
  });
  await components.publish(bundle);
  components.loadFromPath(join(ROOT, 'components', 'spotify', 'dist', 'index.js'));
});

afterAll(async () => {
  await fake.close();
  await testStore.close();
  rmSync(out, { recursive: true, force: true });
});

async function connectedInstance(componentKey: string): Promise<string> {
  const created = await createInstance(
    { store, components },
    {
      customerId,
      name: `${componentKey} low-code`,
      components: [componentKey],
      connections: [
        {
          name: 'catalogue',
          componentKey,
          fields: {
            tokenUrl: fake.urls.tokenUrl,
            apiBaseUrl: fake.urls.apiBaseUrl,
            clientId: fake.clientId,
            clientSecret: fake.clientSecret,
          },
        },
      ],
    },
  );
  const [connection] = created.connections;
  if (!connection) throw new Error('no connection');
  await new ConnectFlows({ store, components }).connectWithClientCredentials(connection.id);
  return created.instance.id;
}

function runner(instanceId: string, componentKey: string) {
  const credentials = new CredentialManager({ store, components });
  return async (actionKey: string, inputs: Record<string, unknown>): Promise<unknown> => {
    const { result } = await runAction(
      { store, components, credentials },
      { instanceId, componentKey, actionKey, inputs },
    );
    return (result as { data: unknown }).data;
  };
}

/** What the vendor saw of the API requests after `from`: method, path, query, and whether a bearer came. */
function apiRequests(from: number): { method: string; path: string; query: string; bearer: boolean }[] {
  return fake.requests.slice(from).flatMap((r: RecordedRequest) =>
    r.path.startsWith('/v1/')
      ? [
          {
            method: r.method,
            path: r.path,
            query: [...r.query.entries()].map(([k, v]) => `${k}=${v}`).join('&'),
            bearer: /^Bearer BQ/.test(String(r.headers.authorization)),
          },
        ]
      : [],
  );
}

const CALLS: [string, Record<string, unknown>][] = [
  ['search', { query: 'radio' }],
  ['search', { query: 'global', type: 'album', limit: '5' }],
  ['getArtist', { artistId: '0TnOYISbd1XYRBk9myaseg' }],
  ['getAlbum', { albumId: '4aawyAB9vmqN3uQ7FjRGTy' }],
];

describe('the Spotify low-code connector', () => {
  it('is published from YAML, connects with client credentials and runs every action against the vendor', async () => {
    const act = runner(await connectedInstance('spotifyLowCode'), 'spotifyLowCode');
    const found = (await act('search', { query: 'radio' })) as { artists: { items: { name: string }[] } };
    expect(found.artists.items.map((a) => a.name)).toEqual(['Radiohead']);
    expect(await act('getArtist', { artistId: '0TnOYISbd1XYRBk9myaseg' })).toMatchObject({ name: 'Pitbull' });
    expect(await act('getAlbum', { albumId: '4aawyAB9vmqN3uQ7FjRGTy' })).toMatchObject({
      name: 'Global Warming',
    });
  });

  it('maps a vendor error answer to the message the definition gives, with the vendor message', async () => {
    const act = runner(await connectedInstance('spotifyLowCode'), 'spotifyLowCode');
    const error = await caught(act('getArtist', { artistId: 'no such id' }));
    expect(error.message).toContain('No such artist: Invalid base62 id (HTTP 400)');
  });

  it('sends the same vendor requests as the TypeScript component for the same inputs', async () => {
    const lowCode = runner(await connectedInstance('spotifyLowCode'), 'spotifyLowCode');
    const typed = runner(await connectedInstance('spotify'), 'spotify');
    let from = fake.requests.length;
    const lowCodeResults = [];
    for (const [key, inputs] of CALLS) lowCodeResults.push(await lowCode(key, inputs));
    const lowCodeSeen = apiRequests(from);
    from = fake.requests.length;
    const typedResults = [];
    for (const [key, inputs] of CALLS) typedResults.push(await typed(key, inputs));
    const typedSeen = apiRequests(from);
    expect(lowCodeSeen).toHaveLength(CALLS.length);
    expect(lowCodeSeen).toEqual(typedSeen);
    expect(lowCodeResults).toEqual(typedResults);
  });
});
