/** The store contract: trigger subscription rows that do not read back are `KW_STORE_CORRUPT_ROW`. */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../../src/store';
import { expectCode } from './context';
import type { ContractContext, ContractEnv } from './context';

export function triggersContract(ctx: ContractContext): void {
  let store: Store;
  let env: ContractEnv;
  beforeAll(() => {
    store = ctx.store;
    env = ctx.env;
  });

  describe('trigger subscription rows that do not read back', () => {
    const written: string[] = [];
    afterEach(async () => {
      for (const id of written.splice(0)) {
        await env.rawQuery('delete from trigger_subscriptions where id = ?', [id]);
      }
    });

    async function subscription(): Promise<string> {
      const { instanceId } = await ctx.fixture();
      const id = randomUUID();
      written.push(id);
      const created = await store.triggers.createSubscription({
        id,
        instanceId,
        componentKey: 'crm',
        triggerKey: 'poll',
        name: `flow-${id}`,
        kind: 'polling',
        inputs: { folder: 'inbox' },
        connections: { connection: 'crmConnection' },
        webhookToken: null,
        apiKey: null,
        schedule: { kind: 'interval', everyMs: 60_000 },
      });
      // A valid row reads back as written.
      expect(await store.triggers.getSubscription(id)).toEqual(created);
      expect(created).toMatchObject({
        inputs: { folder: 'inbox' },
        connections: { connection: 'crmConnection' },
        schedule: { kind: 'interval', everyMs: 60_000 },
        failures: 0,
        nextRunAt: null,
        lastError: null,
      });
      return id;
    }

    it.each([
      ['inputs that are not JSON', 'inputs', '{"folder": "leaked-value'],
      ['inputs that are not an object', 'inputs', '["leaked-value"]'],
      ['connections that are not names', 'connections', '{"connection": 7}'],
      ['a schedule of an unknown kind', 'schedule', '{"kind": "leaked-value"}'],
      ['a last error that is not JSON', 'last_error', 'leaked-value'],
      ['an unknown status', 'status', 'leaked-value'],
      ['an unknown kind', 'kind', 'leaked-value'],
    ])('refuses a row with %s as KW_STORE_CORRUPT_ROW', async (_what, column, value) => {
      const id = await subscription();
      await env.rawQuery(`update trigger_subscriptions set ${column} = ? where id = ?`, [value, id]);
      const err = await expectCode(store.triggers.getSubscription(id), 'KW_STORE_CORRUPT_ROW');
      expect((err as Error).message).toContain(id);
      expect((err as Error).message).not.toContain('leaked-value');
    });
  });
}
