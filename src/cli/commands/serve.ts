/**
 * `keyway serve`: reads flags, environment and an optional JSON config file (in that order of precedence),
 * validates them with zod, then wires store → runtime → server and listens until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type * as Pino from 'pino';
import type { Logger } from 'pino';
import { z } from 'zod';
import { KeywayError } from '../../errors';
import { pinoRedactPaths } from '../../redact';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  WebhookEndpointsSchema,
  startRefresher,
  startWebhookDelivery,
} from '../../runtime';
import type { WebhookDelivery } from '../../runtime';
import type { FastifyInstance } from 'fastify';
import { Metrics, buildApp, buildMetricsApp, createRuntimeServices, parseServerConfig } from '../../server';
import type { ServerConfig } from '../../server';
import type { StoreConfig } from '../../store/config';
import { cliAction, loadServeConfig, loadStore } from '../config';
import type { Output } from '../output';
import { waitForStop } from '../signals';

/** Flags of `keyway serve`, as commander parses them (all strings). */
export interface ServeFlags {
  readonly config?: string;
  readonly port?: string;
  readonly host?: string;
  readonly publicUrl?: string;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly platformName?: string;
  readonly platformLogo?: string;
  readonly allowedRedirectOrigins?: string;
  readonly popupOrigin?: string;
  readonly successUrl?: string;
  readonly failureUrl?: string;
  readonly logLevel?: string;
  readonly maxBundleBytes?: string;
  readonly metricsListen?: string;
  readonly json?: boolean;
}

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(','))
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

/**
 * Webhook endpoints: an array in the config file, a JSON array in `KEYWAY_WEBHOOKS`. A value that is not JSON
 * is reported without the parser's message, which quotes the text (and with it the secrets).
 */
const webhooks = z.preprocess((value, ctx) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of { id, url, secret, events? }' });
    return z.NEVER;
  }
}, WebhookEndpointsSchema);

/** Everything `keyway serve` needs, validated. Names match the config file's keys. */
export const ServeConfigSchema = z.strictObject({
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  host: z.string().min(1).default('127.0.0.1'),
  publicUrl: z.string().optional(),
  dataDir: z.string().min(1).optional(),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /** `id:base64key,...`; required with PostgreSQL, generated in the data dir for SQLite. */
  encryptionKeys: z.string().min(1).optional(),
  linkSecret: z.string().optional(),
  platformName: z.string().min(1).max(100).optional(),
  platformLogo: z.string().optional(),
  allowedRedirectOrigins: list.optional(),
  popupOrigin: z.string().optional(),
  successUrl: z.string().optional(),
  failureUrl: z.string().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The largest bundle `POST /api/components` accepts (bytes, after gzip is inflated); default 32 MiB. */
  maxBundleBytes: z.coerce.number().int().positive().optional(),
  /** Receivers of connection events; see the README's webhook section. */
  webhooks: webhooks.optional(),
  /** `host:port` of a second listener serving only `/metrics` (and `/healthz`), without a token. */
  metricsListen: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464')
    .optional(),
  /** Bearer token for `/metrics` on the main port; without it (and without metricsListen) no metrics. */
  metricsToken: z.string().optional(),
});
/** A validated {@link ServeConfigSchema}. */
export type ServeConfig = z.output<typeof ServeConfigSchema>;

/** Which environment variable feeds which setting. Secrets come only from the environment or the file. */
export const SERVE_ENV: Readonly<Record<keyof ServeConfig, string>> = {
  port: 'KEYWAY_PORT',
  host: 'KEYWAY_HOST',
  publicUrl: 'KEYWAY_PUBLIC_URL',
  dataDir: 'KEYWAY_DATA_DIR',
  databaseUrl: 'KEYWAY_DATABASE_URL',
  encryptionKeys: 'KEYWAY_ENCRYPTION_KEYS',
  linkSecret: 'KEYWAY_LINK_SECRET',
  platformName: 'KEYWAY_PLATFORM_NAME',
  platformLogo: 'KEYWAY_PLATFORM_LOGO_URL',
  allowedRedirectOrigins: 'KEYWAY_ALLOWED_REDIRECT_ORIGINS',
  popupOrigin: 'KEYWAY_POPUP_ORIGIN',
  successUrl: 'KEYWAY_SUCCESS_URL',
  failureUrl: 'KEYWAY_FAILURE_URL',
  logLevel: 'KEYWAY_LOG_LEVEL',
  maxBundleBytes: 'KEYWAY_MAX_BUNDLE_BYTES',
  webhooks: 'KEYWAY_WEBHOOKS',
  metricsListen: 'KEYWAY_METRICS_LISTEN',
  metricsToken: 'KEYWAY_METRICS_TOKEN',
};

