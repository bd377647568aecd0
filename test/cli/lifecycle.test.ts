/**
 * `keyway customers create|list|show|delete` and `keyway instances update|delete` on a SQLite data dir, through the
 * REST API's own operations: deleting an instance (or a customer) runs its triggers' onInstanceDelete (removing the
 * webhook registered at a vendor), then disconnects its connections and revokes their tokens at the provider. A
 * hook that fails keeps everything; a bad change changes nothing; instances are named by id or name.
 */
import { rmSync } from 'node:fs';
import { startSandbox } from '../../src/sandbox';
import type { Sandbox } from '../../src/sandbox';
import { openStore } from '../../src/store';
import { buildTestComponent } from '../support/components/build';
import { startVendor } from '../support/trigger-vendor';
import { runCli, tempDataDir } from './cli-harness';

jest.setTimeout(90_000);

const PUBLIC = ['--public-url', 'https://keyway.example.com'];
let dataDir: string;
let sandbox: Sandbox;
const vendor = startVendor();
let vendorUrl: string;

beforeAll(async () => {
  dataDir = tempDataDir();
  sandbox = await startSandbox();
  vendorUrl = await vendor.start();
  const bundle = buildTestComponent('triggers');
  expect((await runCli(['components', 'publish', ...at(), bundle])).exitCode).toBe(0);
});

