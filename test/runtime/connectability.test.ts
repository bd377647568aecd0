/**
 * `components validate` and `components publish` resolve every connection definition with its defaults: they say
 * per connection whether it can connect and what must be supplied, and publishing refuses a bundle with a
 * connection that can never connect. The bundle is a plain-spectral component built like a real one.
 */
import { ComponentRegistry, checkConnections, loadComponentFromPath } from '../../src/runtime';
import { caught } from '../support/errors';
import { buildTestComponent } from '../support/components/build';
import { openSqliteTestStore, type TestStore } from '../support/runtime-stores';
import { runCli, tempDataDir } from '../cli/cli-harness';

let bundle: string;

beforeAll(() => {
  bundle = buildTestComponent('connectability');
});

describe('connection definitions resolved with their defaults', () => {
  it('reports per connection whether it can connect and who must supply which values', () => {
    const checks = checkConnections(loadComponentFromPath(bundle));
    expect(checks).toEqual([
      {
        key: 'tenantOAuth',
        grantType: 'authorization_code',
        canConnect: true,
        mustSupply: [
          { key: 'tenant', label: 'Tenant', shown: true },
          { key: 'clientId', label: 'Client ID', shown: true },
          { key: 'clientSecret', label: 'Client secret', shown: true },
        ],
      },
      {
        key: 'platformApp',
        grantType: 'client_credentials',
        canConnect: true,
        // Hidden: only the platform can set it. Without the optional secret it is a public client.
        mustSupply: [{ key: 'clientId', label: 'Client ID', shown: false }],
      },
      {
        key: 'brokenTokenUrl',
        grantType: 'client_credentials',
        canConnect: false,
        mustSupply: [
          { key: 'clientId', label: 'Client ID', shown: true },
          { key: 'clientSecret', label: 'Client secret', shown: true },
        ],
        problem: { code: 'KW_PROVIDER_URL_INVALID', message: expect.stringContaining('tokenUrl') },
      },
    ]);
  });

  it('refuses to publish a bundle with a connection that can never connect, storing nothing', async () => {
    const testStore: TestStore = await openSqliteTestStore();
    try {
      const registry = new ComponentRegistry({ store: testStore.store });
      const error = await caught(registry.publish(bundle));
      expect(error.code).toBe('KW_COMPONENT_INVALID');
      expect(error.message).toContain('brokenTokenUrl');
      expect(error.details?.['connections']).toEqual([
        { key: 'brokenTokenUrl', code: 'KW_PROVIDER_URL_INVALID' },
      ]);
      expect(await testStore.store.listComponents()).toEqual([]);
    } finally {
      await testStore.close();
    }
  });

  it('fails `components validate` with the report printed, and `components publish` publishes none of the bundles', async () => {
    const validate = await runCli(['components', 'validate', bundle]);
    expect(validate.exitCode).toBe(1);
    expect(validate.stdout).toContain(
      'tenantOAuth: can connect; a user supplies tenant, clientId, clientSecret',
    );
    expect(validate.stdout).toContain('platformApp: can connect; the platform supplies clientId');
    expect(validate.stdout).toMatch(/brokenTokenUrl: CANNOT CONNECT \(KW_PROVIDER_URL_INVALID\)/);
    expect(validate.stderr).toMatch(/^error KW_COMPONENT_INVALID: Component "connectability"/);

    const dataDir = tempDataDir();
    const good = `${__dirname}/../../components/sandbox-demo/dist/index.js`;
    const publish = await runCli(['components', 'publish', '--data-dir', dataDir, good, bundle]);
    expect(publish.exitCode).toBe(1);
    expect(publish.stderr).toMatch(/^error KW_COMPONENT_INVALID: /);
    const list = await runCli(['components', 'list', '--data-dir', dataDir, '--json']);
    expect(list.json()).toEqual({ components: [] });
  });
});
