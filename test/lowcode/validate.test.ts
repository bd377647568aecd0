/**
 * A connector file with a mistake fails with KW_CONNECTOR_INVALID naming the file, the line and the field, and
 * nothing is built or published; the published JSON Schema is the one the zod schema gives.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConnector, connectorJsonSchema, loadConnectorText } from '../../src/lowcode';
import { ComponentRegistry } from '../../src/runtime';
import { withBundles } from '../../src/cli/commands/components';
import { openSqliteTestStore } from '../support/runtime-stores';
import { caught } from '../support/errors';

const GOOD = `key: spotifyCheck
label: Spotify check
provider: spotify
connections:
  - grantType: client_credentials
actions:
  getArtist:
    inputs:
      artistId: { required: true }
    request:
      path: /artists/{{inputs.artistId}}
    response: $.name
`;

function fails(text: string): {
  message: string;
  details: Record<string, unknown> | undefined;
  code: string;
} {
  try {
    loadConnectorText('/tmp/check/connector.yaml', text);
  } catch (error) {
    const e = error as { message: string; details?: Record<string, unknown>; code: string };
    return { message: e.message, details: e.details, code: e.code };
  }
  throw new Error('the definition was accepted');
}

describe('connector validation', () => {
  it('accepts a correct definition', () => {
    expect(loadConnectorText('/tmp/check/connector.yaml', GOOD).compiled.actions['getArtist']).toBeDefined();
  });

  it('names the file, line and field of an unknown field', () => {
    const error = fails(GOOD.replace('    response: $.name', '    respons: $.name'));
    expect(error.code).toBe('KW_CONNECTOR_INVALID');
    expect(error.message).toBe('/tmp/check/connector.yaml:12: actions.getArtist.respons: unknown field');
    expect(error.details).toEqual({
      file: '/tmp/check/connector.yaml',
      line: 12,
      field: 'actions.getArtist.respons',
    });
  });

  it('names a template slot that refers to an input that does not exist', () => {
    const error = fails(GOOD.replace('{{inputs.artistId}}', '{{inputs.artist}}'));
    expect(error.message).toBe(
      '/tmp/check/connector.yaml:11: actions.getArtist.request.path: {{inputs.artist}} names no input; this one declares artistId',
    );
  });

  it('names a template slot that refers to a connection field that does not exist', () => {
    const error = fails(`${GOOD}baseUrl: '{{connection.apiBase}}'\n`);
    expect(error.message).toMatch(
      /^\/tmp\/check\/connector\.yaml:13: baseUrl: {{connection\.apiBase}} names no connection field; the connection has .*apiBaseUrl/,
    );
  });

  it('refuses a slot that would put the access token in the request', () => {
    const error = fails(GOOD.replace('{{inputs.artistId}}', '{{token.access_token}}'));
    expect(error.message).toContain(
      'actions.getArtist.request.path: {{token.access_token}} would put a secret',
    );
  });

  it('names a required field that is missing', () => {
    const error = fails(GOOD.replace('      path: /artists/{{inputs.artistId}}\n', '      method: GET\n'));
    expect(error.message).toBe(
      '/tmp/check/connector.yaml:10: actions.getArtist.request.path: is required but missing',
    );
  });

  it('names a path slot whose input is neither required nor defaulted', () => {
    const error = fails(GOOD.replace('artistId: { required: true }', 'artistId: { label: Artist }'));
    expect(error.message).toBe(
      '/tmp/check/connector.yaml:9: actions.getArtist.inputs.artistId: is used in the request path, so it must be required or have a default',
    );
  });

  it('names a bad JSON path', () => {
    const error = fails(GOOD.replace('response: $.name', 'response: $..name[?(@.x)]'));
    expect(error.message).toMatch(
      /^\/tmp\/check\/connector\.yaml:12: actions\.getArtist\.response: "\$\.\.name/,
    );
  });

  it('names an unknown catalog provider', () => {
    const error = fails(GOOD.replace('provider: spotify', 'provider: spotifi'));
    expect(error.message).toMatch(/^\/tmp\/check\/connector\.yaml:3: provider: No provider "spotifi"/);
  });

  it('builds and publishes nothing from a definition with a mistake', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyway-lowcode-bad-'));
    const testStore = await openSqliteTestStore();
    try {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, GOOD.replace('{{inputs.artistId}}', '{{inputs.nope}}'));
      const registry = new ComponentRegistry({ store: testStore.store });
      const error = await caught(withBundles([file], (files) => registry.publish(files[0] ?? '')));
      expect(error.code).toBe('KW_CONNECTOR_INVALID');
      expect(error.message).toContain('bad.yaml:11: actions.getArtist.request.path');
      expect(await testStore.store.listComponents()).toEqual([]);
      expect(existsSync(join(dir, 'dist'))).toBe(false);
      await expect(buildConnector(file)).rejects.toMatchObject({ code: 'KW_CONNECTOR_INVALID' });
      expect(existsSync(join(dir, 'dist'))).toBe(false);
    } finally {
      await testStore.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('publishes docs/connector.schema.json as the JSON Schema of the format (npm run docs:connector-schema)', () => {
    const published = JSON.parse(
      readFileSync(join(__dirname, '..', '..', 'docs', 'connector.schema.json'), 'utf8'),
    ) as unknown;
    expect(published).toEqual(connectorJsonSchema());
  });
});
