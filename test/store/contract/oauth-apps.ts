/**
 * The store contract: OAuth app rows (per definition, per provider) that do not read back, and app secrets
 * read under the wrong key, give the same typed errors as every other stored row.
 */
import { KeyRing, cellAad } from '../../../src/store';
import type { Store } from '../../../src/store';
import { expectCode, keyA, keyB } from './context';
import type { ContractContext, ContractEnv } from './context';

/** One of the two app tables, with how to write and read its app `n`. */
interface AppTable {
  readonly table: 'oauth_apps' | 'provider_oauth_apps';
  put(store: Store, n: number): Promise<unknown>;
  get(store: Store, n: number): Promise<unknown>;
  list(store: Store): Promise<unknown>;
  id(n: number): string;
}

const appTables: [string, AppTable][] = [
  [
    'oauth_apps',
    {
      table: 'oauth_apps',
      put: (store, n) =>
        store.oauthApps.put({
          componentKey: `crm${n}`,
          definitionKey: 'crmOAuth',
          fields: { clientId: 'client-visible' },
          secretFields: { clientSecret: 'app-s3cret' },
        }),
      get: (store, n) => store.oauthApps.get(`crm${n}`, 'crmOAuth'),
      list: (store) => store.oauthApps.list(),
      id: (n) => `crm${n}/crmOAuth`,
    },
  ],
  [
    'provider_oauth_apps',
    {
      table: 'provider_oauth_apps',
      put: (store, n) =>
        store.providerOAuthApps.put({
          providerKey: `provider${n}`,
          fields: { clientId: 'client-visible' },
          secretFields: { clientSecret: 'app-s3cret' },
        }),
      get: (store, n) => store.providerOAuthApps.get(`provider${n}`),
      list: (store) => store.providerOAuthApps.list(),
      id: (n) => `provider${n}`,
    },
  ],
];

export function oauthAppsContract(ctx: ContractContext): void {
  let store: Store;
  let env: ContractEnv;
  beforeAll(() => {
    store = ctx.store;
    env = ctx.env;
  });
  // Each test writes its own app (a fresh number) and deletes it after, so one test's damage never reaches
  // another's reads.
  let next = 0;

  describe.each(appTables)('OAuth app rows in %s that do not read back', (_name, app) => {
    const written: number[] = [];
    afterEach(async () => {
      for (const n of written.splice(0)) {
        await env.rawQuery(`delete from ${app.table} where id = ?`, [app.id(n)]);
      }
    });

    async function putApp(through: Store = store): Promise<number> {
      const n = (next += 1);
      written.push(n);
      await app.put(through, n);
      return n;
    }

    async function damage(n: number, column: string, value: string): Promise<void> {
      await env.rawQuery(`update ${app.table} set ${column} = ? where id = ?`, [value, app.id(n)]);
    }

    async function expectCorrupt(n: number, leaked: string): Promise<void> {
      for (const read of [() => app.get(store, n), () => app.list(store)]) {
        const err = await expectCode(read(), 'KW_STORE_CORRUPT_ROW');
        const message = (err as Error).message;
        expect(message).toContain(app.table);
        expect(message).toContain(app.id(n));
        expect(message).not.toContain(leaked);
        expect(message).not.toContain('app-s3cret');
      }
    }

    it.each([
      ['fields that are not JSON', '{"clientId": "leaked-value'],
      ['fields that are not an object', '["leaked-value"]'],
    ])('refuses a row with %s as KW_STORE_CORRUPT_ROW', async (_what, value) => {
      const n = await putApp();
      await damage(n, 'fields', value);
      await expectCorrupt(n, 'leaked-value');
    });

    it('refuses a row whose decrypted secret fields are not an object as KW_STORE_CORRUPT_ROW', async () => {
      const n = await putApp();
      const ring = KeyRing.parse(keyA);
      await damage(
        n,
        'secret_fields',
        ring.encrypt('["leaked-secret"]', cellAad(app.table, app.id(n), 'secret_fields')),
      );
      await expectCorrupt(n, 'leaked-secret');
    });

    it('reads a secret written under a key the ring lacks with the typed error a connection gives', async () => {
      const both = await ctx.open({ keys: `${keyA},${keyB}` });
      const n = await putApp(both);
      const { connection } = await ctx.fixture();
      await both.updateConnection(connection.id, { secretFields: { clientSecret: 'moved-to-b' } });
      // The suite's store holds key A only.
      await expectCode(store.getConnection(connection.id), 'KW_CRYPTO_KEY_UNKNOWN');
      await expectCode(app.get(store, n), 'KW_CRYPTO_KEY_UNKNOWN');
    });

    it('refuses a secret cell copied from another row with the typed error a connection gives', async () => {
      const n = await putApp();
      const { connection } = await ctx.fixture();
      const [source] = await env.rawQuery('select secret_fields from connections where id = ?', [
        connection.id,
      ]);
      await damage(n, 'secret_fields', String(source?.['secret_fields']));
      const err = await expectCode(app.get(store, n), 'KW_CRYPTO_DECRYPT_FAILED');
      expect((err as Error).message).not.toContain('secret-value');
    });
  });
}
