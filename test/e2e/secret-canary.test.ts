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

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

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
function basic(clientId: string, secret: string): string {
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
      const echoed = `${req.headers.authorization ?? ''} ${Buffer.concat(chunks).toString('utf8')}`;
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

/** `keyway serve` in a child process at trace level; resolves once /healthz answers. */
async function serve(engine: Engine, port: number, webhookUrl: string): Promise<Running> {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('KEYWAY_')) delete env[name];
  Object.assign(env, engine.env, {
    KEYWAY_LOG_LEVEL: 'trace',
    KEYWAY_LINK_SECRET: CHOSEN.linkSecret,
    KEYWAY_WEBHOOKS: JSON.stringify([{ id: 'canary', url: webhookUrl, secret: CHOSEN.webhookSecret }]),
  });
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [tsx, main, 'serve', ...engine.args, '--port', String(port)],
    { cwd: root, env },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`keyway serve exited with ${child.exitCode}:\n${output}`);
    const up = await fetch(`${base}/healthz`).then(
      (res) => res.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`keyway serve did not answer /healthz:\n${output}`);
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    base,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
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

async function startReceiver(): Promise<string> {
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

describe.each([
  ['sqlite', sqliteEngine],
  ['postgres', postgresEngine],
] as const)('secret canaries, %s', (_name, makeEngine) => {
  const engine = makeEngine();
  afterAll(() => engine.cleanup());

  it('no secret reaches logs, HTTP answers, CLI output or the stored bytes', async () => {
    if (engine.name === 'postgres') {
      const client = new Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`create schema kw_canary_${tag}`).finally(() => client.end());
    }
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    await sandbox?.close();
    sandbox = await startSandbox({
      accessTokenTtlS: 4,
      password: CHOSEN.password,
      redirectUris: [`${base}/oauth/callback`],
    });
    html ??= await startHtmlProvider();
    const webhookUrl = receiver
      ? `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`
      : await startReceiver();
    const sb = sandbox;
    const t = new Transcript();
    const cli = async (what: string, args: string[], env: Record<string, string> = {}) => {
      const run = t.cli(what, await runCli([...args, ...engine.args], { ...engine.env, ...env }));
      if (run.exitCode !== 0) throw new Error(`keyway ${what} failed:\n${run.stdout}${run.stderr}`);
      return run;
    };

    // Setup through the CLI: components, the platform's OAuth app (its secret from the environment), API key.
    await cli('publish demo', ['components', 'publish', demoBundle]);
    await cli('publish password', ['components', 'publish', passwordBundle]);
    const appSecret = sb.clients.basic.clientSecret ?? '';
    await cli(
      'oauth-apps set',
      [
        'oauth-apps',
        'set',
        'sandboxDemo',
        '--definition',
        'sandboxOAuth',
        '--client-id',
        sb.clients.basic.clientId,
        '--client-secret-env',
        'KW_CANARY_APP_SECRET',
      ],
      { KW_CANARY_APP_SECRET: appSecret },
    );
    const keyRun = await runCli(
      ['api-keys', 'create', '--name', 'canary', '--scopes', SCOPES, ...engine.args],
      engine.env,
    );
    expect(keyRun.exitCode).toBe(0);
    const apiKey = keyRun.stdout.trim();
    // The one output meant to show the key; every other place is swept for it.
    t.add('cli api-keys create (stderr)', keyRun.stderr);
    const issuer = sb.url;
    const created = await cli('instances create', [
      'instances',
      'create',
      '--json',
      '--customer',
      'canary-1',
      '--customer-name',
      'Canary',
      '--name',
      'Canary',
      '--component',
      'sandboxDemo',
      '--connection',
      'oauth=sandboxDemo:sandboxOAuth',
      '--connection',
      'cc=sandboxDemo:sandboxClientCredentials',
      '--connection',
      'html=sandboxDemo:sandboxClientCredentials',
      '--field',
      `oauth.issuer=${issuer}`,
      '--field',
      'oauth.scopes=openid offline_access api:read',
      '--field',
      `cc.issuer=${issuer}`,
      '--field',
      'cc.scopes=api:read',
      '--field',
      `html.issuer=${html.url}`,
      '--field',
      'html.clientId=html-client',
      '--field',
      `html.clientSecret=${CHOSEN.htmlClientSecret}`,
    ]);
    type Created = { instance: { id: string; connections: { id: string; name: string }[] } };
    const inst = created.json<Created>().instance;
    const conn = (name: string) => inst.connections.find((c) => c.name === name)?.id ?? '';
    const pw = (
      await cli('instances create password', [
        'instances',
        'create',
        '--json',
        '--customer',
        'canary-1',
        '--name',
        'Canary password',
        '--component',
        'sandboxPassword',
        '--connection',
        'account=sandboxPassword:sandboxPassword',
        '--field',
        `account.issuer=${issuer}`,
        '--field',
        `account.clientId=${sb.clients.password.clientId}`,
        '--field',
        `account.clientSecret=${sb.clients.password.clientSecret ?? ''}`,
      ])
    ).json<Created>().instance;

    const running = await serve(engine, port, webhookUrl);
    const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    let secrets: Record<string, string> = {};
    try {
      const linkFor = async (instanceId: string) => {
        const { res, body } = await t.http(`${base}/api/instances/${instanceId}/connect-links`, {
          method: 'POST',
          headers: auth,
          body: '{}',
        });
        expect(res.status).toBe(201);
        const link = (JSON.parse(body) as { link: { url: string } }).link.url;
        const page = await t.http(link);
        expect(page.res.status).toBe(200);
        const cookie = (page.res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
        const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
        const post = (path: string, form: Record<string, string>) =>
          t.http(`${link}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
            body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
          });
        return { link, cookie, post };
      };
      const page = await linkFor(inst.id);

      // Authorization code + PKCE with the platform's OAuth app.
      const started = await page.post(`/c/${conn('oauth')}/authorize`, {});
      expect(started.res.status).toBe(303);
      const authorizeUrl = started.res.headers.get('location') ?? '';
      expect(authorizeUrl.startsWith(issuer)).toBe(true);
      const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
      const store = await openStore(engine.store);
      const verifier = await store.getAuthSession(state).then((s) => s?.codeVerifier ?? '');
      await store.close();
      const callback = await followAuthorization(authorizeUrl, { redirectUri: `${base}/oauth/callback` });
      const code = new URL(callback).searchParams.get('code') ?? '';
      const delivered = await t.http(callback, { headers: { cookie: page.cookie } });
      expect(delivered.res.status).toBe(303);
      expect(delivered.res.headers.get('location')).toContain('notice=connected');

      // Client credentials: first a wrong secret (the provider's invalid_client), then the right one.
      const service = sb.clients.service;
      const wrong = await page.post(`/c/${conn('cc')}/credentials`, {
        clientId: service.clientId,
        clientSecret: CHOSEN.wrongClientSecret,
      });
      expect(wrong.res.status).not.toBe(303);
      const right = await page.post(`/c/${conn('cc')}/credentials`, {
        clientId: service.clientId,
        clientSecret: service.clientSecret ?? '',
      });
      expect(right.res.status).toBe(303);

      // A provider whose token endpoint answers an HTML page echoing the request (client secret included).
      const htmlTry = await page.post(`/c/${conn('html')}/credentials`, {
        clientId: 'html-client',
        clientSecret: CHOSEN.htmlClientSecret,
      });
      expect(htmlTry.res.status).not.toBe(303);

      // Password grant through its own link.
      const pwPage = await linkFor(pw.id);
      const signedIn = await pwPage.post(`/c/${pw.connections[0]?.id ?? ''}/credentials`, {
        username: SANDBOX_LOGIN.username,
        password: CHOSEN.password,
      });
      expect(signedIn.res.status).toBe(303);

      // The tokens as stored (decrypted), snapshot after connecting and again after the refresh.
      const tokens = new Map<string, string>();
      const snapshotTokens = async () => {
        const reader = await openStore(engine.store);
        try {
          for (const [label, id] of [
            ['oauth', conn('oauth')],
            ['cc', conn('cc')],
            ['password', pw.connections[0]?.id ?? ''],
          ] as const) {
            const set = (await reader.getConnection(id))?.tokenSet as Record<string, unknown> | null;
            for (const kind of ['accessToken', 'refreshToken'] as const) {
              const value = set?.[kind];
              if (typeof value === 'string') tokens.set(`${label} ${kind} ${value.slice(-4)}`, value);
            }
          }
        } finally {
          await reader.close();
        }
      };
      await snapshotTokens();

      // Actions. Access tokens live 4 s, so the refresh margin (half the lifetime) starts 2 s after issue:
      // the code-flow connection is run until a use refreshes it.
      const run = (instanceId: string, component: string, connection: string) =>
        t.http(`${base}/api/instances/${instanceId}/actions/${component}/getMe`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ connections: { connection } }),
        });
      sb.resetCounts();
      for (const [id, component, name] of [
        [inst.id, 'sandboxDemo', 'cc'],
        [pw.id, 'sandboxPassword', 'account'],
      ] as const) {
        expect({ name, status: (await run(id, component, name)).res.status }).toEqual({ name, status: 200 });
      }
      const refreshDeadline = Date.now() + 15_000;
      while ((sb.tokenRequests()['refresh_token'] ?? 0) === 0) {
        expect((await run(inst.id, 'sandboxDemo', 'oauth')).res.status).toBe(200);
        if (Date.now() > refreshDeadline) throw new Error('the code-flow token was never refreshed');
        await new Promise((done) => setTimeout(done, 250));
      }
      expect((await run(inst.id, 'sandboxDemo', 'oauth')).res.status).toBe(200);
      await snapshotTokens();
      expect(tokens.size).toBeGreaterThanOrEqual(5);

      secrets = {
        'app client secret': appSecret,
        'connection client secret': service.clientSecret ?? '',
        'password client secret': sb.clients.password.clientSecret ?? '',
        'wrong client secret': CHOSEN.wrongClientSecret,
        'html provider client secret': CHOSEN.htmlClientSecret,
        'app Basic credentials': basic(sb.clients.basic.clientId, appSecret),
        'connection Basic credentials': basic(service.clientId, service.clientSecret ?? ''),
        'wrong Basic credentials': basic(service.clientId, CHOSEN.wrongClientSecret),
        'html Basic credentials': basic('html-client', CHOSEN.htmlClientSecret),
        ...Object.fromEntries(tokens),
        password: CHOSEN.password,
        'api key': apiKey,
        'webhook secret': CHOSEN.webhookSecret,
        'encryption key': CHOSEN.encryptionKey,
        'encryption key bytes': CHOSEN.encryptionKeyRaw,
        'link secret': CHOSEN.linkSecret,
        'pkce verifier': verifier,
        'authorization code': code,
        'forged code': CHOSEN.forgedCode,
      };

      // A revoked grant: the next run fails (the refresh is refused) with a typed error.
      await sb.revokeAll();
      const revoked = await run(inst.id, 'sandboxDemo', 'oauth');
      expect(revoked.res.status).toBeGreaterThanOrEqual(400);

      // A forged callback, and one whose provider reports an error with a code attached.
      const forged = await t.http(
        `${base}/oauth/callback?code=${CHOSEN.forgedCode}&state=forged-state-${tag}`,
      );
      expect(forged.res.status).toBeGreaterThanOrEqual(400);

      // Disconnect both grants through the API.
      for (const name of ['oauth', 'cc']) {
        const gone = await t.http(`${base}/api/connections/${conn(name)}/disconnect`, {
          method: 'POST',
          headers: auth,
          body: '{}',
        });
        expect({ name, status: gone.res.status }).toEqual({ name, status: 200 });
      }
      const listed = await t.http(`${base}/api/oauth-apps`, { headers: auth });
      expect(listed.res.status).toBe(200);
    } finally {
      await running.stop();
    }
    t.add('keyway serve stdout+stderr', running.output());
    deliveries.forEach((d, i) => t.add(`webhook delivery ${i}`, d));
    // The log really saw the flows, the failures included (Keyway logs nothing below info today).
    expect(running.output()).toContain('/oauth/callback');
    expect(running.output()).toMatch(/"level":50,.*"code":"KW_OAUTH_SERVER_ERROR"/);
    expect(running.output()).toContain('KW_OAUTH_INVALID_CLIENT');

    const stored = await engine.dump();
    expect({ engine: engine.name, leaks: leaks(secrets, [...t.seen, ...stored]) }).toEqual({
      engine: engine.name,
      leaks: [],
    });
  });
});
