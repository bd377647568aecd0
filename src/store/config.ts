/**
 * Store settings and where they come from: plain data and environment parsing, with nothing of the engines, so
 * a command that only parses its configuration (`keyway --help`, a bad flag) never loads a database driver.
 * Code outside src/store imports it from here or through ./index.
 */
import type { KeyRing } from './crypto';

/** Where and how to open the store. */
export interface StoreConfig {
  /** `postgres://...`: use PostgreSQL. Unset: SQLite in `dataDir`. */
  readonly databaseUrl?: string;
  /** Directory for `keyway.sqlite` and a generated `keyway.key`. Default `./.keyway`. */
  readonly dataDir?: string;
  /**
   * The key ring, or its `id:base64key,...` form. Unset with SQLite: read or generate
   * `<dataDir>/keyway.key`. Unset with PostgreSQL: `KW_CRYPTO_KEY_MISSING`.
   */
  readonly keys?: KeyRing | string;
  /** Names the key to encrypt with when it is not the last one. */
  readonly primaryKeyId?: string;
  /** Clock for `createdAt`/`updatedAt` and similar defaults. Default `Date.now`. */
  readonly now?: () => number;
  /** Receives the one-time notice about a generated key. Default: stderr. */
  readonly notice?: (message: string) => void;
  /** Run pending migrations while opening (default true). */
  readonly migrate?: boolean;
  /** PostgreSQL: use this schema via `search_path` (tests use a fresh one per file). */
  readonly postgresSchema?: string;
  /** PostgreSQL pool size (default 10). */
  readonly poolMax?: number;
  /**
   * PostgreSQL: how long a statement may go unanswered (ms, default 15 000) before its connection is closed and
   * the call fails with `KW_STORE_UNAVAILABLE`; migrations are not bounded. See docs/reliability.md.
   */
  readonly statementTimeoutMs?: number;
}

/** The default data directory, relative to the working directory. */
export const DEFAULT_DATA_DIR = './.keyway';

/**
 * Reads store settings from the environment: `KEYWAY_DATABASE_URL`, `KEYWAY_DATA_DIR`,
 * `KEYWAY_ENCRYPTION_KEYS`, `KEYWAY_ENCRYPTION_PRIMARY_KEY`, `KEYWAY_DATABASE_STATEMENT_TIMEOUT_MS`. Flags
 * (`overrides`) win over the environment.
 */
export function storeConfigFromEnv(
  env: NodeJS.ProcessEnv,
  overrides: Partial<StoreConfig> = {},
): StoreConfig {
  const pick = (value: string | undefined): string | undefined =>
    value !== undefined && value.trim() !== '' ? value.trim() : undefined;
  const databaseUrl = overrides.databaseUrl ?? pick(env['KEYWAY_DATABASE_URL']);
  const dataDir = overrides.dataDir ?? pick(env['KEYWAY_DATA_DIR']);
  const keys = overrides.keys ?? pick(env['KEYWAY_ENCRYPTION_KEYS']);
  const primaryKeyId = overrides.primaryKeyId ?? pick(env['KEYWAY_ENCRYPTION_PRIMARY_KEY']);
  const statementTimeout = pick(env['KEYWAY_DATABASE_STATEMENT_TIMEOUT_MS']);
  // Checked when the engine opens (KW_CONFIG_INVALID), where a value from any source is checked.
  const statementTimeoutMs =
    overrides.statementTimeoutMs ?? (statementTimeout !== undefined ? Number(statementTimeout) : undefined);
  return {
    ...overrides,
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(keys !== undefined ? { keys } : {}),
    ...(primaryKeyId !== undefined ? { primaryKeyId } : {}),
    ...(statementTimeoutMs !== undefined ? { statementTimeoutMs } : {}),
  };
}
