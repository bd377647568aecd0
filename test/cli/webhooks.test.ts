/**
 * `keyway webhooks create|list|delete|test` against a real store (a SQLite data dir, and a fresh schema on the
 * shared PostgreSQL): the endpoints `/api/webhooks` manages, the signing secret printed once and never again,
 * a signed `webhook.test` posted to an in-process receiver, and every change in the audit log as the API names it.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { verifyWebhook } from '../../src/runtime';
import { openStore } from '../../src/store';
import type { AuditEntry, Store } from '../../src/store';
import { runCli, tempDataDir } from './cli-harness';
import type { CliRun } from './cli-harness';

jest.setTimeout(60_000);

const databaseUrl = process.env['KEYWAY_TEST_DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';

/** Where one engine's store is: the flags and environment a command needs, a store for the test's own reads. */
interface Target {
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly store: Store;
  close(): Promise<void>;
}

async function sqliteTarget(): Promise<Target> {
  const dataDir = tempDataDir();
  const store = await openStore({ dataDir, notice: () => undefined });
  return {
    args: ['--data-dir', dataDir],
    env: {},
    store,
    close: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function postgresTarget(): Promise<Target> {
  const schema = `kw_cli_wh_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  admin.on('error', () => undefined);
  await admin.query(`create schema ${schema}`);
  const keys = `wh1:${randomBytes(32).toString('base64')}`;
  // The CLI takes no schema option: the URL sets the connection's search_path, as a deployment may.
  const url = `${databaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const store = await openStore({ databaseUrl, postgresSchema: schema, keys, poolMax: 2 });
  return {
    args: ['--database-url', url],
    env: { KEYWAY_ENCRYPTION_KEYS: keys },
    store,
    close: async () => {
      await store.close();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    },
  };
}

/** One request the receiver got. */
interface Received {
  readonly path: string;
  readonly body: string;
  readonly signature: string | undefined;
  readonly type: string | undefined;
}

const received: Received[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const header = (name: string) => {
      const value = req.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    received.push({
      path: req.url ?? '',
      body,
      signature: header('x-keyway-signature'),
      type: header('x-keyway-event-type'),
    });
    res.writeHead(req.url === '/refuses' ? 500 : 204).end();
  });
});
let receiverUrl = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

describe.each([
  ['SQLite', sqliteTarget],
  ['PostgreSQL', postgresTarget],
])('keyway webhooks on %s', (_engine, open) => {
  let target: Target;

  beforeAll(async () => {
    target = await open();
  });

  afterAll(async () => {
    await target.close();
  });

  function run(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    return runCli(['webhooks', ...args, ...target.args], { ...target.env, ...env });
  }

  async function json<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
    const result = await run([...args, '--json'], env);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    return result.json<T>();
  }

  async function fails(args: string[], code: string, env: Record<string, string> = {}): Promise<string> {
    const result = await run(args, env);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(code);
    return result.stderr;
  }

  /** The whole audit log, oldest first. */
  async function auditLog(): Promise<AuditEntry[]> {
    const page = await target.store.admin.auditPage({ limit: 1000 });
    return [...page.items].reverse();
  }

  async function recorded(work: () => Promise<unknown>): Promise<[string, string | null, number][]> {
    const before = (await auditLog()).length;
    await work();
    const added = (await auditLog()).slice(before);
    for (const entry of added) expect(entry.actorKeyId).toBe('cli');
    return added.map((e) => [e.action, e.target, e.status]);
  }

  it('creates an endpoint, prints its signing secret once, and lists it without the secret', async () => {
    let created: { endpoint: Record<string, unknown>; secret: string } | undefined;
    expect(
      await recorded(async () => {
        created = await json(['create', '--id', 'ops', '--url', `${receiverUrl}/ops`]);
      }),
    ).toEqual([['POST /api/webhooks', 'ops', 201]]);
    expect(created?.endpoint).toEqual({ id: 'ops', url: `${receiverUrl}/ops`, source: 'api' });
    const secret = created?.secret ?? '';
    expect(secret).toMatch(/^whsec_/);
    // The store holds what every replica delivers with: the same secret.
    expect((await target.store.admin.getWebhookEndpoint('ops'))?.secret).toBe(secret);

    // Without --json, the secret alone on stdout (for `SECRET=$(keyway webhooks create ...)`), the rest on stderr.
    const human = await run([
      'create',
      '--id',
      'billing',
      '--url',
      `${receiverUrl}/billing`,
      '--event',
      'x.y',
    ]);
    expect(human.exitCode).toBe(0);
    const billingSecret = human.stdout.trim();
    expect((await target.store.admin.getWebhookEndpoint('billing'))?.secret).toBe(billingSecret);
    expect(human.stderr).toContain('shown only this once');

    const listed = await json<{ endpoints: unknown[] }>(['list']);
    expect(listed.endpoints).toEqual([
      { id: 'ops', url: `${receiverUrl}/ops`, source: 'api' },
      { id: 'billing', url: `${receiverUrl}/billing`, events: ['x.y'], source: 'api' },
    ]);
    const table = await run(['list']);
    expect(table.stdout).toMatch(/billing\s+\S+\/billing\s+x\.y\s+api/);
    for (const output of [JSON.stringify(listed), table.stdout, table.stderr]) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(billingSecret);
    }
    expect(JSON.stringify(await auditLog())).not.toContain(secret);
  });

  it('takes the secret from --secret-env, and refuses a short one without printing it', async () => {
    const chosen = `chosen-secret-${randomBytes(8).toString('hex')}`;
    const made = await json<{ secret: string }>(
      ['create', '--id', 'chosen', '--url', `${receiverUrl}/chosen`, '--secret-env', 'HOOK_SECRET'],
      { HOOK_SECRET: chosen },
    );
    expect(made.secret).toBe(chosen);

    const before = await auditLog();
    const short = await fails(
      ['create', '--url', `${receiverUrl}/x`, '--secret-env', 'HOOK_SECRET'],
      'KW_CLI_ARGUMENT_INVALID',
      { HOOK_SECRET: 'tiny-secret' },
    );
    expect(short).toContain('--secret-env');
    expect(short).not.toContain('tiny-secret');
    expect(await fails(['create', '--url', 'ftp://nowhere'], 'KW_CLI_ARGUMENT_INVALID')).toContain('--url');
    await fails(
      ['create', '--url', `${receiverUrl}/x`, '--secret-env', 'UNSET_VAR'],
      'KW_CLI_ARGUMENT_INVALID',
    );
    await fails(['create', '--id', 'ops', '--url', `${receiverUrl}/x`], 'KW_STORE_CONFLICT');
    expect(await auditLog()).toEqual(before);
  });

  it('tests an endpoint: a signed webhook.test the receiver verifies with the printed secret', async () => {
    const { secret } = await json<{ secret: string }>([
      'create',
      '--id',
      'tested',
      '--url',
      `${receiverUrl}/t`,
    ]);
    const from = received.length;
    let answer: { test: { delivered: boolean; error: string | null } } | undefined;
    expect(
      await recorded(async () => {
        answer = await json(['test', 'tested']);
      }),
    ).toEqual([['POST /api/webhooks/:id/test', 'tested', 200]]);
    expect(answer).toEqual({ test: { delivered: true, error: null } });

    // The command returns once the receiver has answered, so the request is here.
    const delivered = received.slice(from);
    expect(delivered.map((r) => [r.path, r.type])).toEqual([['/t', 'webhook.test']]);
    const [request] = delivered;
    verifyWebhook({ body: request?.body ?? '', signature: request?.signature, secret });
    expect(JSON.parse(request?.body ?? '{}')).toMatchObject({
      type: 'webhook.test',
      data: { endpointId: 'tested' },
    });
    expect((await run(['test', 'tested'])).stdout).toContain('delivered webhook.test to tested');
  });

  it('says why a test was not accepted, and exits 1', async () => {
    await json(['create', '--id', 'refusing', '--url', `${receiverUrl}/refuses`]);
    const result = await run(['test', 'refusing', '--json']);
    expect(result.exitCode).toBe(1);
    expect(result.json()).toEqual({
      test: { delivered: false, error: 'HTTP 500 from endpoint refusing' },
    });
  });

  it('deletes an added endpoint; an unknown one records nothing', async () => {
    await json(['create', '--id', 'gone', '--url', `${receiverUrl}/gone`]);
    expect(
      await recorded(async () => {
        expect(await json(['delete', 'gone'])).toEqual({ deleted: { id: 'gone' } });
      }),
    ).toEqual([['DELETE /api/webhooks/:id', 'gone', 204]]);
    expect(await target.store.admin.getWebhookEndpoint('gone')).toBeUndefined();

    const before = await auditLog();
    await fails(['delete', 'gone'], 'KW_STORE_NOT_FOUND');
    await fails(['test', 'gone'], 'KW_STORE_NOT_FOUND');
    expect(await auditLog()).toEqual(before);
  });

  it('lists and tests configured endpoints, and leaves their removal to the configuration', async () => {
    const configSecret = `configured-secret-${randomBytes(8).toString('hex')}`;
    const env = {
      KEYWAY_WEBHOOKS: JSON.stringify([
        { id: 'from-config', url: `${receiverUrl}/cfg`, secret: configSecret },
      ]),
    };
    const listed = await json<{ endpoints: { id: string; source: string }[] }>(['list'], env);
    expect(listed.endpoints[0]).toEqual({ id: 'from-config', url: `${receiverUrl}/cfg`, source: 'config' });
    expect(JSON.stringify(listed)).not.toContain(configSecret);

    const from = received.length;
    expect(await json(['test', 'from-config'], env)).toEqual({ test: { delivered: true, error: null } });
    const [request] = received.slice(from);
    verifyWebhook({ body: request?.body ?? '', signature: request?.signature, secret: configSecret });

    const before = await auditLog();
    await fails(['delete', 'from-config'], 'KW_STORE_CONFLICT', env);
    await fails(['create', '--id', 'from-config', '--url', `${receiverUrl}/x`], 'KW_STORE_CONFLICT', env);
    expect(await auditLog()).toEqual(before);

    const bad = await fails(['list'], 'KW_CONFIG_INVALID', {
      KEYWAY_WEBHOOKS: JSON.stringify([{ id: 'x', url: `${receiverUrl}/x`, secret: 'short-one' }]),
    });
    expect(bad).toContain('KEYWAY_WEBHOOKS');
    expect(bad).not.toContain('short-one');
  });
});
