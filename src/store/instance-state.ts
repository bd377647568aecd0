/** Instance state: the JSON objects a component keeps per instance, per flow or per execution. */
import { z } from 'zod';
import type { StoreContext } from './context';
import {
  json,
  jsonObject,
  jsonObjectColumn,
  nonEmpty,
  parseInput,
  parseRow,
  translateWriteError,
} from './rows';
import type { JsonObject, StateKey } from './types';

const stateKeySchema = z.object({
  instanceId: nonEmpty,
  scope: z.enum(['instance', 'crossFlow', 'integration', 'execution']),
  key: z.string().optional(),
});
/** A state key within one instance (the snapshot's state objects). */
export const instanceStateKeySchema = stateKeySchema.omit({ instanceId: true });

/** The map key of one state cell. */
function stateCell(instanceId: string, scope: string, key: string): string {
  return `${instanceId}\n${scope}\n${key}`;
}

function toState(text: string): JsonObject {
  return parseRow(jsonObjectColumn, text, 'instance state');
}

/** The instance_state table. */
export class InstanceState {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async get(key: StateKey): Promise<JsonObject | undefined> {
    const k = parseInput(stateKeySchema, key, 'state key');
    const row = await this.#ctx.db
      .selectFrom('instance_state')
      .select('value')
      .where('instance_id', '=', k.instanceId)
      .where('scope', '=', k.scope)
      .where('key', '=', k.key ?? '')
      .executeTakeFirst();
    return row && toState(row.value);
  }

  async getMany(keys: readonly StateKey[]): Promise<(JsonObject | undefined)[]> {
    const parsed = keys.map((key) => parseInput(stateKeySchema, key, 'state key'));
    if (parsed.length === 0) return [];
    const rows = await this.#ctx.db
      .selectFrom('instance_state')
      .select(['instance_id', 'scope', 'key', 'value'])
      .where((eb) =>
        eb.or(
          parsed.map((k) =>
            eb.and([
              eb('instance_id', '=', k.instanceId),
              eb('scope', '=', k.scope),
              eb('key', '=', k.key ?? ''),
            ]),
          ),
        ),
      )
      .execute();
    const byKey = new Map(rows.map((row) => [stateCell(row.instance_id, row.scope, row.key), row.value]));
    return parsed.map((k) => {
      const text = byKey.get(stateCell(k.instanceId, k.scope, k.key ?? ''));
      return text === undefined ? undefined : toState(text);
    });
  }

  async put(key: StateKey, value: JsonObject): Promise<void> {
    const k = parseInput(stateKeySchema, key, 'state key');
    const text = json(parseInput(jsonObject, value, 'state value'));
    const now = this.#ctx.now();
    await this.#ctx.db
      .insertInto('instance_state')
      .values({ instance_id: k.instanceId, scope: k.scope, key: k.key ?? '', value: text, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['instance_id', 'scope', 'key']).doUpdateSet({ value: text, updated_at: now }),
      )
      .execute()
      .catch((err: unknown) => translateWriteError(err, `State of instance "${k.instanceId}"`));
  }

  async delete(key: StateKey): Promise<void> {
    const k = parseInput(stateKeySchema, key, 'state key');
    await this.#ctx.db
      .deleteFrom('instance_state')
      .where('instance_id', '=', k.instanceId)
      .where('scope', '=', k.scope)
      .where('key', '=', k.key ?? '')
      .execute();
  }
}
