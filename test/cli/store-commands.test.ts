/**
 * `keyway migrate` and `keyway keys rotate` in-process against a real SQLite data dir: their `--json` results,
 * and that a rotation really leaves every secret readable under the new key alone.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { envelopeKeyId, openStore, sqliteFile } from '../../src/store';
import { runCli, tempDataDir } from './cli-harness';

jest.setTimeout(30_000);

const KEY_A = `a:${randomBytes(32).toString('base64')}`;
const KEY_B = `b:${randomBytes(32).toString('base64')}`;

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function freshDir(): string {
  const dir = tempDataDir();
  dirs.push(dir);
  return dir;
}

/** How many encrypted connection cells are under each key id, read from the raw file. */
function cellsByKey(dataDir: string): Record<string, number> {
  const db = new Database(sqliteFile({ dataDir }), { readonly: true });
  try {
    const counts: Record<string, number> = {};
    for (const column of ['secret_fields', 'token_set']) {
      const rows = db
        .prepare(`select ${column} as cell from connections where ${column} is not null`)
        .all() as {
        cell: string;
      }[];
      for (const { cell } of rows) {
        const id = envelopeKeyId(cell);
        counts[id] = (counts[id] ?? 0) + 1;
      }
    }
    return counts;
  } finally {
    db.close();
  }
}

describe('keyway migrate', () => {
  it('reports the migrations it applied as JSON, and none on a second run', async () => {
    const dataDir = freshDir();
    const first = await runCli(['migrate', '--json', '--data-dir', dataDir]);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    const applied = first.json<{ applied: string[] }>().applied;
    expect(applied.length).toBeGreaterThan(0);
    const second = await runCli(['migrate', '--json', '--data-dir', dataDir]);
    expect(second.json()).toEqual({ applied: [] });
    const human = await runCli(['migrate', '--data-dir', dataDir]);
    expect(human.stdout).toBe('Database schema is up to date.\n');
  });

  it('takes the data dir from --config like the other commands', async () => {
    const dataDir = freshDir();
    const config = join(freshDir(), 'keyway.json');
    writeFileSync(config, JSON.stringify({ dataDir }));
    const run = await runCli(['migrate', '--json', '--config', config]);
    expect(run.exitCode).toBe(0);
    expect(run.json<{ applied: string[] }>().applied.length).toBeGreaterThan(0);
    expect(cellsByKey(dataDir)).toEqual({});
  });
});

describe('keyway keys rotate', () => {
  it('re-encrypts every secret under the new key and reports the rewritten count as JSON', async () => {
    const dataDir = freshDir();
    const store = await openStore({ dataDir, keys: KEY_A, notice: () => undefined });
    const ids: string[] = [];
    try {
      const customer = await store.createCustomer({ name: 'Rotate Co' });
      const instance = await store.createInstance({ customerId: customer.id, name: 'rotate' });
      for (let i = 0; i < 3; i++) {
        const connection = await store.createConnection({
          instanceId: instance.id,
          name: `c${i}`,
          componentKey: 'x',
          definitionKey: 'y',
          grantType: 'client_credentials',
          secretFields: { clientSecret: `secret-${i}` },
          tokenSet: { access_token: `token-${i}` },
        });
        ids.push(connection.id);
      }
    } finally {
      await store.close();
    }
    const before = cellsByKey(dataDir);
    expect(Object.keys(before)).toEqual(['a']);
    const underA = before['a'] ?? 0;
    // Three connections, each with secret fields and a token set.
    expect(underA).toBe(6);

    const run = await runCli(['keys', 'rotate', '--json', '--batch-size', '2', '--data-dir', dataDir], {
      KEYWAY_ENCRYPTION_KEYS: `${KEY_A},${KEY_B}`,
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.json()).toEqual({ primaryKeyId: 'b', total: underA, rewritten: underA, failures: [] });
    expect(cellsByKey(dataDir)).toEqual({ b: underA });

    // Key A can go: the secrets read back under key B alone.
    const onlyB = await openStore({ dataDir, keys: KEY_B, notice: () => undefined });
    try {
      const connection = await onlyB.getConnection(ids[2] ?? '');
      expect(connection?.secretFields).toEqual({ clientSecret: 'secret-2' });
      expect(connection?.tokenSet).toEqual({ access_token: 'token-2' });
    } finally {
      await onlyB.close();
    }

    const again = await runCli(['keys', 'rotate', '--json', '--data-dir', dataDir], {
      KEYWAY_ENCRYPTION_KEYS: `${KEY_A},${KEY_B}`,
    });
    expect(again.json()).toMatchObject({ primaryKeyId: 'b', total: 0, rewritten: 0 });
    // The human form prints the count on stdout and the progress bar on stderr.
    const human = await runCli(['keys', 'rotate', '--data-dir', dataDir], {
      KEYWAY_ENCRYPTION_KEYS: `${KEY_A},${KEY_B}`,
    });
    expect(human.stdout).toBe('Re-encrypted 0 secret(s) under key "b".\n');
  });

  it('names a bad --batch-size with the CLI argument code', async () => {
    const run = await runCli(['keys', 'rotate', '--json', '--batch-size', 'lots', '--data-dir', freshDir()]);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stderr)).toEqual({
      error: { code: 'KW_CLI_ARGUMENT_INVALID', message: '--batch-size must be a positive whole number' },
    });
  });
});
