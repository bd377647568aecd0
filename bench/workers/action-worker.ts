/**
 * One engine's rows of the action section (bench/action.ts), in a process of its own. Usage:
 *   node --require tsx/cjs bench/workers/action-worker.ts '<json job>'
 * with job = { variant: 'sqlite' | 'postgres', serverUrl, rows?: 'action' | 'budgets' }: the fast server is the parent's. Makes the engine (a
 * fresh SQLite file, or a throw-away PostgreSQL schema), measures, prints `{"event":"rows","rows":[...]}` (or
 * `{"event":"crashed","message":...}`) and exits.
 */
import { openStore } from '../../src/store';
import { measureEngine } from '../action';
import { measureBudgets } from '../budgets';
import { apiServer, postgresEngine, sqliteEngine } from '../support/common';

interface Job {
  readonly variant: 'sqlite' | 'postgres';
  readonly serverUrl: string;
  /** Which rows: the action section's (default) or the budgets'. */
  readonly rows?: 'action' | 'budgets';
}

function emit(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const engine = job.variant === 'postgres' ? await postgresEngine() : sqliteEngine();
  try {
    const store = await openStore(engine.config);
    try {
      const measure = job.rows === 'budgets' ? measureBudgets : measureEngine;
      emit({ event: 'rows', rows: await measure(engine, apiServer(job.serverUrl), store) });
    } finally {
      await store.close();
    }
  } finally {
    await engine.dispose();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    emit({ event: 'crashed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  },
);
