/**
 * An action may point at a small JavaScript file instead of a declarative request, or carry the function in the
 * connector file itself (`code: { source: | … }`): it is bundled in and called with the inputs, the connection's
 * fields and an axios set up with the base URL and the bearer token. Inline code that is not JavaScript fails
 * validation at the line of the connector file it is on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { buildConnector, loadConnectorText } from '../../src/lowcode';
import { loadComponentFromPath } from '../../src/runtime';
import { startSpotifyFake } from '../support/vendors/spotify';
import type { SpotifyFake } from '../support/vendors/spotify';

let dir: string;
let fake: SpotifyFake;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyway-lowcode-code-'));
  fake = await startSpotifyFake();
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

it('bundles a code action file and calls it with inputs, connection fields and an authorized http client', async () => {
  writeFileSync(
    join(dir, 'names.js'),
    `module.exports = async ({ inputs, connection, http }) => {
      const { data } = await http.get('/artists/' + encodeURIComponent(inputs.artistId));
      return { name: data.name.toUpperCase(), base: connection.apiBaseUrl, hasToken: 'access_token' in connection };
    };\n`,
  );
  writeFileSync(
    join(dir, 'connector.yaml'),
    `key: spotifyCode
label: Spotify code
provider: spotify
connections: [{ grantType: client_credentials }]
actions:
  shout:
    inputs: { artistId: { required: true } }
    code: ./names.js
`,
  );
  const { bundle } = await buildConnector(join(dir, 'connector.yaml'));
  const action = loadComponentFromPath(bundle).actions.get('shout');
  const { data: token } = await axios.post<{ access_token: string }>(
    fake.urls.tokenUrl,
    'grant_type=client_credentials',
    { auth: { username: fake.clientId, password: fake.clientSecret } },
  );
  const connection = {
    key: 'spotifyClientCredentials',
    configVarKey: 'c',
    fields: { apiBaseUrl: fake.urls.apiBaseUrl },
    token: { access_token: token.access_token },
  };
  const result = await action?.perform(
    { logger: console },
    { connection, artistId: '4Z8W4fKeB5YxbusRsdQVPb' },
  );
  expect(result).toEqual({ data: { name: 'RADIOHEAD', base: fake.urls.apiBaseUrl, hasToken: false } });
});

it('bundles code written in the connector file and calls it the same way', async () => {
  writeFileSync(
    join(dir, 'inline.yaml'),
    `key: spotifyInline
label: Spotify inline code
provider: spotify
connections: [{ grantType: client_credentials }]
actions:
  shout:
    inputs: { artistId: { required: true } }
    code:
      source: |
        module.exports = async ({ inputs, http }) => {
          const { data } = await http.get('/artists/' + encodeURIComponent(inputs.artistId));
          return { name: data.name.toUpperCase() };
        };
`,
  );
  const { bundle } = await buildConnector(join(dir, 'inline.yaml'));
  const action = loadComponentFromPath(bundle).actions.get('shout');
  const { data: token } = await axios.post<{ access_token: string }>(
    fake.urls.tokenUrl,
    'grant_type=client_credentials',
    { auth: { username: fake.clientId, password: fake.clientSecret } },
  );
  const connection = {
    key: 'spotifyClientCredentials',
    configVarKey: 'c',
    fields: { apiBaseUrl: fake.urls.apiBaseUrl },
    token: { access_token: token.access_token },
  };
  const result = await action?.perform(
    { logger: console },
    { connection, artistId: '4Z8W4fKeB5YxbusRsdQVPb' },
  );
  expect(result).toEqual({ data: { name: 'RADIOHEAD' } });
});

it('names the connector line of a syntax error in inline code', () => {
  const text = `key: broken
label: Broken
provider: spotify
connections: [{ grantType: client_credentials }]
actions:
  shout:
    code:
      source: |
        module.exports = async () => {
          return { ok: true ;
        };
`;
  expect(() => loadConnectorText('/tmp/check/connector.yaml', text)).toThrow(
    /^\/tmp\/check\/connector\.yaml:10: actions\.shout\.code\.source: not valid JavaScript: Expected "}" but found ";"$/,
  );
});

it('keeps the code of an action and a data source that share a key apart', async () => {
  writeFileSync(
    join(dir, 'same-key.yaml'),
    `key: sameKey
label: Same key
provider: spotify
connections: [{ grantType: client_credentials }]
actions:
  things:
    code:
      source: |
        module.exports = async () => ({ from: 'action' });
dataSources:
  things:
    code:
      source: |
        module.exports = async () => [{ name: 'from the data source' }];
    picklist: { label: $.name, value: $.name }
`,
  );
  const { bundle } = await buildConnector(join(dir, 'same-key.yaml'));
  const loaded = loadComponentFromPath(bundle);
  const connection = {
    key: 'spotifyClientCredentials',
    configVarKey: 'c',
    fields: {},
    token: { access_token: 'at' },
  };
  const params = { connection };
  expect(await loaded.actions.get('things')?.perform({ logger: console }, params)).toEqual({
    data: { from: 'action' },
  });
  expect(await loaded.dataSources.get('things')?.perform({ logger: console }, params)).toEqual({
    result: [{ key: 'from the data source', label: 'from the data source' }],
  });
});
