/**
 * `keyway oauth-apps set|list|remove` against a SQLite data dir: the secret comes from an environment variable,
 * is never printed and is stored encrypted; an instance's existing connection inherits the app.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ComponentRegistry, createInstance } from '../../src/runtime';
import { openStore } from '../../src/store';
import type { Store } from '../../src/store';
import type { KyselyStore } from '../../src/store/kysely-store';
import { runCli, tempDataDir } from './cli-harness';

jest.setTimeout(60_000);

const demoBundle = join(resolve(__dirname, '../..'), 'components/sandbox-demo/dist/index.js');
const SECRET = 'platform-secret-7f3a9c';
let dataDir: string;

beforeAll(async () => {
  dataDir = tempDataDir();
  expect((await runCli(['components', 'publish', '--data-dir', dataDir, demoBundle])).exitCode).toBe(0);
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function withTestStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ dataDir, notice: () => undefined });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

describe('keyway oauth-apps', () => {
  it('registers an app from flags and an environment variable, and an existing connection inherits it', async () => {
    const connectionId = await withTestStore(async (store) => {
      const customer = await store.createCustomer({ name: 'Initech' });
      const created = await createInstance(
        { store, components: new ComponentRegistry({ store }) },
        {
          customerId: customer.id,
          name: 'Initech',
          components: ['sandboxDemo'],
          connections: [
            { name: 'service', componentKey: 'sandboxDemo', definitionKey: 'sandboxClientCredentials' },
          ],
        },
      );
      return created.connections[0]?.id ?? '';
    });

    const args = ['--definition', 'sandboxClientCredentials', '--client-id', 'platform-client'];
    const set = await runCli(
      [
        'oauth-apps',
        'set',
        'sandboxDemo',
        ...args,
        '--client-secret-env',
        'PLATFORM_SECRET',
        '--field',
        'issuer=https://login.example.com',
        '--data-dir',
        dataDir,
        '--json',
      ],
      { PLATFORM_SECRET: SECRET },
    );
    expect(set.exitCode).toBe(0);
    expect(set.json()).toMatchObject({
      oauthApp: {
        fields: { clientId: 'platform-client', issuer: 'https://login.example.com' },
        secretFields: ['clientSecret'],
      },
      connectionsUpdated: 1,
    });
    const list = await runCli(['oauth-apps', 'list', '--data-dir', dataDir]);
    expect(list.stdout).toMatch(/sandboxDemo\/sandboxClientCredentials\s+platform-client\s+clientSecret/);
    for (const run of [set, list]) expect(run.stdout + run.stderr).not.toContain(SECRET);

    await withTestStore(async (store) => {
      const connection = await store.getConnection(connectionId);
      expect(connection?.secretFields).toMatchObject({ clientId: 'platform-client', clientSecret: SECRET });
      const cells = await (store as KyselyStore).db
        .selectFrom('oauth_apps')
        .select('secret_fields')
        .execute();
      expect(JSON.stringify(cells)).not.toContain(SECRET);
    });

    const removed = await runCli([
      'oauth-apps',
      'remove',
      'sandboxDemo',
      'sandboxClientCredentials',
      '--data-dir',
      dataDir,
    ]);
    expect(removed.exitCode).toBe(0);
    const after = await withTestStore((store) => store.getConnection(connectionId));
    expect(after?.secretFields).toEqual({});
  });

  it('refuses a missing secret variable, an unknown field and a template, writing nothing', async () => {
    const base = ['oauth-apps', 'set', 'sandboxDemo', '--definition', 'sandboxOAuth', '--data-dir', dataDir];
    const unset = await runCli([...base, '--client-secret-env', 'NOT_SET_ANYWHERE']);
    expect(unset.exitCode).toBe(1);
    expect(unset.stderr).toContain('KW_CLI_ARGUMENT_INVALID');
    const unknown = await runCli([...base, '--field', 'colour=blue']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('KW_CONNECTION_INVALID');
    const template = await runCli([...base, '--field', 'tokenUrl=https://evil.example/token']);
    expect(template.exitCode).toBe(1);
    expect(template.stderr).toContain('KW_CONNECTION_TEMPLATE_SET');
    expect(await withTestStore((store) => store.oauthApps.list())).toEqual([]);
  });

  it('registers an app per provider that a definition without its own app inherits, and removes it', async () => {
    const connectionId = await withTestStore(async (store) => {
      const customer = await store.createCustomer({ name: 'Umbrella' });
      const created = await createInstance(
        { store, components: new ComponentRegistry({ store }) },
        {
          customerId: customer.id,
          name: 'Umbrella',
          components: ['sandboxDemo'],
          connections: [{ name: 'crm', componentKey: 'sandboxDemo', definitionKey: 'sandboxOAuth' }],
        },
      );
      return created.connections[0]?.id ?? '';
    });
    const unknown = await runCli([
      'oauth-apps',
      'set-provider',
      'nosuchvendor',
      '--client-id',
      'x',
      '--data-dir',
      dataDir,
    ]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('KW_PROVIDER_UNKNOWN');
    const set = await runCli(
      [
        'oauth-apps',
        'set-provider',
        'sandbox',
        '--client-id',
        'provider-client',
        '--client-secret-env',
        'S',
        '--data-dir',
        dataDir,
        '--json',
      ],
      { S: SECRET },
    );
    expect(set.exitCode).toBe(0);
    expect(set.json()).toMatchObject({
      providerOAuthApp: {
        providerKey: 'sandbox',
        fields: { clientId: 'provider-client' },
        secretFields: ['clientSecret'],
      },
      // This crm, and the first test's client-credentials connection, whose own app was removed.
      connectionsUpdated: 2,
    });
    const list = await runCli(['oauth-apps', 'list', '--data-dir', dataDir]);
    expect(list.stdout).toMatch(/provider sandbox\s+provider-client\s+clientSecret/);
    for (const run of [set, list]) expect(run.stdout + run.stderr).not.toContain(SECRET);
    const inherited = await withTestStore((store) => store.getConnection(connectionId));
    expect(inherited?.secretFields).toEqual({ clientId: 'provider-client', clientSecret: SECRET });

    const removed = await runCli(['oauth-apps', 'remove-provider', 'sandbox', '--data-dir', dataDir]);
    expect(removed.exitCode).toBe(0);
    const after = await withTestStore((store) => store.getConnection(connectionId));
    expect(after?.secretFields).toEqual({});
  });
});
