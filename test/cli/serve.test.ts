/**
 * `keyway serve` in-process over real HTTP on 127.0.0.1: its webhook configuration, the delivery worker it runs
 * (a real receiver gets a signed `connected` event when a customer connects through the connect page), the
 * secret-free `GET /api/webhooks`, and `--json` printing the listening address.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isWaitingForStop, requestStop } from '../../src/cli/signals';
import { verifyWebhook } from '../../src/runtime';
import { startSandbox } from '../../src/sandbox';
import type { Sandbox } from '../../src/sandbox';
import { openStore } from '../../src/store';
import { listenBacklog } from '../support/listen-backlog';
import { checkedFetch } from '../support/openapi-check';
import { onFreePort } from '../support/ports';
import { runCli, tempDataDir } from './cli-harness';
import type { CliRun } from './cli-harness';

jest.setTimeout(60_000);

const demoBundle = join(resolve(__dirname, '../..'), 'components/sandbox-demo/dist/index.js');
const SECRET = 'whsec-serve-test-0123456789';

interface Delivery {
  readonly body: string;
  readonly signature: string | undefined;
}

let dataDir: string;
let sandbox: Sandbox;
let receiver: Server;
let receiverUrl: string;
const deliveries: Delivery[] = [];

beforeAll(async () => {
  dataDir = tempDataDir();
  sandbox = await startSandbox();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: req.headers['x-keyway-signature'] as string | undefined,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  await new Promise<void>((done) => receiver.close(() => done()));
  await sandbox.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function until<T>(read: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Whether `keyway serve` got to listen before its run ended. One poll watches for both, so nothing is left
 * polling once either happens (a race against a bare `until` kept its timer running for the whole timeout after
 * the run had ended, and Jest did not exit).
 */
async function listensBeforeExit(running: Promise<unknown>): Promise<boolean> {
  let ended = false;
  void running.then(() => (ended = true));
  return until(
    () => (isWaitingForStop() ? true : ended ? false : undefined),
    'keyway serve to exit or listen',
  );
}

/** What the command under test wrote to stdout so far (runCli captures it until the command ends). */
function printedSoFar(): string {
  return (process.stdout.write as unknown as jest.Mock).mock.calls
    .map((c: unknown[]) => String(c[0]))
    .join('');
}

/** The address `keyway serve --json` printed it listens at (it was given port 0 and chose one). */
function listeningAddress(): string {
  const { address } = JSON.parse(printedSoFar()) as { address: string };
  expect(address).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
  return address;
}

/**
 * `keyway serve` on a port chosen beforehand (its public URL is derived from it), started again on another one
 * when that port was taken before it listened. Resolves with the run once it listens.
 */
async function serveOnFreePort(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ port: number; running: Promise<CliRun> }> {
  return onFreePort(async (port) => {
    const running = runCli(['serve', ...args, '--port', String(port)], env);
    if (await listensBeforeExit(running)) return { port, running };
    const run = await running;
    throw new Error(`keyway serve did not listen on port ${port}: ${run.stderr}`);
  });
}

