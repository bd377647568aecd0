/**
 * What every module of the store contract shares: the engine's environment, the store under test, a fixture,
 * and helpers for typed errors and other processes.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { isKeywayError } from '../../../src/errors';
import type { ErrorCode } from '../../../src/errors';
import type { Connection, Store, StoreConfig } from '../../../src/store';

/** What an engine's test file provides to the contract. */
export interface ContractEnv {
  /** Config pointing at this file's database, without keys. */
  readonly config: StoreConfig;
  /** Runs SQL directly against the database, bypassing the store (`?` placeholders). */
  rawQuery(sqlText: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Everything the database holds at rest, as text (file bytes or every row). */
  rawDump(): Promise<string>;
}

/**
 * Handed to each contract module when it registers its tests. `env` and `store` are set by the suite's
 * `beforeAll`, so modules read them in their own `beforeAll` or inside tests, never at registration.
 */
export interface ContractContext {
  readonly env: ContractEnv;
  readonly store: Store;
  /** Opens another store on the same database (closed after all tests), with key A unless overridden. */
  open(overrides?: Partial<StoreConfig>): Promise<Store>;
  /** A fresh customer, instance and OAuth connection. */
  fixture(): Promise<{ instanceId: string; connection: Connection }>;
}

/** Two fixed test keys, so the suite can move data between rings. */
export const keyA = `ka:${Buffer.alloc(32, 1).toString('base64')}`;
export const keyB = `kb:${Buffer.alloc(32, 2).toString('base64')}`;

export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    if (!isKeywayError(err)) throw err;
    expect(err.code).toBe(code);
    return err;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/**
 * Tests that start other processes: skipped by `npm run test:unit` (KEYWAY_TEST_UNIT=1), the fast inner loop;
 * `npm test` runs them.
 */
export const multiProcess = process.env['KEYWAY_TEST_UNIT'] === '1' ? it.skip : it;

export function runWorker(job: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', join(__dirname, '..', 'worker.ts'), JSON.stringify(job)],
      { cwd: join(__dirname, '..', '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    // 'close', not 'exit': 'exit' may come before the child's last line was read from the pipe.
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${String(code)}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>);
    });
  });
}
