/**
 * `keyway start` (what `npm start` runs): the whole path on one laptop with no internet. On SQLite in the data
 * dir it starts the sandbox authorization server (with a consent page), publishes the sandbox-demo component
 * (building it first when its dist is missing), creates a demo customer, instance and API key once and reuses
 * them afterwards, starts `keyway serve`, and prints a connect link and the exact next commands.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { KeywayError } from '../../errors';
import { ComponentRegistry, createInstance } from '../../runtime';
import { audited } from '../audit';
import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { API_SCOPES, CALLBACK_PATH } from '../../server';
import type { ServerConfig } from '../../server';
import type { Store } from '../../store';
import { DEFAULT_DATA_DIR } from '../../store/config';
import { cliAction, loadServeConfig, withPublicUrlOption, withStore } from '../config';
import type { Output } from '../output';
import { waitForStop } from '../signals';
import { buildComponent } from './components';
import { createConnectLink } from './connect-link';
import type { PrintedConnectLink } from './connect-link';
import { DEFAULT_SANDBOX_PORT } from './sandbox';
import { createLogger, startKeywayServer } from './serve';
import type { RunningServer } from './serve';

/** The names of what `keyway start` creates, fixed so a second start finds and reuses them. */
export const DEMO = {
  customerExternalId: 'keyway-demo',
  customerName: 'Demo customer',
  instanceId: 'demo',
  instanceName: 'Sandbox demo',
  connectionName: 'sandbox',
  componentDir: join('components', 'sandbox-demo'),
  componentKey: 'sandboxDemo',
  definitionKey: 'sandboxOAuth',
  actionKey: 'getMe',
  apiKeyName: 'keyway start demo',
  apiKeyFile: 'demo-api-key',
} as const;

/** The sandbox client the demo connection uses: public, PKCE, so nothing secret is stored for it. */
const SANDBOX_PUBLIC_CLIENT_ID = 'keyway-public';

/** Finds the sandbox-demo package from the CLI's location (src/cli/commands or dist) or the working dir. */
export function findDemoComponentDir(): string {
  for (const start of [__dirname, process.cwd()]) {
    let dir = resolve(start);
    for (;;) {
      const candidate = join(dir, DEMO.componentDir);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
    message: `Cannot find ${DEMO.componentDir}; run keyway start from the Keyway repository`,
  });
}

/** What {@link prepareDemo} found or created. */
export interface PreparedDemo {
  readonly instanceId: string;
  readonly connectionId: string;
  readonly connectionStatus: string;
  readonly instanceCreated: boolean;
  readonly componentVersion: number;
  readonly apiKeyFile: string;
  /** Only when the key was created by this call: the one time it exists in clear. */
  readonly newApiKey?: string;
  readonly link: PrintedConnectLink;
}

/**
 * Publishes the demo bundle and makes sure the demo customer, instance (connection pointed at `sandboxIssuer`)
 * and API key exist, reusing what an earlier start created. The API key is kept in `<dataDir>/demo-api-key`
 * (mode 0600) so the README's curl can read it; a missing, unreadable or revoked one is replaced.
 */
