import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { prepareDemo } from '../../src/cli/commands/start';
import { loadServeConfig } from '../../src/cli/config';
import { linkSecretPath } from '../../src/cli/link-secret';
import { isWaitingForStop, requestStop } from '../../src/cli/signals';
import { ComponentRegistry, ConnectFlows } from '../../src/runtime';
import { startSandbox } from '../../src/sandbox';
import type { Sandbox } from '../../src/sandbox';
import { verifyConnectLink } from '../../src/server';
import { openStore } from '../../src/store';
import type { Store } from '../../src/store';
import { runCli, tempDataDir } from './cli-harness';

jest.setTimeout(60_000);

const root = resolve(__dirname, '../..');
const demoBundle = join(root, 'components/sandbox-demo/dist/index.js');
const githubBundle = join(root, 'components/github/dist/index.js');

let dataDir: string;
let scratch: string;
let sandbox: Sandbox;

beforeAll(async () => {
  dataDir = tempDataDir();
  scratch = mkdtempSync(join(tmpdir(), 'keyway-cli-scratch-'));
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

async function withTestStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ dataDir, notice: () => undefined });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function brokenBundle(): string {
  const file = join(scratch, 'broken.js');
  writeFileSync(file, 'module.exports = { default: { key: 42 } };\n');
  return file;
}

