/**
 * The REST publish accepts a low-code connector file directly (`POST /api/components` with
 * `Content-Type: application/yaml`): it is checked, built and published like a bundle; a file with a mistake is
 * a 400 KW_CONNECTOR_INVALID naming the line and field, and nothing is published. A code action travels inside
 * the file (`code: { source: | … }`); one that names a file next to it is refused with what to do instead.
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

describe('REST publish of a connector with a code action', () => {
  const WITH_FILE = `key: restCode
label: REST code
provider: spotify
connections: [{ grantType: client_credentials }]
actions:
  hello:
    code: ./hello.js
`;

  it('refuses a code file reference, saying how to send the code instead, and publishes nothing', async () => {
    const res = await publish(WITH_FILE);
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({
      code: 'KW_CONNECTOR_INVALID',
      message:
        'connector.yaml:7: actions.hello.code: "./hello.js" is a file next to the connector, and a REST publish carries one file. Put the function in the connector as code: { source: | … }, or build the bundle with `keyway components build` and publish the bundle',
    });
    expect((await h.store.listComponents()).map((c) => c.key)).not.toContain('restCode');
  });

  it('publishes code written in the file, which runs', async () => {
    const inline = WITH_FILE.replace(
      '    code: ./hello.js\n',
      '    code:\n      source: |\n        module.exports = async ({ connection }) => ({ hello: connection.apiBaseUrl });\n',
    );
    const res = await publish(inline);
    expect(res.statusCode).toBe(201);
    const action = (await h.components.get('restCode')).actions.get('hello');
    const result = await action?.perform(
      { logger: console },
      {
        connection: {
          key: 'spotifyClientCredentials',
          configVarKey: 'c',
          fields: { apiBaseUrl: 'https://api.example' },
          token: { access_token: 'at' },
        },
      },
    );
    expect(result).toEqual({ data: { hello: 'https://api.example' } });
  });
});
