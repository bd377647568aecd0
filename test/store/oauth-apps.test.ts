/** The OAuth app store on both engines: upsert, read back decrypted, list, delete; the secret cell is encrypted. */
import { sql } from 'kysely';
import type { KyselyStore } from '../../src/store/kysely-store';
import { storeEngines } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';

describe.each(storeEngines)('OAuth apps on %s', (_name, open) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('replaces an app in place, keeps its secret encrypted, and deletes it once', async () => {
    const apps = t.store.oauthApps;
    const first = await apps.put({
      componentKey: 'crm',
      definitionKey: 'crmOAuth',
      fields: { clientId: 'one' },
      secretFields: { clientSecret: 's3cret-one' },
    });
    const second = await apps.put({
      componentKey: 'crm',
      definitionKey: 'crmOAuth',
      fields: { clientId: 'two', scopes: 'read' },
      secretFields: { clientSecret: 's3cret-two' },
    });
    expect(second).toMatchObject({
      fields: { clientId: 'two', scopes: 'read' },
      secretFields: { clientSecret: 's3cret-two' },
      createdAt: first.createdAt,
    });
    expect(await apps.list()).toEqual([second]);
    const db = (t.store as KyselyStore).db;
    const cells = await sql<{ secret_fields: string }>`select secret_fields from oauth_apps`.execute(db);
    expect(cells.rows).toHaveLength(1);
    expect(cells.rows[0]?.secret_fields).not.toContain('s3cret');

    await apps.delete('crm', 'crmOAuth');
    expect(await apps.get('crm', 'crmOAuth')).toBeUndefined();
    await expect(apps.delete('crm', 'crmOAuth')).rejects.toMatchObject({ code: 'KW_STORE_NOT_FOUND' });
  });
});
