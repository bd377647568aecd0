/**
 * Counts the statements a store sends to its database while some work runs, at the drivers: better-sqlite3's
 * statement methods and pg's `Client#query` (every pooled PostgreSQL connection is a `Client`). The bench bundle
 * keeps both drivers external, so these are the very classes the store uses.
 */
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

/** Statements sent while the work ran, by kind. */
export interface StatementCount {
  /** Inserts into `executions`: the group commits of execution records. */
  readonly executionBatches: number;
  /**
   * Freshness checks made on a timer, whoever is calling: SQLite's reads of the change counters that tell the
   * snapshot cache of other processes' writes (at most every 10 ms), and the component registry's check for a
   * newer published version (at most once a second per component).
   */
  readonly freshnessChecks: number;
  /** Every other statement. */
  readonly other: number;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

function sqlOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'text' in value) return String(value.text);
  return '';
}

/** Runs `work` with the drivers' methods wrapped to count statements, and puts them back afterwards. */
export async function countStatements(work: () => Promise<void>): Promise<StatementCount> {
  const count = { executionBatches: 0, freshnessChecks: 0, other: 0 };
  const classify = (sql: string): void => {
    if (/insert\s+into\s+"?executions"?/i.test(sql)) count.executionBatches++;
    else if (/keyway_changes|select change_seq from|from\s+"?components"?/i.test(sql))
      count.freshnessChecks++;
    else count.other++;
  };
  const probe = new BetterSqlite3(':memory:');
  const statementPrototype = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, Method>;
  probe.close();
  const clientPrototype = pg.Client.prototype as unknown as Record<string, Method>;
  const restore: (() => void)[] = [];
  const wrap = (
    target: Record<string, Method>,
    name: string,
    sqlFrom: (self: unknown, args: unknown[]) => string,
  ) => {
    const original = target[name];
    if (original === undefined) return;
    target[name] = function (this: unknown, ...args: unknown[]) {
      classify(sqlFrom(this, args));
      return original.apply(this, args);
    };
    restore.push(() => (target[name] = original));
  };
  const statementSql = (self: unknown): string => sqlOf((self as { source?: unknown }).source);
  for (const name of ['run', 'get', 'all', 'iterate']) wrap(statementPrototype, name, statementSql);
  wrap(clientPrototype, 'query', (_self, args) => sqlOf(args[0]));
  try {
    await work();
  } finally {
    for (const undo of restore) undo();
  }
  return count;
}
