/**
 * The store contract: one suite, run unchanged against every engine (sqlite.test.ts, postgres.test.ts).
 * One module per store aggregate, registered here in order.
 */
import { randomUUID } from 'node:crypto';
import { openStore } from '../../../src/store';
import type { Connection, Store, StoreConfig } from '../../../src/store';
import { apiKeysContract } from './api-keys';
import { authSessionsContract } from './auth-sessions';
import { componentsContract } from './components';
import { connectionsContract, tokensContract } from './connections';
import { keyA } from './context';
import type { ContractContext, ContractEnv } from './context';
import { customersContract } from './customers';
import { deviceSessionsContract } from './device-sessions';
import { executionsContract } from './executions';
import { instanceCacheContract } from './instance-cache';
import { instanceStateContract } from './instance-state';
import { connectionLockContract, refreshClaimsContract } from './locks';
import { oauthAppsContract } from './oauth-apps';
import { outboxContract } from './outbox';
import { encryptionContract, reencryptContract } from './reencrypt';
import { triggersContract } from './triggers';

export { keyA, keyB } from './context';
export type { ContractEnv } from './context';

/** Registers the contract suite for one engine. `setup` runs once; `teardown` after all tests. */
export function storeContract(setup: () => Promise<ContractEnv>, teardown: () => Promise<void>): void {
  let env: ContractEnv | undefined;
  let store: Store | undefined;
  const stores: Store[] = [];

  const open = async (overrides: Partial<StoreConfig> = {}): Promise<Store> => {
    const opened = await openStore({ ...ctx.env.config, keys: keyA, ...overrides });
    stores.push(opened);
    return opened;
  };

  async function fixture(): Promise<{ instanceId: string; connection: Connection }> {
    const customer = await ctx.store.createCustomer({ name: 'Acme', externalId: `acme-${randomUUID()}` });
    const instance = await ctx.store.createInstance({ customerId: customer.id, name: 'Acme CRM sync' });
    const connection = await ctx.store.createConnection({
      instanceId: instance.id,
      name: 'crmConnection',
      componentKey: 'salesforce',
      definitionKey: 'salesforce-oauth',
      grantType: 'authorization_code',
      fields: { clientId: 'client-123' },
      secretFields: { clientSecret: 'secret-value' },
    });
    return { instanceId: instance.id, connection };
  }

  const ctx: ContractContext = {
    get env() {
      if (!env) throw new Error('the store contract reads env before its setup ran');
      return env;
    },
    get store() {
      if (!store) throw new Error('the store contract reads the store before its setup ran');
      return store;
    },
    open,
    fixture,
  };

  beforeAll(async () => {
    env = await setup();
    store = await open();
  });

  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await teardown();
  });

  customersContract(ctx);
  instanceCacheContract(ctx);
  connectionsContract(ctx);
  tokensContract(ctx);
  connectionLockContract(ctx);
  refreshClaimsContract(ctx);
  authSessionsContract(ctx);
  deviceSessionsContract(ctx);
  componentsContract(ctx);
  instanceStateContract(ctx);
  outboxContract(ctx);
  apiKeysContract(ctx);
  executionsContract(ctx);
  encryptionContract(ctx);
  reencryptContract(ctx);
  oauthAppsContract(ctx);
  triggersContract(ctx);
}
