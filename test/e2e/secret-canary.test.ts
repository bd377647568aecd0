/**
 * Secrets never leak, end to end: `keyway serve` as a child process logging at trace level, the real sandbox
 * authorization server, and every secret kind set to a distinctive value (or read back once it exists): client
 * secrets (a connection field and a platform OAuth app), access and refresh tokens, the password-grant password,
 * the API key, the webhook signing secret, the encryption key, the connect-link secret, the PKCE verifier and the
 * authorization code. The flows: publish, create instances, connect (code + PKCE, client credentials, password),
 * run actions (each one refreshing the short-lived code-flow token), a wrong client secret, a provider's HTML error
 * page echoing the request, a revoked grant, a forged callback, disconnect. Then no secret may appear in the
 * child's output, any HTTP answer the test saw, any CLI output, the SQLite file and WAL, or PostgreSQL's rows.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { followAuthorization, SANDBOX_LOGIN, startSandbox } from '../../src/sandbox';
import type { Sandbox } from '../../src/sandbox';
import { openStore } from '../../src/store';
import type { StoreConfig } from '../../src/store/config';
import { runCli, tempDataDir } from '../cli/cli-harness';
import type { CliRun } from '../cli/cli-harness';
import { buildTestComponent } from '../support/components/build';
import { onFreePort } from '../support/ports';
import { until } from '../support/until';

jest.setTimeout(120_000);

const root = resolve(__dirname, '../..');
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
const main = join(root, 'src/cli/main.ts');
const demoBundle = join(root, 'components/sandbox-demo/dist/index.js');
const SCOPES = 'links:write,actions:write,connections:write,oauthApps:read';
const PG_URL = process.env['KEYWAY_TEST_DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';

const tag = randomBytes(4).toString('hex');
/** Secrets the test chooses. The encryption key's 32 bytes spell a canary, so its base64 and raw forms both count. */
const ENCRYPTION_KEY_RAW = `CANARYkey${tag}encryption-keyXX`.slice(0, 32);
const CHOSEN = {
  encryptionKey: Buffer.from(ENCRYPTION_KEY_RAW, 'utf8').toString('base64'),
  encryptionKeyRaw: ENCRYPTION_KEY_RAW,
  linkSecret: `CANARY-link-secret-${tag}-0123456789abcdef`,
  webhookSecret: `CANARY-whsec-${tag}-0123456789`,
  wrongClientSecret: `CANARY-wrong-client-secret-${tag}`,
  htmlClientSecret: `CANARY-html-client-secret-${tag}`,
  forgedCode: `CANARY-forged-code-${tag}`,
  password: `CANARY-password-${tag}-0123456789`,
} as const;

/** Everything a secret must not be found in, by where it was seen. */
class Transcript {
  readonly seen: { where: string; text: string }[] = [];
  add(where: string, text: string): void {
    this.seen.push({ where, text });
  }
  cli(where: string, run: CliRun): CliRun {
    this.add(`cli ${where}`, run.stdout + run.stderr);
    return run;
  }
  /** fetch without following redirects; status, headers (Location, Set-Cookie) and body all recorded. */
  async http(url: string, init: RequestInit = {}): Promise<{ res: Response; body: string }> {
    const res = await fetch(url, { redirect: 'manual', ...init });
    const body = await res.text();
    const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
    this.add(`${init.method ?? 'GET'} ${new URL(url).pathname} → ${res.status}`, `${headers}\n\n${body}`);
    return { res, body };
  }
}

/** A secret's forms as they could appear in text: itself, URL-encoded, form-encoded, base64. */
function forms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    Buffer.from(secret, 'utf8').toString('base64'),
  ];
}

/** The `Authorization: Basic` value a client sends (id and secret form-encoded first, RFC 6749 §2.3.1). */
function basicCredentials(clientId: string, secret: string): string {
  const enc = (v: string) => new URLSearchParams({ v }).toString().slice(2);
  return Buffer.from(`${enc(clientId)}:${enc(secret)}`, 'utf8').toString('base64');
}