const SECRET_KEYS: ReadonlySet<string> = new Set([
  'encryptionKeys',
  'linkSecret',
  'databaseUrl',
  'webhooks',
  'metricsToken',
]);

function problem(path: string, message: string): string {
  // `webhooks.0.secret` names the value; the setting's variable is the first segment's.
  const env = SERVE_ENV[path.split('.')[0] as keyof ServeConfig];
  return `${path}${env ? ` (${env})` : ''}: ${message}`;
}

/**
 * Merges file < environment < flags and validates the result. Throws `KW_CONFIG_INVALID` with one line per
 * wrong value, naming the setting and its environment variable, never its value when it is a secret.
 */
export function resolveServeConfig(
  flags: ServeFlags,
  env: NodeJS.ProcessEnv,
  file: Readonly<Record<string, unknown>> = {},
): { serve: ServeConfig; server: ServerConfig; store: StoreConfig } {
  const fromEnv: Record<string, string> = {};
  for (const [key, name] of Object.entries(SERVE_ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const fromFlags: Record<string, string> = {};
  for (const [key, value] of Object.entries(flags)) {
    if (key !== 'config' && typeof value === 'string') fromFlags[key] = value;
  }
  const parsed = ServeConfigSchema.safeParse({ ...file, ...fromEnv, ...fromFlags });
  if (!parsed.success) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `Invalid configuration:\n${parsed.error.issues
        .map((issue) => `  - ${problem(issue.path.join('.') || '(root)', issue.message)}`)
        .join('\n')}`,
    });
  }
  const serve = parsed.data;
  const problems: string[] = [];
  if (!serve.linkSecret) {
    problems.push(
      problem(
        'linkSecret',
        'is required: set it to 32 or more random characters (e.g. openssl rand -base64 32)',
      ),
    );
  }
  const publicUrl =
    serve.publicUrl ?? `http://${serve.host === '0.0.0.0' ? '127.0.0.1' : serve.host}:${serve.port}`;
  let server: ServerConfig | undefined;
  if (problems.length === 0) {
    try {
      server = parseServerConfig({
        publicBaseUrl: publicUrl,
        linkSecret: serve.linkSecret ?? '',
        ...(serve.platformName ? { platformName: serve.platformName } : {}),
        ...(serve.platformLogo ? { platformLogoUrl: serve.platformLogo } : {}),
        allowedRedirectOrigins: serve.allowedRedirectOrigins ?? [],
        ...(serve.popupOrigin ? { popupOrigin: serve.popupOrigin } : {}),
        ...(serve.successUrl ? { successUrl: serve.successUrl } : {}),
        ...(serve.failureUrl ? { failureUrl: serve.failureUrl } : {}),
        ...(serve.maxBundleBytes !== undefined ? { maxBundleBytes: serve.maxBundleBytes } : {}),
        ...(serve.metricsToken ? { metricsToken: serve.metricsToken } : {}),
      });
    } catch (error) {
      const fields = (error as KeywayError).details?.['fields'];
      const names: Record<string, keyof ServeConfig> = {
        publicBaseUrl: 'publicUrl',
        platformLogoUrl: 'platformLogo',
      };
      for (const field of Array.isArray(fields) ? (fields as string[]) : []) {
        const key = names[field.split('.')[0] ?? ''] ?? (field.split('.')[0] as keyof ServeConfig);
        problems.push(
          problem(key, SECRET_KEYS.has(key) ? 'is invalid' : 'is invalid; see the message below'),
        );
      }
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0 || !server) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    });
  }
  const store: StoreConfig = {
    ...(serve.databaseUrl ? { databaseUrl: serve.databaseUrl } : {}),
    ...(serve.dataDir ? { dataDir: serve.dataDir } : {}),
    ...(serve.encryptionKeys ? { keys: serve.encryptionKeys } : {}),
  };
  return { serve, server, store };
}

