/**
 * SLOW — about 3 to 6 minutes, most of it `npm install` (better-sqlite3 compiles from source). It is the one test of
 * the promise that a connector author works in a package of their own:
 *
 * 1. `npm pack` Keyway (its `prepack` builds dist/ with tsup, type declarations included);
 * 2. `keyway init component` (the packed CLI) scaffolds a package in a temp directory outside this repository,
 *    depending on the tarball;
 * 3. `npm install --prefer-offline` there; every catalog provider loads from `keyway/catalog`; the installed CLI builds a low-code connector file in another temp
 *    directory, and the bundle loads as a spectral component; `npm run build` (tsup), `npm test` (its own jest
 *    test, which connects to Keyway's sandbox through `keyway/testing` and runs an action three ways);
 * 4. `npm run publish:keyway` posts the bundle to a running Keyway's REST API, and the published component runs
 *    an action through that API with a client-credentials token from the sandbox.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadComponentFromPath } from '../../src/runtime';
import { startHarness } from '../server/harness';
import type { Harness } from '../server/harness';
import { platformApi } from '../support/platform-api';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const MINUTE = 60_000;

jest.setTimeout(20 * MINUTE);

let work: string;
let h: Harness | undefined;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'keyway-connector-package-'));
});

afterAll(async () => {
  await h?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Runs a command; on failure the error carries its output, so the test's message says what went wrong. */
async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  try {
    return await run(command, args, {
      cwd,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 12 * MINUTE,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
}

describe('SLOW: a connector package outside the repository', () => {
  it('scaffolds, installs the packed keyway, builds (a connector file too), passes its own test, publishes and runs an action', async () => {
    await sh('npm', ['pack', '--pack-destination', work], ROOT);
    const tarball = join(work, readdirSync(work).find((name) => name.endsWith('.tgz')) ?? 'missing.tgz');

    const dir = join(work, 'acme-crm');
    await sh(
      'node',
      [join(ROOT, 'dist/cli.js'), 'init', 'component', dir, '--keyway', `file:${tarball}`],
      work,
    );
    expect(readdirSync(dir).sort()).toEqual([
      '.gitignore',
      'jest.config.js',
      'package.json',
      'scripts',
      'src',
      'test',
      'tsconfig.json',
      'tsup.config.ts',
    ]);

    await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], dir);

    // The installed CLI builds a low-code connector file outside the repository (src/ is not in the package:
    // the interpreter comes from the package's dist/), and the bundle loads as a spectral component.
    const lowcode = join(work, 'lowcode');
    mkdirSync(lowcode);
    copyFileSync(join(ROOT, 'connectors', 'spotify.yaml'), join(lowcode, 'spotify.yaml'));
    const installedCli = join(dir, 'node_modules', 'keyway', 'dist', 'cli.js');
    await sh('node', [installedCli, 'components', 'build', 'spotify.yaml'], lowcode);
    const connectorBundle = join(lowcode, 'dist', 'spotify.js');
    expect(readFileSync(connectorBundle, 'utf8')).toContain('node_modules/keyway/dist/lowcode-runtime.js');
    const connector = loadComponentFromPath(connectorBundle);
    expect(connector.key).toBe('spotifyLowCode');
    expect([...connector.actions.keys()]).toEqual(expect.arrayContaining(['getArtist']));
    // Every catalog provider is importable from the package (`keyway/catalog`), not only the few
    // `keyway/providers` names, and renders to a spectral connection there.
    const fromCatalog = await sh(
      'node',
      [
        '-e',
        "const { getProvider } = require('keyway/catalog'); const { toSpectralConnection } = require('keyway/providers');" +
          " const c = toSpectralConnection(getProvider('hubspot'), { grantType: 'authorization_code' });" +
          ' console.log(JSON.stringify({ key: c.key, type: c.oauth2Type }));',
      ],
      dir,
    );
    expect(JSON.parse(fromCatalog.stdout)).toEqual({ key: 'hubspotOAuth', type: 'authorization_code' });
    expect(readdirSync(join(dir, 'node_modules', 'keyway', 'dist'))).toContain('catalog.d.ts');
    await sh('npm', ['run', 'build'], dir);
    const tested = await sh('npm', ['test'], dir);
    expect(`${tested.stdout}${tested.stderr}`).toMatch(/Tests:\s+3 passed, 3 total/);

    h = await startHarness();
    const { key } = await h.store.createApiKey({ name: 'author', scopes: ['*'] });
    const published = await sh('npm', ['run', 'publish:keyway'], dir, {
      KEYWAY_URL: h.listenUrl,
      KEYWAY_API_KEY: key,
    });
    expect(published.stdout).toContain('published acmeCrm version 1');

    const call = await platformApi(h);
    const api = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
      const res = await call(method, url, body);
      return { status: res.statusCode, json: res.json() };
    };
    const customer = await api('POST', '/api/customers', { name: 'Acme' });
    const { service } = h.sandbox.clients;
    const instance = await api('POST', '/api/instances', {
      customerId: (customer.json as { customer: { id: string } }).customer.id,
      name: 'Acme production',
      components: ['acmeCrm'],
      connections: [
        {
          name: 'api',
          componentKey: 'acmeCrm',
          definitionKey: 'sandboxClientCredentials',
          fields: { issuer: h.sandbox.url, clientId: service.clientId, clientSecret: service.clientSecret },
        },
      ],
    });
    expect(instance.status).toBe(201);
    const id = (instance.json as { instance: { id: string } }).instance.id;
    expect((await api('POST', `/api/instances/${id}/connections/api/activate`)).status).toBe(200);
    const ran = await api('POST', `/api/instances/${id}/actions/acmeCrm/getMe`, { inputs: {} });
    expect(ran.status).toBe(200);
    expect(ran.json).toMatchObject({ result: { data: { client_id: service.clientId } } });
  });
});
