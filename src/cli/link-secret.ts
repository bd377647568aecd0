/**
 * The connect-link signing secret on a single machine. With SQLite and no `KEYWAY_LINK_SECRET`, Keyway
 * generates one into the data dir (mode 0600) the way it generates the encryption key, so `keyway serve` and a
 * `keyway connect-link` run from another terminal sign and verify with the same secret.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KeywayError } from '../errors';
import { DEFAULT_DATA_DIR } from '../store/config';

/** The generated secret's file name inside the data dir. */
export const LINK_SECRET_FILE = 'link-secret';

/** Where the generated link secret of `dataDir` lives. */
export function linkSecretPath(dataDir: string = DEFAULT_DATA_DIR): string {
  return join(resolve(dataDir), LINK_SECRET_FILE);
}

/**
 * Reads the data dir's link secret, generating it on first use (32 random bytes, base64url, file mode 0600).
 * Two processes starting at once agree: the file is created exclusively and the loser reads the winner's.
 */
export function ensureLinkSecret(dataDir: string = DEFAULT_DATA_DIR): string {
  const file = linkSecretPath(dataDir);
  const read = (): string | undefined => {
    try {
      const value = readFileSync(file, 'utf8').trim();
      return value === '' ? undefined : value;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new KeywayError('KW_CONFIG_INVALID', {
        message: `Cannot read the link secret file ${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}); fix its permissions or set KEYWAY_LINK_SECRET.`,
        cause: err,
      });
    }
  };
  const existing = read();
  if (existing !== undefined) return existing;
  const secret = randomBytes(32).toString('base64url');
  try {
    mkdirSync(resolve(dataDir), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      const winner = read();
      if (winner !== undefined) return winner;
    }
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `Cannot create the link secret file ${file} (${code ?? 'unwritable'}); make the data dir writable or set KEYWAY_LINK_SECRET.`,
      cause: err,
    });
  }
}

/**
 * Returns `env` with `KEYWAY_LINK_SECRET` filled from the data dir when none is configured (flags, env or the
 * config file) and the store is SQLite. With PostgreSQL nothing is generated: replicas on different machines
 * must share one configured secret, so its absence stays a configuration error.
 */
export function withDataDirLinkSecret(
  env: NodeJS.ProcessEnv,
  flags: { readonly dataDir?: string | undefined; readonly databaseUrl?: string | undefined },
  file: Readonly<Record<string, unknown>> = {},
): NodeJS.ProcessEnv {
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value.trim() !== '' ? value : undefined;
  const configured = text(env['KEYWAY_LINK_SECRET']) ?? text(file['linkSecret']);
  const databaseUrl =
    text(flags.databaseUrl) ?? text(env['KEYWAY_DATABASE_URL']) ?? text(file['databaseUrl']);
  if (configured !== undefined || databaseUrl !== undefined) return env;
  const dataDir = text(flags.dataDir) ?? text(env['KEYWAY_DATA_DIR']) ?? text(file['dataDir']);
  return { ...env, KEYWAY_LINK_SECRET: ensureLinkSecret(dataDir) };
}
