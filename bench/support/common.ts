/**
 * Shared setup for the benchmark sections: store configurations per engine, the fast local server as a child
 * process, the bench component and connected connections made through the real connect flow.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { build, buildSync } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { ComponentRegistry, ConnectFlows, createInstance } from '../../src/runtime';
import { openStore } from '../../src/store';
import type { Connection, Store, StoreConfig } from '../../src/store';
import { COMPONENT_BUNDLE_OPTIONS } from '../../test/support/components/build';
import type { BenchRow, BenchSection } from '../run';
import { BENCH_COMPONENT, BENCH_CONNECTION, keepAliveAgent } from './component';

/** The repository root: the nearest folder up from here whose package.json is Keyway's (also from a bundle). */
export const ROOT = findRoot(__dirname);

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (manifest.name === 'keyway') return dir;
    } catch {
      // No package.json here: keep walking up.
    }
    if (dirname(dir) === dir) throw new Error(`no Keyway package.json above ${from}`);
  }
}

/** Where `npm run bench` puts the bundled benchmark (bench/main.ts, its workers and the fast server). */
export const BENCH_BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'keyway-bench', 'bundle');

/** True when this code runs from that bundle rather than from the TypeScript sources. */
const BUNDLED = __filename.endsWith('.js');

/** Entry points besides main.ts that run in child processes, relative to bench/ without extension. */
const CHILD_SCRIPTS = [
  'support/fast-server',
  'workers/storm-worker',
  'workers/refresher-worker',
  'workers/action-worker',
];

/** tsup.config.ts's settings: one CommonJS bundle for node 20, dependencies external (no keepNames, unlike tsx). */
export const SHIPPED_BUILD: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
};

/** Bundles bench/main.ts and the child scripts into {@link BENCH_BUILD_DIR} as Keyway ships. */
export function buildBench(): void {
  buildSync({
    ...SHIPPED_BUILD,
    entryPoints: ['main', ...CHILD_SCRIPTS].map((name) => join(ROOT, 'bench', `${name}.ts`)),
    outbase: join(ROOT, 'bench'),
    outdir: BENCH_BUILD_DIR,
    logLevel: 'warning',
  });
}

/** The `node` arguments that run one of the child scripts, bundled or from source like this process. */
export function benchScript(name: string): string[] {
  return BUNDLED
    ? [join(BENCH_BUILD_DIR, `${name}.js`)]
    : ['--require', 'tsx/cjs', join(ROOT, 'bench', `${name}.ts`)];
}

