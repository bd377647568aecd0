/**
 * In-process fake of Spotify's accounts service (client credentials) and the Web API catalogue endpoints the
 * Spotify component calls. Behaviour follows Spotify's documentation:
 * - https://developer.spotify.com/documentation/web-api/tutorials/client-credentials-flow —
 *   `POST /api/token` with `Authorization: Basic base64(client_id:client_secret)` and
 *   `grant_type=client_credentials`; answers `{access_token, token_type: "Bearer", expires_in: 3600}`.
 * - https://developer.spotify.com/documentation/web-api/concepts/api-calls — errors as
 *   `{"error": {"status": 401, "message": "..."}}`; token endpoint errors as `{error, error_description}`.
 */
import { sendJson, startServer, TokenBook, type RunningServer } from './core';

/** Options for {@link startSpotifyFake}. */
export interface SpotifyFakeOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly accessTokenTtlSeconds?: number;
  readonly now?: () => number;
}

/** A running Spotify fake. */
export interface SpotifyFake extends RunningServer {
  readonly book: TokenBook;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly urls: { tokenUrl: string; apiBaseUrl: string };
}

const ARTISTS = [
  { id: '0TnOYISbd1XYRBk9myaseg', name: 'Pitbull', type: 'artist', genres: ['dance pop'], popularity: 80 },
  {
    id: '4Z8W4fKeB5YxbusRsdQVPb',
    name: 'Radiohead',
    type: 'artist',
    genres: ['alternative rock'],
    popularity: 79,
  },
];
const ALBUMS = [
  { id: '4aawyAB9vmqN3uQ7FjRGTy', name: 'Global Warming', album_type: 'album', total_tracks: 18 },
];

/** Starts the Spotify fake on 127.0.0.1. */
export async function startSpotifyFake(options: SpotifyFakeOptions = {}): Promise<SpotifyFake> {
  const book = new TokenBook(options.now ?? Date.now);
  const clientId = options.clientId ?? 'fakespotifyclientid0000000000000';
  const clientSecret = options.clientSecret ?? 'spotify-fake-secret';
  book.addClient(clientId, clientSecret);
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const apiError = (status: number, message: string) => ({ error: { status, message } });

  const server = await startServer((req, res) => {
    if (req.method === 'POST' && req.path === '/api/token') {
      const id = req.basic?.username ?? req.param('client_id');
      const secret = req.basic?.password ?? req.param('client_secret');
      if (!book.checkClient(id, secret)) {
        sendJson(res, 400, { error: 'invalid_client', error_description: 'Invalid client' });
        return;
      }
      if (req.param('grant_type') !== 'client_credentials') {
        sendJson(res, 400, {
          error: 'unsupported_grant_type',
          error_description: 'grant_type parameter is missing',
        });
        return;
      }
      const issued = book.issueTokens(book.createGrant(id ?? '', ''), {
        ttlSeconds: ttl,
        accessPrefix: 'BQ',
      });
      sendJson(res, 200, { access_token: issued.accessToken, token_type: 'Bearer', expires_in: ttl });
      return;
    }
    const check = book.checkAccessToken(req.bearer);
    if (!check.ok) {
      const message =
        check.reason === 'missing'
          ? 'No token provided'
          : check.reason === 'expired'
            ? 'The access token expired'
            : 'Invalid access token';
      sendJson(res, 401, apiError(401, message));
      return;
    }
    if (req.method === 'GET' && req.path === '/v1/search') {
      const q = (req.query.get('q') ?? '').toLowerCase();
      const type = req.query.get('type') ?? '';
      const limit = Number(req.query.get('limit') ?? 20);
      if (q === '' || type === '') {
        sendJson(res, 400, apiError(400, q === '' ? 'No search query' : 'Missing parameter type'));
        return;
      }
      const result: Record<string, unknown> = {};
      if (type.split(',').includes('artist')) {
        const items = ARTISTS.filter((a) => a.name.toLowerCase().includes(q)).slice(0, limit);
        result.artists = {
          href: `${server.baseUrl}${req.path}`,
          items,
          limit,
          offset: 0,
          total: items.length,
          next: null,
          previous: null,
        };
      }
      if (type.split(',').includes('album')) {
        const items = ALBUMS.filter((a) => a.name.toLowerCase().includes(q)).slice(0, limit);
        result.albums = {
          href: `${server.baseUrl}${req.path}`,
          items,
          limit,
          offset: 0,
          total: items.length,
          next: null,
          previous: null,
        };
      }
      sendJson(res, 200, result);
      return;
    }
    const one = /^\/v1\/(artists|albums)\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && one) {
      const list: Array<{ id: string }> = one[1] === 'artists' ? ARTISTS : ALBUMS;
      const found = list.find((item) => item.id === decodeURIComponent(one[2] ?? ''));
      if (!found) {
        sendJson(res, 400, apiError(400, 'Invalid base62 id'));
        return;
      }
      sendJson(res, 200, found);
      return;
    }
    sendJson(res, 404, apiError(404, 'Service not found'));
  });
  return {
    ...server,
    book,
    clientId,
    clientSecret,
    urls: { tokenUrl: `${server.baseUrl}/api/token`, apiBaseUrl: `${server.baseUrl}/v1` },
  };
}
