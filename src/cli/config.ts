/**
 * The one configuration loader every `keyway` command uses: flags win over the environment, the environment
 * over the `--config` JSON file (the same keys and variables as `keyway serve`, see docs/configuration.md). Store
 * commands need only the store settings; commands that sign links or listen resolve the full serve config.
 */
import type { Command } from 'commander';
import type { ServerConfig } from '../server';
import type * as StoreModule from '../store';
import type { Store } from '../store';
import { storeConfigFromEnv } from '../store/config';
import type { StoreConfig } from '../store/config';
import { KeywayError } from '../errors';
import { SERVE_ENV, readConfigFile, resolveServeConfig } from './serve-config';
import type { ServeConfig, ServeFlags } from './serve-config';
import { withDataDirLinkSecret } from './link-secret';
import { Output } from './output';

/** Flags every store-backed command takes. */
export interface CommonFlags {
  readonly config?: string;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly json?: boolean;
}

/** Adds `--config`, `--data-dir`, `--database-url` and `--json` to a command. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('--config <file>', 'JSON config file (keys as in docs/configuration.md)')
    .option('--data-dir <dir>', 'SQLite data directory (env KEYWAY_DATA_DIR, default ./.keyway)')
    .option('--database-url <url>', 'PostgreSQL URL (env KEYWAY_DATABASE_URL); default SQLite')
    .option('--json', 'print machine-readable JSON instead of tables');
}

/**
 * Adds `--public-url` to a command that listens (`serve`, `start`): flag > `KEYWAY_PUBLIC_URL` > `publicUrl` in
 * the config file, resolved by {@link loadServeConfig}.
 */
export function withPublicUrlOption(command: Command): Command {
  return command.option(
    '--public-url <url>',
    'URL people and providers reach Keyway at (env KEYWAY_PUBLIC_URL, or publicUrl in --config)',
  );
}

function fileString(file: Readonly<Record<string, unknown>>, key: string, path: string): string | undefined {
  const value = file[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `Invalid configuration:\n  - ${key} (in ${path}): must be a non-empty string`,
    });
  }
  return value.trim();
}

/**
 * Store settings for commands that only read or write the store: flags > `KEYWAY_*` environment > config file.
 * The encryption keys come only from the environment or the file, never from a flag (shell history).
 */
export function loadStoreConfig(flags: CommonFlags, env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const file = flags.config ? readConfigFile(flags.config) : {};
  const path = flags.config ?? '';
  const fromFile: Record<string, string> = {};
  const databaseUrl = fileString(file, 'databaseUrl', path);
  const dataDir = fileString(file, 'dataDir', path);
  const keys = fileString(file, 'encryptionKeys', path);
  if (databaseUrl !== undefined) fromFile['KEYWAY_DATABASE_URL'] = databaseUrl;
  if (dataDir !== undefined) fromFile['KEYWAY_DATA_DIR'] = dataDir;
  if (keys !== undefined) fromFile['KEYWAY_ENCRYPTION_KEYS'] = keys;
  const merged: NodeJS.ProcessEnv = { ...fromFile };
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') merged[name] = value;
  }
  return storeConfigFromEnv(merged, {
    ...(flags.databaseUrl !== undefined ? { databaseUrl: flags.databaseUrl } : {}),
    ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
  });
}

/** A resolved serve configuration: what `keyway serve`, `start` and `connect-link` work from. */
export interface LoadedServeConfig {
  readonly serve: ServeConfig;
  readonly server: ServerConfig;
  readonly store: StoreConfig;
}

/**
 * The full configuration, validated as `keyway serve` validates it (one line per wrong value). On SQLite with
 * no `KEYWAY_LINK_SECRET`, the data dir's generated link secret is used, so every process on the machine signs
 * connect links with the same secret.
 */
export function loadServeConfig(
  flags: ServeFlags & { readonly json?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): LoadedServeConfig {
  const file = flags.config ? readConfigFile(flags.config) : {};
  const serveFlags: Record<string, string> = {};
  // Only serve's own settings: commands add flags of their own (`--ttl`, `--connection`) next to them.
  for (const [key, value] of Object.entries(flags)) {
    if (typeof value === 'string' && (key === 'config' || key in SERVE_ENV)) serveFlags[key] = value;
  }
  const resolved = resolveServeConfig(serveFlags, withDataDirLinkSecret(env, flags, file), file);
  const primary = storeConfigFromEnv(env).primaryKeyId;
  return {
    ...resolved,
    store: { ...resolved.store, ...(primary !== undefined ? { primaryKeyId: primary } : {}) },
  };
}

/**
 * The store module (kysely and the SQLite driver), loaded when a command first opens a store rather than at
 * start, so `keyway --version`, `--help` and a command refused for its flags never load it.
 */
export function loadStore(): typeof StoreModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return require('../store') as typeof StoreModule;
}

/** Opens the store, runs `work`, and closes the store whatever happens. */
export async function withStore<T>(config: StoreConfig, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await loadStore().openStore({
    ...config,
    notice: (message) => process.stderr.write(`${message}\n`),
  });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * Wraps a command's action: builds its {@link Output} from `--json`, and turns any failure into one printed
 * error (`error KW_CODE: message`) and exit code 1 instead of a stack trace.
 */
export function cliAction<Args extends unknown[], Flags extends { readonly json?: boolean }>(
  run: (out: Output, flags: Flags, ...args: Args) => Promise<void>,
): (...received: unknown[]) => Promise<void> {
  return async (...received: unknown[]) => {
    // commander passes the positional arguments, then the options object, then the command.
    const positional = received.slice(0, -2) as Args;
    const flags = (received[received.length - 2] ?? {}) as Flags;
    const out = new Output({ json: flags.json === true });
    try {
      await run(out, flags, ...positional);
    } catch (err) {
      out.error(err);
      process.exitCode = 1;
    }
  };
}
