/**
 * Every instance command takes the instance's name as well as its id (issue #24, item 10): `instances show`,
 * `connections activate`, `run`, `data-source`, `connect-link`. A name two instances (of two customers) carry
 * is `KW_INSTANCE_AMBIGUOUS` listing both ids, on every command, and nothing runs.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startSandbox } from '../../src/sandbox';
import type { Sandbox } from '../../src/sandbox';
import { runCli, tempDataDir } from './cli-harness';

jest.setTimeout(60_000);

const demoBundle = join(resolve(__dirname, '../..'), 'components/sandbox-demo/dist/index.js');
let dataDir: string;
let sandbox: Sandbox;
let twins: string[];

async function create(customer: string, name: string): Promise<string> {
  const run = await runCli([
    'instances',
    'create',
    '--data-dir',
    dataDir,
    '--json',
    '--customer',
    customer,
    '--customer-name',
    customer,
    '--name',
    name,
    '--component',
    'sandboxDemo',
    '--connection',
    'api=sandboxDemo:sandboxClientCredentials',
    '--field',
    `api.issuer=${sandbox.issuer}`,
    '--field',
    `api.clientId=${sandbox.clients.service.clientId}`,
    '--field',
    `api.clientSecret=${sandbox.clients.service.clientSecret ?? ''}`,
    '--field',
    'api.scopes=api:read',
  ]);
  expect(run.stderr).toBe('');
  return run.json<{ instance: { id: string } }>().instance.id;
}

beforeAll(async () => {
  dataDir = tempDataDir();
  sandbox = await startSandbox();
  expect((await runCli(['components', 'publish', '--data-dir', dataDir, demoBundle])).exitCode).toBe(0);
  await create('acme', 'Solo shop');
  twins = [await create('acme', 'Twin'), await create('globex', 'Twin')];
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The data dir flag (read when a test runs: the dir is made in beforeAll). */
const at = (): string[] => ['--data-dir', dataDir];

describe('instance commands by name', () => {
  it('shows, activates, runs and signs a link for an instance given by its name', async () => {
    const show = await runCli(['instances', 'show', ...at(), '--json', 'Solo shop']);
    expect(show.json()).toMatchObject({ instance: { name: 'Solo shop' } });
    const id = show.json<{ instance: { id: string } }>().instance.id;

    const activated = await runCli(['connections', 'activate', ...at(), '--json', 'Solo shop', 'api']);
    expect(activated.json()).toMatchObject({ connection: { status: 'connected' } });
    const run = await runCli(['run', ...at(), '--json', 'Solo shop', 'sandboxDemo', 'getMe']);
    expect(run.exitCode).toBe(0);
    const link = await runCli([
      'connect-link',
      ...at(),
      '--json',
      '--public-url',
      'https://keyway.example.com',
      'Solo shop',
    ]);
    expect(link.exitCode).toBe(0);
    expect(link.stdout).toContain(id);
  });

  it('refuses a name two instances carry on every instance command, listing both ids', async () => {
    const commands = [
      ['instances', 'show', ...at(), 'Twin'],
      ['connections', 'activate', ...at(), 'Twin', 'api'],
      ['run', ...at(), 'Twin', 'sandboxDemo', 'getMe'],
      ['data-source', ...at(), 'Twin', 'sandboxDemo', 'anything'],
      ['connect-link', ...at(), '--public-url', 'https://keyway.example.com', 'Twin'],
    ];
    for (const args of commands) {
      const run = await runCli(args);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/^error KW_INSTANCE_AMBIGUOUS: 2 instances are named "Twin"/);
      for (const id of twins) expect(run.stderr).toContain(id);
    }
    const list = await runCli(['instances', 'list', ...at(), '--json']);
    const statuses = list
      .json<{ instances: { id: string; connections: { status: string }[] }[] }>()
      .instances.filter((i) => twins.includes(i.id))
      .map((i) => i.connections[0]?.status);
    expect(statuses).toEqual(['pending', 'pending']);
  });
});
