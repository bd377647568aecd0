/** The store contract: instance state. */
import type { Store } from '../../../src/store';
import { expectCode } from './context';
import type { ContractContext } from './context';

/** Instance state: one JSON object per instance, scope and key. */
export function instanceStateContract(ctx: ContractContext): void {
  let store: Store;
  const { fixture } = ctx;
  beforeAll(() => {
    store = ctx.store;
  });

  describe('instance state', () => {
    it('keeps one JSON object per instance, scope and key', async () => {
      const { instanceId } = await fixture();
      await store.putState({ instanceId, scope: 'instance' }, { cursor: 1 });
      await store.putState({ instanceId, scope: 'crossFlow' }, { shared: true });
      await store.putState({ instanceId, scope: 'integration', key: 'flow-a' }, { seen: ['x'] });
      await store.putState({ instanceId, scope: 'instance' }, { cursor: 2 });
      expect(await store.getState({ instanceId, scope: 'instance' })).toEqual({ cursor: 2 });
      expect(await store.getState({ instanceId, scope: 'crossFlow' })).toEqual({ shared: true });
      expect(await store.getState({ instanceId, scope: 'integration', key: 'flow-a' })).toEqual({
        seen: ['x'],
      });
      expect(await store.getState({ instanceId, scope: 'integration', key: 'flow-b' })).toBeUndefined();
      await store.deleteState({ instanceId, scope: 'instance' });
      expect(await store.getState({ instanceId, scope: 'instance' })).toBeUndefined();
    });

    it('reads several scopes in one call, in the order asked, as getState answers each', async () => {
      const { instanceId } = await fixture();
      const other = (await fixture()).instanceId;
      await store.putState({ instanceId, scope: 'instance', key: 'flow-a' }, { cursor: 7 });
      await store.putState({ instanceId, scope: 'crossFlow' }, { shared: ['x'] });
      await store.putState({ instanceId: other, scope: 'integration' }, { otherInstance: true });
      await store.putState({ instanceId, scope: 'execution', key: 'run-2' }, { run: 2 });
      const keys = [
        { instanceId, scope: 'integration' },
        { instanceId, scope: 'instance', key: 'flow-a' },
        { instanceId, scope: 'execution', key: 'run-1' },
        { instanceId, scope: 'crossFlow' },
        { instanceId, scope: 'instance', key: 'flow-b' },
        { instanceId: other, scope: 'integration' },
      ] as const;
      const states = await store.getStates(keys);
      expect(states).toEqual([
        undefined,
        { cursor: 7 },
        undefined,
        { shared: ['x'] },
        undefined,
        { otherInstance: true },
      ]);
      expect(states).toEqual(await Promise.all(keys.map((key) => store.getState(key))));
      expect(await store.getStates([])).toEqual([]);
      await expectCode(store.getStates([{ instanceId: '', scope: 'instance' }]), 'KW_STORE_INVALID_INPUT');
    });
  });
}
