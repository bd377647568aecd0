/**
 * `keyway serve`: reads flags, environment and an optional JSON config file (in that order of precedence),
 * validates them with zod, then wires store → runtime → server and listens until SIGINT/SIGTERM.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type * as Pino from 'pino';
import type { Logger } from 'pino';
import { pinoRedactPaths } from '../../redact';
import {
  Triggers,
  WebhookDirectory,
  startHeartbeat,
  startPoller,
  startRefresher,
  startWebhookDelivery,
} from '../../runtime';
import type { WebhookDelivery } from '../../runtime';
import type { FastifyInstance } from 'fastify';
import { Metrics, buildApp, buildMetricsApp, createRuntimeServices } from '../../server';
import type { ServerConfig } from '../../server';
import type { StoreConfig } from '../../store/config';
import { catalogLookup } from '../catalog';
import { cliAction, loadServeConfig, loadStore, withPublicUrlOption } from '../config';
import type { Output } from '../output';
import { loopErrorLogs } from '../loop-log';
import { composeRuntime } from '../runtime';
import { assertUploadDir } from '../serve-config';
import type { ServeConfig, ServeFlags } from '../serve-config';
import { waitForStop } from '../signals';

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
 * How often the background workers look for work and how long the poller's lease lasts. The defaults suit a
 * deployment; the multi-process tests shorten them so a test sees many scheduled ticks and a lease lapse quickly.
 */
export interface WorkerTimings {
  /** The poller's pass interval (default 5 s). */
  readonly pollIntervalMs?: number;
  /** The poll lease: how long a replica killed mid-poll holds its subscription (default 60 s). */
  readonly pollLeaseMs?: number;
  /** The outbox delivery worker's pass interval (default 1 s). */
  readonly deliveryIntervalMs?: number;
}

/**
 * Wires store → runtime → server from a resolved configuration and listens: what `keyway serve` and
 * `keyway start` run. The caller owns the process lifetime and calls `close()`.
 */
export async function startKeywayServer(
  config: { readonly serve: ServeConfig; readonly server: ServerConfig; readonly store: StoreConfig },
  logger: Logger,
  timings: WorkerTimings = {},
): Promise<RunningServer> {
  assertUploadDir(config.server.uploadDir);
  const store = await loadStore().openStore({ ...config.store, notice: (message) => logger.warn(message) });
  const { components, flows, credentials } = composeRuntime(store, {
    recentUseWindowMs: config.serve.grantRefreshWindowMinutes * 60_000,
  });
  const metrics = new Metrics();
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  // A database outage fails every pass of every loop: one line per loop per minute, not a stack per pass.
  const loopError = loopErrorLogs(logger);
  // Tells `keys rotate` which keys this replica holds; see docs/reliability.md.
  const heartbeat = await startHeartbeat({
    store,
    id: owner,
    label: `${hostname()}:${process.pid}`,
    onError: loopError('replica heartbeat not published'),
  });
  const refresher = startRefresher({
    store,
    credentials,
    owner,
    onError: loopError('refresher pass failed'),
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
    ...(timings.deliveryIntervalMs !== undefined ? { intervalMs: timings.deliveryIntervalMs } : {}),
    onError: loopError('webhook delivery pass failed'),
  });
  const onRecordError = (err: unknown, executionId: string): void =>
    logger.error({ err, executionId }, 'execution record not written');
  const webhookUrls = new WebhookDirectory({ store, publicBaseUrl: config.server.publicBaseUrl });
  const triggers = new Triggers({ store, components, credentials, webhooks: webhookUrls, onRecordError });
  // Scheduled polls of polling triggers, one replica per run (lease claims); see docs/triggers.md.
  const poller = startPoller({
    store,
    triggers,
    owner,
    ...(timings.pollIntervalMs !== undefined ? { intervalMs: timings.pollIntervalMs } : {}),
    ...(timings.pollLeaseMs !== undefined ? { leaseMs: timings.pollLeaseMs } : {}),
    onError: loopError('poller pass failed'),
  });
  const services = createRuntimeServices({
    store,
    components,
    flows,
    credentials,
    webhookEndpoints: endpoints,
    onRecordError,
    triggers: { triggers, webhooks: webhookUrls },
    providers: catalogLookup,
  });
  const app = buildApp({ ...services, logger, metrics }, config.server);
  const metricsApp = config.serve.metricsListen ? buildMetricsApp(metrics) : undefined;
  const stopAll = async (): Promise<void> => {
    await refresher.stop().catch((err: unknown) => logger.error({ err }, 'refresher stop failed'));
    await poller.stop().catch((err: unknown) => logger.error({ err }, 'poller stop failed'));
    await webhooks.stop().catch((err: unknown) => logger.error({ err }, 'webhook worker stop failed'));
    await heartbeat.stop();
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
  const serve = program
    .command('serve')
    .description('run the connect pages, the OAuth callback and the REST API')
    .option('--config <file>', 'JSON config file (keys as in docs/configuration.md)')
    .option('--port <port>', 'port to listen on (env KEYWAY_PORT, default 3000)')
    .option('--host <host>', 'interface to listen on (env KEYWAY_HOST, default 127.0.0.1)');
  withPublicUrlOption(serve)
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
    .option(
      '--upload-dir <dir>',
      'an existing, writable directory to spool uploaded bundles in (env KEYWAY_UPLOAD_DIR, default the OS temp dir)',
    )
    .option(
      '--trigger-body-limit <bytes>',
      'largest webhook body a trigger URL accepts (env KEYWAY_TRIGGER_BODY_LIMIT, default 1 MiB)',
    )
    .option('--metrics-listen <host:port>', 'serve /metrics there only (env KEYWAY_METRICS_LISTEN)')
    .option('--json', 'print the listening address as one JSON line on stdout; logs go to stderr')
    .action(cliAction((out, flags: ServeFlags) => runServe(out, flags)));
}
