/**
 * Store section: point read, token upsert and compare-and-set per second, on SQLite (a temporary file)
 * and PostgreSQL (`KEYWAY_BENCH_DATABASE_URL`, default postgres://root@127.0.0.1:5432/test, in a
 * throw-away schema).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../src/store';
import type { Store } from '../src/store';
import type { BenchCase, BenchSection } from './run';

const key = `bench:${randomBytes(32).toString('base64')}`;

async function casesFor(store: Store, variant: string): Promise<BenchCase[]> {
  const customer = await store.createCustomer({ name: 'bench' });
  const instance = await store.createInstance({ customerId: customer.id, name: 'bench' });
  const connection = await store.createConnection({
    instanceId: instance.id,
    name: 'conn',
    componentKey: 'bench',
    definitionKey: 'bench-oauth',
    grantType: 'authorization_code',
    secretFields: { clientSecret: 's'.repeat(40) },
    tokenSet: { access_token: 'a'.repeat(200), refresh_token: 'r'.repeat(60), expires_in: 3600 },
    status: 'connected',
  });
  const tokenSet = (i: number): Record<string, unknown> => ({
    access_token: `${'a'.repeat(200)}${i}`,
    refresh_token: 'r'.repeat(60),
    expires_in: 3600,
  });
  let version = connection.version;
  return [
    {
      name: 'point read (getConnection, decrypts)',
      variant,
      iterations: 2000,
      run: async (n) => {
        for (let i = 0; i < n; i++) await store.getConnection(connection.id);
      },
    },
    {
      name: 'token upsert (updateConnection, encrypts)',
      variant,
      iterations: 1000,
      run: async (n) => {
        for (let i = 0; i < n; i++) {
          version = (await store.updateConnection(connection.id, { tokenSet: tokenSet(i) })).version;
        }
      },
    },
    {
      name: 'compare-and-set of tokens',
      variant,
      iterations: 1000,
      run: async (n) => {
        for (let i = 0; i < n; i++) {
          const result = await store.compareAndSetConnectionTokens(connection.id, version, {
            tokenSet: tokenSet(i),
          });
          if (!result.ok) throw new Error('unexpected CAS conflict in a single-writer benchmark');
          version = result.connection.version;
        }
      },
    },
  ];
}

export const section: BenchSection = {
  name: 'store',
  async setup() {
    const cleanups: (() => Promise<void>)[] = [];
    const cases: BenchCase[] = [];
    const unavailable: { variant: string; reason: string }[] = [];

    const dataDir = mkdtempSync(join(tmpdir(), 'keyway-bench-'));
    const sqlite = await openStore({ dataDir, keys: key });
    cleanups.push(async () => {
      await sqlite.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    cases.push(...(await casesFor(sqlite, 'sqlite')));

    const databaseUrl = process.env['KEYWAY_BENCH_DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';
    const schema = `kw_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    admin.on('error', () => undefined);
    try {
      await admin.query(`create schema ${schema}`);
      const postgres = await openStore({ databaseUrl, postgresSchema: schema, keys: key });
      cleanups.push(async () => {
        await postgres.close();
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.end();
      });
      cases.push(...(await casesFor(postgres, 'postgres')));
    } catch (err) {
      unavailable.push({ variant: 'postgres', reason: err instanceof Error ? err.message : String(err) });
      await admin.end();
    }

    return {
      cases,
      unavailable,
      teardown: async () => {
        for (const cleanup of cleanups.reverse()) await cleanup();
      },
    };
  },
};
