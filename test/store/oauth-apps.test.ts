/**
 * The OAuth app stores (per definition, per provider) on both engines: upsert, read back decrypted, list, delete;
 * the secret cell is encrypted.
 */
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

  it('keeps one app per provider, its secret encrypted, and lists the definitions connections are bound to', async () => {
    const apps = t.store.providerOAuthApps;
    await apps.put({
      providerKey: 'github',
      fields: { clientId: 'a' },
      secretFields: { clientSecret: 's3cret-a' },
    });
    const replaced = await apps.put({
      providerKey: 'github',
      fields: { clientId: 'b', scopes: 'repo' },
      secretFields: { clientSecret: 's3cret-b' },
    });
    expect(replaced).toMatchObject({ providerKey: 'github', secretFields: { clientSecret: 's3cret-b' } });
    expect(await apps.list()).toEqual([replaced]);
    const db = (t.store as KyselyStore).db;
    const cells = await sql<{ secret_fields: string }>`select secret_fields from provider_oauth_apps`.execute(
      db,
    );
    expect(cells.rows[0]?.secret_fields).not.toContain('s3cret');
    await apps.delete('github');
    expect(await apps.get('github')).toBeUndefined();
    await expect(apps.delete('github')).rejects.toMatchObject({ code: 'KW_STORE_NOT_FOUND' });

    const customer = await t.store.createCustomer({ name: 'Bound' });
    const instance = await t.store.createInstance({
      customerId: customer.id,
      name: 'i',
      componentKeys: ['crm'],
    });
    for (const name of ['a', 'b']) {
      await t.store.createConnection({
        instanceId: instance.id,
        name,
        componentKey: 'crm',
        definitionKey: 'crmOAuth',
        grantType: 'authorization_code',
        fields: {},
        secretFields: {},
        status: 'pending',
      });
    }
    expect(await apps.boundDefinitions()).toEqual([{ componentKey: 'crm', definitionKey: 'crmOAuth' }]);
  });
});
