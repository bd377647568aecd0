/**
 * Instances (a customer's deployment of components) and the snapshot an action call reads: the instance, its
 * customer, its connections and the state objects it asked for, in one statement, cached (./snapshot-cache).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { toConnection } from './connections';
import type { StoreContext } from './context';
import { toCustomer } from './customers';
import { instanceStateKeySchema } from './instance-state';
import {
  intColumn,
  json,
  jsonColumn,
  jsonObject,
  jsonObjectColumn,
  nonEmpty,
  notFound,
  parseInput,
  parseRow,
  stringArray,
  stringArrayColumn,
  translateWriteError,
} from './rows';
import type { ConnectionsTable, InstancesTable } from './schema';
import { SNAPSHOT_CACHE_SIZE, SnapshotCache } from './snapshot-cache';
import type { VersionedRead } from './snapshot-cache';
import type {
  Connection,
  Instance,
  InstancePatch,
  InstanceStateKey,
  InstanceWithConnections,
  NewInstance,
} from './types';

const instanceStatus = z.enum(['active', 'paused']);
const newInstanceSchema = z.object({
  id: nonEmpty.optional(),
  customerId: nonEmpty,
  name: nonEmpty,
  componentKeys: stringArray.optional(),
  config: jsonObject.optional(),
  configVars: z.array(jsonObject).optional(),
  status: instanceStatus.optional(),
});
const instancePatchSchema = z.object({
  name: nonEmpty.optional(),
  componentKeys: stringArray.optional(),
  config: jsonObject.optional(),
  status: instanceStatus.optional(),
});
const instanceRow = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    name: z.string(),
    component_keys: stringArrayColumn,
    config: jsonObjectColumn,
    config_vars: jsonColumn(z.array(jsonObject)),
    status: instanceStatus,
    created_at: intColumn,
    updated_at: intColumn,
  })
  .transform((row): Instance => ({
    id: row.id,
    customerId: row.customer_id,
    name: row.name,
    componentKeys: row.component_keys,
    config: row.config,
    configVars: row.config_vars,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));

/** Reads a row; shared with ./admin. */
export function toInstance(row: Selectable<InstancesTable>): Instance {
  return parseRow(instanceRow, row, `instance ${row.id}`);
}

/**
 * True when two requests select the same state values (an absent key is the empty one). Compared in place on
 * every action call, so a snapshot lookup builds no key.
 */
function sameStates(a: readonly InstanceStateKey[], b: readonly InstanceStateKey[]): boolean {
  if (a.length !== b.length) return false;
  for (let n = 0; n < a.length; n += 1) {
    const x = a[n];
    const y = b[n];
    if (x === undefined || y === undefined) return false;
    if (x.scope !== y.scope || (x.key ?? '') !== (y.key ?? '')) return false;
  }
  return true;
}

const NO_STATES: readonly InstanceStateKey[] = [];

