import { readFileSync } from 'node:fs';
import { ComponentRegistry, createInstance, grantTypeOf } from '../../src/runtime';
import type { Store } from '../../src/store';
import { buildTestComponent, writeBundle } from '../support/components/build';
import { storeEngines } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';
import { caught } from '../support/errors';

describe.each(storeEngines)('instances and published components on %s', (_engine, open) => {
  let testStore: TestStore;
  let store: Store;
  let components: ComponentRegistry;
  let customerId: string;
  let testkitPath: string;

  beforeAll(async () => {
    testStore = await open();
    store = testStore.store;
    testkitPath = buildTestComponent('testkit');
    components = new ComponentRegistry({ store });
    components.loadFromPath(testkitPath);
    customerId = (await store.createCustomer({ name: 'Initech', externalId: `initech-${Date.now()}` })).id;
  });

  afterAll(async () => {
    await testStore.close();
  });

  const platformDefaults = {
    testkit: { testkitOAuth: { clientId: 'shared-app', clientSecret: 'shared-secret-42' } },
  };

  it('creates an instance whose connections take the grant, fields and status their definitions imply', async () => {
    const { instance, connections } = await createInstance(
      { store, components, platformDefaults },
      {
        customerId,
        name: 'Initech prod',
        components: ['testkit'],
        config: { region: 'eu' },
        connections: [
          {
            name: 'key',
            componentKey: 'testkit',
            definitionKey: 'testkitApiKey',
            fields: { apiKey: 'sk_abc_123456' },
          },
          { name: 'oauth', componentKey: 'testkit', definitionKey: 'testkitOAuth' },
          {
            name: 'device',
            componentKey: 'testkit',
            definitionKey: 'testkitSandboxDevice',
            fields: { clientId: 'dev' },
          },
        ],
      },
    );
    expect(instance).toMatchObject({
      customerId,
      name: 'Initech prod',
      componentKeys: ['testkit'],
      config: { region: 'eu' },
    });
    const [key, oauth, device] = connections;
    // An API key connection with every required field is usable at once; its password field is kept secret.
    expect(key).toMatchObject({
      grantType: 'none',
      status: 'connected',
      fields: {},
      secretFields: { apiKey: 'sk_abc_123456' },
    });
    // The platform's shared OAuth app is stored apart from anything the customer sees.
    expect(oauth).toMatchObject({ grantType: 'authorization_code', status: 'pending', fields: {} });
    expect(oauth?.secretFields).toEqual({ clientId: 'shared-app', clientSecret: 'shared-secret-42' });
    // Keyway's hidden-input convention for grants spectral has no oauth2Type for.
    expect(device).toMatchObject({
      grantType: 'device_code',
      status: 'pending',
      fields: { clientId: 'dev' },
    });
    expect((await store.listConnections({ instanceId: instance.id })).map((c) => c.name).sort()).toEqual([
      'device',
      'key',
      'oauth',
    ]);
  });

  it('reads the grant from oauth2Type, from the keywayGrantType input, or none', async () => {
    const testkit = await components.get('testkit');
    expect(grantTypeOf(testkit.connections.get('testkitOAuth')!)).toBe('authorization_code');
    expect(grantTypeOf(testkit.connections.get('testkitSandboxDevice')!)).toBe('device_code');
    expect(grantTypeOf(testkit.connections.get('testkitApiKey')!)).toBe('none');
  });

  it.each([
    [
      'a field the definition does not have',
      { name: 'x', componentKey: 'testkit', definitionKey: 'testkitApiKey', fields: { apikey: 'typo' } },
      'KW_CONNECTION_INVALID',
      /no field "apikey"/,
    ],
    [
      'a customer value for a field the platform sets',
      { name: 'x', componentKey: 'testkit', definitionKey: 'testkitOAuth', fields: { clientSecret: 'mine' } },
      'KW_CONNECTION_INVALID',
      /set by the platform/,
    ],
    [
      'an unknown connection definition',
      { name: 'x', componentKey: 'testkit', definitionKey: 'nope' },
      'KW_CONNECTION_INVALID',
      /no connection definition "nope"/,
    ],
    [
      'no definition key for a component with several',
      { name: 'x', componentKey: 'testkit' },
      'KW_CONNECTION_INVALID',
      /say which one/,
    ],
    [
      'a component the instance does not include',
      { name: 'x', componentKey: 'other', definitionKey: 'c' },
      'KW_CONNECTION_INVALID',
      /does not include/,
    ],
  ])('refuses %s and writes nothing', async (_what, connection, code, message) => {
    const before = (await store.listInstances({ customerId })).length;
    const error = await caught(
      createInstance(
        { store, components, platformDefaults },
        { customerId, name: 'bad', components: ['testkit'], connections: [connection] },
      ),
    );
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(await store.listInstances({ customerId })).toHaveLength(before);
  });

  it('refuses duplicate connection names, unknown customers and unknown components', async () => {
    const duplicate = await caught(
      createInstance(
        { store, components },
        {
          customerId,
          name: 'dup',
          components: ['testkit'],
          connections: [
            { name: 'same', componentKey: 'testkit', definitionKey: 'testkitApiKey' },
            { name: 'same', componentKey: 'testkit', definitionKey: 'testkitOAuth' },
          ],
        },
      ),
    );
    expect(duplicate.code).toBe('KW_INSTANCE_INVALID');
    const noCustomer = await caught(
      createInstance(
        { store, components },
        { customerId: 'no-such-customer', name: 'x', components: ['testkit'] },
      ),
    );
    // Not found by id nor by external id: the 404 the API answers for it.
    expect(noCustomer.code).toBe('KW_STORE_NOT_FOUND');
    const noComponent = await caught(
      createInstance({ store, components }, { customerId, name: 'x', components: ['missing'] }),
    );
    expect(noComponent.code).toBe('KW_COMPONENT_NOT_FOUND');
  });

  it('publishes a bundle into the store so another replica loads it from there, versioned by content', async () => {
    const publisher = new ComponentRegistry({ store });
    const first = await publisher.publish(testkitPath);
    const again = await publisher.publish(testkitPath);
    expect(again.published.version).toBe(first.published.version);
    expect(again.published.bundleHash).toBe(first.component.bundleHash);

    // A replica with nothing registered locally finds the component in the store.
    let clock = Date.now();
    const replica = new ComponentRegistry({ store, recheckMs: 1000, now: () => clock });
    const loaded = await replica.get('testkit');
    expect(loaded.bundleHash).toBe(first.component.bundleHash);
    expect([...loaded.actions.keys()].sort()).toEqual(['counter', 'describe', 'fail', 'whoami']);

    // A changed bundle becomes the next version: the publisher uses it at once, replicas once their recheck
    // interval has passed (they ask the store for the latest version at most that often).
    const changedPath = writeBundle(`${readFileSync(testkitPath, 'utf8')}\n// rebuilt\n`);
    const second = await publisher.publish(changedPath);
    expect(second.published.version).toBe(first.published.version + 1);
    expect((await publisher.get('testkit')).bundleHash).toBe(second.component.bundleHash);
    clock += 999;
    expect((await replica.get('testkit')).bundleHash).toBe(first.component.bundleHash);
    clock += 1;
    // Past it, the replica reads the store again and finds the new version.
    expect((await replica.get('testkit')).bundleHash).toBe(second.component.bundleHash);
  });

  it('asks the store for a published component at most once per recheck interval, never for its bytes again', async () => {
    await new ComponentRegistry({ store }).publish(testkitPath);
    const calls = { getComponent: 0, getComponentHead: 0 };
    const counting: Store = new Proxy(store, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if ((property === 'getComponent' || property === 'getComponentHead') && typeof value === 'function') {
          return (...args: unknown[]) => {
            calls[property] += 1;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    let clock = 0;
    const registry = new ComponentRegistry({ store: counting, recheckMs: 1000, now: () => clock });
    for (let i = 0; i < 50; i++) await registry.get('testkit');
    expect(calls).toEqual({ getComponent: 1, getComponentHead: 0 });
    clock += 1000;
    await Promise.all([registry.get('testkit'), registry.get('testkit')]);
    expect(calls).toEqual({ getComponent: 1, getComponentHead: 1 });
  });

  it('refuses to publish a bundle that is not a component, storing nothing', async () => {
    const publisher = new ComponentRegistry({ store });
    const path = writeBundle('module.exports.default = { key: "half" };');
    const error = await caught(publisher.publish(path));
    expect(error.code).toBe('KW_COMPONENT_INVALID');
    expect(await store.getComponent('half')).toBeUndefined();
  });

  it('answers KW_COMPONENT_NOT_FOUND for a component neither loaded nor published', async () => {
    const error = await caught(new ComponentRegistry({ store }).get('never-published'));
    expect(error.code).toBe('KW_COMPONENT_NOT_FOUND');
  });
});
