/**
 * The configuration of `keyway serve`: its flags, environment variables and `--config` file, merged in that order
 * of precedence and validated with zod. A module of its own so that src/cli/config.ts (shared by every command)
 * and src/cli/commands/serve.ts both import it without importing each other.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { KeywayError } from '../errors';
import { WebhookEndpointsSchema } from '../runtime';
import { parseServerConfig } from '../server';
import type { ServerConfig } from '../server';
import type { StoreConfig } from '../store/config';

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
  readonly uploadDir?: string;
  readonly triggerBodyLimit?: string;
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

/** Interfaces only this machine reaches: listening on one, its address is exactly where Keyway is reached. */
const LOOPBACK: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * The URL people reach Keyway at: the configured one, else — only when listening on a loopback interface at a
 * fixed port — that address itself. Listening on every interface (`0.0.0.0`) or on a port chosen at start (`0`),
 * the URL would be a guess: undefined.
 */
function publicUrlOf(serve: {
  readonly publicUrl?: string | undefined;
  readonly host: string;
  readonly port: number;
}) {
  if (serve.publicUrl !== undefined) return serve.publicUrl;
  if (!LOOPBACK.has(serve.host) || serve.port === 0) return undefined;
  return `http://${serve.host.includes(':') ? `[${serve.host}]` : serve.host}:${serve.port}`;
}

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
  /** PostgreSQL: how long a statement may go unanswered before its connection is closed; default 15 000 ms. */
  databaseStatementTimeoutMs: z.coerce.number().int().min(100).max(3_600_000).optional(),
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
  /** Where `POST /api/components` streams an upload while it arrives; default the OS temp dir. Checked at start. */
  uploadDir: z.string().trim().min(1).optional(),
  /** The largest webhook body a trigger URL accepts (bytes); default 1 MiB. */
  triggerBodyLimit: z.coerce.number().int().positive().optional(),
  /** Receivers of connection events; see docs/refresh-and-crashes.md, Webhooks. */
  webhooks: webhooks.optional(),
  /** `host:port` of a second listener serving only `/metrics` (and `/healthz`), without a token. */
  metricsListen: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464')
    .optional(),
  /** Bearer token for `/metrics` on the main port; without it (and without metricsListen) no metrics. */
  metricsToken: z.string().optional(),
  /**
   * Keep-warm window for client-credentials (and stored-password) tokens, in minutes: renewed in the
   * background only for connections used within this long before the renewal is due. 0 (default): on demand.
   */
  grantRefreshWindowMinutes: z.coerce.number().min(0).max(43_200).default(0),
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
  databaseStatementTimeoutMs: 'KEYWAY_DATABASE_STATEMENT_TIMEOUT_MS',
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
  uploadDir: 'KEYWAY_UPLOAD_DIR',
  triggerBodyLimit: 'KEYWAY_TRIGGER_BODY_LIMIT',
  webhooks: 'KEYWAY_WEBHOOKS',
  metricsListen: 'KEYWAY_METRICS_LISTEN',
  metricsToken: 'KEYWAY_METRICS_TOKEN',
  grantRefreshWindowMinutes: 'KEYWAY_GRANT_REFRESH_WINDOW_MINUTES',
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
  const publicUrl = publicUrlOf(serve);
  if (publicUrl === undefined && problems.length === 0) {
    throw new KeywayError('KW_PUBLIC_URL_UNKNOWN', {
      message: `No public URL is configured, and listening on ${serve.host} port ${serve.port} does not say where people reach Keyway (the connect links and the OAuth callback URL need it): pass --public-url, set KEYWAY_PUBLIC_URL, or set publicUrl in the --config file`,
    });
  }
  let server: ServerConfig | undefined;
  if (problems.length === 0) {
    try {
      server = parseServerConfig({
        publicBaseUrl: publicUrl ?? '',
        linkSecret: serve.linkSecret ?? '',
        ...(serve.platformName ? { platformName: serve.platformName } : {}),
        ...(serve.platformLogo ? { platformLogoUrl: serve.platformLogo } : {}),
        allowedRedirectOrigins: serve.allowedRedirectOrigins ?? [],
        ...(serve.popupOrigin ? { popupOrigin: serve.popupOrigin } : {}),
        ...(serve.successUrl ? { successUrl: serve.successUrl } : {}),
        ...(serve.failureUrl ? { failureUrl: serve.failureUrl } : {}),
        ...(serve.maxBundleBytes !== undefined ? { maxBundleBytes: serve.maxBundleBytes } : {}),
        ...(serve.uploadDir !== undefined ? { uploadDir: resolve(serve.uploadDir) } : {}),
        ...(serve.triggerBodyLimit !== undefined ? { triggerBodyLimit: serve.triggerBodyLimit } : {}),
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
    ...(serve.databaseStatementTimeoutMs !== undefined
      ? { statementTimeoutMs: serve.databaseStatementTimeoutMs }
      : {}),
    ...(serve.encryptionKeys ? { keys: serve.encryptionKeys } : {}),
  };
  return { serve, server, store };
}

/**
 * Checks at start that uploads can be spooled to `dir` (the server's `uploadDir`) by doing what an upload does:
 * making a private directory in it, then removing it. `KW_CONFIG_INVALID` (details `{ setting, reason }`, reason
 * `missing`, `not_a_directory` or `not_writable`) when it cannot, so a deployment fails at start, not at its first
 * publish. Nothing to check when `dir` is undefined (the OS temp dir).
 */
export function assertUploadDir(dir: string | undefined): void {
  if (dir === undefined) return;
  const refuse = (reason: string, text: string, cause?: unknown): never => {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `Invalid configuration:\n  - ${problem('uploadDir', `${dir} ${text}`)}`,
      details: { setting: 'uploadDir', reason },
      ...(cause !== undefined ? { cause } : {}),
    });
  };
  let stat;
  try {
    // Not `throwIfNoEntry: false`: Node 24 answers undefined for ENOTDIR too, Node 22 throws it.
    stat = statSync(dir);
  } catch (err) {
    // Missing (ENOENT), a part of the path is a file (ENOTDIR), or a parent may not be searched (EACCES).
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT')
      refuse('missing', 'does not exist: create it, or unset uploadDir to use the OS temp dir', err);
    if (code === 'ENOTDIR')
      refuse('not_a_directory', 'is not a directory (a part of its path is a file)', err);
    refuse(
      'not_writable',
      `cannot be reached by this process (${typeof code === 'string' ? code : 'error'}): uploads are spooled there`,
      err,
    );
  }
  if (!stat?.isDirectory()) refuse('not_a_directory', 'is not a directory');
  try {
    rmSync(mkdtempSync(join(dir, 'keyway-upload-check-')), { recursive: true, force: true });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    refuse(
      'not_writable',
      `is not writable by this process (${typeof code === 'string' ? code : 'error'}): uploads are spooled there`,
      err,
    );
  }
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