/** The instances table and the instance snapshots. */
export class Instances {
  readonly #ctx: StoreContext;
  /** Instance snapshots for action calls; see ./snapshot-cache. */
  readonly #snapshots: SnapshotCache<InstanceWithConnections, readonly InstanceStateKey[]>;
  /** The snapshot cache's read, made once rather than per call. */
  readonly #readSnapshot = (
    id: string,
    states: readonly InstanceStateKey[],
  ): Promise<VersionedRead<InstanceWithConnections> | undefined> => this.#readWithConnections(id, states);

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    this.#snapshots = new SnapshotCache(ctx.handle.changes, SNAPSHOT_CACHE_SIZE, sameStates);
  }

  async create(input: NewInstance): Promise<Instance> {
    const data = parseInput(newInstanceSchema, input, 'instance');
    const now = this.#ctx.now();
    const row = await this.#ctx.db
      .insertInto('instances')
      .values({
        id: data.id ?? randomUUID(),
        customer_id: data.customerId,
        name: data.name,
        component_keys: json(data.componentKeys ?? []),
        config: json(data.config ?? {}),
        config_vars: json(data.configVars ?? []),
        status: data.status ?? 'active',
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => translateWriteError(err, `Instance "${data.name}"`));
    return toInstance(row);
  }

  async get(id: string): Promise<Instance | undefined> {
    const row = await this.#ctx.db
      .selectFrom('instances')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toInstance(row);
  }

  /** The cache's own promise, not one of this method's: this runs on every action call. */
  getWithConnections(
    id: string,
    options?: { readonly states?: readonly InstanceStateKey[] },
  ): Promise<InstanceWithConnections | undefined> {
    return this.#snapshots.get(id, options?.states ?? NO_STATES, this.#readSnapshot);
  }

  async #readWithConnections(
    id: string,
    states: readonly InstanceStateKey[],
  ): Promise<VersionedRead<InstanceWithConnections> | undefined> {
    const stateKeys = states.map((key) => parseInput(instanceStateKeySchema, key, 'state key'));
    const values: Record<string, unknown> = { id };
    stateKeys.forEach((k, n) => {
      values[`scope${n}`] = k.scope;
      values[`key${n}`] = k.key ?? '';
    });
    const rows = await this.#querySnapshot(stateKeys.length, values);
    const first = rows[0];
    if (!first) return undefined;
    const instance = toInstance({
      id: first.i_id,
      customer_id: first.i_customer_id,
      name: first.i_name,
      component_keys: first.i_component_keys,
      config: first.i_config,
      config_vars: first.i_config_vars,
      status: first.i_status,
      created_at: first.i_created_at,
      updated_at: first.i_updated_at,
    });
    const customer =
      first.cu_id === null ||
      first.cu_name === null ||
      first.cu_created_at === null ||
      first.cu_updated_at === null
        ? undefined
        : toCustomer({
            id: first.cu_id,
            external_id: first.cu_external_id,
            name: first.cu_name,
            created_at: first.cu_created_at,
            updated_at: first.cu_updated_at,
          });
    const connections: Connection[] = [];
    for (const row of rows) {
      // The left join's connection columns are all null only on the one row of an instance without any; a
      // row with an id is a whole connections row (its NOT NULL columns hold values).
      if (row.id === null) continue;
      connections.push(toConnection(this.#ctx.cells, row as Selectable<ConnectionsTable>));
    }
    const cells = first as Record<string, unknown>;
    const stateValues = stateKeys.map((_, n) => {
      const text = cells[`st_${n}`];
      return typeof text === 'string' ? parseRow(jsonObjectColumn, text, 'instance state') : undefined;
    });
    const version = cells['i_change_seq'];
    return {
      value: { instance, customer, connections, states: stateValues },
      version: typeof version === 'number' ? version : undefined,
    };
  }

  /** The snapshot statement with `stateCount` state objects, built once per count (see QueryTemplates). */
  #querySnapshot(stateCount: number, values: Record<string, unknown>) {
    const sqlite = this.#ctx.engine === 'sqlite';
    return this.#ctx.templates.run(
      `instance-with-connections:${this.#ctx.engine}:${stateCount}`,
      (db, param) =>
        db
          .selectFrom('instances as i')
          .leftJoin('customers as cu', 'cu.id', 'i.customer_id')
          .leftJoin('connections as cn', 'cn.instance_id', 'i.id')
          .select([
            'i.id as i_id',
            'i.customer_id as i_customer_id',
            'i.name as i_name',
            'i.component_keys as i_component_keys',
            'i.config as i_config',
            'i.config_vars as i_config_vars',
            'i.status as i_status',
            'i.created_at as i_created_at',
            'i.updated_at as i_updated_at',
            'cu.id as cu_id',
            'cu.external_id as cu_external_id',
            'cu.name as cu_name',
            'cu.created_at as cu_created_at',
            'cu.updated_at as cu_updated_at',
          ])
          .selectAll('cn')
          // One scalar subquery per state object: the states ride on the instance's row(s), no extra query.
          .select((eb) =>
            Array.from({ length: stateCount }, (_, n) =>
              eb
                .selectFrom('instance_state as st')
                .select('st.value')
                .whereRef('st.instance_id', '=', 'i.id')
                .where('st.scope', '=', param<string>(`scope${n}`))
                .where('st.key', '=', param<string>(`key${n}`))
                .as(`st_${n}`),
            ),
          )
          // SQLite: the snapshot's change_seq, read in the same statement as the snapshot itself.
          .$if(sqlite, (q) => q.select(sql<number>`i.change_seq`.as('i_change_seq')))
          .where('i.id', '=', param<string>('id'))
          .orderBy('cn.created_at')
          .orderBy('cn.id'),
      values,
    );
  }

  async list(filter: { readonly customerId?: string } = {}): Promise<Instance[]> {
    const rows = await this.#ctx.db
      .selectFrom('instances')
      .selectAll()
      .$if(filter.customerId !== undefined, (q) => q.where('customer_id', '=', filter.customerId ?? ''))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toInstance);
  }

  async update(id: string, patch: InstancePatch): Promise<Instance> {
    const data = parseInput(instancePatchSchema, patch, 'instance update');
    const row = await this.#ctx.db
      .updateTable('instances')
      .set({
        ...(data.name !== undefined ? { name: data.name } : {}),
        ...(data.componentKeys !== undefined ? { component_keys: json(data.componentKeys) } : {}),
        ...(data.config !== undefined ? { config: json(data.config) } : {}),
        ...(data.status !== undefined ? { status: data.status } : {}),
        updated_at: this.#ctx.now(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('instance', id);
    return toInstance(row);
  }

  async delete(id: string): Promise<void> {
    await this.#ctx.db.deleteFrom('instances').where('id', '=', id).execute();
  }

  close(): Promise<void> {
    return this.#snapshots.close();
  }
}
