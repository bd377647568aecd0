/** The store contract on SQLite: a real database file in a fresh temporary data directory. */
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { isKeywayError } from '../../src/errors';
import { openStore } from '../../src/store';
import { storeContract } from './contract';

const dataDir = mkdtempSync(join(tmpdir(), 'keyway-store-'));
const file = join(dataDir, 'keyway.sqlite');

describe('SQLite store', () => {
  storeContract(
    () =>
      Promise.resolve({
        config: { dataDir },
        rawQuery: (sqlText, params = []) => {
          const db = new BetterSqlite3(file);
          try {
            db.pragma('busy_timeout = 5000');
            const statement = db.prepare(sqlText);
            return Promise.resolve(
              statement.reader
                ? (statement.all(...params) as Record<string, unknown>[])
                : (statement.run(...params), []),
            );
          } finally {
            db.close();
          }
        },
        rawDump: () => {
          // The main file and the write-ahead log: everything on disk.
          const parts = ['', '-wal', '-shm'].map((suffix) =>
            existsSync(file + suffix) ? readFileSync(file + suffix).toString('latin1') : '',
          );
          return Promise.resolve(parts.join('\n'));
        },
      }),
    () => {
      rmSync(dataDir, { recursive: true, force: true });
      return Promise.resolve();
    },
  );
});

describe('SQLite first run', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'keyway-first-run-'));
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it('creates the data directory and a key file only the user can read, and says so once', async () => {
    const dir = join(fresh, 'nested', 'data');
    const notices: string[] = [];
    const store = await openStore({ dataDir: dir, notice: (m) => notices.push(m) });
    const customer = await store.createCustomer({ name: 'first' });
    await store.close();
    expect(statSync(join(dir, 'keyway.key')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'keyway.sqlite')).mode & 0o777).toBe(0o600);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('keyway.key');
    expect(notices[0]).not.toContain(readFileSync(join(dir, 'keyway.key'), 'utf8').split(':')[1]?.trim());

    const again = await openStore({ dataDir: dir, notice: (m) => notices.push(m) });
    expect((await again.getCustomer(customer.id))?.name).toBe('first');
    await again.close();
    expect(notices).toHaveLength(1);
  });

  it('refuses to start when the key file of an existing database is gone', async () => {
    const dir = join(fresh, 'lost-key');
    const store = await openStore({ dataDir: dir, notice: () => undefined });
    await store.close();
    rmSync(join(dir, 'keyway.key'));
    let caught: unknown;
    try {
      await openStore({ dataDir: dir, notice: () => undefined });
    } catch (err) {
      caught = err;
    }
    expect(isKeywayError(caught, 'KW_CRYPTO_KEY_MISSING')).toBe(true);
    expect(existsSync(join(dir, 'keyway.key'))).toBe(false);
  });
});