describe('keyway serve webhooks', () => {
  it('delivers a signed connected event without tokens, and lists endpoints without secrets', async () => {
    expect((await runCli(['components', 'publish', '--data-dir', dataDir, demoBundle])).exitCode).toBe(0);
    const created = await runCli([
      'instances',
      'create',
      '--data-dir',
      dataDir,
      '--json',
      '--customer',
      'hooks-1',
      '--customer-name',
      'Hooks',
      '--name',
      'Hooks sandbox',
      '--component',
      'sandboxDemo',
      '--connection',
      'api=sandboxDemo:sandboxClientCredentials',
      '--field',
      `api.issuer=${sandbox.issuer}`,
      '--field',
      'api.scopes=api:read',
    ]);
    expect(created.exitCode).toBe(0);
    const { instance } = created.json<{ instance: { id: string; connections: { id: string }[] } }>();
    const connectionId = instance.connections[0]?.id ?? '';
    const keyRun = await runCli([
      'api-keys',
      'create',
      '--data-dir',
      dataDir,
      '--name',
      'hooks',
      '--scopes',
      'links:write,webhooks:read',
    ]);
    const apiKey = keyRun.stdout.trim();

    const endpoints = [
      { id: 'receiver', url: receiverUrl, secret: SECRET, events: ['connection.connected'] },
    ];
    // A fixed port: the public URL derived from it is what the connect link is made of.
    const { port, running } = await serveOnFreePort(['--json', '--data-dir', dataDir], {
      KEYWAY_WEBHOOKS: JSON.stringify(endpoints),
      KEYWAY_LOG_LEVEL: 'silent',
    });
    try {
      // --json: exactly one JSON line on stdout, the address it listens at.
      const printed = printedSoFar();
      expect(printed.endsWith('\n')).toBe(true);
      expect(printed.trim().split('\n')).toHaveLength(1);
      const listening = JSON.parse(printed) as Record<string, unknown>;
      const base = `http://127.0.0.1:${port}`;
      expect(listening).toEqual({
        address: base,
        publicUrl: base,
        engine: 'sqlite',
        webhookEndpoints: ['receiver'],
      });
      // A burst of new connections (callbacks, API calls without keep-alive) waits to be accepted.
      const { backlog, somaxconn } = listenBacklog(port);
      expect(backlog).toBe(Math.min(4096, somaxconn));

      const auth = { authorization: `Bearer ${apiKey}` };
      const listed = await checkedFetch(`${base}/api/webhooks`, { headers: auth });
      expect(listed.status).toBe(200);
      const listedText = await listed.text();
      expect(JSON.parse(listedText)).toEqual({
        endpoints: [{ id: 'receiver', url: receiverUrl, events: ['connection.connected'], source: 'config' }],
        nextCursor: null,
      });
      expect(listedText).not.toContain(SECRET);

      // The customer connects through the connect page, as in a browser.
      const linkRes = await checkedFetch(`${base}/api/instances/${instance.id}/connect-links`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(linkRes.status).toBe(201);
      const link = ((await linkRes.json()) as { link: { url: string } }).link.url;
      const page = await fetch(link);
      expect(page.status).toBe(200);
      const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      const submitted = await fetch(`${link}/c/${connectionId}/credentials`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({
          _csrf: csrf,
          clientId: sandbox.clients.service.clientId,
          clientSecret: sandbox.clients.service.clientSecret ?? '',
        }).toString(),
      });
      expect(submitted.status).toBe(303);

      const delivery = await until(() => deliveries[0], 'the connected webhook');
      expect(verifyWebhook({ body: delivery.body, signature: delivery.signature, secret: SECRET })).toEqual({
        timestamp: expect.any(Number) as number,
      });
      const event = JSON.parse(delivery.body) as { type: string; data: { connection?: { id?: string } } };
      expect(event.type).toBe('connection.connected');
      expect(event.data.connection?.id).toBe(connectionId);

      const store = await openStore({ dataDir, notice: () => undefined });
      const tokenSet = await store
        .getConnection(connectionId)
        .finally(() => store.close())
        .then((connection) => connection?.tokenSet);
      // The stored token set's values (access token, expiry, ...): the JWT-sized ones must not be in the body.
      const tokens = Object.values(tokenSet ?? {}).filter(
        (value): value is string => typeof value === 'string' && value.length > 20,
      );
      expect(tokens.length).toBeGreaterThan(0);
      for (const token of tokens) expect(delivery.body).not.toContain(token);
      expect(delivery.body).not.toMatch(/access_token|refresh_token|accessToken|refreshToken/);
      expect(delivery.body).not.toContain(sandbox.clients.service.clientSecret ?? '-');
    } finally {
      requestStop();
    }
    const run = await running;
    expect(run.exitCode).toBe(0);
    expect(deliveries).toHaveLength(1);
  });

  it('names each wrong webhook value and never prints a secret', async () => {
    const short = await runCli(['serve', '--data-dir', dataDir, '--port', '0'], {
      KEYWAY_WEBHOOKS: JSON.stringify([{ id: 'a', url: 'ftp://x', secret: 'tiny-secret' }]),
    });
    expect(short.exitCode).toBe(1);
    expect(short.stderr).toContain('error KW_CONFIG_INVALID: Invalid configuration:');
    expect(short.stderr).toContain('  - webhooks.0.url (KEYWAY_WEBHOOKS): must be an absolute http(s) URL');
    expect(short.stderr).toContain('  - webhooks.0.secret (KEYWAY_WEBHOOKS): must be at least 16 characters');
    expect(short.stderr).not.toContain('tiny-secret');

    const notJson = await runCli(['serve', '--json', '--data-dir', dataDir, '--port', '0'], {
      KEYWAY_WEBHOOKS: `[{"id":"a","secret":"${SECRET}"`,
    });
    expect(notJson.exitCode).toBe(1);
    expect(JSON.parse(notJson.stderr)).toMatchObject({ error: { code: 'KW_CONFIG_INVALID' } });
    expect(notJson.stderr).toContain('webhooks (KEYWAY_WEBHOOKS): must be a JSON array');
    expect(notJson.stderr).not.toContain(SECRET);
    expect(notJson.stdout).toBe('');
  });
});

