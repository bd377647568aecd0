/**
 * Opening a store: choose the engine, run migrations, resolve and verify the encryption keys.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KeywayError, isKeywayError } from '../errors';
import { DEFAULT_DATA_DIR } from './config';
import type { StoreConfig } from './config';
import { KeyRing, cellAad } from './crypto';
import type { EngineHandle } from './engine';
import { KyselyStore } from './kysely-store';
import { migrateToLatest } from './migrations';
import type { MigrationReport } from './migrations';
import { openPostgresEngine } from './postgres';
import { openSqliteEngine } from './sqlite';
import type { Store } from './types';
import { UNAVAILABLE_RETRY_AFTER_MS, isUnavailable, unavailableReason } from './unavailable';

const KEY_CHECK_PREFIX = 'key_check:';
const KEY_CHECK_PLAINTEXT = 'keyway key check v1';

/** Opens the engine without keys or migrations; for `keyway migrate` and {@link openStore}. */
export function openEngine(config: StoreConfig): EngineHandle {
  if (config.databaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
      throw new KeywayError('KW_CONFIG_INVALID', {
        message: 'The database URL must start with postgres:// or postgresql://.',
      });
    }
    return openPostgresEngine({
      databaseUrl: config.databaseUrl,
      ...(config.postgresSchema !== undefined ? { schema: config.postgresSchema } : {}),
      ...(config.poolMax !== undefined ? { poolMax: config.poolMax } : {}),
      ...(config.statementTimeoutMs !== undefined ? { statementTimeoutMs: config.statementTimeoutMs } : {}),
    });
  }
  return openSqliteEngine(sqliteFile(config));
}

/** The SQLite file a config points at. */
export function sqliteFile(config: StoreConfig): string {
  return join(resolve(config.dataDir ?? DEFAULT_DATA_DIR), 'keyway.sqlite');
}

/** Applies pending migrations and reports which ran; `keyway migrate`. */
export async function migrateStore(config: StoreConfig): Promise<MigrationReport> {
  const handle = openEngine(config);
  try {
    return await migrateToLatest(handle.migrationDb ?? handle.db, handle.engine);
  } catch (err) {
    throw unavailable(err, config) ?? err;
  } finally {
    await handle.close();
  }
}

/**
 * Opens the store: SQLite at `<dataDir>/keyway.sqlite` (created on first run) or PostgreSQL at
 * `databaseUrl`; runs migrations; checks that the keys are the ones the database was encrypted with.
 * A wrong or missing key fails here with a `KW_CRYPTO_*` error, never later with garbage data.
 */
export async function openStore(config: StoreConfig = {}): Promise<Store> {
  const handle = openEngine(config);
  try {
    if (config.migrate !== false) await migrateToLatest(handle.migrationDb ?? handle.db, handle.engine);
    const ring = await resolveKeyRing(handle, config);
    await verifyKeyRing(handle, ring);
    return new KyselyStore(handle, ring, config.now ?? Date.now);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw unavailable(err, config) ?? err;
  }
}

/** Answers of a server that was reached but refused us: what to fix. */
const LOGIN_REFUSED: Readonly<Record<string, string>> = {
  '28P01': 'the server refused the password; check the user and password',
  '28000': "the server refused the login; check the user name and the server's pg_hba.conf",
  '3D000': 'the database does not exist; create it or correct its name',
};

/**
 * A database that cannot be reached (or refuses the login) while opening the store, as `KW_STORE_UNAVAILABLE`
 * with a message a person can act on at start: where it tried (host, port, database; never the user or the
 * password), what went wrong (the driver's code) and what to check. Other errors pass unchanged (undefined).
 */
function unavailable(err: unknown, config: StoreConfig): KeywayError | undefined {
  if (config.databaseUrl === undefined) return undefined;
  // The driver wrapper has usually typed it already; the driver's own error is its cause.
  const cause = isKeywayError(err) ? (err.code === 'KW_STORE_UNAVAILABLE' ? err.cause : undefined) : err;
  if (cause === undefined) return undefined;
  const reason = unavailableReason(cause);
  const refused = LOGIN_REFUSED[reason];
  if (refused === undefined && !isUnavailable(cause)) return undefined;
  const check =
    refused ??
    (reason === 'connect timeout'
      ? 'it accepted the connection but did not answer within the connect timeout; check that the server is up and not overloaded, and any proxy in between'
      : 'check that the server is running and reachable from here');
  return new KeywayError('KW_STORE_UNAVAILABLE', {
    message: `Cannot reach the database at ${describeDatabase(config.databaseUrl)} (${reason}): ${check}. The address comes from KEYWAY_DATABASE_URL (--database-url).`,
    retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS,
    cause,
  });
}

