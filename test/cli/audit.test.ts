/**
 * Changes made from the command line are in the audit log `GET /api/audit` reads, as the API records the same
 * change (its route's action, target and status), by the actor `cli` / `cli:<user>`, with no secret in them; a
 * change that fails records nothing.
 */
import { rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { CLI_AUDITED_OPERATIONS } from '../../src/cli/audit';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  Triggers,
  WebhookDirectory,
} from '../../src/runtime';
import { buildApp, createRuntimeServices } from '../../src/server';
import { openStore } from '../../src/store';
import { KyselyStore } from '../../src/store/kysely-store';
import type { AuditEntry, Store } from '../../src/store';
import { runCli, tempDataDir } from './cli-harness';

jest.setTimeout(60_000);

const demoBundle = join(resolve(__dirname, '../..'), 'components/sandbox-demo/dist/index.js');
const CLIENT_SECRET = 'platform-secret-audit-5d2e';
const ACTOR = { actorKeyId: 'cli', actorName: `cli:${userInfo().username}` };

let dataDir: string;
let store: Store;
let app: ReturnType<typeof buildApp>;
let baseUrl: string;
let reader: string;

beforeAll(async () => {
  dataDir = tempDataDir();
  store = await openStore({ dataDir, notice: () => undefined });
  const components = new ComponentRegistry({ store });
  const credentials = new CredentialManager({ store, components });
  const webhooks = new WebhookDirectory({ store, publicBaseUrl: 'https://keyway.example.com' });
  const triggers = new Triggers({ store, components, credentials, webhooks });
  app = buildApp(
    createRuntimeServices({
      store,
      components,
      flows: new ConnectFlows({ store, components }),
      credentials,
      triggers: { triggers, webhooks },
    }),
    { publicBaseUrl: 'https://keyway.example.com', linkSecret: 'l'.repeat(32) },
  );
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  reader = (await store.createApiKey({ name: 'auditor', scopes: ['audit:read'] })).key;
  expect((await runCli(['components', 'publish', '--data-dir', dataDir, demoBundle])).exitCode).toBe(0);
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli<T = Record<string, unknown>>(
  args: string[],
  env: Record<string, string> = {},
): Promise<T> {
  const run = await runCli([...args, '--data-dir', dataDir, '--json'], env);
  expect(run.stderr).toBe('');
  expect(run.exitCode).toBe(0);
  return run.json<T>();
}

async function cliFails(args: string[], code: string): Promise<void> {
  const run = await runCli([...args, '--data-dir', dataDir]);
  expect(run.exitCode).toBe(1);
  expect(run.stderr).toContain(code);
}

/** The whole audit log, oldest first, read through `GET /api/audit`. */
async function auditLog(): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const res = await fetch(`${baseUrl}/api/audit?limit=100${query}`, {
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { entries: AuditEntry[]; nextCursor: string | null };
    entries.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return entries.reverse();
}

/** What the entries written by `work` say (action, target, status), after checking their actor. */
async function recorded(work: () => Promise<unknown>): Promise<[string, string | null, number][]> {
  const before = (await auditLog()).length;
  await work();
  const added = (await auditLog()).slice(before);
  for (const entry of added) expect(entry).toMatchObject(ACTOR);
  return added.map((e) => [e.action, e.target, e.status]);
}

describe('the audit log of CLI changes', () => {
  it('names each change as the API route that makes it, with that route’s success status', async () => {
    const res = await fetch(`${baseUrl}/api/openapi.json`);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
    };
    for (const [operationId, { action, status }] of Object.entries(CLI_AUDITED_OPERATIONS)) {
      const [method = '', url = ''] = action.split(' ');
      const op = doc.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
      expect({ operationId, action, found: op?.operationId }).toEqual({
        operationId,
        action,
        found: operationId,
      });
      const success = Object.keys(op?.responses ?? {}).filter((code) => code.startsWith('2'));
      expect({ operationId, success }).toEqual({ operationId, success: [String(status)] });
    }
  });

  it('records publish, customers, instances and their deletion by the CLI actor', async () => {
    expect(await recorded(() => cli(['components', 'publish', demoBundle]))).toEqual([
      ['POST /api/components', 'sandboxDemo', 201],
    ]);

    let customerId = '';
    expect(
      await recorded(async () => {
        ({
          customer: { id: customerId },
        } = await cli<{ customer: { id: string } }>(['customers', 'create', '--name', 'Audited']));
      }),
    ).toEqual([['POST /api/customers', expect.any(String), 201]]);
    expect((await auditLog()).at(-1)?.target).toBe(customerId);

    // A customer made for the instance is recorded too, as the API records its own creation.
    let instanceId = '';
    let newCustomerId = '';
    const created = await recorded(async () => {
      const { instance } = await cli<{ instance: { id: string; customerId: string } }>([
        'instances',
        'create',
        '--customer',
        'audited-2',
        '--customer-name',
        'Audited 2',
        '--name',
        'Audited instance',
        '--component',
        'sandboxDemo',
      ]);
      instanceId = instance.id;
      newCustomerId = instance.customerId;
    });
    // Written in the same millisecond, the two entries have no order the log keeps.
    expect(created).toHaveLength(2);
    expect(created).toEqual(
      expect.arrayContaining([
        ['POST /api/customers', newCustomerId, 201],
        ['POST /api/instances', instanceId, 201],
      ]),
    );

    expect(
      await recorded(() => cli(['instances', 'update', 'Audited instance', '--name', 'Renamed'])),
    ).toEqual([['PATCH /api/instances/:id', instanceId, 200]]);
    expect(await recorded(() => cli(['instances', 'delete', 'Renamed']))).toEqual([
      ['DELETE /api/instances/:id', instanceId, 204],
    ]);
    expect(await recorded(() => cli(['customers', 'delete', customerId]))).toEqual([
      ['DELETE /api/customers/:id', customerId, 204],
    ]);
  });

  it('records API keys and OAuth apps without their secrets', async () => {
    let keyId = '';
    let key = '';
    expect(
      await recorded(async () => {
        ({ id: keyId, key } = await cli<{ id: string; key: string }>([
          'api-keys',
          'create',
          '--name',
          'ci',
          '--scopes',
          'customers:read',
        ]));
      }),
    ).toEqual([['POST /api/api-keys', expect.any(String), 201]]);
    expect((await auditLog()).at(-1)?.target).toBe(keyId);
    expect(await recorded(() => cli(['api-keys', 'revoke', keyId]))).toEqual([
      ['POST /api/api-keys/:id/revoke', keyId, 200],
    ]);

    const env = { AUDIT_CLIENT_SECRET: CLIENT_SECRET };
    const set = [
      'oauth-apps',
      'set',
      'sandboxDemo',
      '--definition',
      'sandboxClientCredentials',
      '--client-id',
      'platform-client',
      '--client-secret-env',
      'AUDIT_CLIENT_SECRET',
    ];
    expect(await recorded(() => cli(set, env))).toEqual([
      ['POST /api/oauth-apps', 'sandboxDemo/sandboxClientCredentials', 200],
    ]);
    expect(
      await recorded(() => cli(['oauth-apps', 'remove', 'sandboxDemo', 'sandboxClientCredentials'])),
    ).toEqual([
      ['DELETE /api/oauth-apps/:componentKey/:definitionKey', 'sandboxDemo/sandboxClientCredentials', 200],
    ]);

    const provider = [
      'oauth-apps',
      'set-provider',
      'sandbox',
      '--client-id',
      'p',
      '--client-secret-env',
      'AUDIT_CLIENT_SECRET',
    ];
    expect(await recorded(() => cli(provider, env))).toEqual([
      ['POST /api/provider-oauth-apps', 'sandbox', 200],
    ]);
    expect(await recorded(() => cli(['oauth-apps', 'remove-provider', 'sandbox']))).toEqual([
      ['DELETE /api/provider-oauth-apps/:providerKey', 'sandbox', 200],
    ]);

    const log = JSON.stringify(await auditLog());
    expect(log).not.toContain(key);
    expect(log).not.toContain(CLIENT_SECRET);
  });

  it('records nothing for an instance create undone because its summary could not be read', async () => {
    await cli(['customers', 'create', '--name', 'Steady', '--external-id', 'steady']);
    const before = await auditLog();
    const customersBefore = await store.listCustomers();
    // The store fails while the command reads back what it created, as a database that goes away would.
    const read = KyselyStore.prototype.listConnections;
    const failing = jest.spyOn(KyselyStore.prototype, 'listConnections').mockImplementation(function (
      this: KyselyStore,
      filter,
    ) {
      if (filter?.instanceId?.startsWith('undone-')) {
        return Promise.reject(new Error('connection to the database lost'));
      }
      return read.call(this, filter);
    });
    try {
      const create = ['instances', 'create', '--name', 'Undone', '--component', 'sandboxDemo'];
      await cliFails([...create, '--id', 'undone-1', '--customer', 'steady'], 'KW_');
      await cliFails(
        [...create, '--id', 'undone-2', '--customer', 'fresh', '--customer-name', 'Fresh'],
        'KW_',
      );
      expect(failing).toHaveBeenCalledWith({ instanceId: 'undone-1' });
      expect(failing).toHaveBeenCalledWith({ instanceId: 'undone-2' });
    } finally {
      failing.mockRestore();
    }

    // Undone, and so not in the log: neither instance, nor the customer made for the second one.
    expect(await auditLog()).toEqual(before);
    expect(await store.getInstance('undone-1')).toBeUndefined();
    expect(await store.getInstance('undone-2')).toBeUndefined();
    expect(await store.listCustomers()).toEqual(customersBefore);
  });

  it('records nothing for a change that fails', async () => {
    await cli(['customers', 'create', '--name', 'Kept', '--external-id', 'kept']);
    await cli(['instances', 'create', '--customer', 'kept', '--name', 'Kept', '--component', 'sandboxDemo']);
    const before = await auditLog();

    await cliFails(['customers', 'delete', 'no-such-customer'], 'KW_STORE_NOT_FOUND');
    await cliFails(['customers', 'create', '--name', 'Twin', '--external-id', 'kept'], 'KW_');
    await cliFails(['instances', 'update', 'Kept', '--status', 'asleep'], 'KW_CLI_ARGUMENT_INVALID');
    await cliFails(['instances', 'update', 'Kept', '--field', 'nope.x=1'], 'KW_');
    await cliFails(['instances', 'delete', 'no-such-instance'], 'KW_STORE_NOT_FOUND');
    await cliFails(['api-keys', 'revoke', 'no-such-key'], 'KW_STORE_NOT_FOUND');
    await cliFails(
      ['instances', 'create', '--customer', 'new-one', '--customer-name', 'New', '--component', 'nope'],
      'KW_',
    );
    await cliFails(['oauth-apps', 'remove', 'sandboxDemo', 'sandboxClientCredentials'], 'KW_');
    await cliFails(['oauth-apps', 'set-provider', 'nosuchvendor', '--client-id', 'x'], 'KW_PROVIDER_UNKNOWN');

    expect(await auditLog()).toEqual(before);
  });
});