/** Reads the `--config` JSON file; `KW_CONFIG_INVALID` when it is unreadable or not a JSON object. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new KeywayError('KW_CONFIG_INVALID', { message: `Cannot read the config file ${path}` });
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new KeywayError('KW_CONFIG_INVALID', { message: `The config file ${path} is not a JSON object` });
  }
}

/** Connections waiting to be accepted, at most; see where the server listens. */
const LISTEN_BACKLOG = 4096;

/** pino, loaded when a server starts rather than with the CLI: the other commands never log through it. */
function loadPino(): typeof Pino {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return require('pino') as typeof Pino;
}

/**
 * A pino logger that redacts tokens, secrets, codes and authorization headers. It writes to stdout, or to
 * stderr when stdout is kept for a command's JSON (`serve --json`).
 */
export function createLogger(level: string, destination: 1 | 2 = 1): Logger {
  const { pino } = loadPino();
  return pino(
    { level, redact: { paths: [...pinoRedactPaths], censor: '[REDACTED]' } },
    pino.destination({ dest: destination, sync: false }),
  );
}

/** Listens on `host:port` (validated by {@link ServeConfigSchema}). */
async function listenMetrics(app: FastifyInstance, hostPort: string | undefined): Promise<string> {
  const colon = (hostPort ?? '').lastIndexOf(':');
  return app.listen({ host: hostPort?.slice(0, colon) ?? '', port: Number(hostPort?.slice(colon + 1)) });
}

/** A listening Keyway: the address it listens at and how to stop it (server, refresher, webhooks, store). */
export interface RunningServer {
  readonly address: string;
  /** Where `/metrics` is served without a token, when `metricsListen` is set. */
  readonly metricsAddress?: string;
  readonly engine: string;
  close(): Promise<void>;
}

/**
 * Wires store → runtime → server from a resolved configuration and listens: what `keyway serve` and
 * `keyway start` run. The caller owns the process lifetime and calls `close()`.
 */
export async function startKeywayServer(
  config: { readonly serve: ServeConfig; readonly server: ServerConfig; readonly store: StoreConfig },
  logger: Logger,
): Promise<RunningServer> {
  const store = await loadStore().openStore({ ...config.store, notice: (message) => logger.warn(message) });
  const components = new ComponentRegistry({ store });
  const flows = new ConnectFlows({ store, components });
  const credentials = new CredentialManager({ store, components });
  const metrics = new Metrics();
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  const refresher = startRefresher({
    store,
    credentials,
    owner,
    onError: (err) => logger.error({ err }, 'refresher pass failed'),
    onOutcome: (connectionId, outcome) => {
      if (outcome.outcome === 'refreshed')
        metrics.inc('keyway_token_refreshes_total', { outcome: 'refreshed' });
      if (outcome.outcome === 'failed') {
        metrics.inc('keyway_token_refreshes_total', { outcome: 'failed' });
        metrics.inc('keyway_token_refresh_failures_total', { code: outcome.error.code });
        logger.warn({ connectionId, code: outcome.error.code }, 'refresh failed');
      }
    },
  });
  const endpoints = config.serve.webhooks ?? [];
  // The worker reads the endpoints stored through the API on every pass; while there is none at all it
  // leaves events in the outbox, so an endpoint added later still receives them.
  const webhooks: WebhookDelivery = startWebhookDelivery({
    store,
    endpoints,
    loadEndpoints: async () =>
      (await store.admin.listWebhookEndpoints()).map(({ id, url, secret, events }) => ({
        id,
        url,
        secret,
        ...(events ? { events: [...events] } : {}),
      })),
    owner,
    onError: (err) => logger.error({ err }, 'webhook delivery pass failed'),
  });
  const services = createRuntimeServices({
    store,
    components,
    flows,
    credentials,
    webhookEndpoints: endpoints,
    onRecordError: (err, executionId) => logger.error({ err, executionId }, 'execution record not written'),
  });
  const app = buildApp({ ...services, logger, metrics }, config.server);
  const metricsApp = config.serve.metricsListen ? buildMetricsApp(metrics) : undefined;
  const stopAll = async (): Promise<void> => {
    await refresher.stop().catch((err: unknown) => logger.error({ err }, 'refresher stop failed'));
    await webhooks.stop().catch((err: unknown) => logger.error({ err }, 'webhook worker stop failed'));
    await store.close();
  };
  try {
    // A burst of new connections waits in the accept queue rather than being dropped and retried a second later
    // (node's default queue is 511; the kernel caps this at net.core.somaxconn).
    const address = await app.listen({
      port: config.serve.port,
      host: config.serve.host,
      backlog: LISTEN_BACKLOG,
    });
    const metricsAddress = metricsApp
      ? await listenMetrics(metricsApp, config.serve.metricsListen)
      : undefined;
    return {
      address,
      ...(metricsAddress ? { metricsAddress } : {}),
      engine: store.engine,
      close: async () => {
        await app.close();
        await metricsApp?.close();
        await stopAll();
      },
    };
  } catch (err) {
    await app.close().catch(() => undefined);
    await metricsApp?.close().catch(() => undefined);
    await stopAll().catch(() => undefined);
    throw err;
  }
}

