/**
 * Versioned schema migrations, in code so the bundle carries them. Run by `openStore` on start and by
 * `keyway migrate`. Append new migrations; never edit one that has shipped.
 */
import { Migrator, sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { KeywayError } from '../errors';
import { connectionContextMigration } from './connection-context';
import { deviceSessionChoicesMigration } from './device-sessions';
import { oauthAppsMigration } from './oauth-apps';
import { providerOAuthAppsMigration } from './provider-oauth-apps';
import type { Database } from './schema';
import { triggerSubscriptionsMigration } from './triggers';
import type { StoreEngine } from './types';

/** The first schema: every table of version 0.1, in three groups. */
function initial(engine: StoreEngine): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await createInstanceTables(db);
      await createSessionTables(db);
      await createRuntimeTables(db, engine === 'postgres' ? 'bytea' : 'blob');
    },
  };
}

/** `meta`, customers, instances and connections. */
async function createInstanceTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('external_id', 'text', (c) => c.unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('instances')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('component_keys', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('instances_customer').on('instances').column('customer_id').execute();

  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('instance_id', 'text', (c) => c.notNull().references('instances.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('component_key', 'text', (c) => c.notNull())
    .addColumn('definition_key', 'text', (c) => c.notNull())
    .addColumn('grant_type', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('secret_fields', 'text', (c) => c.notNull())
    .addColumn('token_set', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('refresh_at', 'bigint')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('refresh_failures', 'bigint', (c) => c.notNull())
    .addColumn('cooldown_until', 'bigint')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('connected_at', 'bigint')
    .addUniqueConstraint('connections_instance_name', ['instance_id', 'name'])
    .execute();
  await db.schema
    .createIndex('connections_due_refresh')
    .on('connections')
    .columns(['status', 'refresh_at'])
    .execute();
}

/** Authorization-code and device-flow sessions. */
async function createSessionTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('auth_sessions')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('code_verifier', 'text')
    .addColumn('browser_binding', 'text')
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('return_to', 'text')
    .addColumn('nonce', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
  await db.schema.createIndex('auth_sessions_expires').on('auth_sessions').column('expires_at').execute();

  await db.schema
    .createTable('device_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('device_code', 'text', (c) => c.notNull())
    .addColumn('user_code', 'text', (c) => c.notNull())
    .addColumn('verification_uri', 'text', (c) => c.notNull())
    .addColumn('verification_uri_complete', 'text')
    .addColumn('interval_ms', 'bigint', (c) => c.notNull())
    .addColumn('next_poll_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
}

/** Components, instance state, the outbox, API keys, executions and SQLite's lock leases. */
async function createRuntimeTables(db: Kysely<unknown>, blob: string): Promise<void> {
  await db.schema
    .createTable('components')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('bundle_hash', 'text', (c) => c.notNull())
    .addColumn('manifest', 'text', (c) => c.notNull())
    .addColumn('bundle_path', 'text')
    .addColumn('bundle', sql.raw(blob))
    .addColumn('published_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('components_pk', ['key', 'version'])
    .execute();

  await db.schema
    .createTable('instance_state')
    .addColumn('instance_id', 'text', (c) => c.notNull().references('instances.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('instance_state_pk', ['instance_id', 'scope', 'key'])
    .execute();

  // No foreign keys: an event about a deleted connection must still be delivered.
  await db.schema
    .createTable('outbox_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('instance_id', 'text')
    .addColumn('connection_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'bigint', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('outbox_events_due')
    .on('outbox_events')
    .columns(['status', 'next_attempt_at'])
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull().unique())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('executions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('instance_id', 'text', (c) => c.notNull().references('instances.id').onDelete('cascade'))
    .addColumn('component_key', 'text', (c) => c.notNull())
    .addColumn('action_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('duration_ms', 'bigint')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('log', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('executions_instance_started')
    .on('executions')
    .columns(['instance_id', 'started_at'])
    .execute();

  // SQLite's cross-process lock leases; PostgreSQL uses advisory locks instead.
  await db.schema
    .createTable('locks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

/**
 * The connection columns an instance snapshot holds: every column but the refresher's lease, which is written
 * on every claim and is not part of what an action sees.
 */
const SNAPSHOT_CONNECTION_COLUMNS = [
  'instance_id',
  'name',
  'component_key',
  'definition_key',
  'grant_type',
  'fields',
  'secret_fields',
  'token_set',
  'expires_at',
  'refresh_at',
  'scopes',
  'status',
  'last_error',
  'version',
  'refresh_failures',
  'cooldown_until',
  'updated_at',
  'connected_at',
];
const SNAPSHOT_INSTANCE_COLUMNS = ['customer_id', 'name', 'component_keys', 'config', 'status', 'updated_at'];

/**
 * Change tracking for cached instance snapshots (see src/store/snapshot-cache.ts), as triggers so that every
 * writer is covered: this process, other processes and replicas, hand-written SQL.
 * SQLite: `instances.change_seq` and the one-row `keyway_changes` counter are bumped in the writing transaction.
 * PostgreSQL: `pg_notify('keyway_changes', instance id)` is delivered to every listening replica on commit.
 */
function changeTracking(engine: StoreEngine): Migration {
  const connectionColumns = SNAPSHOT_CONNECTION_COLUMNS.join(', ');
  const instanceColumns = SNAPSHOT_INSTANCE_COLUMNS.join(', ');
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (engine === 'sqlite') {
        await sql`alter table instances add column change_seq integer not null default 0`.execute(db);
        await sql`create table keyway_changes (id integer primary key check (id = 1), seq integer not null)`.execute(
          db,
        );
        await sql`insert into keyway_changes (id, seq) values (1, 0)`.execute(db);
        const bump = (id: string): string =>
          `begin update instances set change_seq = change_seq + 1 where id = ${id}; update keyway_changes set seq = seq + 1; end`;
        const triggers = [
          `create trigger kw_connections_insert after insert on connections for each row ${bump('new.instance_id')}`,
          `create trigger kw_connections_update after update of ${connectionColumns} on connections for each row ${bump('new.instance_id')}`,
          `create trigger kw_connections_delete after delete on connections for each row ${bump('old.instance_id')}`,
          `create trigger kw_state_insert after insert on instance_state for each row ${bump('new.instance_id')}`,
          `create trigger kw_state_update after update on instance_state for each row ${bump('new.instance_id')}`,
          `create trigger kw_state_delete after delete on instance_state for each row ${bump('old.instance_id')}`,
          // SQLite does not re-fire triggers from a trigger's own update (recursive_triggers is off).
          `create trigger kw_instances_update after update of ${instanceColumns} on instances for each row ${bump('new.id')}`,
          `create trigger kw_customers_update after update on customers for each row begin update instances set change_seq = change_seq + 1 where customer_id = new.id; update keyway_changes set seq = seq + 1; end`,
        ];
        for (const text of triggers) await sql.raw(text).execute(db);
        return;
      }
      // The argument names the column holding the instance id; customers have none, so their changes say '*'.
      await sql`
        create function keyway_notify_change() returns trigger language plpgsql as $$
        begin
          perform pg_notify('keyway_changes', coalesce(
            to_jsonb(case when tg_op = 'DELETE' then old else new end) ->> tg_argv[0], '*'));
          return null;
        end $$`.execute(db);
      const triggers = [
        `create trigger kw_connections_write after insert or delete on connections for each row execute function keyway_notify_change('instance_id')`,
        `create trigger kw_connections_update after update of ${connectionColumns} on connections for each row execute function keyway_notify_change('instance_id')`,
        `create trigger kw_state_write after insert or update or delete on instance_state for each row execute function keyway_notify_change('instance_id')`,
        `create trigger kw_instances_write after update of ${instanceColumns} or delete on instances for each row execute function keyway_notify_change('id')`,
        `create trigger kw_customers_write after update on customers for each row execute function keyway_notify_change('-')`,
      ];
      for (const text of triggers) await sql.raw(text).execute(db);
    },
  };
}

/**
 * Reliability bookkeeping (issue 23): `replicas` holds each live process's heartbeat with the key ids it holds
 * (so `keys rotate` can refuse a key some replica lacks); `refresh_markers` records a refresh request in
 * flight (so a crash between sending it and saving its answer is recognised afterwards).
 */
function reliability(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('replicas')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('key_ids', 'text', (c) => c.notNull())
        .addColumn('primary_key_id', 'text', (c) => c.notNull())
        .addColumn('seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('refresh_markers')
        .addColumn('connection_id', 'text', (c) =>
          c.primaryKey().references('connections.id').onDelete('cascade'),
        )
        .addColumn('grant_fingerprint', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * The platform API's tables: webhook endpoints managed through the API (rows, so every replica reads the same
 * list without a restart) and the audit log. Executions get no new index: each would tax every action run.
 */
const platformApi: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('events', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor_key_id', 'text', (c) => c.notNull())
      .addColumn('actor_name', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('status', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'id']).execute();
    await db.schema
      .createIndex('connections_status_created')
      .on('connections')
      .columns(['status', 'created_at'])
      .execute();
  },
};

/**
 * Config variables an instance declares for its customer to choose on the connect page (issue 27): JSON on the
 * instance row, so the snapshot an action call reads carries them and fills inputs with no extra query.
 */
const instanceConfigVars: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('instances')
      .addColumn('config_vars', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
  },
};

/** The PostgreSQL NOTIFY channel of {@link changeTracking}. */
export const CHANGE_CHANNEL = 'keyway_changes';

/** Every migration, by name; names sort in the order they apply. */
export function migrationProvider(engine: StoreEngine): MigrationProvider {
  return {
    getMigrations: () =>
      Promise.resolve({
        '0001_initial': initial(engine),
        '0002_change_tracking': changeTracking(engine),
        '0003_reliability': reliability(),
        '0004_connection_context': connectionContextMigration(),
        '0006_platform_api': platformApi,
        '0010_h6_trigger_subscriptions': triggerSubscriptionsMigration,
        '0011_h7_instance_config_vars': instanceConfigVars,
        '0012_h5_oauth_apps': oauthAppsMigration(),
        '0025_h5_provider_oauth_apps': providerOAuthAppsMigration(),
        '0028_device_session_choices': deviceSessionChoicesMigration(),
      }),
  };
}

/** Result of {@link migrateToLatest}: the names of the migrations this call applied. */
export interface MigrationReport {
  readonly applied: readonly string[];
}

/**
 * Applies pending migrations. Concurrent callers in other processes wait for each other (a PostgreSQL
 * advisory lock, an IMMEDIATE transaction on SQLite), so several replicas may start at once.
 */
export async function migrateToLatest(db: Kysely<Database>, engine: StoreEngine): Promise<MigrationReport> {
  // kysely looks for its migration tables in every schema unless told which one: with several Keyway schemas in
  // one PostgreSQL database (replicas per tenant, parallel tests) it would find another schema's table and skip
  // creating its own.
  const schema =
    engine === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db,
    provider: migrationProvider(engine),
    migrationTableName: 'keyway_migrations',
    migrationLockTableName: 'keyway_migrations_lock',
    // Migrations written in parallel land in any order (0012 may be applied before 0011 lands); each is
    // independent of the others' names, so a database that has a later one still gets an earlier newcomer.
    allowUnorderedMigrations: true,
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    throw new KeywayError('KW_STORE_MIGRATION_FAILED', {
      message: `Database migration failed: ${error instanceof Error ? error.message : 'unknown error'}`,
      cause: error,
    });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
