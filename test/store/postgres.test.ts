/**
 * The store contract on a real PostgreSQL, in a fresh schema dropped afterwards. Never skipped: when the
 * server is unreachable these tests fail with a message saying how to start it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { isKeywayError } from '../../src/errors';
import { openStore } from '../../src/store';
import { openEngine } from '../../src/store/open';
import { keyA, storeContract } from './contract';

const databaseUrl = process.env['KEYWAY_TEST_DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';
const schema = `kw_test_${randomBytes(6).toString('hex')}`;
const tables = [
  'meta',
  'customers',
  'instances',
  'connections',
  'auth_sessions',
  'device_sessions',
  'components',
  'instance_state',
  'outbox_events',
  'api_keys',
  'executions',
  'locks',
];

let admin: pg.Pool | undefined;

async function connectAdmin(): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, options: `-c search_path=${schema}` });
  pool.on('error', () => undefined);
  try {
    await pool.query('select 1');
  } catch (err) {
    await pool.end();
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `PostgreSQL is unreachable at ${databaseUrl.replace(/:[^:@/]*@/, ':***@')} (${why}). ` +
        `Start it (.ci/run does) or set KEYWAY_TEST_DATABASE_URL.${process.env['CI'] === 'true' ? ' CI=true: this is a failure.' : ''}`,
    );
  }
  return pool;
}

function toPg(sqlText: string): string {
  let n = 0;
  return sqlText.replace(/\?/g, () => `$${++n}`);
}

describe('PostgreSQL store', () => {
  storeContract(
    async () => {
      admin = await connectAdmin();
      await admin.query(`create schema ${schema}`);
      const pool = admin;
      return {
        config: { databaseUrl, postgresSchema: schema, poolMax: 5 },
        rawQuery: async (sqlText, params = []) =>
          (await pool.query<Record<string, unknown>>(toPg(sqlText), [...params])).rows,
        rawDump: async () => {
          const dumps = await Promise.all(
            tables.map(
              async (table) =>
                (await pool.query<{ row: string }>(`select t::text as row from ${table} t`)).rows,
            ),
          );
          return dumps
            .flat()
            .map((r) => r.row)
            .join('\n');
        },
      };
    },
    async () => {
      if (admin) {
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.end();
      }
    },
  );

  it('records an execution whose error message was cut inside an emoji, as U+FFFD', async () => {
    // Sent as one JSON parameter per batch; a lone surrogate must not fail the row (see postgresJson).
    const store = await openStore({ databaseUrl, postgresSchema: schema, keys: keyA });
    try {
      const customer = await store.createCustomer({ name: 'surrogates' });
      const instance = await store.createInstance({ customerId: customer.id, name: 'surrogates' });
      const recorded = await store.recordExecution({
        instanceId: instance.id,
        componentKey: 'c',
        actionKey: 'a',
        status: 'failed',
        errorMessage: 'upstream said \ud83d',
        log: [{ at: 1, level: 'info', message: 'kept \ud83d\ude00 and \\ud83d as written' }],
      });
      expect(await store.getExecution(recorded.id)).toMatchObject({
        errorMessage: 'upstream said \ufffd',
        log: [{ message: 'kept \ud83d\ude00 and \\ud83d as written' }],
      });
    } finally {
      await store.close();
    }
  });

  it('looks only at its own schema when it migrates, so schemas dropped meanwhile cannot fail it', async () => {
    // kysely's own introspector read every schema and failed with 'schema "…" does not exist' when a parallel
    // test dropped its schema mid-query; the store's sees its own schema's tables and nothing else.
    const other = `kw_other_${randomBytes(6).toString('hex')}`;
    const pool = await connectAdmin();
    await pool.query(`create schema ${other}`);
    await pool.query(`create table ${other}.keyway_migrations (name text)`);
    const handle = openEngine({ databaseUrl, postgresSchema: schema, keys: keyA });
    try {
      const tables = await handle.db.introspection.getTables({ withInternalKyselyTables: true });
      expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([schema]));
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['keyway_migrations', 'connections']));
    } finally {
      await handle.close();
      await pool.query(`drop schema ${other} cascade`);
      await pool.end();
    }
  });

  it('refuses to start without an encryption key', async () => {
    let caught: unknown;
    try {
      await openStore({ databaseUrl, postgresSchema: schema });
    } catch (err) {
      caught = err;
    }
    expect(isKeywayError(caught, 'KW_CRYPTO_KEY_MISSING')).toBe(true);
  });
});
