/**
 * This process's own writes to the tables an instance snapshot is made of, reported the moment they are
 * committed, so the snapshot cache (./snapshot-cache) never serves this process a snapshot older than its own
 * last write. Other processes' writes are found by the engine's own means (SQLite: a change counter kept by
 * triggers; PostgreSQL: NOTIFY from triggers).
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  OperationNode,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/** Tables whose rows make up an instance snapshot; see migrations.ts `changeTracking`. */
const SNAPSHOT_TABLES: ReadonlySet<string> = new Set([
  'instances',
  'connections',
  'instance_state',
  'customers',
]);
/** Connection columns outside the snapshot: a write of only these changes nothing an action sees. */
const LEASE_COLUMNS: ReadonlySet<string> = new Set(['lease_owner', 'lease_until']);
/** The table a raw `insert into` / `update` / `delete from` writes to, schema prefix and quotes aside. */
const RAW_WRITE = /^\s*(?:insert\s+into|update|delete\s+from)\s+(?:"?\w+"?\.)?"?(\w+)"?/i;

function tableName(node: OperationNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'TableNode') {
    return (node as unknown as { table: { identifier: { name: string } } }).table.identifier.name;
  }
  if (node.kind === 'AliasNode') return tableName((node as unknown as { node: OperationNode }).node);
  return undefined;
}

/**
 * True when `query` may change a snapshot table. Decided from kysely's operation tree rather than SQL text;
 * raw SQL is matched on its leading `insert into` / `update` / `delete from`, and other raw writes are assumed to.
 */
export function changesSnapshot(query: CompiledQuery): boolean {
  const node = query.query as OperationNode & Record<string, unknown>;
  switch (node.kind) {
    case 'InsertQueryNode':
      return SNAPSHOT_TABLES.has(tableName(node['into'] as OperationNode) ?? '');
    case 'DeleteQueryNode': {
      const froms = (node['from'] as { froms: readonly OperationNode[] }).froms;
      return froms.some((from) => SNAPSHOT_TABLES.has(tableName(from) ?? ''));
    }
    case 'UpdateQueryNode': {
      const table = tableName(node['table'] as OperationNode);
      if (!SNAPSHOT_TABLES.has(table ?? '')) return false;
      const updates = (node['updates'] ?? []) as readonly { column: { column: { name: string } } }[];
      return table !== 'connections' || updates.some((u) => !LEASE_COLUMNS.has(u.column.column.name));
    }
    case 'RawNode': {
      const write = RAW_WRITE.exec(query.sql);
      if (write === null) return /^\s*(with|truncate|merge|copy|alter|drop)\b/i.test(query.sql);
      return SNAPSHOT_TABLES.has((write[1] ?? '').toLowerCase());
    }
    default:
      return false;
  }
}

/**
 * Wraps a kysely driver so that `changed` is called after every committed write to a snapshot table: right
 * after the statement outside a transaction, after the commit inside one (never for a rolled-back one).
 */
export function reportingChanges(driver: Driver, changed: () => void): Driver {
  const inner = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const wrappers = new WeakMap<DatabaseConnection, DatabaseConnection>();
  /** Connections inside a transaction, and whether it wrote to a snapshot table. */
  const transactions = new WeakMap<DatabaseConnection, { dirty: boolean }>();
  const unwrap = (connection: DatabaseConnection): DatabaseConnection => inner.get(connection) ?? connection;

  const wrap = (connection: DatabaseConnection): DatabaseConnection => {
    let wrapper = wrappers.get(connection);
    if (wrapper === undefined) {
      const made: DatabaseConnection = {
        executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
          const result = await connection.executeQuery<R>(query);
          if (changesSnapshot(query)) {
            const transaction = transactions.get(made);
            if (transaction) transaction.dirty = true;
            else changed();
          }
          return result;
        },
        streamQuery: <R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> =>
          connection.streamQuery<R>(query, chunkSize),
      };
      wrapper = made;
      wrappers.set(connection, wrapper);
      inner.set(wrapper, connection);
    }
    return wrapper;
  };

  const wrapped: Driver = {
    init: () => driver.init(),
    acquireConnection: async () => wrap(await driver.acquireConnection()),
    beginTransaction: async (connection, settings: TransactionSettings) => {
      await driver.beginTransaction(unwrap(connection), settings);
      transactions.set(connection, { dirty: false });
    },
    commitTransaction: async (connection) => {
      const transaction = transactions.get(connection);
      transactions.delete(connection);
      await driver.commitTransaction(unwrap(connection));
      if (transaction?.dirty === true) changed();
    },
    rollbackTransaction: async (connection) => {
      transactions.delete(connection);
      await driver.rollbackTransaction(unwrap(connection));
    },
    releaseConnection: (connection) => driver.releaseConnection(unwrap(connection)),
    destroy: () => driver.destroy(),
  };
  if (driver.savepoint) {
    const savepoint = driver.savepoint.bind(driver);
    wrapped.savepoint = (connection, name, compile) => savepoint(unwrap(connection), name, compile);
  }
  if (driver.rollbackToSavepoint) {
    const rollbackTo = driver.rollbackToSavepoint.bind(driver);
    wrapped.rollbackToSavepoint = (connection, name, compile) =>
      rollbackTo(unwrap(connection), name, compile);
  }
  if (driver.releaseSavepoint) {
    const release = driver.releaseSavepoint.bind(driver);
    wrapped.releaseSavepoint = (connection, name, compile) => release(unwrap(connection), name, compile);
  }
  return wrapped;
}
