/**
 * The main job end to end: `keyway start` as a child process on a temp data dir, a person (chromium via
 * playwright-core) opening the printed connect link, clicking Connect and Approve on the sandbox's consent page,
 * then `keyway run` in another process calling the demo API with the stored token.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { openStore } from '../../src/store';
import { checkedFetch } from '../support/openapi-check';
import { onFreePort } from '../support/ports';

jest.setTimeout(180_000);

const root = resolve(__dirname, '../..');
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
const main = join(root, 'src/cli/main.ts');

let dataDir: string;
let userDataDir: string;
let child: ChildProcessWithoutNullStreams | undefined;
let context: BrowserContext | undefined;
let output = '';

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('KEYWAY_')) delete env[name];
  return env;
}

async function waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(output);
    if (match) return match;
    if (child?.exitCode !== null && child?.exitCode !== undefined) {
      throw new Error(`keyway start exited with ${child.exitCode}:\n${output}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}:\n${output}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** `keyway start` as a child process on `port`, the sandbox on a free port; resolves once it printed its steps. */
async function startKeyway(port: number): Promise<void> {
  output = '';
  child = spawn(
    process.execPath,
    [tsx, main, 'start', '--data-dir', dataDir, '--port', String(port), '--sandbox-port', '0'],
    { cwd: root, env: childEnv() },
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  await waitForOutput(/Press Ctrl\+C to stop\./, 90_000);
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyway-start-'));
  userDataDir = mkdtempSync(join(tmpdir(), 'keyway-chromium-'));
});

afterAll(async () => {
  await context?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((done) => child?.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(userDataDir, { recursive: true, force: true });
});

describe('npm start (keyway start)', () => {
  it('connects through the printed link with consent, then runs the demo action from the CLI and the API', async () => {
    // Keyway's port is in the URLs it prints (and in the sandbox's redirect URI), so it is chosen first; a port
    // taken meanwhile makes keyway start exit with EADDRINUSE, and it starts again on another. The sandbox picks
    // its own port and keyway start prints its URL.
    const port = await onFreePort(async (port) => {
      await startKeyway(port);
      return port;
    }, 120_000);
    const link = (await waitForOutput(/^\s+(http:\/\/127\.0\.0\.1:\d+\/connect\/\S+)$/m, 1_000))[1] ?? '';
    const sandbox = (
      await waitForOutput(/Sandbox authorization server at (http:\/\/127\.0\.0\.1:\d+) /, 1_000)
    )[1];
    expect(link.startsWith(`http://127.0.0.1:${port}/connect/`)).toBe(true);
    expect(output).toContain(`npm run keyway -- run --data-dir ${dataDir} demo sandboxDemo getMe`);

    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await context.newPage();
    await page.goto(link);
    const card = page.locator('section[data-connection="sandbox"]');
    expect(await card.locator('[data-status]').getAttribute('data-status')).toBe('pending');
    await card.getByRole('button', { name: 'Connect' }).click();

    // The sandbox's own consent page, on the sandbox's origin.
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    expect(page.url().startsWith(`${sandbox ?? '-'}/interaction/`)).toBe(true);
    expect(await page.textContent('body')).toContain('keyway-public');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/notice=connected/);
    expect(await card.locator('[data-status]').getAttribute('data-status')).toBe('connected');

    const run = spawnSync(
      process.execPath,
      [tsx, main, 'run', '--data-dir', dataDir, '--json', 'demo', 'sandboxDemo', 'getMe'],
      { cwd: root, env: childEnv(), encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status).toBe(0);
    const ran = JSON.parse(run.stdout) as { result: { data: Record<string, unknown> } };
    expect(ran.result.data).toEqual({
      sub: 'sandbox-user',
      client_id: 'keyway-public',
      scope: expect.stringContaining('api:read') as unknown,
      name: 'Sandbox User',
      email: 'user@sandbox.test',
    });

    const apiKey = readFileSync(join(dataDir, 'demo-api-key'), 'utf8').trim();
    const viaApi = await checkedFetch(
      `http://127.0.0.1:${port}/api/instances/demo/actions/sandboxDemo/getMe`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: '{}',
      },
    );
    expect(viaApi.status).toBe(200);
    expect(((await viaApi.json()) as { result: unknown }).result).toEqual(ran.result);

    // Neither process ever printed the tokens it stored.
    const store = await openStore({ dataDir, notice: () => undefined });
    try {
      const connection = await store.getConnectionByName('demo', 'sandbox');
      const tokens = connection?.tokenSet as { accessToken?: string; refreshToken?: string } | null;
      const secrets = [tokens?.accessToken ?? '', tokens?.refreshToken ?? ''];
      expect(secrets.every((secret) => secret.length >= 20)).toBe(true);
      for (const secret of secrets) {
        expect(output).not.toContain(secret);
        expect(run.stdout + run.stderr).not.toContain(secret);
      }
    } finally {
      await store.close();
    }
  });
});