describe('keyway serve: the URL it prints', () => {
  it('prints the configured public URL, not the address it listens at', async () => {
    const running = runCli(
      [
        'serve',
        '--json',
        '--data-dir',
        dataDir,
        '--port',
        '0',
        '--public-url',
        'https://keyway.example.com/',
      ],
      { KEYWAY_LOG_LEVEL: 'silent' },
    );
    try {
      await until(() => (isWaitingForStop() ? true : undefined), 'keyway serve to listen');
      const address = listeningAddress();
      expect(JSON.parse(printedSoFar())).toMatchObject({ address, publicUrl: 'https://keyway.example.com' });
    } finally {
      requestStop();
    }
    expect((await running).exitCode).toBe(0);
  });

  it('refuses to start when no public URL is known, rather than guess one from every interface or port 0', async () => {
    for (const where of [
      ['--host', '0.0.0.0', '--port', '3000'],
      ['--port', '0'],
    ]) {
      const running = runCli(['serve', '--data-dir', dataDir, ...where]);
      // Were it to start anyway, stop it, so a regression fails here instead of hanging the suite.
      const started = await listensBeforeExit(running);
      if (started) requestStop();
      const run = await running;
      expect(started).toBe(false);
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^error KW_PUBLIC_URL_UNKNOWN: No public URL is configured/);
    }
  });
});

describe('keyway serve: where uploads are spooled', () => {
  it('spools uploaded bundles in --upload-dir, a directory it needs while it serves', async () => {
    const uploadDir = mkdtempSync(join(tmpdir(), 'keyway-serve-uploads-'));
    const key = (
      await runCli(['api-keys', 'create', '--data-dir', dataDir, '--name', 'up', '--scopes', '*'])
    ).stdout.trim();
    const running = runCli(
      [
        ...['serve', '--json', '--data-dir', dataDir, '--upload-dir', uploadDir],
        ...['--port', '0', '--public-url', 'http://keyway.test'],
      ],
      { KEYWAY_LOG_LEVEL: 'silent' },
    );
    let address = '';
    const publish = () =>
      fetch(`${address}/api/components`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/javascript' },
        body: readFileSync(demoBundle),
      });
    try {
      await until(() => (isWaitingForStop() ? true : undefined), 'keyway serve to listen');
      address = listeningAddress();
      expect((await publish()).status).toBe(201);
      // Without the directory the upload has nowhere to go: the server was using it.
      rmSync(uploadDir, { recursive: true, force: true });
      expect((await publish()).status).toBe(500);
      mkdirSync(uploadDir);
      expect((await publish()).status).toBe(201);
      expect(readdirSync(uploadDir)).toEqual([]);
    } finally {
      requestStop();
      rmSync(uploadDir, { recursive: true, force: true });
    }
    expect((await running).exitCode).toBe(0);
  });

  it('refuses to start with an upload dir that is missing, not a directory or not writable', async () => {
    const missing = join(tmpdir(), `keyway-no-such-dir-${process.pid}`);
    const file = join(dataDir, 'not-a-dir');
    writeFileSync(file, '');
    const configFile = join(dataDir, 'upload-config.json');
    // /proc takes no new directory, whoever runs the test (root too).
    writeFileSync(configFile, JSON.stringify({ uploadDir: '/proc' }));
    const cases: [string[], Record<string, string>, string, RegExp][] = [
      [['--upload-dir', missing], {}, 'missing', /does not exist/],
      [[], { KEYWAY_UPLOAD_DIR: file }, 'not_a_directory', /is not a directory/],
      [['--config', configFile], {}, 'not_writable', /is not writable/],
    ];
    for (const [args, env, reason, message] of cases) {
      const running = runCli(
        [
          ...['serve', '--json', '--data-dir', dataDir],
          ...['--port', '0', '--public-url', 'http://keyway.test', ...args],
        ],
        env,
      );
      const started = await listensBeforeExit(running);
      if (started) requestStop();
      const run = await running;
      expect(started).toBe(false);
      expect(run.exitCode).toBe(1);
      const { error } = JSON.parse(run.stderr) as {
        error: { code: string; message: string; details: Record<string, unknown> };
      };
      expect(error).toMatchObject({ code: 'KW_CONFIG_INVALID', details: { setting: 'uploadDir', reason } });
      expect(error.message).toContain('uploadDir (KEYWAY_UPLOAD_DIR)');
      expect(error.message).toMatch(message);
    }
  });
});