/** `host:port/database` of a PostgreSQL URL, without its credentials. */
function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    const host = url.searchParams.get('host') ?? decodeURIComponent(url.hostname);
    return `${host || 'localhost'}:${url.port || '5432'}/${decodeURIComponent(url.pathname.slice(1))}`;
  } catch {
    return 'the configured server';
  }
}

async function resolveKeyRing(handle: EngineHandle, config: StoreConfig): Promise<KeyRing> {
  if (config.keys instanceof KeyRing) return config.keys;
  if (typeof config.keys === 'string') return KeyRing.parse(config.keys, config.primaryKeyId);
  if (handle.engine === 'postgres') {
    throw new KeywayError('KW_CRYPTO_KEY_MISSING', {
      message:
        'No encryption key configured. With PostgreSQL set KEYWAY_ENCRYPTION_KEYS to "<id>:<base64 of 32 random bytes>" (e.g. `k1:$(openssl rand -base64 32)`); every replica needs the same keys.',
    });
  }
  const keyFile = join(resolve(config.dataDir ?? DEFAULT_DATA_DIR), 'keyway.key');
  if (existsSync(keyFile)) {
    return KeyRing.parse(readFileSync(keyFile, 'utf8').trim(), config.primaryKeyId);
  }
  if ((await keyChecks(handle)).length > 0) {
    // Generating a fresh key now would leave every stored secret unreadable.
    throw new KeywayError('KW_CRYPTO_KEY_MISSING', {
      message: `The database holds encrypted secrets but ${keyFile} is missing and KEYWAY_ENCRYPTION_KEYS is not set; restore the key file or set the keys.`,
    });
  }
  const ring = KeyRing.generate();
  try {
    // 'wx': if another process created it first, use theirs instead of overwriting it.
    writeFileSync(keyFile, `${ring.serialize()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'code' in err && err.code === 'EEXIST') {
      return KeyRing.parse(readFileSync(keyFile, 'utf8').trim(), config.primaryKeyId);
    }
    throw err;
  }
  (config.notice ?? ((message: string) => process.stderr.write(`${message}\n`)))(
    `keyway: generated an encryption key in ${keyFile} (readable only by you). Back it up: without it the stored tokens cannot be decrypted.`,
  );
  return ring;
}

async function keyChecks(handle: EngineHandle): Promise<{ key: string; value: string }[]> {
  return handle.db
    .selectFrom('meta')
    .select(['key', 'value'])
    .where('key', 'like', `${KEY_CHECK_PREFIX}%`)
    .execute();
}

/**
 * Every key id has a check value in `meta`: a known plaintext encrypted under that key. A key whose check
 * does not decrypt is the wrong key; a ring sharing no id with the database is the wrong ring.
 */
async function verifyKeyRing(handle: EngineHandle, ring: KeyRing): Promise<void> {
  const aadFor = (id: string): string => cellAad('meta', `${KEY_CHECK_PREFIX}${id}`, 'value');
  const existing = await keyChecks(handle);
  const known = new Map(existing.map((row) => [row.key.slice(KEY_CHECK_PREFIX.length), row.value]));
  if (known.size > 0 && !ring.ids.some((id) => known.has(id))) {
    throw new KeywayError('KW_CRYPTO_KEY_INVALID', {
      message: `None of the configured encryption keys (${ring.ids.join(', ')}) is a key this database was encrypted with (${[...known.keys()].join(', ')}).`,
    });
  }
  for (const id of ring.ids) {
    let check = known.get(id);
    if (check === undefined) {
      await handle.db
        .insertInto('meta')
        .values({ key: `${KEY_CHECK_PREFIX}${id}`, value: ring.encrypt(KEY_CHECK_PLAINTEXT, aadFor(id), id) })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      // Another process may have won the insert with a different key under the same id; check theirs.
      const row = await handle.db
        .selectFrom('meta')
        .select('value')
        .where('key', '=', `${KEY_CHECK_PREFIX}${id}`)
        .executeTakeFirstOrThrow();
      check = row.value;
    }
    let plaintext: string | undefined;
    try {
      plaintext = ring.decrypt(check, aadFor(id));
    } catch {
      plaintext = undefined;
    }
    if (plaintext !== KEY_CHECK_PLAINTEXT) {
      throw new KeywayError('KW_CRYPTO_KEY_INVALID', {
        message: `Encryption key "${id}" is not the key this database was encrypted with under that id; check KEYWAY_ENCRYPTION_KEYS.`,
        details: { keyId: id },
      });
    }
  }
}
