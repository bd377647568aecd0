/**
 * The REST publish accepts a low-code connector file directly (`POST /api/components` with
 * `Content-Type: application/yaml`): it is checked, built and published like a bundle; a file with a mistake is
 * a 400 KW_CONNECTOR_INVALID naming the line and field, and nothing is published.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness } from '../server/harness';
import type { Harness } from '../server/harness';

let h: Harness;
let admin: string;
const SPOTIFY = readFileSync(join(__dirname, '..', '..', 'connectors', 'spotify.yaml'), 'utf8');

beforeAll(async () => {
  h = await startHarness();
  admin = (await h.store.createApiKey({ name: 'admin', scopes: ['*'] })).key;
});
afterAll(async () => {
  await h.close();
});

function publish(text: string) {
  return h.inject({
    method: 'POST',
    url: '/api/components',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/yaml' },
    payload: text,
  });
}

describe('REST publish of a connector file', () => {
  it('refuses a file with a mistake with the line and field, publishing nothing', async () => {
    const res = await publish(
      SPOTIFY.replace("'/artists/{{inputs.artistId}}'", "'/artists/{{inputs.artist}}'"),
    );
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('KW_CONNECTOR_INVALID');
    expect(body.error.message).toMatch(
      /^connector\.yaml:31: actions\.getArtist\.request\.path: \{\{inputs\.artist\}\}/,
    );
    expect((await h.store.listComponents()).map((c) => c.key)).not.toContain('spotifyLowCode');
  });

  it('builds and publishes a YAML connector as the next version of its key', async () => {
    const first = await publish(SPOTIFY);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ component: { key: 'spotifyLowCode', version: 1 } });
    const again = await publish(SPOTIFY.replace('label: Spotify (low-code)', 'label: Spotify catalogue'));
    expect(again.json()).toMatchObject({ component: { key: 'spotifyLowCode', version: 2 } });
    const row = await h.store.getComponent('spotifyLowCode');
    expect((row?.manifest as { actions: { key: string }[] }).actions.map((a) => a.key)).toEqual([
      'search',
      'getArtist',
      'getAlbum',
    ]);
  });
});
