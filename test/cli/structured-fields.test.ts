/**
 * Structured input values through the CLI (issue #24, item 4): `--field-json` and `--config-var-json` give a
 * connection field or an instance config value as JSON (key/value list, value list, object, boolean), next to
 * the text `--field a.b=value`. The plain-spectral platform-compat bundle is published, an instance created, its
 * client-credentials connection activated against a recording token endpoint (the `headers` key/value list must
 * be sent), and `keyway run` shows what `perform` received.
 */
import { rmSync } from 'node:fs';
import { buildTestComponent } from '../support/components/build';
import { json, startQuirkServer } from '../support/quirk-server';
import type { QuirkServer } from '../support/quirk-server';
import { runCli, tempDataDir } from './cli-harness';

jest.setTimeout(60_000);

let dataDir: string;
let vendor: QuirkServer;

beforeAll(async () => {
  dataDir = tempDataDir();
  vendor = await startQuirkServer();
  vendor.handle((_req, res) => json(res, 200, { access_token: 'cli-svc-token', token_type: 'Bearer' }));
  const published = await runCli([
    'components',
    'publish',
    '--data-dir',
    dataDir,
    buildTestComponent('platform-compat'),
  ]);
  expect(published.exitCode).toBe(0);
});

afterAll(async () => {
  await vendor.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const headers = [
  { key: 'X-Tenant', value: 'initech' },
  { key: 'X-Api-Version', value: '2' },
];
const config = {
  regions: ['eu', 'us'],
  labels: [{ key: 'team', value: 'ops' }],
  mapping: { object: 'Lead', fields: ['email'] },
  enabled: true,
};

function createArgs(name: string, extra: readonly string[] = []): string[] {
  return [
    'instances',
    'create',
    '--data-dir',
    dataDir,
    '--json',
    '--customer',
    'initech',
    '--customer-name',
    'Initech',
    '--name',
    name,
    '--component',
    'platformCompat',
    '--connection',
    'svc=platformCompat:serviceAccount',
    '--field',
    `svc.tokenUrl=${vendor.url}/oauth/token`,
    '--field',
    'svc.clientId=svc-client',
    '--field',
    'svc.clientSecret=svc-secret-0042',
    ...extra,
  ];
}

describe('keyway instances create with structured values', () => {
  it('stores JSON field and config values as given, sends the headers list with the token request, and hands them to perform', async () => {
    const created = await runCli(
      createArgs('Structured', [
        '--field-json',
        `svc.headers=${JSON.stringify(headers)}`,
        '--field-json',
        'svc.tags=["x","y"]',
        '--field-json',
        'svc.sandboxMode=true',
        '--config-var',
        'region=eu',
        ...Object.entries(config).flatMap(([key, value]) => [
          '--config-var-json',
          `${key}=${JSON.stringify(value)}`,
        ]),
      ]),
    );
    expect(created.stderr).toBe('');
    expect(created.json()).toMatchObject({
      instance: {
        config: { region: 'eu', ...config },
        connections: [{ name: 'svc', fields: { headers, tags: ['x', 'y'], sandboxMode: true } }],
      },
    });

    const activated = await runCli(['connections', 'activate', '--data-dir', dataDir, 'Structured', 'svc']);
    expect(activated.exitCode).toBe(0);
    const tokenRequest = vendor.requests.at(-1);
    expect(tokenRequest?.form.get('grant_type')).toBe('client_credentials');
    expect(tokenRequest?.headers).toMatchObject({ 'x-tenant': 'initech', 'x-api-version': '2' });

    const run = await runCli([
      'run',
      '--data-dir',
      dataDir,
      '--json',
      'Structured',
      'platformCompat',
      'inspect',
    ]);
    expect(run.stderr).toBe('');
    const seen = run.json<{ result: { data: { fields: unknown; configVars: unknown } } }>().result.data;
    expect(seen.fields).toMatchObject({ headers, tags: ['x', 'y'], sandboxMode: 'true' });
    expect(seen.configVars).toMatchObject({ region: 'eu', ...config });
  });

  it('refuses a --field-json value that is not JSON, naming the field and not the value, and creates nothing', async () => {
    const run = await runCli(createArgs('Broken', ['--field-json', 'svc.headers=[{key: secret-value-77}]']));
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stderr)).toMatchObject({
      error: {
        code: 'KW_CLI_ARGUMENT_INVALID',
        message: expect.stringMatching(/^--field-json svc\.headers: the value is not valid JSON/),
      },
    });
    expect(run.stderr).not.toContain('secret-value-77');
    const list = await runCli(['instances', 'list', '--data-dir', dataDir, '--json']);
    expect(list.json<{ instances: { name: string }[] }>().instances.map((i) => i.name)).not.toContain(
      'Broken',
    );
  });
});
