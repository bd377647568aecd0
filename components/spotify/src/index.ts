/**
 * Spotify connector (client credentials, catalogue only): search, get an artist, get an album.
 *
 * Web API endpoints used (https://developer.spotify.com/documentation/web-api):
 * - `GET /search` — https://developer.spotify.com/documentation/web-api/reference/search
 * - `GET /artists/{id}` — https://developer.spotify.com/documentation/web-api/reference/get-an-artist
 * - `GET /albums/{id}` — https://developer.spotify.com/documentation/web-api/reference/get-an-album
 */
import { ConnectionError, action, component, input, util, type Connection } from '@prismatic-io/spectral';
import axios, { type AxiosInstance } from 'axios';
import { spotify, toSpectralConnection } from '../../../connections';

/** App-only access with the client credentials grant. */
export const spotifyClientCredentials = toSpectralConnection(spotify, { grantType: 'client_credentials' });

const DEFAULT_API = 'https://api.spotify.com/v1';

function client(connection: Connection): AxiosInstance {
  const token = util.types.toString(connection.token?.access_token);
  if (token === '') throw new ConnectionError(connection, 'This Spotify connection has no access token yet.');
  const baseURL = util.types.toString(connection.fields.apiBaseUrl) || DEFAULT_API;
  return axios.create({ baseURL, headers: { Authorization: `Bearer ${token}` } });
}

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });
const idInput = (label: string) =>
  input({
    label,
    type: 'string',
    required: true,
    comments: 'A Spotify ID (base-62).',
    clean: util.types.toString,
  });

const search = action({
  display: { label: 'Search catalogue', description: 'Search artists, albums or tracks.' },
  inputs: {
    connection: connectionInput,
    query: input({ label: 'Query', type: 'string', required: true, clean: util.types.toString }),
    type: input({
      label: 'Type',
      type: 'string',
      required: false,
      default: 'artist',
      model: ['artist', 'album', 'track'].map((value) => ({ label: value, value })),
      clean: (value) => util.types.toString(value) || 'artist',
    }),
    limit: input({
      label: 'Limit',
      type: 'string',
      required: false,
      default: '10',
      clean: (value) => util.types.toInt(value, 10),
    }),
  },
  perform: async (_context, { connection, query, type, limit }) => {
    const { data } = await client(connection).get<Record<string, unknown>>('/search', {
      params: { q: query, type, limit },
    });
    return { data };
  },
});

const getArtist = action({
  display: { label: 'Get artist', description: 'Catalogue information for one artist.' },
  inputs: { connection: connectionInput, artistId: idInput('Artist ID') },
  perform: async (_context, { connection, artistId }) => {
    const { data } = await client(connection).get<Record<string, unknown>>(
      `/artists/${encodeURIComponent(artistId)}`,
    );
    return { data };
  },
});

const getAlbum = action({
  display: { label: 'Get album', description: 'Catalogue information for one album.' },
  inputs: { connection: connectionInput, albumId: idInput('Album ID') },
  perform: async (_context, { connection, albumId }) => {
    const { data } = await client(connection).get<Record<string, unknown>>(
      `/albums/${encodeURIComponent(albumId)}`,
    );
    return { data };
  },
});

export default component({
  key: 'spotify',
  public: false,
  display: { label: 'Spotify', description: 'Search the Spotify catalogue.', iconPath: 'icon.png' },
  connections: [spotifyClientCredentials],
  actions: { search, getArtist, getAlbum },
});