/** What `keyway serve --json` prints once it listens: one JSON line on stdout. */
export interface ServeListening {
  readonly address: string;
  readonly publicUrl: string;
  readonly engine: string;
  readonly webhookEndpoints: readonly string[];
  /** Where `/metrics` is served, when `metricsListen` is set. */
  readonly metricsAddress?: string;
}

async function runServe(out: Output, flags: ServeFlags): Promise<void> {
  // The shared loader: on SQLite without a configured link secret it uses the data dir's generated one.
  const config = loadServeConfig(flags);
  const logger = createLogger(config.serve.logLevel, out.json ? 2 : 1);
  const running = await startKeywayServer(config, logger);
  const listening: ServeListening = {
    address: running.address,
    publicUrl: config.server.publicBaseUrl,
    engine: running.engine,
    webhookEndpoints: (config.serve.webhooks ?? []).map((endpoint) => endpoint.id),
    ...(running.metricsAddress ? { metricsAddress: running.metricsAddress } : {}),
  };
  // One line, not pretty-printed: scripts read it as the first line of a stream.
  if (out.json) out.stdout.write(`${JSON.stringify(listening)}\n`);
  logger.info(listening, 'keyway serving');
  try {
    await waitForStop();
    logger.info('shutting down');
  } finally {
    await running.close();
    logger.flush();
  }
}

/** Registers `keyway serve`. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the connect pages, the OAuth callback and the REST API')
    .option('--config <file>', 'JSON config file (keys as in the README table)')
    .option('--port <port>', 'port to listen on (env KEYWAY_PORT, default 3000)')
    .option('--host <host>', 'interface to listen on (env KEYWAY_HOST, default 127.0.0.1)')
    .option('--public-url <url>', 'URL people and providers reach Keyway at (env KEYWAY_PUBLIC_URL)')
    .option('--data-dir <dir>', 'SQLite data directory (env KEYWAY_DATA_DIR)')
    .option('--database-url <url>', 'PostgreSQL URL (env KEYWAY_DATABASE_URL); default SQLite')
    .option('--platform-name <name>', 'shown on the connect page (env KEYWAY_PLATFORM_NAME)')
    .option('--platform-logo <url>', 'logo on the connect page (env KEYWAY_PLATFORM_LOGO_URL)')
    .option('--allowed-redirect-origins <origins>', 'comma-separated (env KEYWAY_ALLOWED_REDIRECT_ORIGINS)')
    .option('--popup-origin <origin>', 'opener origin for popup mode (env KEYWAY_POPUP_ORIGIN)')
    .option('--success-url <url>', 'where to send people after connecting (env KEYWAY_SUCCESS_URL)')
    .option('--failure-url <url>', 'where to send people when connecting fails (env KEYWAY_FAILURE_URL)')
    .option('--log-level <level>', 'pino level (env KEYWAY_LOG_LEVEL, default info)')
    .option(
      '--max-bundle-bytes <bytes>',
      'largest bundle POST /api/components accepts (env KEYWAY_MAX_BUNDLE_BYTES)',
    )
    .option('--metrics-listen <host:port>', 'serve /metrics there only (env KEYWAY_METRICS_LISTEN)')
    .option('--json', 'print the listening address as one JSON line on stdout; logs go to stderr')
    .action(cliAction((out, flags: ServeFlags) => runServe(out, flags)));
}