afterAll(async () => {
  await vendor.close();
  await sandbox.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The data dir flag (read when a test runs: the dir is made in beforeAll). */
function at(): string[] {
  return ['--data-dir', dataDir];
}

async function ok<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const run = await runCli([...args, ...at(), '--json']);
  expect(run.stderr).toBe('');
  expect(run.exitCode).toBe(0);
  return run.json<T>();
}

async function fails(args: string[], code: string): Promise<void> {
  const run = await runCli([...args, ...at()]);
  expect(run.exitCode).toBe(1);
  expect(run.stderr).toContain(code);
}

/** An instance of the trigger test component with a connected client-credentials connection `svc`. */
async function connectedInstance(customer: string, name: string): Promise<string> {
  const { instance } = await ok<{ instance: { id: string } }>([
    'instances',
    'create',
    '--customer',
    customer,
    '--name',
    name,
    '--component',
    'triggerTest',
    '--connection',
    'svc=triggerTest:cc',
    '--field',
    `svc.issuer=${sandbox.issuer}`,
    '--field',
    `svc.clientId=${sandbox.clients.service.clientId}`,
    '--field',
    `svc.clientSecret=${sandbox.clients.service.clientSecret ?? ''}`,
  ]);
  await ok(['connections', 'activate', instance.id, 'svc']);
  return instance.id;
}

async function enableHook(instanceId: string): Promise<void> {
  const { trigger } = await ok<{ trigger: { status: string } }>([
    'triggers',
    'enable',
    instanceId,
    'triggerTest',
    'hooked',
    '--input',
    `vendorUrl=${vendorUrl}`,
    ...PUBLIC,
  ]);
  expect(trigger.status).toBe('enabled');
}

/** Reads the stored access token of the instance's `svc` connection, and whether the sandbox still takes it. */
async function tokenOf(instanceId: string): Promise<string> {
  const store = await openStore({ dataDir, notice: () => undefined });
  try {
    const [connection] = await store.listConnections({ instanceId });
    const token = connection?.tokenSet?.['accessToken'];
    expect(typeof token).toBe('string');
    return String(token);
  } finally {
    await store.close();
  }
}

async function apiStatus(token: string): Promise<number> {
  return (await fetch(sandbox.apiUrl, { headers: { authorization: `Bearer ${token}` } })).status;
}

async function storedInstance(id: string): Promise<unknown> {
  const store = await openStore({ dataDir, notice: () => undefined });
  try {
    return await store.getInstance(id);
  } finally {
    await store.close();
  }
}

describe('keyway customers', () => {
  it('creates, lists and shows customers by id or external id, and refuses an unknown one', async () => {
    const { customer } = await ok<{ customer: { id: string } }>([
      'customers',
      'create',
      '--name',
      'Hooli',
      '--external-id',
      'hooli-1',
    ]);
    expect(customer).toMatchObject({ name: 'Hooli', externalId: 'hooli-1' });
    await fails(
      ['customers', 'create', '--name', 'Hooli again', '--external-id', 'hooli-1'],
      'KW_STORE_CONFLICT',
    );
    await fails(['customers', 'create', '--name', ''], 'KW_CLI_ARGUMENT_INVALID');
    const listed = await ok<{ customers: { id: string }[] }>(['customers', 'list']);
    expect(listed.customers.filter((c) => c.id === customer.id)).toHaveLength(1);
    await connectedInstance('hooli-1', 'Hooli CRM');
    expect(await ok(['customers', 'show', 'hooli-1'])).toMatchObject({
      customer: { id: customer.id, name: 'Hooli' },
      instances: [{ name: 'Hooli CRM' }],
    });
    expect(await ok(['customers', 'show', customer.id])).toMatchObject({ customer: { id: customer.id } });
    await fails(['customers', 'show', 'nobody'], 'KW_STORE_NOT_FOUND');
  });

  it('deletes a customer: each instance’s onInstanceDelete runs and its tokens are revoked; a failing hook keeps it', async () => {
    await ok(['customers', 'create', '--name', 'Departing', '--external-id', 'departing']);
    const ids = [
      await connectedInstance('departing', 'Departing one'),
      await connectedInstance('departing', 'Departing two'),
    ];
    for (const id of ids) await enableHook(id);
    const tokens: string[] = [];
    for (const id of ids) tokens.push(await tokenOf(id));
    const hooks = vendor.hooks.size;

    vendor.state.failDelete = true;
    try {
      await fails(['customers', 'delete', 'departing', ...PUBLIC], 'KW_TRIGGER_HOOK_FAILED');
    } finally {
      vendor.state.failDelete = false;
    }
    expect(await ok(['customers', 'show', 'departing'])).toMatchObject({ instances: [{}, {}] });
    for (const token of tokens) expect(await apiStatus(token)).toBe(200);

    const { deleted } = await ok<{ deleted: { instances: string[] } }>([
      'customers',
      'delete',
      'departing',
      ...PUBLIC,
    ]);
    expect(deleted.instances.sort()).toEqual([...ids].sort());
    expect(vendor.hooks.size).toBe(hooks - 2);
    for (const token of tokens) expect(await apiStatus(token)).toBe(401);
    await fails(['customers', 'show', 'departing'], 'KW_STORE_NOT_FOUND');
    for (const id of ids) expect(await storedInstance(id)).toBeUndefined();
  });
});

describe('keyway instances update|delete', () => {
  it('updates an instance named by its name; a bad value changes nothing', async () => {
    await ok(['customers', 'create', '--name', 'Updater', '--external-id', 'updater']);
    const id = await connectedInstance('updater', 'Before');
    await ok([
      'instances',
      'update',
      'Before',
      '--config-var',
      'region=eu',
      '--config-var-json',
      'limits={"n":2}',
    ]);
    const { instance } = await ok<{ instance: Record<string, unknown> }>([
      'instances',
      'update',
      'Before',
      '--name',
      'After',
      '--status',
      'paused',
      '--unset-config-var',
      'limits',
      '--field',
      'svc.scopes=api:read',
    ]);
    expect(instance).toMatchObject({ id, name: 'After', status: 'paused', config: { region: 'eu' } });
    expect(instance.config).not.toHaveProperty('limits');
    expect(instance).toMatchObject({ connections: [{ name: 'svc', fields: { scopes: 'api:read' } }] });

    await fails(['instances', 'update', 'After', '--status', 'asleep'], 'KW_CLI_ARGUMENT_INVALID');
    await fails(
      ['instances', 'update', 'After', '--name', 'Later', '--field', 'crm.x=1'],
      'KW_REQUEST_INVALID',
    );
    await fails(['instances', 'update', 'After'], 'KW_CLI_ARGUMENT_INVALID');
    await fails(['instances', 'update', 'Before', '--name', 'x'], 'KW_STORE_NOT_FOUND');
    expect(await ok(['instances', 'show', id])).toMatchObject({
      instance: { name: 'After', status: 'paused' },
    });
  });

  it('deletes an instance by name: onInstanceDelete removes the vendor hook, then its token is revoked', async () => {
    await ok(['customers', 'create', '--name', 'Leaving', '--external-id', 'leaving']);
    const id = await connectedInstance('leaving', 'Leaving shop');
    await enableHook(id);
    const token = await tokenOf(id);
    const hooks = vendor.hooks.size;

    // Without the public URL the hook could not be told its trigger URL: refused before anything runs.
    await fails(['instances', 'delete', 'Leaving shop'], 'KW_PUBLIC_URL_UNKNOWN');
    vendor.state.failDelete = true;
    try {
      await fails(['instances', 'delete', 'Leaving shop', ...PUBLIC], 'KW_TRIGGER_HOOK_FAILED');
    } finally {
      vendor.state.failDelete = false;
    }
    expect(vendor.hooks.size).toBe(hooks);
    expect(await apiStatus(token)).toBe(200);
    expect(await storedInstance(id)).toBeDefined();

    expect(await ok(['instances', 'delete', 'Leaving shop', ...PUBLIC])).toEqual({
      deleted: { id, name: 'Leaving shop' },
    });
    expect(vendor.hooks.size).toBe(hooks - 1);
    expect(await apiStatus(token)).toBe(401);
    expect(await storedInstance(id)).toBeUndefined();
    await fails(['instances', 'delete', id, ...PUBLIC], 'KW_STORE_NOT_FOUND');
  });

  it('deletes an instance without triggers with no public URL, and refuses a name two instances carry', async () => {
    await ok(['customers', 'create', '--name', 'Twins', '--external-id', 'twins']);
    const first = await connectedInstance('twins', 'Twin');
    const second = await connectedInstance('twins', 'Twin');
    const token = await tokenOf(first);
    await fails(['instances', 'delete', 'Twin'], 'KW_INSTANCE_AMBIGUOUS');
    expect(await storedInstance(first)).toBeDefined();
    expect(await storedInstance(second)).toBeDefined();
    expect(await ok(['instances', 'delete', first])).toMatchObject({ deleted: { id: first } });
    expect(await apiStatus(token)).toBe(401);
    expect(await ok(['instances', 'show', 'Twin'])).toMatchObject({ instance: { id: second } });
  });
});

describe('the audit log of lifecycle commands', () => {
  /** The audit entries written since `count` entries existed, oldest first: [action, target, status]. */
  async function auditSince(count: number): Promise<[string, string | null, number][]> {
    const store = await openStore({ dataDir, notice: () => undefined });
    try {
      const { items } = await store.admin.auditPage({ limit: 500 });
      const added = [...items].reverse().slice(count);
      for (const entry of added) expect(entry.actorKeyId).toBe('cli');
      return added.map((e) => [e.action, e.target, e.status]);
    } finally {
      await store.close();
    }
  }

  async function auditCount(): Promise<number> {
    return (await auditSince(0)).length;
  }

  it('records activation, triggers and links, and nothing for a delete whose hook fails', async () => {
    await ok(['customers', 'create', '--name', 'Audited hooks', '--external-id', 'audited-hooks']);
    let before = await auditCount();
    const id = await connectedInstance('audited-hooks', 'Audited shop');
    await enableHook(id);
    const link = await ok<{ link: { url: string } }>(['connect-link', id, ...PUBLIC]);
    const added = await auditSince(before);
    expect(added).toHaveLength(4);
    expect(added).toEqual(
      expect.arrayContaining([
        ['POST /api/instances', id, 201],
        ['POST /api/instances/:id/connections/:name/activate', id, 200],
        ['POST /api/instances/:id/triggers', id, 201],
        ['POST /api/instances/:id/connect-links', id, 201],
      ]),
    );
    // The link is a bearer credential for the instance's connections: never in the log.
    const token = link.link.url.split('/connect/')[1] ?? '';
    expect(token).not.toBe('');
    expect(JSON.stringify(added)).not.toContain(token);

    before = await auditCount();
    vendor.state.failDelete = true;
    try {
      await fails(['instances', 'delete', 'Audited shop', ...PUBLIC], 'KW_TRIGGER_HOOK_FAILED');
    } finally {
      vendor.state.failDelete = false;
    }
    expect(await auditSince(before)).toEqual([]);

    const { triggers } = await ok<{ triggers: { id: string }[] }>(['triggers', 'list', id, ...PUBLIC]);
    const subscription = triggers[0]?.id ?? '';
    await ok(['triggers', 'disable', subscription, ...PUBLIC]);
    expect(await auditSince(before)).toEqual([['DELETE /api/triggers/:id', subscription, 204]]);
  });
});