/** Which secret (by name) shows up where; empty when nothing leaked. */
function leaks(secrets: Record<string, string>, places: { where: string; text: string }[]): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    expect(secret.length).toBeGreaterThanOrEqual(16);
    for (const { where, text } of places) {
      if (forms(secret).some((form) => text.includes(form))) found.push(`${name} in ${where}`);
    }
  }
  return found;
}

/** An OAuth "provider" whose token endpoint answers an HTML error page that echoes the request back. */
async function startHtmlProvider(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // Both the raw header and the decoded secret, as a careless provider's debug page would show them.
      const header = req.headers.authorization ?? '';
      const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
      const secret = decodeURIComponent(decoded.split(':')[1] ?? '');
      const echoed = `${header} ${Buffer.concat(chunks).toString('utf8')} secret ${secret} rejected`;
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end(`<html><body><h1>Internal error</h1><pre>${echoed}</pre></body></html>`);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface Engine {
  readonly name: 'sqlite' | 'postgres';
  /** Environment for the CLI and the child. */
  readonly env: Record<string, string>;
  /** Extra CLI args (the data dir for SQLite). */
  readonly args: string[];
  readonly store: StoreConfig;
  /** Every stored byte as text: the SQLite file and WAL, or every row of every table in the schema. */
  dump(): Promise<{ where: string; text: string }[]>;
  cleanup(): Promise<void>;
}

function keysEnv(): string {
  return `canary:${CHOSEN.encryptionKey}`;
}

function sqliteEngine(): Engine {
  const dataDir = tempDataDir();
  return {
    name: 'sqlite',
    env: { KEYWAY_ENCRYPTION_KEYS: keysEnv() },
    args: ['--data-dir', dataDir],
    store: { dataDir, notice: () => undefined, keys: keysEnv() },
    dump() {
      const files = ['keyway.db', 'keyway.db-wal', 'keyway.sqlite', 'keyway.sqlite-wal']
        .map((name) => join(dataDir, name))
        .filter((path) => existsSync(path));
      expect(files.length).toBeGreaterThan(0);
      return Promise.resolve(
        files.map((path) => ({ where: path, text: readFileSync(path).toString('latin1') })),
      );
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

function postgresEngine(): Engine {
  const schema = `kw_canary_${tag}`;
  const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const admin = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: PG_URL });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    env: { KEYWAY_ENCRYPTION_KEYS: keysEnv(), KEYWAY_DATABASE_URL: url },
    args: [],
    store: { databaseUrl: PG_URL, postgresSchema: schema, keys: keysEnv() },
    dump: () =>
      admin(async (client) => {
        const tables = await client.query<{ table_name: string }>(
          'select table_name from information_schema.tables where table_schema = $1',
          [schema],
        );
        expect(tables.rows.length).toBeGreaterThan(5);
        const out: { where: string; text: string }[] = [];
        for (const { table_name: table } of tables.rows) {
          const rows = await client.query<{ row: string }>(
            `select t::text as row from ${schema}."${table}" t`,
          );
          out.push({ where: `postgres ${table}`, text: rows.rows.map((r) => r.row).join('\n') });
        }
        return out;
      }),
    cleanup: () =>
      admin((client) => client.query(`drop schema if exists ${schema} cascade`)).then(() => undefined),
  };
}

interface Running {
  readonly base: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `keyway serve` in a child process at trace level, on a port chosen first (its public URL, and so the sandbox's
 * redirect URI, is derived from it) and again on another one if that port was taken before it listened. Resolves
 * once it printed (`--json`) the address it listens at.
 */
async function serve(engine: Engine, webhookUrl: string): Promise<Running> {
  return onFreePort((port) => serveOn(engine, port, webhookUrl));
}

async function serveOn(engine: Engine, port: number, webhookUrl: string): Promise<Running> {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('KEYWAY_')) delete env[name];
  Object.assign(env, engine.env, {
    KEYWAY_LOG_LEVEL: 'trace',
    KEYWAY_LINK_SECRET: CHOSEN.linkSecret,
    KEYWAY_WEBHOOKS: JSON.stringify([{ id: 'canary', url: webhookUrl, secret: CHOSEN.webhookSecret }]),
  });
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [tsx, main, 'serve', '--json', ...engine.args, '--port', String(port)],
    { cwd: root, env },
  );
  let output = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  // 'close', not 'exit': only then has everything the process printed (its last log lines too) been read.
  let ended = false;
  const closed = new Promise<void>((done) =>
    child.once('close', () => {
      ended = true;
      done();
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  // Its own word that it listens, not an answer on the port: had another process taken the port, that one answers.
  await until('keyway serve to listen or exit', () => ended || stdout.includes('\n'), 45_000);
  if (!stdout.includes('\n')) throw new Error(`keyway serve exited with ${child.exitCode}:\n${output}`);
  expect((JSON.parse(stdout.split('\n')[0] ?? '') as { address?: string }).address).toBe(base);
  return {
    base,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await closed;
    },
  };
}

let sandbox: Sandbox | undefined;
let html: { server: Server; url: string } | undefined;
let receiver: Server | undefined;
const deliveries: string[] = [];

afterAll(async () => {
  await sandbox?.close();
  if (html) await new Promise<void>((done) => html?.server.close(() => done()));
  if (receiver) await new Promise<void>((done) => receiver?.close(() => done()));
});

/** A webhook receiver for this run; what it gets joins the sweep. Closed in afterAll. */
async function startReceiver(): Promise<string> {
  if (receiver) await new Promise<void>((done) => receiver?.close(() => done()));
  deliveries.length = 0;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push(`${JSON.stringify(req.headers)}\n${Buffer.concat(chunks).toString('utf8')}`);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => receiver?.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
}

const passwordBundle = buildTestComponent('sandbox-password');

type Created = { instance: { id: string; connections: { id: string; name: string }[] } };
type Instance = Created['instance'];

/** One engine's run: the CLI setup, the served flows, and what it learnt of the secrets on the way. */
class Scenario {
  readonly t = new Transcript();
  readonly secrets = new Map<string, string>();
  apiKey = '';
  inst: Instance = { id: '', connections: [] };
  pw: Instance = { id: '', connections: [] };

  constructor(
    readonly engine: Engine,
    readonly sb: Sandbox,
    readonly base: string,
    readonly htmlUrl: string,
  ) {}

  conn(name: string): string {
    const id = [...this.inst.connections, ...this.pw.connections].find((c) => c.name === name)?.id;
    if (id === undefined) throw new Error(`no connection ${name}`);
    return id;
  }

  get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json' };
  }

  /** `keyway <args>` in-process against the engine; a failure ends the test with what it printed. */
  async cli(what: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    const run = this.t.cli(
      what,
      await runCli([...args, ...this.engine.args], { ...this.engine.env, ...env }),
    );
    if (run.exitCode !== 0) throw new Error(`keyway ${what} failed:\n${run.stdout}${run.stderr}`);
    return run;
  }

  /** Components, the platform's OAuth app (its secret from the environment), an API key, two instances. */
  async setUp(): Promise<void> {
    const { sb } = this;
    await this.cli('publish demo', ['components', 'publish', demoBundle]);
    await this.cli('publish password', ['components', 'publish', passwordBundle]);
    const app = sb.clients.basic;
    await this.cli(
      'oauth-apps set',
      [
        'oauth-apps',
        'set',
        'sandboxDemo',
        '--definition',
        'sandboxOAuth',
        '--client-id',
        app.clientId,
      ].concat(['--client-secret-env', 'KW_CANARY_APP_SECRET']),
      { KW_CANARY_APP_SECRET: app.clientSecret ?? '' },
    );
    const keyRun = await runCli(
      ['api-keys', 'create', '--name', 'canary', '--scopes', SCOPES, ...this.engine.args],
      this.engine.env,
    );
    expect(keyRun.exitCode).toBe(0);
    this.apiKey = keyRun.stdout.trim();
    // The one output meant to show the key; every other place is swept for it.
    this.t.add('cli api-keys create (stderr)', keyRun.stderr);
    const created = await this.cli('instances create', [
      ...['instances', 'create', '--json', '--customer', 'canary-1', '--customer-name', 'Canary'],
      ...['--name', 'Canary', '--component', 'sandboxDemo', '--connection', 'oauth=sandboxDemo:sandboxOAuth'],
      ...['--connection', 'cc=sandboxDemo:sandboxClientCredentials'],
      ...['--connection', 'html=sandboxDemo:sandboxClientCredentials'],
      ...['--field', `oauth.issuer=${sb.url}`, '--field', 'oauth.scopes=openid offline_access api:read'],
      ...['--field', `cc.issuer=${sb.url}`, '--field', 'cc.scopes=api:read'],
      ...['--field', `html.issuer=${this.htmlUrl}`, '--field', 'html.clientId=html-client'],
      ...['--field', `html.clientSecret=${CHOSEN.htmlClientSecret}`],
    ]);
    this.inst = created.json<Created>().instance;
    const pw = await this.cli('instances create password', [
      ...['instances', 'create', '--json', '--customer', 'canary-1', '--name', 'Canary password'],
      ...['--component', 'sandboxPassword', '--connection', 'account=sandboxPassword:sandboxPassword'],
      ...[
        '--field',
        `account.issuer=${sb.url}`,
        '--field',
        `account.clientId=${sb.clients.password.clientId}`,
      ],
      ...['--field', `account.clientSecret=${sb.clients.password.clientSecret ?? ''}`],
    ]);
    this.pw = pw.json<Created>().instance;
  }

  /** A connect link for the instance, opened as a browser would: its cookie, and a form poster. */
  async openLink(instanceId: string) {
    const { res, body } = await this.t.http(`${this.base}/api/instances/${instanceId}/connect-links`, {
      method: 'POST',
      headers: this.auth,
      body: '{}',
    });
    expect(res.status).toBe(201);
    const link = (JSON.parse(body) as { link: { url: string } }).link.url;
    const page = await this.t.http(link);
    expect(page.res.status).toBe(200);
    const cookie = (page.res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const post = (path: string, form: Record<string, string>) =>
      this.t.http(`${link}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      });
    return { cookie, post };
  }

  /** Code + PKCE (platform app), client credentials (wrong then right secret), an HTML error, password. */
  async connectAll(): Promise<void> {
    const { sb } = this;
    const page = await this.openLink(this.inst.id);
    const started = await page.post(`/c/${this.conn('oauth')}/authorize`, {});
    expect(started.res.status).toBe(303);
    const authorizeUrl = started.res.headers.get('location') ?? '';
    expect(authorizeUrl.startsWith(sb.url)).toBe(true);
    const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
    const store = await openStore(this.engine.store);
    const session = await store.getAuthSession(state).finally(() => store.close());
    this.secrets.set('pkce verifier', session?.codeVerifier ?? '');
    const callback = await followAuthorization(authorizeUrl, { redirectUri: `${this.base}/oauth/callback` });
    this.secrets.set('authorization code', new URL(callback).searchParams.get('code') ?? '');
    const delivered = await this.t.http(callback, { headers: { cookie: page.cookie } });
    expect(delivered.res.status).toBe(303);
    expect(delivered.res.headers.get('location')).toContain('notice=connected');

    const service = sb.clients.service;
    const attempt = (name: string, clientId: string, clientSecret: string) =>
      page.post(`/c/${this.conn(name)}/credentials`, { clientId, clientSecret });
    expect((await attempt('cc', service.clientId, CHOSEN.wrongClientSecret)).res.status).toBe(400);
    expect((await attempt('cc', service.clientId, service.clientSecret ?? '')).res.status).toBe(303);
    // The provider's token endpoint answers an HTML page echoing the request, client secret included.
    expect((await attempt('html', 'html-client', CHOSEN.htmlClientSecret)).res.status).toBe(502);

    const pwPage = await this.openLink(this.pw.id);
    const signedIn = await pwPage.post(`/c/${this.conn('account')}/credentials`, {
      username: SANDBOX_LOGIN.username,
      password: CHOSEN.password,
    });
    expect(signedIn.res.status).toBe(303);
  }

  /** The tokens as stored now (decrypted), added to the secrets. */
  async snapshotTokens(): Promise<void> {
    const reader = await openStore(this.engine.store);
    try {
      for (const name of ['oauth', 'cc', 'account']) {
        const set = (await reader.getConnection(this.conn(name)))?.tokenSet as Record<string, unknown> | null;
        for (const kind of ['accessToken', 'refreshToken']) {
          const value = set?.[kind];
          if (typeof value === 'string') this.secrets.set(`${name} ${kind} …${value.slice(-4)}`, value);
        }
      }
    } finally {
      await reader.close();
    }
  }

  runAction(instanceId: string, component: string, connection: string) {
    return this.t.http(`${this.base}/api/instances/${instanceId}/actions/${component}/getMe`, {
      method: 'POST',
      headers: this.auth,
      body: JSON.stringify({ connections: { connection } }),
    });
  }

  /**
   * Runs each connection's action. Access tokens live 4 s, so the refresh margin (half the lifetime) starts 2 s
   * after issue: the code-flow connection is run until a use has refreshed it.
   */
  async runAndRefresh(): Promise<void> {
    this.sb.resetCounts();
    expect((await this.runAction(this.inst.id, 'sandboxDemo', 'cc')).res.status).toBe(200);
    expect((await this.runAction(this.pw.id, 'sandboxPassword', 'account')).res.status).toBe(200);
    const deadline = Date.now() + 15_000;
    while ((this.sb.tokenRequests()['refresh_token'] ?? 0) === 0) {
      expect((await this.runAction(this.inst.id, 'sandboxDemo', 'oauth')).res.status).toBe(200);
      if (Date.now() > deadline) throw new Error('the code-flow token was never refreshed');
      await new Promise((done) => setTimeout(done, 250));
    }
    expect((await this.runAction(this.inst.id, 'sandboxDemo', 'oauth')).res.status).toBe(200);
  }

  /** A revoked grant, a forged callback, then disconnects and a listing of the OAuth apps. */
  async failAndDisconnect(): Promise<void> {
    await this.sb.revokeAll();
    expect((await this.runAction(this.inst.id, 'sandboxDemo', 'oauth')).res.status).toBe(409);
    const forged = `${this.base}/oauth/callback?code=${CHOSEN.forgedCode}&state=forged-state-${tag}`;
    expect((await this.t.http(forged)).res.status).toBe(400);
    for (const name of ['oauth', 'cc']) {
      const gone = await this.t.http(`${this.base}/api/connections/${this.conn(name)}/disconnect`, {
        method: 'POST',
        headers: this.auth,
        body: '{}',
      });
      expect({ name, status: gone.res.status }).toEqual({ name, status: 200 });
    }
    expect((await this.t.http(`${this.base}/api/oauth-apps`, { headers: this.auth })).res.status).toBe(200);
  }

  /** CLI reads after the server stopped: instances, OAuth apps, and a run whose grant was revoked. */
  async cliAfter(): Promise<void> {
    await this.cli('instances show', ['instances', 'show', '--json', this.inst.id]);
    await this.cli('instances show password', ['instances', 'show', '--json', this.pw.id]);
    await this.cli('oauth-apps list', ['oauth-apps', 'list', '--json']);
    const revoked = this.t.cli(
      'run revoked',
      await runCli(
        ['run', '--json', ...this.engine.args, this.pw.id, 'sandboxPassword', 'getMe'],
        this.engine.env,
      ),
    );
    expect(revoked.exitCode).not.toBe(0);
  }

  /** Every secret: the ones chosen, the sandbox's client secrets (and their Basic forms), the ones read back. */
  allSecrets(): Record<string, string> {
    const { basic: app, service, password } = this.sb.clients;
    return {
      'app client secret': app.clientSecret ?? '',
      'connection client secret': service.clientSecret ?? '',
      'password client secret': password.clientSecret ?? '',
      'wrong client secret': CHOSEN.wrongClientSecret,
      'html provider client secret': CHOSEN.htmlClientSecret,
      'app Basic credentials': basicCredentials(app.clientId, app.clientSecret ?? ''),
      'connection Basic credentials': basicCredentials(service.clientId, service.clientSecret ?? ''),
      'wrong Basic credentials': basicCredentials(service.clientId, CHOSEN.wrongClientSecret),
      'html Basic credentials': basicCredentials('html-client', CHOSEN.htmlClientSecret),
      password: CHOSEN.password,
      'api key': this.apiKey,
      'webhook secret': CHOSEN.webhookSecret,
      'encryption key': CHOSEN.encryptionKey,
      'encryption key bytes': CHOSEN.encryptionKeyRaw,
      'link secret': CHOSEN.linkSecret,
      'forged code': CHOSEN.forgedCode,
      ...Object.fromEntries(this.secrets),
    };
  }
}

async function createSchema(engine: Engine): Promise<void> {
  if (engine.name !== 'postgres') return;
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`create schema kw_canary_${tag}`).finally(() => client.end());
}

describe.each([
  ['sqlite', sqliteEngine],
  ['postgres', postgresEngine],
] as const)('secret canaries, %s', (_name, makeEngine) => {
  const engine = makeEngine();
  afterAll(() => engine.cleanup());

  it('no secret reaches logs, HTTP answers, CLI output or the stored bytes', async () => {
    await createSchema(engine);
    html ??= await startHtmlProvider();
    const webhookUrl = await startReceiver();
    const running = await serve(engine, webhookUrl);
    const base = running.base;
    await sandbox?.close();
    sandbox = await startSandbox({
      accessTokenTtlS: 4,
      password: CHOSEN.password,
      redirectUris: [`${base}/oauth/callback`],
    });
    const s = new Scenario(engine, sandbox, base, html.url);
    try {
      await s.setUp();
      await s.connectAll();
      await s.snapshotTokens();
      await s.runAndRefresh();
      await s.snapshotTokens();
      await s.failAndDisconnect();
    } finally {
      await running.stop();
    }
    await s.cliAfter();
    expect(s.sb.tokenRequests()['refresh_token']).toBeGreaterThan(0);
    s.t.add('keyway serve stdout+stderr', running.output());
    deliveries.forEach((d, i) => s.t.add(`webhook delivery ${i}`, d));
    expect(deliveries.length).toBeGreaterThan(0);
    // The log really saw the flows and the failures, and the provider really echoed the secret (redacted).
    const log = running.output();
    expect(log).toContain('/oauth/callback');
    expect(log).toMatch(/"level":50,.*"code":"KW_OAUTH_SERVER_ERROR"/);
    expect(log).toContain('KW_OAUTH_INVALID_CLIENT');
    expect(log).toContain('secret [REDACTED] rejected');

    const secrets = s.allSecrets();
    expect(Object.keys(secrets).length).toBeGreaterThanOrEqual(22);
    const stored = await engine.dump();
    expect({ engine: engine.name, leaks: leaks(secrets, [...s.t.seen, ...stored]) }).toEqual({
      engine: engine.name,
      leaks: [],
    });
  });
});
