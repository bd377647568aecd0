/** The store contract: customers and instances, and an instance read with its customer and connections. */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../../src/store';
import { expectCode } from './context';
import type { ContractContext } from './context';

/** Customers and instances, alone and read together with their connections. */
export function customersContract(ctx: ContractContext): void {
  let store: Store;
  const { fixture } = ctx;
  beforeAll(() => {
    store = ctx.store;
  });

  describe('customers and instances', () => {
    it('round-trips a customer and finds it by external id', async () => {
      const created = await store.createCustomer({ name: 'Globex', externalId: `globex-${randomUUID()}` });
      expect(await store.getCustomer(created.id)).toEqual(created);
      expect(await store.getCustomerByExternalId(created.externalId ?? '')).toEqual(created);
      const renamed = await store.updateCustomer(created.id, { name: 'Globex Corp' });
      expect(renamed.name).toBe('Globex Corp');
      expect(await store.getCustomer('nope')).toBeUndefined();
    });

    it('rejects a second customer with the same external id', async () => {
      const externalId = `dup-${randomUUID()}`;
      await store.createCustomer({ name: 'One', externalId });
      await expectCode(store.createCustomer({ name: 'Two', externalId }), 'KW_STORE_CONFLICT');
    });

    it('rejects an instance of a customer that does not exist', async () => {
      await expectCode(store.createInstance({ customerId: 'missing', name: 'x' }), 'KW_STORE_NOT_FOUND');
    });

    it('keeps config values and component keys as JSON and deletes connections with their instance', async () => {
      const { instanceId, connection } = await fixture();
      const updated = await store.updateInstance(instanceId, {
        componentKeys: ['salesforce', 'slack'],
        config: { region: 'eu', retries: 3, nested: { on: true } },
      });
      expect(updated.componentKeys).toEqual(['salesforce', 'slack']);
      expect((await store.getInstance(instanceId))?.config).toEqual({
        region: 'eu',
        retries: 3,
        nested: { on: true },
      });
      await store.deleteInstance(instanceId);
      expect(await store.getConnection(connection.id)).toBeUndefined();
    });

    it('names the offending field when input is malformed', async () => {
      const err = await expectCode(store.createCustomer({ name: '' }), 'KW_STORE_INVALID_INPUT');
      expect((err as Error).message).toContain('name');
    });
  });

  describe('instance with its customer and connections', () => {
    it('reads exactly what getInstance, getCustomer and listConnections answer', async () => {
      const { instanceId, connection } = await fixture();
      const second = await store.createConnection({
        instanceId,
        name: 'otherConnection',
        componentKey: 'slack',
        definitionKey: 'slack-oauth',
        grantType: 'authorization_code',
        secretFields: { clientSecret: 'another-secret' },
        tokenSet: { accessToken: 'at-1', tokenType: 'bearer' },
      });
      await store.putState({ instanceId, scope: 'instance', key: 'flow-1' }, { cursor: 42 });
      await store.putState({ instanceId, scope: 'integration' }, { shared: ['a'] });
      const instance = await store.getInstance(instanceId);
      const states = [
        { scope: 'instance', key: 'flow-1' },
        { scope: 'crossFlow' },
        { scope: 'integration' },
        { scope: 'instance', key: 'flow-2' },
      ] as const;
      const read = await store.getInstanceWithConnections(instanceId, { states });
      expect(read).toEqual({
        instance,
        customer: await store.getCustomer(instance?.customerId ?? ''),
        connections: await store.listConnections({ instanceId }),
        states: await store.getStates(states.map((key) => ({ instanceId, ...key }))),
      });
      expect(read?.states).toEqual([{ cursor: 42 }, undefined, { shared: ['a'] }, undefined]);
      expect(read?.connections.map((c) => c.id).sort()).toEqual([connection.id, second.id].sort());
      expect(read?.connections.find((c) => c.id === second.id)?.secretFields).toEqual({
        clientSecret: 'another-secret',
      });
    });

    it('answers an instance without connections with an empty list, and a missing one with undefined', async () => {
      const customer = await store.createCustomer({ name: 'Lonely' });
      const instance = await store.createInstance({ customerId: customer.id, name: 'No connections' });
      await store.putState({ instanceId: instance.id, scope: 'crossFlow' }, { seen: true });
      expect(
        await store.getInstanceWithConnections(instance.id, { states: [{ scope: 'crossFlow' }] }),
      ).toEqual({ instance, customer, connections: [], states: [{ seen: true }] });
      expect(await store.getInstanceWithConnections(instance.id)).toEqual({
        instance,
        customer,
        connections: [],
        states: [],
      });
      expect(await store.getInstanceWithConnections('no-such-instance')).toBeUndefined();
    });
  });
}
