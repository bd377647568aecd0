import { readFileSync, readdirSync, existsSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadComponentFromBytes, loadComponentFromPath } from '../../src/runtime';
import { buildTestComponent, writeBundle } from '../support/components/build';
import { thrown } from '../support/errors';

const componentsDir = join(__dirname, '..', '..', 'components');
const builtBundles = readdirSync(componentsDir)
  .map((name) => join(componentsDir, name, 'dist', 'index.js'))
  .filter((file) => existsSync(file));

describe('component loader', () => {
  let testkitPath: string;
  beforeAll(() => {
    testkitPath = buildTestComponent('testkit');
  });

  it('finds the built bundles of the shipped components (npm run build:components)', () => {
    expect(builtBundles.length).toBeGreaterThanOrEqual(4);
  });

  it.each(builtBundles.map((file) => [file.split('/').slice(-3, -2)[0], file]))(
    'loads the shipped %s bundle and indexes its actions and connections',
    (_name, file) => {
      const component = loadComponentFromPath(file);
      // What the bundle itself exports, read with node's own module loader for comparison.
      const exported = (createRequire(__filename)(file) as { default: Record<string, unknown> }).default;
      expect(component.key).toBe(exported.key);
      expect([...component.actions.keys()].sort()).toEqual(
        Object.keys(exported.actions as Record<string, unknown>).sort(),
      );
      expect(component.actions.size).toBeGreaterThanOrEqual(2);
      for (const action of component.actions.values()) expect(typeof action.perform).toBe('function');
      expect(component.connections.size).toBeGreaterThanOrEqual(1);
      for (const [key, definition] of component.connections) expect(definition.key).toBe(key);
      // The manifest is plain JSON: no functions, nothing lost in a round trip.
      expect(JSON.parse(JSON.stringify(component.manifest))).toEqual(component.manifest);
      expect(component.manifest.actions.map((a) => a.key).sort()).toEqual(
        [...component.actions.keys()].sort(),
      );
      expect(component.bundleHash).toMatch(/^[0-9a-f]{64}$/);
    },
  );

  it('loads a component written with plain spectral, keeping template and connection inputs', () => {
    const component = loadComponentFromPath(testkitPath);
    expect(component.key).toBe('testkit');
    expect([...component.actions.keys()].sort()).toEqual(['counter', 'describe', 'fail', 'whoami']);
    expect([...component.connections.keys()]).toEqual([
      'testkitApiKey',
      'testkitOAuth',
      'testkitSandboxDevice',
      'testkitPassword',
    ]);
    expect(component.connections.get('testkitOAuth')?.oauth2Type).toBe('authorization_code');
    const endpoint = component.connections.get('testkitApiKey')?.inputs.find((i) => i.key === 'endpoint');
    expect(endpoint).toMatchObject({ type: 'template', default: 'https://{{#region}}.testkit.example/v1' });
    expect(component.actions.get('describe')?.inputs.find((i) => i.type === 'connection')?.key).toBe(
      'connection',
    );
  });

  it('never copies a password default into the manifest', () => {
    const source = `module.exports.default = {
      key: 'baked', display: { label: 'Baked', description: 'd' }, actions: {}, triggers: {}, dataSources: {},
      connections: [{ key: 'c', label: 'C', inputs: [
        { key: 'clientSecret', label: 'Secret', type: 'password', default: 'baked-in-secret-value' },
        { key: 'clientId', label: 'Id', type: 'string', default: 'public-id' } ] }] };`;
    const component = loadComponentFromPath(writeBundle(source));
    const json = JSON.stringify(component.manifest);
    expect(json).not.toContain('baked-in-secret-value');
    expect(json).toContain('public-id');
  });

  it('loads the same component from bytes as from a path, with the same hash', () => {
    const fromPath = loadComponentFromPath(testkitPath);
    const fromBytes = loadComponentFromBytes(readFileSync(testkitPath), {
      cacheDir: mkdtempSync(join(tmpdir(), 'kw-cache-')),
    });
    expect(fromBytes.bundleHash).toBe(fromPath.bundleHash);
    expect(fromBytes.manifest).toEqual(fromPath.manifest);
  });

  it('reads a rebuilt bundle afresh instead of serving the cached module', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-fresh-'));
    const file = join(dir, 'index.js');
    const bundle = (label: string): string =>
      `module.exports.default = { key: 'fresh', display: { label: '${label}', description: 'd' },
        actions: {}, triggers: {}, dataSources: {}, connections: [] };`;
    writeFileSync(file, bundle('first'));
    const first = loadComponentFromPath(file);
    writeFileSync(file, bundle('second'));
    const second = loadComponentFromPath(file);
    expect(first.display.label).toBe('first');
    expect(second.display.label).toBe('second');
    expect(second.bundleHash).not.toBe(first.bundleHash);
  });

  it('refuses a code-native integration bundle with KW_COMPONENT_CODE_NATIVE', () => {
    const cniPath = buildTestComponent('cni');
    const error = thrown(() => loadComponentFromPath(cniPath));
    expect(error.code).toBe('KW_COMPONENT_CODE_NATIVE');
    expect(error.message).toMatch(/code-native integration/);
  });

  it('refuses an action without a perform function, naming it', () => {
    const source = `module.exports.default = { key: 'broken', display: { label: 'B', description: 'd' },
      actions: { list: { key: 'list', display: { label: 'List', description: 'd' }, inputs: [] } },
      triggers: {}, dataSources: {}, connections: [] };`;
    const error = thrown(() => loadComponentFromPath(writeBundle(source)));
    expect(error.code).toBe('KW_COMPONENT_INVALID');
    expect(error.message).toContain('actions.list.perform');
  });

  it('refuses a connection with an unknown oauth2Type, naming the field', () => {
    const source = `module.exports.default = { key: 'broken', display: { label: 'B', description: 'd' },
      actions: {}, triggers: {}, dataSources: {},
      connections: [{ key: 'c', label: 'C', oauth2Type: 'implicit', inputs: [] }] };`;
    const error = thrown(() => loadComponentFromPath(writeBundle(source)));
    expect(error.code).toBe('KW_COMPONENT_INVALID');
    expect(error.message).toContain('connections.0.oauth2Type');
  });

  it('refuses a module without a component as its default export', () => {
    const error = thrown(() => loadComponentFromPath(writeBundle('module.exports = { hello: 1 };')));
    expect(error.code).toBe('KW_COMPONENT_INVALID');
    expect(error.message).toMatch(/key/);
  });

  it('reports a bundle that throws while loading as KW_COMPONENT_INVALID', () => {
    const error = thrown(() => loadComponentFromPath(writeBundle('throw new Error("boom at load");')));
    expect(error.code).toBe('KW_COMPONENT_INVALID');
    expect(error.message).toContain('boom at load');
  });

  it('reports a missing bundle file as KW_COMPONENT_INVALID', () => {
    const error = thrown(() => loadComponentFromPath(join(tmpdir(), 'no-such-keyway-bundle', 'index.js')));
    expect(error.code).toBe('KW_COMPONENT_INVALID');
    expect(error.message).toContain('ENOENT');
  });
});
