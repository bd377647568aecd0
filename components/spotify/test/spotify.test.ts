import { testing } from '@prismatic-io/spectral';
import { resolveConnection } from '../../../connections';
import {
  connectionValue,
  loadBuiltComponent,
  type BuiltComponent,
} from '../../../test/support/built-components';
import { startSpotifyFake, type SpotifyFake } from '../../../test/support/vendors/spotify';

let fake: SpotifyFake;
let built: BuiltComponent;

beforeAll(async () => {
  fake = await startSpotifyFake();
  built = loadBuiltComponent('spotify');
});
afterAll(() => fake.close());

function connectionFor(accessToken: string) {
  return connectionValue(
    built,
    'spotifyClientCredentials',
    { apiBaseUrl: fake.urls.apiBaseUrl },
    { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 },
  );
}

describe('Spotify component bundle', () => {
  it('loads from dist with a client_credentials connection using HTTP Basic client auth', () => {
    expect(built.key).toBe('spotify');
    expect(Object.keys(built.actions).sort()).toEqual(['getAlbum', 'getArtist', 'search']);
    expect(built.connections[0]).toMatchObject({
      key: 'spotifyClientCredentials',
      oauth2Type: 'client_credentials',
    });
    const resolved = resolveConnection(built.connections[0], { clientId: 'a', clientSecret: 'b' });
    expect(resolved).toMatchObject({
      tokenUrl: 'https://accounts.spotify.com/api/token',
      clientAuthMethod: 'client_secret_basic',
    });
  });

  it('searches the catalogue with a token from the client credentials grant', async () => {
    // A token the fake's own token endpoint issued, obtained the way the runtime will.
    const response = await fetch(fake.urls.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const tokenBody = (await response.json()) as {
      access_token: string;
      token_type: string;
      expires_in: number;
    };
    expect(tokenBody).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const { result } = await testing.invoke(built.actions.search as never, {
      connection: connectionFor(tokenBody.access_token),
      query: 'radio',
      type: 'artist',
    });
    const items = (result as { data: { artists: { items: Array<{ name: string }> } } }).data.artists.items;
    expect(items.map((a) => a.name)).toEqual(['Radiohead']);
  });

  it('gets an artist and an album by id', async () => {
    fake.book.addAccessToken('BQvalid1');
    const connection = connectionFor('BQvalid1');
    const artist = await testing.invoke(built.actions.getArtist as never, {
      connection,
      artistId: '0TnOYISbd1XYRBk9myaseg',
    });
    expect(artist.result).toEqual({ data: expect.objectContaining({ name: 'Pitbull' }) });
    const album = await testing.invoke(built.actions.getAlbum as never, {
      connection,
      albumId: '4aawyAB9vmqN3uQ7FjRGTy',
    });
    expect(album.result).toEqual({ data: expect.objectContaining({ name: 'Global Warming' }) });
  });

  it("fails with HTTP 401 in Spotify's error shape for a revoked or expired token", async () => {
    fake.book.addAccessToken('BQrevoked');
    fake.book.revokeGrantOf('BQrevoked');
    await expect(
      testing.invoke(built.actions.getArtist as never, {
        connection: connectionFor('BQrevoked'),
        artistId: '0TnOYISbd1XYRBk9myaseg',
      }),
    ).rejects.toMatchObject({
      response: { status: 401, data: { error: { status: 401, message: 'Invalid access token' } } },
    });
    fake.book.addAccessToken('BQexpired');
    fake.book.expireAccessToken('BQexpired');
    await expect(
      testing.invoke(built.actions.getArtist as never, {
        connection: connectionFor('BQexpired'),
        artistId: '0TnOYISbd1XYRBk9myaseg',
      }),
    ).rejects.toMatchObject({
      response: { status: 401, data: { error: { message: 'The access token expired' } } },
    });
  });
});
