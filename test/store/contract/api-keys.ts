/** The store contract: API keys. */
import type { Store } from '../../../src/store';
import type { ContractContext, ContractEnv } from './context';

/** API keys: verified by hash, revocable. */
export function apiKeysContract(ctx: ContractContext): void {
  let store: Store;
  let env: ContractEnv;
  beforeAll(() => {
    store = ctx.store;
    env = ctx.env;
  });

  describe('API keys', () => {
    it('verifies a key it issued, refuses altered or revoked keys and stores only a hash', async () => {
      const { apiKey, key } = await store.createApiKey({ name: 'ci', scopes: ['instances:write'] });
      expect((await store.verifyApiKey(key))?.id).toBe(apiKey.id);
      expect(await store.verifyApiKey(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
      expect(await store.verifyApiKey('kw_000000000000_notakeyatallnotakey')).toBeUndefined();
      // The secret part follows `kw_<12 hex>_`; it may itself contain '_'.
      expect(await env.rawDump()).not.toContain(key.slice('kw_'.length + 12 + 1));
      await store.revokeApiKey(apiKey.id);
      expect(await store.verifyApiKey(key)).toBeUndefined();
      expect((await store.listApiKeys()).find((k) => k.id === apiKey.id)?.revokedAt).not.toBeNull();
    });
  });
}