export async function prepareDemo(
  store: Store,
  options: {
    readonly bundlePath: string;
    readonly sandboxIssuer: string;
    readonly dataDir: string;
    readonly server: ServerConfig;
  },
): Promise<PreparedDemo> {
  const components = new ComponentRegistry({ store });
  const { published } = await components.publish(options.bundlePath);
  const fields = {
    issuer: options.sandboxIssuer,
    clientId: SANDBOX_PUBLIC_CLIENT_ID,
    // The sandbox's public client authenticates with PKCE alone; a field value overrides the hidden default.
    keywayClientAuthMethod: 'none',
  };

  let instanceCreated = false;
  let instance = await store.getInstance(DEMO.instanceId);
  if (!instance) {
    const customer =
      (await store.getCustomerByExternalId(DEMO.customerExternalId)) ??
      (await audited(
        store,
        'createCustomer',
        () => store.createCustomer({ externalId: DEMO.customerExternalId, name: DEMO.customerName }),
        (made) => made.id,
      ));
    instance = (
      await audited(
        store,
        'createInstance',
        () =>
          createInstance(
            { store, components },
            {
              id: DEMO.instanceId,
              customerId: customer.id,
              name: DEMO.instanceName,
              components: [DEMO.componentKey],
              connections: [
                {
                  name: DEMO.connectionName,
                  componentKey: DEMO.componentKey,
                  definitionKey: DEMO.definitionKey,
                  fields,
                },
              ],
            },
          ),
        (made) => made.instance.id,
      )
    ).instance;
    instanceCreated = true;
  }
  let connection = await store.getConnectionByName(instance.id, DEMO.connectionName);
  if (!connection) {
    throw new KeywayError('KW_CONNECTION_INVALID', {
      message: `The demo instance "${instance.id}" has no "${DEMO.connectionName}" connection; delete the data dir to start over`,
    });
  }
  if (connection.fields['issuer'] !== options.sandboxIssuer) {
    // The sandbox moved to another port: point the connection at it (its old tokens died with the old sandbox).
    connection = await store.updateConnection(connection.id, { fields: { ...connection.fields, ...fields } });
  }

  const apiKeyFile = join(resolve(options.dataDir), DEMO.apiKeyFile);
  let newApiKey: string | undefined;
  const existing = existsSync(apiKeyFile) ? readFileSync(apiKeyFile, 'utf8').trim() : '';
  if (existing === '' || !(await store.verifyApiKey(existing))) {
    const created = await audited(
      store,
      'createApiKey',
      () => store.createApiKey({ name: DEMO.apiKeyName, scopes: [...API_SCOPES] }),
      (made) => made.apiKey.id,
    );
    writeFileSync(apiKeyFile, `${created.key}\n`, { mode: 0o600 });
    newApiKey = created.key;
  }

  const link = await createConnectLink(store, options.server, {
    instanceId: instance.id,
    connections: [connection.id],
  });
  return {
    instanceId: instance.id,
    connectionId: connection.id,
    connectionStatus: connection.status,
    instanceCreated,
    componentVersion: published.version,
    apiKeyFile,
    ...(newApiKey !== undefined ? { newApiKey } : {}),
    link,
  };
}

interface StartFlags {
  readonly config?: string;
  readonly port?: string;
  readonly publicUrl?: string;
  readonly sandboxPort?: string;
  readonly dataDir?: string;
  readonly logLevel?: string;
  readonly autoConsent?: boolean;
  readonly json?: boolean;
}

function shellPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? path : rel;
  return /^[\w./-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`;
}

function nextSteps(
  demo: PreparedDemo,
  server: ServerConfig,
  sandbox: Sandbox,
  dataDir: string,
  dataDirFlag: string,
): string {
  const action = `${server.publicBaseUrl}/api/instances/${demo.instanceId}/actions/${DEMO.componentKey}/${DEMO.actionKey}`;
  const lines = [
    '',
    `Keyway is running at ${server.publicBaseUrl} (SQLite in ${shellPath(dataDir)})`,
    `Sandbox authorization server at ${sandbox.issuer} (demo API ${sandbox.apiUrl})`,
    `Demo instance "${demo.instanceId}" (${demo.instanceCreated ? 'created' : 'reused'}), component ${DEMO.componentKey} v${demo.componentVersion}, connection "${DEMO.connectionName}": ${demo.connectionStatus}`,
    ...(demo.connectionStatus === 'connected' && !demo.instanceCreated
      ? [
          '  (the sandbox forgets its tokens when it stops: click Reconnect if the action gets KW_ACTION_UNAUTHORIZED)',
        ]
      : []),
    '',
    '1. Open this connect link, click Connect, then Approve on the sandbox page:',
    '',
    `   ${demo.link.url}`,
    '',
    '2. Run the demo action with the stored token, from another terminal:',
    '',
    `   npm run keyway -- run${dataDirFlag} ${demo.instanceId} ${DEMO.componentKey} ${DEMO.actionKey}`,
    '',
    '3. Or through the REST API:',
    '',
    `   curl -s -X POST -H "Authorization: Bearer $(cat ${shellPath(demo.apiKeyFile)})" \\`,
    `     -H 'content-type: application/json' -d '{}' ${action}`,
    '',
  ];
  if (demo.newApiKey !== undefined) {
    lines.push(
      `New API key (shown once; saved to ${shellPath(demo.apiKeyFile)}, mode 0600): ${demo.newApiKey}`,
      '',
    );
  }
  lines.push('Press Ctrl+C to stop.');
  return lines.join('\n');
}

async function runStart(out: Output, flags: StartFlags): Promise<void> {
  const logLevelFromEnv = (process.env['KEYWAY_LOG_LEVEL'] ?? '') !== '';
  const config = loadServeConfig({
    ...(flags.config !== undefined ? { config: flags.config } : {}),
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.publicUrl !== undefined ? { publicUrl: flags.publicUrl } : {}),
    ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
    // People read this terminal: only warnings and errors from the server unless asked for more.
    ...(flags.logLevel !== undefined
      ? { logLevel: flags.logLevel }
      : logLevelFromEnv
        ? {}
        : { logLevel: 'warn' }),
  });
  if (config.store.databaseUrl !== undefined) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message:
        'keyway start runs the local demo on SQLite; unset KEYWAY_DATABASE_URL (or use keyway serve for PostgreSQL)',
    });
  }
  const sandboxPort = Number(flags.sandboxPort ?? DEFAULT_SANDBOX_PORT);
  if (!Number.isInteger(sandboxPort) || sandboxPort < 0 || sandboxPort > 65535) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: 'Invalid configuration:\n  - sandboxPort (--sandbox-port): must be a port number 0-65535',
    });
  }
  const dataDir = resolve(config.serve.dataDir ?? DEFAULT_DATA_DIR);

  const componentDir = findDemoComponentDir();
  let bundlePath = join(componentDir, 'dist', 'index.js');
  if (!existsSync(bundlePath)) {
    out.note(`Building ${shellPath(componentDir)} (its dist/index.js is missing)...`);
    bundlePath = buildComponent(componentDir);
  }

  const sandbox = await startSandbox({
    port: sandboxPort,
    interactive: flags.autoConsent !== true,
    adminEndpoints: true,
    redirectUris: [`${config.server.publicBaseUrl}${CALLBACK_PATH}`],
  });
  let running: RunningServer | undefined;
  try {
    const demo = await withStore(config.store, (store) =>
      prepareDemo(store, { bundlePath, sandboxIssuer: sandbox.issuer, dataDir, server: config.server }),
    );
    running = await startKeywayServer(config, createLogger(config.serve.logLevel)).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') {
        throw new KeywayError('KW_CONFIG_INVALID', {
          message: `Keyway cannot listen on ${config.serve.host}:${config.serve.port} (${code}); choose another port with --port`,
          cause: err,
        });
      }
      throw err;
    });
    const dataDirFlag =
      config.serve.dataDir !== undefined && dataDir !== resolve(DEFAULT_DATA_DIR)
        ? ` --data-dir ${shellPath(dataDir)}`
        : '';
    out.result(
      {
        url: config.server.publicBaseUrl,
        sandbox: { issuer: sandbox.issuer, apiUrl: sandbox.apiUrl },
        dataDir,
        instanceId: demo.instanceId,
        connectionId: demo.connectionId,
        connectionStatus: demo.connectionStatus,
        connectLink: demo.link.url,
        apiKeyFile: demo.apiKeyFile,
        ...(demo.newApiKey !== undefined ? { apiKey: demo.newApiKey } : {}),
        run: { componentKey: DEMO.componentKey, actionKey: DEMO.actionKey },
      },
      () => nextSteps(demo, config.server, sandbox, dataDir, dataDirFlag),
    );
    await waitForStop();
  } finally {
    await running?.close();
    await sandbox.close();
  }
}

/** Registers `keyway start`. */
export function registerStart(program: Command): void {
  const start = program
    .command('start')
    .description('start Keyway, the sandbox and a demo instance on this machine, and print a connect link')
    .option('--port <port>', 'port for Keyway (env KEYWAY_PORT, default 3000)');
  withPublicUrlOption(start)
    .option('--sandbox-port <port>', `port for the sandbox (default ${DEFAULT_SANDBOX_PORT})`)
    .option('--data-dir <dir>', 'SQLite data directory (env KEYWAY_DATA_DIR, default ./.keyway)')
    .option('--config <file>', 'JSON config file (keys as in docs/configuration.md)')
    .option('--log-level <level>', 'server log level (env KEYWAY_LOG_LEVEL, default warn)')
    .option('--auto-consent', 'the sandbox consents without showing its Approve / Deny page')
    .option('--json', 'print the URLs and ids as JSON')
    .action(cliAction((out, flags: StartFlags) => runStart(out, flags)));
}