/** PostgreSQL for the benchmark; KEYWAY_BENCH_DATABASE_URL overrides. */
export const BENCH_DATABASE_URL =
  process.env['KEYWAY_BENCH_DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';

/** Set by a bench process for its workers, so they present the secret its fast server was started with. */
export const CLIENT_SECRET_ENV = 'KEYWAY_BENCH_CLIENT_SECRET';

/** The client secret the fast server expects. Not a real secret; never printed all the same. */
export const CLIENT_SECRET =
  process.env[CLIENT_SECRET_ENV] ?? `bench-secret-${randomBytes(8).toString('hex')}`;
/** The one redirect URI the connect flow uses (never actually listened on: the bench reads the 302). */
export const REDIRECT_URI = 'http://127.0.0.1:1/oauth/callback';

/** An engine the benchmark runs on: a config any process can open, and how to dispose of it. */
export interface BenchEngine {
  readonly variant: 'sqlite' | 'postgres';
  readonly config: StoreConfig;
  dispose(): Promise<void>;
}

function keys(): string {
  return `b1:${randomBytes(32).toString('base64')}`;
}

/** SQLite in a fresh temporary data directory. */
export function sqliteEngine(): BenchEngine {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyway-bench-'));
  return {
    variant: 'sqlite',
    config: { dataDir, keys: keys(), notice: () => undefined },
    dispose: () => {
      rmSync(dataDir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** PostgreSQL in a fresh schema (dropped by `dispose`); throws when the server is unreachable. */
export async function postgresEngine(): Promise<BenchEngine> {
  const schema = `kw_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  return {
    variant: 'postgres',
    config: {
      databaseUrl: BENCH_DATABASE_URL,
      postgresSchema: schema,
      keys: keys(),
      notice: () => undefined,
    },
    dispose: async () => {
      const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Every engine that can be set up here, and why the others cannot. */
export async function benchEngines(): Promise<{
  engines: BenchEngine[];
  unavailable: { variant: string; reason: string }[];
}> {
  // KEYWAY_BENCH_ENGINES=sqlite (or postgres) limits a run to one engine, e.g. while profiling.
  const only = process.env['KEYWAY_BENCH_ENGINES'];
  const wanted = (name: string): boolean => !only || only.split(',').includes(name);
  const engines: BenchEngine[] = wanted('sqlite') ? [sqliteEngine()] : [];
  const unavailable: { variant: string; reason: string }[] = [];
  if (!wanted('postgres')) return { engines, unavailable };
  try {
    engines.push(await postgresEngine());
  } catch (err) {
    unavailable.push({
      variant: 'postgres',
      reason: `PostgreSQL unreachable at ${BENCH_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} (${err instanceof Error ? err.message : String(err)})`,
    });
  }
  return { engines, unavailable };
}

/** What a measurement needs of the fast local server: its address and its counters (from any process). */
export interface ApiServer {
  readonly url: string;
  stats(): Promise<Record<string, number>>;
}

/** The fast server at `url`, started by another process (see {@link startFastServer}). */
export function apiServer(url: string): ApiServer {
  return {
    url,
    stats: async () => JSON.parse((await httpCall(`${url}/__stats`)).body) as Record<string, number>,
  };
}

/** The fast local server (bench/support/fast-server.ts) running in a child process. */
export interface FastServer extends ApiServer {
  readonly child: ChildProcess;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Sends one request with the keep-alive agent and returns status, `location` and body. */
export function httpCall(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', agent: keepAliveAgent, headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Starts the fast server in a child process and waits until it listens. */
export async function startFastServer(): Promise<FastServer> {
  const child = spawn(process.execPath, [...benchScript('support/fast-server'), CLIENT_SECRET], {
    cwd: ROOT,
    // stdin stays open for the child's life: it exits when the pipe closes, i.e. when this process dies.
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolvePromise, reject) => {
    if (!child.stdout) return reject(new Error('fast server has no stdout'));
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolvePromise((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`fast server exited (${code})`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    ...apiServer(url),
    child,
    reset: async () => {
      await httpCall(`${url}/__reset`, { method: 'POST' });
    },
    close: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

let bundle: Promise<string> | undefined;

/**
 * The bench component built the way components/* are (components/tsup.shared.ts: one self-contained CommonJS
 * bundle, spectral and axios inside, as spectral publishes them), once per process.
 */
export function benchComponentBundle(): Promise<string> {
  bundle ??= (async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'keyway-bench-component-')), 'index.js');
    await build({
      entryPoints: [join(ROOT, 'bench', 'support', 'component.ts')],
      outfile,
      ...COMPONENT_BUNDLE_OPTIONS,
    });
    return outfile;
  })();
  return bundle;
}

/**
 * A registry that loads the bench component from the store, as `keyway serve` loads published components:
 * the bundle is published first (a no-op when the store already has this exact bundle).
 */
export async function benchComponents(store: Store): Promise<ComponentRegistry> {
  await new ComponentRegistry({ store }).publish(await benchComponentBundle());
  return new ComponentRegistry({ store });
}

/** The field values of a bench connection pointing at `serverUrl`. */
export function benchFields(serverUrl: string): Record<string, string> {
  return {
    authorizeUrl: `${serverUrl}/authorize`,
    tokenUrl: `${serverUrl}/token`,
    clientId: 'keyway-bench',
    clientSecret: CLIENT_SECRET,
    apiBaseUrl: serverUrl,
  };
}

/** An instance with `count` (not yet connected) bench connections. */
export async function createBenchInstance(
  store: Store,
  components: ComponentRegistry,
  serverUrl: string,
  count = 1,
): Promise<{ instanceId: string; connections: readonly Connection[] }> {
  const customer = await store.createCustomer({ name: `Bench ${randomUUID().slice(0, 8)}` });
  const { instance, connections } = await createInstance(
    { store, components },
    {
      customerId: customer.id,
      name: 'Bench instance',
      components: [BENCH_COMPONENT],
      connections: Array.from({ length: count }, (_, i) => ({
        name: `bench${i}`,
        componentKey: BENCH_COMPONENT,
        definitionKey: BENCH_CONNECTION,
        fields: benchFields(serverUrl),
      })),
    },
  );
  return { instanceId: instance.id, connections };
}

/**
 * One complete authorization-code flow, as the HTTP layer drives it: start (session + PKCE) → the browser at
 * the authorize URL (the fast server answers a 302 at once) → callback → code exchange → encrypted store.
 */
export async function connectOnce(flows: ConnectFlows, connectionId: string): Promise<Connection> {
  const browserBinding = 'bench-browser';
  const started = await flows.startAuthorization({ connectionId, browserBinding, redirectUri: REDIRECT_URI });
  const answer = await httpCall(started.authorizationUrl);
  if (answer.status !== 302 || !answer.location) {
    throw new Error(`authorize answered ${answer.status}, not a redirect`);
  }
  const done = await flows.completeAuthorization(new URL(answer.location).searchParams, { browserBinding });
  return done.connection;
}

/** The bench component published in `store`, and an instance of it whose one connection is connected. */
export async function connectedBenchInstance(
  store: Store,
  serverUrl: string,
): Promise<{ readonly components: ComponentRegistry; readonly instanceId: string }> {
  const components = await benchComponents(store);
  const { instanceId, connections } = await createBenchInstance(store, components, serverUrl);
  const connection = connections[0];
  if (!connection) throw new Error('no bench connection');
  await connectOnce(benchFlows(store, components), connection.id);
  return { components, instanceId };
}

/** Connect flows over `store` and `components` (token requests over the default transport). */
export function benchFlows(store: Store, components: ComponentRegistry): ConnectFlows {
  return new ConnectFlows({ store, components });
}

/**
 * A section that measures every available engine, each on a fresh store, against one fast local server
 * started for the section (in a child process, so its CPU is not counted as the runtime's).
 */
export function fastServerSection(
  name: string,
  note: string,
  measureEngine: (engine: BenchEngine, server: FastServer, store: Store) => Promise<BenchRow[]>,
): BenchSection {
  return {
    name,
    async setup() {
      const { engines, unavailable } = await benchEngines();
      const server = await startFastServer();
      return {
        unavailable,
        notes: [note],
        measure: async () => {
          const rows: BenchRow[] = [];
          for (const engine of engines) {
            const store = await openStore(engine.config);
            try {
              rows.push(...(await measureEngine(engine, server, store)));
            } finally {
              await store.close();
            }
          }
          return rows;
        },
        teardown: async () => {
          await server.close();
          for (const engine of engines) await engine.dispose();
        },
      };
    },
  };
}