describe('keyway components', () => {
  it('validates a bundle and prints its actions and connections', async () => {
    const run = await runCli(['components', 'validate', demoBundle]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('sandboxDemo');
    expect(run.stdout).toContain('actions: getMe, getUserinfo');
    expect(run.stdout).toContain('sandboxOAuth (authorization_code)');
  });

  it('validates a component directory and reports JSON with --json', async () => {
    const run = await runCli(['components', 'validate', '--json', join(root, 'components/sandbox-demo')]);
    expect(run.exitCode).toBe(0);
    const body = run.json<{ components: { key: string; actions: string[]; path: string }[] }>();
    expect(body.components).toEqual([
      expect.objectContaining({ key: 'sandboxDemo', actions: ['getMe', 'getUserinfo'], path: demoBundle }),
    ]);
  });

  it('rejects an invalid bundle with its KW_COMPONENT code and exit code 1', async () => {
    const run = await runCli(['components', 'validate', brokenBundle()]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error KW_COMPONENT_INVALID: /);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('publishes nothing when one of several paths is not a valid bundle', async () => {
    const run = await runCli(['components', 'publish', '--data-dir', dataDir, demoBundle, brokenBundle()]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('KW_COMPONENT_INVALID');
    expect(await withTestStore((store) => store.listComponents())).toEqual([]);
  });

  it('publishes many bundles with a progress bar on stderr and lists them', async () => {
    const run = await runCli(['components', 'publish', '--data-dir', dataDir, demoBundle, githubBundle]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('[##############################] 2/2');
    expect(run.stdout).toMatch(/^KEY\s+VERSION\s+SHA256\s+PATH/);
    const list = await runCli(['components', 'list', '--data-dir', dataDir, '--json']);
    const keys = list.json<{ components: { key: string; version: number }[] }>().components;
    expect(keys.map((c) => [c.key, c.version])).toEqual([
      ['github', 1],
      ['sandboxDemo', 1],
    ]);
    // Publishing the same bytes again is not a new version.
    await runCli(['components', 'publish', '--data-dir', dataDir, demoBundle]);
    const again = await runCli(['components', 'list', '--data-dir', dataDir]);
    expect(again.stdout).toMatch(/sandboxDemo\s+1\s/);
  });

  it('builds a component package with tsup into dist/index.js', async () => {
    // Inside node_modules so the package resolves @prismatic-io/spectral from the repository's node_modules.
    const cache = join(root, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, 'keyway-build-'));
    try {
      mkdirSync(join(dir, 'src'));
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({
          name: 'built-by-test',
          private: true,
          tsup: { entry: { index: 'src/index.ts' }, format: ['cjs'], target: 'node20', clean: true },
        }),
      );
      writeFileSync(
        join(dir, 'src/index.ts'),
        `import { action, component } from '@prismatic-io/spectral';
export default component({
  key: 'builtByTest',
  public: false,
  display: { label: 'Built by test', description: 'x', iconPath: 'icon.png' },
  actions: { ping: action({ display: { label: 'Ping', description: 'x' }, inputs: {}, perform: async () => ({ data: 'pong' }) }) },
});
`,
      );
      const run = await runCli(['components', 'build', dir]);
      expect(run.stderr).not.toContain('error');
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain(join(dir, 'dist/index.js'));
      const validate = await runCli(['components', 'validate', '--json', dir]);
      expect(validate.json<{ components: { key: string }[] }>().components[0]?.key).toBe('builtByTest');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to build a directory that is not a package', async () => {
    const run = await runCli(['components', 'build', scratch]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error KW_COMPONENT_BUILD_FAILED: .*no package\.json/m);
  });
});

describe('keyway instances', () => {
  it('creates an instance from flags, creating the named customer, and shows it without secrets', async () => {
    const run = await runCli([
      'instances',
      'create',
      '--data-dir',
      dataDir,
      '--json',
      '--customer',
      'acme-1',
      '--customer-name',
      'Acme',
      '--name',
      'Acme sandbox',
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
      '--config-var',
      'region=eu',
    ]);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const { instance } = run.json<{
      instance: { id: string; name: string; config: object; connections: { name: string; status: string }[] };
    }>();
    expect(instance.name).toBe('Acme sandbox');
    expect(instance.config).toEqual({ region: 'eu' });
    expect(instance.connections.map((c) => [c.name, c.status])).toEqual([['api', 'pending']]);

    const show = await runCli(['instances', 'show', '--data-dir', dataDir, instance.id]);
    expect(show.exitCode).toBe(0);
    expect(show.stdout).toContain('Acme sandbox');
    expect(show.stdout).toMatch(
      /api\s+\S+\s+sandboxDemo\/sandboxClientCredentials\s+client_credentials\s+pending/,
    );
    const showJson = await runCli(['instances', 'show', '--json', '--data-dir', dataDir, instance.id]);
    expect(showJson.stdout).not.toContain(sandbox.clients.service.clientSecret ?? '-');
    expect(showJson.stdout).toContain('"secretFieldNames"');

    const list = await runCli(['instances', 'list', '--data-dir', dataDir, '--customer', 'acme-1']);
    expect(list.stdout).toMatch(new RegExp(`${instance.id}\\s+Acme sandbox`));
  });

  it('refuses an unknown customer unless a name to create it is given', async () => {
    const run = await runCli([
      'instances',
      'create',
      '--data-dir',
      dataDir,
      '--customer',
      'nobody',
      '--name',
      'x',
      '--component',
      'sandboxDemo',
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error KW_INSTANCE_INVALID: Customer "nobody" does not exist/);
  });

  it('leaves no customer behind when the instance cannot be created', async () => {
    const before = await withTestStore((store) => store.listCustomers());
    const run = await runCli([
      'instances',
      'create',
      '--data-dir',
      dataDir,
      '--spec',
      JSON.stringify({ customer: 'new-co', customerName: 'New Co', name: 'x', components: ['nope'] }),
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error KW_COMPONENT_NOT_FOUND: /);
    expect(await withTestStore((store) => store.listCustomers())).toEqual(before);
  });

  it('refuses a spec whose customer name holds a NUL byte, which PostgreSQL cannot store', async () => {
    const before = await withTestStore((store) => store.listCustomers());
    const run = await runCli([
      'instances',
      'create',
      '--data-dir',
      dataDir,
      '--spec',
      JSON.stringify({
        customer: 'nul-co',
        customerName: 'Nul\u0000Co',
        name: 'x',
        components: ['sandboxDemo'],
      }),
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /^error KW_CLI_ARGUMENT_INVALID: --spec: customerName contains a NUL character/,
    );
    expect(await withTestStore((store) => store.listCustomers())).toEqual(before);
  });

  it('names a malformed --field and an unknown instance', async () => {
    const field = await runCli([
      'instances',
      'create',
      '--data-dir',
      dataDir,
      '--customer',
      'acme-1',
      '--name',
      'x',
      '--component',
      'sandboxDemo',
      '--field',
      'noconnection=1',
    ]);
    expect(field.stderr).toMatch(/^error KW_CLI_ARGUMENT_INVALID: --field expects/);
    const show = await runCli(['instances', 'show', '--data-dir', dataDir, 'missing']);
    expect(show.exitCode).toBe(1);
    expect(show.stderr).toMatch(/^error KW_STORE_NOT_FOUND: Instance "missing"/);
  });
});

describe('keyway run', () => {
  it("runs an action with the instance's stored token and prints the result", async () => {
    const instances = await runCli(['instances', 'list', '--data-dir', dataDir, '--json']);
    const acme = instances
      .json<{ instances: { id: string; name: string; connections: { id: string }[] }[] }>()
      .instances.find((i) => i.name === 'Acme sandbox');
    const connectionId = acme?.connections[0]?.id ?? '';
    await withTestStore(async (store) => {
      const components = new ComponentRegistry({ store });
      await new ConnectFlows({ store, components }).connectWithClientCredentials(connectionId);
    });
    const run = await runCli([
      'run',
      '--data-dir',
      dataDir,
      '--json',
      acme?.id ?? '',
      'sandboxDemo',
      'getMe',
    ]);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const body = run.json<{ executionId: string; result: { data: Record<string, unknown> } }>();
    expect(body.result.data).toMatchObject({
      client_id: sandbox.clients.service.clientId,
      sub: sandbox.clients.service.clientId,
    });
    const token = await withTestStore(async (store) => (await store.getConnection(connectionId))?.tokenSet);
    expect(JSON.stringify(token)).toContain('access');
    for (const value of Object.values(token ?? {})) {
      if (typeof value === 'string' && value.length > 20) expect(run.stdout).not.toContain(value);
    }

    const human = await runCli(['run', '--data-dir', dataDir, acme?.id ?? '', 'sandboxDemo', 'getMe']);
    expect(human.stdout).toContain(`"client_id": "${sandbox.clients.service.clientId}"`);
    expect(human.stderr).toMatch(/^execution \S+/);
  });

  it('names bad JSON inputs and unknown actions', async () => {
    const bad = await runCli([
      'run',
      '--data-dir',
      dataDir,
      '--inputs',
      '{nope',
      'x',
      'sandboxDemo',
      'getMe',
    ]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toBe('error KW_CLI_ARGUMENT_INVALID: --inputs is not valid JSON\n');
    const instances = await runCli(['instances', 'list', '--data-dir', dataDir, '--json']);
    const id = instances.json<{ instances: { id: string }[] }>().instances[0]?.id ?? '';
    const unknown = await runCli(['run', '--data-dir', dataDir, '--json', id, 'sandboxDemo', 'nope']);
    expect(unknown.exitCode).toBe(1);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ error: { code: 'KW_ACTION_NOT_FOUND' } });
  });
});

describe('keyway connections activate', () => {
  it('fetches a client-credentials token now for an instance named by its name, printing no token', async () => {
    const created = await runCli([
      'instances',
      'create',
      '--data-dir',
      dataDir,
      '--customer',
      'acme-1',
      '--name',
      'Beta service',
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
    expect(created.exitCode).toBe(0);
    const run = await runCli([
      'connections',
      'activate',
      '--data-dir',
      dataDir,
      '--json',
      'Beta service',
      'api',
    ]);
    expect(run.stderr).toBe('');
    expect(run.json()).toMatchObject({
      connection: { name: 'api', status: 'connected' },
      token: { tokenType: 'bearer', scopes: ['api:read'], refreshToken: false },
    });
    const token = await withTestStore(async (store) => {
      const [instance] = (await store.listInstances()).filter((i) => i.name === 'Beta service');
      return (await store.listConnections({ instanceId: instance?.id ?? '' }))[0]?.tokenSet;
    });
    expect(run.stdout).not.toContain(String(token?.['accessToken']));

    const human = await runCli(['run', '--data-dir', dataDir, 'Beta service', 'sandboxDemo', 'getMe']);
    expect(human.exitCode).toBe(0);
    const unknown = await runCli(['connections', 'activate', '--data-dir', dataDir, 'Beta service', 'nope']);
    expect(unknown.stderr).toMatch(
      /^error KW_STORE_NOT_FOUND: Instance "Beta service" has no connection "nope"/,
    );
  });
});

describe('keyway connect-link', () => {
  it("signs a link with the data dir's generated secret that the server config verifies", async () => {
    const instances = await runCli(['instances', 'list', '--data-dir', dataDir, '--json']);
    const id = instances.json<{ instances: { id: string }[] }>().instances[0]?.id ?? '';
    const run = await runCli([
      'connect-link',
      '--data-dir',
      dataDir,
      '--public-url',
      'https://keyway.example.com/',
      id,
      '--connection',
      'api',
    ]);
    expect(run.exitCode).toBe(0);
    const url = run.stdout.trim();
    expect(url).toMatch(/^https:\/\/keyway\.example\.com\/connect\/[\w-]+\.[\w-]+$/);
    // 0600, and what `keyway serve` resolves for the same data dir.
    expect(statSync(linkSecretPath(dataDir)).mode & 0o777).toBe(0o600);
    const serve = loadServeConfig({ dataDir }, {});
    const claims = verifyConnectLink(url.split('/connect/')[1] ?? '', {
      secret: serve.server.linkSecret,
      now: Date.now(),
    });
    expect(claims.iid).toBe(id);
    expect(claims.cids).toHaveLength(1);
    expect(readFileSync(linkSecretPath(dataDir), 'utf8').trim()).toBe(serve.server.linkSecret);
  });

  it('refuses to print a link when no public URL is configured, rather than guess a port', async () => {
    const instances = await runCli(['instances', 'list', '--data-dir', dataDir, '--json']);
    const id = instances.json<{ instances: { id: string }[] }>().instances[0]?.id ?? '';
    const run = await runCli(['connect-link', '--data-dir', dataDir, id]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error KW_PUBLIC_URL_UNKNOWN: No public URL is configured/);
    const fromEnv = await runCli(['connect-link', '--data-dir', dataDir, id], {
      KEYWAY_PUBLIC_URL: 'https://connect.example.org',
    });
    expect(fromEnv.stdout).toMatch(/^https:\/\/connect\.example\.org\/connect\//);
  });

  it('refuses a connection the instance does not have, and a bad --ttl', async () => {
    const instances = await runCli(['instances', 'list', '--data-dir', dataDir, '--json']);
    const id = instances.json<{ instances: { id: string }[] }>().instances[0]?.id ?? '';
    const run = await runCli([
      'connect-link',
      '--data-dir',
      dataDir,
      '--public-url',
      'https://keyway.example.com',
      id,
      '--connection',
      'crm',
    ]);
    expect(run.stderr).toMatch(/^error KW_CLI_ARGUMENT_INVALID: Instance "\S+" has no connection "crm"/);
    const ttl = await runCli(['connect-link', '--data-dir', dataDir, id, '--ttl', '-5']);
    expect(ttl.stderr).toBe('error KW_CLI_ARGUMENT_INVALID: --ttl must be a positive whole number\n');
  });

  it('reports every wrong configuration value with the config code', async () => {
    const file = join(scratch, 'config.json');
    writeFileSync(file, JSON.stringify({ port: 'many', publicUrl: 'not a url' }));
    const run = await runCli(['connect-link', '--data-dir', dataDir, '--config', file, 'x']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /^error KW_CONFIG_INVALID: Invalid configuration:\n {2}- port \(KEYWAY_PORT\)/,
    );
  });
});

describe('keyway api-keys', () => {
  it('prints a new key once, stores only its hash, and lists keys without them', async () => {
    const run = await runCli([
      'api-keys',
      'create',
      '--data-dir',
      dataDir,
      '--name',
      'ci',
      '--scopes',
      'instances:read,actions:*',
    ]);
    expect(run.exitCode).toBe(0);
    const key = run.stdout.trim();
    expect(key).toMatch(/^kw_/);
    expect(run.stderr).toContain('shown only this once');
    const verified = await withTestStore((store) => store.verifyApiKey(key));
    expect(verified?.scopes).toEqual(['instances:read', 'actions:*']);
    const list = await runCli(['api-keys', 'list', '--data-dir', dataDir]);
    expect(list.stdout).toMatch(/ci\s+\w+\s+instances:read,actions:\*/);
    expect(list.stdout).not.toContain(key);
  });

  it('revokes a key by id, after which it no longer verifies', async () => {
    const created = await withTestStore((store) => store.createApiKey({ name: 'old', scopes: ['*'] }));
    const run = await runCli(['api-keys', 'revoke', created.apiKey.id, '--data-dir', dataDir]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toBe(`revoked ${created.apiKey.id}`);
    expect(await withTestStore((store) => store.verifyApiKey(created.key))).toBeUndefined();
    const unknown = await runCli(['api-keys', 'revoke', 'no-such-key', '--data-dir', dataDir]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/^error KW_STORE_NOT_FOUND/);
  });

  it('refuses unknown scopes', async () => {
    const run = await runCli([
      'api-keys',
      'create',
      '--data-dir',
      dataDir,
      '--name',
      'x',
      '--scopes',
      'root',
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error KW_CLI_ARGUMENT_INVALID: --scopes: unknown scope\(s\) root/);
  });
});

describe('keyway sandbox', () => {
  it('prints its issuer and clients and takes behaviour switches at runtime', async () => {
    const running = runCli(['sandbox', '--port', '0', '--json', '--slow-token-ms', '5']);
    // The command prints its description, then waits to be stopped.
    let description: { issuer: string; clients: { name: string; clientSecret: string | null }[] } | undefined;
    for (let i = 0; i < 600 && !isWaitingForStop(); i++) await new Promise((r) => setTimeout(r, 50));
    try {
      // The description is one write; other writes may be warnings of oidc-provider's.
      const printed = (process.stdout.write as unknown as jest.Mock).mock.calls
        .map((c: unknown[]) => String(c[0]))
        .find((text) => text.startsWith('{'));
      description = JSON.parse(printed ?? 'null') as typeof description;
      expect(description?.clients.map((c) => c.name)).toEqual([
        'basic',
        'post',
        'public',
        'service',
        'device',
        'password',
      ]);
      expect(description?.clients.find((c) => c.name === 'public')?.clientSecret).toBeNull();
      const issuer = description?.issuer ?? '';
      const meta = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
        issuer: string;
      };
      expect(meta.issuer).toBe(issuer);
      const before = (await (await fetch(`${issuer}/__sandbox/behaviour`)).json()) as object;
      expect(before).toEqual({ denyConsent: false, tokenDelayMs: 5 });
      const set = await fetch(`${issuer}/__sandbox/behaviour`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ denyConsent: true }),
      });
      expect(await set.json()).toEqual({ denyConsent: true, tokenDelayMs: 5 });
      const bad = await fetch(`${issuer}/__sandbox/behaviour`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tokenDelayMs: -1 }),
      });
      expect(bad.status).toBe(400);
      const revoke = await fetch(`${issuer}/__sandbox/revoke-all`, { method: 'POST' });
      expect(await revoke.json()).toEqual({ revoked: true });
    } finally {
      requestStop();
    }
    const run = await running;
    expect(run.exitCode).toBe(0);
  });

  it('names each wrong flag', async () => {
    const run = await runCli(['sandbox', '--port', 'abc', '--access-token-ttl', '0']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('error KW_CONFIG_INVALID: Invalid sandbox flags:');
    expect(run.stderr).toContain('  - --port:');
    expect(run.stderr).toContain('  - --access-token-ttl:');
  });
});

describe('keyway start, the demo setup', () => {
  it('takes --public-url as keyway serve does: the printed URL and connect link use it', async () => {
    const dir = tempDataDir();
    const publicUrl = 'https://keyway.example.test:8443';
    const running = runCli([
      'start',
      '--port',
      '0',
      '--sandbox-port',
      '0',
      '--data-dir',
      dir,
      '--public-url',
      publicUrl,
      '--auto-consent',
      '--json',
    ]);
    let printed: { url: string; connectLink: string } | undefined;
    try {
      // It prints its URLs once listening, then waits to be stopped (or fails at once, refusing the flag).
      const deadline = Date.now() + 30_000;
      while (!isWaitingForStop() && Date.now() < deadline) {
        const settled = await Promise.race([running.then(() => true), new Promise((r) => setTimeout(r, 50))]);
        if (settled === true) break;
      }
      const text = (process.stdout.write as unknown as jest.Mock | undefined)?.mock?.calls
        .map((c: unknown[]) => String(c[0]))
        .find((line) => line.startsWith('{'));
      printed = JSON.parse(text ?? 'null') as typeof printed;
    } finally {
      requestStop();
    }
    const run = await running;
    try {
      expect(run.stderr).not.toMatch(/error/i);
      expect(run.exitCode).toBe(0);
      expect(printed?.url).toBe(publicUrl);
      expect(printed?.connectLink.startsWith(`${publicUrl}/`)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reuses the demo customer, instance and API key on a second start', async () => {
    const dir = tempDataDir();
    try {
      const server = loadServeConfig({ dataDir: dir }, {}).server;
      const store = await openStore({ dataDir: dir, notice: () => undefined });
      try {
        const options = { bundlePath: demoBundle, sandboxIssuer: sandbox.issuer, dataDir: dir, server };
        const first = await prepareDemo(store, options);
        const second = await prepareDemo(store, options);
        expect(first.instanceCreated).toBe(true);
        expect(second.instanceCreated).toBe(false);
        expect(second.instanceId).toBe(first.instanceId);
        expect(second.connectionId).toBe(first.connectionId);
        expect(first.newApiKey).toMatch(/^kw_/);
        expect(second.newApiKey).toBeUndefined();
        expect(readFileSync(first.apiKeyFile, 'utf8').trim()).toBe(first.newApiKey);
        expect(statSync(first.apiKeyFile).mode & 0o777).toBe(0o600);
        expect(await store.listInstances()).toHaveLength(1);
        expect(await store.listCustomers()).toHaveLength(1);
        expect(await store.listApiKeys()).toHaveLength(1);
        expect((await store.listComponents()).map((c) => c.version)).toEqual([1]);

        // A sandbox on another port: the same connection, pointed at the new issuer.
        const moved = await prepareDemo(store, { ...options, sandboxIssuer: 'http://127.0.0.1:4999' });
        expect(moved.connectionId).toBe(first.connectionId);
        expect((await store.getConnection(first.connectionId))?.fields['issuer']).toBe(
          'http://127.0.0.1:4999',
        );
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
