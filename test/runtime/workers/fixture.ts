/**
 * Shared setup for the credential, refresher, webhook and storm tests: a real store (SQLite file or a fresh
 * PostgreSQL schema), the sandbox-demo component, and a connection authorized for real against the sandbox.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { ComponentRegistry, ConnectFlows, createInstance } from '../../../src/runtime';
import { followAuthorization, type Sandbox } from '../../../src/sandbox';
import type { Connection, Store, StoreConfig } from '../../../src/store';

/** The built sandbox-demo component (`components/sandbox-demo/dist/index.js`). */
export const DEMO_BUNDLE = resolve(__dirname, '../../../components/sandbox-demo/dist/index.js');

/** PostgreSQL for tests; `KEYWAY_TEST_DATABASE_URL` overrides. */
export const TEST_DATABASE_URL =
  process.env['KEYWAY_TEST_DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';

/**
 * Whether PostgreSQL answers. Checked synchronously (a child process) so suites can choose `describe` at load
 * time; under `CI=true` the PostgreSQL suites run regardless and fail when it is down.
 */
export function postgresReachable(): boolean {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const pg=require('pg');const c=new pg.Client({connectionString:process.argv[1],connectionTimeoutMillis:3000});` +
        `c.connect().then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1));`,
      TEST_DATABASE_URL,
    ],
    { cwd: resolve(__dirname, '../../..'), timeout: 10_000 },
  );
  return probe.status === 0;
}

/** True when the PostgreSQL suites must run: PostgreSQL is up, or CI demands them (and they then fail). */
export const runPostgres = process.env['CI'] === 'true' || postgresReachable();

function keys(): string {
  return `k1:${randomBytes(32).toString('base64')}`;
}

/** A store config on a new SQLite file in a temporary directory. */
export function sqliteConfig(): StoreConfig {
  return { dataDir: mkdtempSync(join(tmpdir(), 'keyway-runtime-')), keys: keys(), notice: () => undefined };
}

/** A store config on a new, empty PostgreSQL schema of the test database. */
export async function postgresConfig(): Promise<StoreConfig> {
  const schema = `kw_rt_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    // Never a skip: under CI=true the PostgreSQL suites run whether or not it answers, and fail saying why.
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `PostgreSQL is unreachable at ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} (${why}). Start it or set KEYWAY_TEST_DATABASE_URL.`,
    );
  }
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  return { databaseUrl: TEST_DATABASE_URL, postgresSchema: schema, keys: keys(), notice: () => undefined };
}

/** Drops a schema made by {@link postgresConfig}. */
export async function dropPostgresSchema(config: StoreConfig): Promise<void> {
  if (config.postgresSchema === undefined) return;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${config.postgresSchema} cascade`);
  } finally {
    await client.end();
  }
}

/** A registry with the sandbox-demo component loaded. */
export function demoComponents(store: Store): ComponentRegistry {
  const components = new ComponentRegistry({ store });
  components.loadFromPath(DEMO_BUNDLE);
  return components;
}

/** Creates a customer and an instance with one sandbox connection of the given definition (not yet connected). */
export async function createSandboxConnection(
  store: Store,
  components: ComponentRegistry,
  sandbox: Sandbox,
  definitionKey: 'sandboxOAuth' | 'sandboxClientCredentials' = 'sandboxOAuth',
): Promise<{ instanceId: string; connection: Connection }> {
  const customer = await store.createCustomer({ name: `Customer ${randomUUID().slice(0, 8)}` });
  const client = definitionKey === 'sandboxOAuth' ? sandbox.clients.basic : sandbox.clients.service;
  const { instance, connections } = await createInstance(
    { store, components },
    {
      customerId: customer.id,
      name: 'Storm instance',
      components: ['sandboxDemo'],
      connections: [
        {
          name: 'sandbox',
          componentKey: 'sandboxDemo',
          definitionKey,
          fields: {
            issuer: sandbox.url,
            clientId: client.clientId,
            clientSecret: client.clientSecret ?? '',
            ...(definitionKey === 'sandboxClientCredentials' ? { scopes: 'api:read' } : {}),
          },
        },
      ],
    },
  );
  const connection = connections[0];
  if (!connection) throw new Error('createInstance returned no connection');
  return { instanceId: instance.id, connection };
}

/** Creates a connection and authorizes it for real (authorization code + PKCE against the sandbox). */
export async function connectedSandboxConnection(
  store: Store,
  components: ComponentRegistry,
  sandbox: Sandbox,
): Promise<{ instanceId: string; connection: Connection }> {
  const { instanceId, connection } = await createSandboxConnection(store, components, sandbox);
  const flows = new ConnectFlows({ store, components });
  const redirectUri = sandbox.clients.basic.redirectUri;
  const started = await flows.startAuthorization({
    connectionId: connection.id,
    browserBinding: 'test-browser',
    redirectUri,
  });
  const callback = await followAuthorization(started.authorizationUrl, { redirectUri });
  const done = await flows.completeAuthorization(new URL(callback).searchParams, {
    browserBinding: 'test-browser',
  });
  return { instanceId, connection: done.connection };
}

/**
 * Rewrites the stored token set so it expired `agoMs` ago (the sandbox's token itself may still be valid). By
 * compare-and-set: a refresh saved between the read and the write must not be overwritten with the old refresh
 * token, which the sandbox would then see sent twice (and revoke the grant, as rotating providers do).
 */
export async function expireStoredToken(
  store: Store,
  connectionId: string,
  agoMs = 1000,
): Promise<Connection> {
  for (;;) {
    const row = await store.getConnection(connectionId);
    if (!row?.tokenSet) throw new Error('connection has no token set');
    const expiresAt = Date.now() - agoMs;
    const result = await store.compareAndSetConnectionTokens(connectionId, row.version, {
      tokenSet: { ...row.tokenSet, expiresAt },
      expiresAt,
      refreshAt: expiresAt,
    });
    if (result.ok) return result.connection;
  }
}
