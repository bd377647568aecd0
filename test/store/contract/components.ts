/** The store contract: component versions. */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../../src/store';
import { expectCode } from './context';
import type { ContractContext } from './context';

/** Component versions. */
export function componentsContract(ctx: ContractContext): void {
  let store: Store;
  beforeAll(() => {
    store = ctx.store;
  });

  describe('components', () => {
    it('stores versions, returns the latest by default and lists latest versions without bytes', async () => {
      const key = `comp-${randomUUID()}`;
      const bundle = new Uint8Array([1, 2, 3, 250]);
      await store.putComponent({ key, version: 1, bundleHash: 'h1', manifest: { actions: ['a'] }, bundle });
      await store.putComponent({
        key,
        version: 2,
        bundleHash: 'h2',
        manifest: { actions: ['a', 'b'] },
        bundlePath: '/x',
      });
      expect((await store.getComponent(key))?.bundleHash).toBe('h2');
      const v1 = await store.getComponent(key, 1);
      expect(v1 && Array.from(v1.bundle ?? [])).toEqual([1, 2, 3, 250]);
      const listed = (await store.listComponents()).filter((c) => c.key === key);
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ version: 2, bundle: null, manifest: { actions: ['a', 'b'] } });
      await expectCode(
        store.putComponent({ key, version: 2, bundleHash: 'h3', manifest: {} }),
        'KW_STORE_CONFLICT',
      );
    });
  });
}
