/**
 * Data sources run as the platform runs them, on both engines: Slack's `channels` picklist through a real
 * authorization-code connection against the Slack fake (a valid token, refreshed when it expired), spectral's data
 * source context and argument count, and every `dataSourceType`'s result shape checked, a wrong one refused with
 * KW_DATA_SOURCE_RESULT_INVALID naming the data source and what is wrong.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { component, connection, dataSource, input } from '@prismatic-io/spectral';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  createInstance,
  runDataSource,
} from '../../src/runtime';
import type { DataSourceType } from '../../src/runtime';
import { followAuthorization } from '../../src/sandbox';
import type { Store } from '../../src/store';
import { caught } from '../support/errors';
import { storeEngines } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';
import { startSlackFake } from '../support/vendors/slack';
import type { SlackFake } from '../support/vendors/slack';

const API_KEY = 'ds_secret_key_0123456789';
const REDIRECT_URI = 'https://keyway.example/oauth/callback';

/** What the last `echo` run saw. */
let seen: { args: number; context: Record<string, unknown>; params: Record<string, unknown> } | undefined;

const keyConnection = connection({
  key: 'apiKey',
  display: { label: 'API key', description: 'A key' },
  inputs: { apiKey: { label: 'API key', type: 'password', required: true } },
});
const connectionInput = input({ label: 'Connection', type: 'connection', required: true });
const jsonInput = input({ label: 'Result JSON', type: 'string', required: true });

/** One data source per type, resolving to the JSON it is given. */
function returning(type: DataSourceType) {
  return dataSource({
    display: { label: `Returns a ${type}`, description: 'Resolves to its input.' },
    dataSourceType: type,
    inputs: { connection: connectionInput, json: jsonInput },
    perform: async (_context, { json }) => Promise.resolve(JSON.parse(String(json)) as never),
  });
}

const types: DataSourceType[] = [
  'string',
  'date',
  'timestamp',
  'picklist',
  'schedule',
  'code',
  'boolean',
  'number',
  'objectSelection',
  'objectFieldMap',
  'jsonForm',
];

const dsTest = component({
  key: 'dsTest',
  public: false,
  display: { label: 'Data source test', description: 'Data sources of every type.', iconPath: 'icon.png' },
  connections: [keyConnection],
  actions: {},
  dataSources: {
    ...Object.fromEntries(types.map((type) => [type, returning(type)])),
    echo: dataSource({
      display: { label: 'Echo', description: 'Records its context.' },
      dataSourceType: 'picklist',
      inputs: {
        connection: connectionInput,
        prefix: input({ label: 'Prefix', type: 'string', required: false, default: 'item' }),
      },
      perform: async (...args: unknown[]) => {
        const [context, params] = args as [Record<string, unknown>, Record<string, unknown>];
        seen = { args: args.length, context, params };
        return Promise.resolve({
          result: [{ key: `${String(params.prefix)}-1` }, { key: 'b', label: 'B' }],
          supplementalData: { data: { n: 2 }, contentType: 'application/json' },
        });
      },
    }),
    throws: dataSource({
      display: { label: 'Throws', description: 'Throws with the key in its message.' },
      dataSourceType: 'picklist',
      inputs: { connection: connectionInput },
      perform: async (_context, { connection: value }) =>
        Promise.reject(new Error(`upstream refused key ${String(value.fields.apiKey)}`)),
    }),
  },
});

const slackBundle = join(__dirname, '..', '..', 'components', 'slack', 'dist', 'index.js');

describe.each(storeEngines)('data sources on %s', (_engine, open) => {
  let testStore: TestStore;
  let store: Store;
  let components: ComponentRegistry;
  let credentials: CredentialManager;
  let slack: SlackFake;
  let clockOffset = 0;
  let dsInstance: string;
  let slackInstance: string;

  beforeAll(async () => {
    testStore = await open();
    store = testStore.store;
    slack = await startSlackFake({ tokenRotation: true, accessTokenTtlSeconds: 3600 });
    components = new ComponentRegistry({ store });
    components.registerExports({ default: dsTest }, 'ds-test-bundle');
    components.loadFromPath(slackBundle);
    const now = () => Date.now() + clockOffset;
    credentials = new CredentialManager({ store, components, now });
    const customer = await store.createCustomer({ name: 'Initech', externalId: 'initech-1' });
    dsInstance = (
      await createInstance(
        { store, components },
        {
          customerId: customer.id,
          name: 'Data source instance',
          components: ['dsTest'],
          config: { region: 'eu' },
          connections: [{ name: 'key', componentKey: 'dsTest', fields: { apiKey: API_KEY } }],
        },
      )
    ).instance.id;
    const created = await createInstance(
      { store, components },
      {
        customerId: customer.id,
        name: 'Slack instance',
        components: ['slack'],
        connections: [
          {
            name: 'workspace',
            componentKey: 'slack',
            fields: {
              authorizeUrl: slack.urls.authorizeUrl,
              tokenUrl: slack.urls.tokenUrl,
              apiBaseUrl: slack.urls.apiBaseUrl,
              clientId: slack.clientId,
              clientSecret: slack.clientSecret,
            },
          },
        ],
      },
    );
    slackInstance = created.instance.id;
    const flows = new ConnectFlows({ store, components, now });
    const started = await flows.startAuthorization({
      connectionId: created.connections[0]?.id ?? '',
      browserBinding: 'b',
      redirectUri: REDIRECT_URI,
    });
    const callback = await followAuthorization(started.authorizationUrl, { redirectUri: REDIRECT_URI });
    await flows.completeAuthorization(callback, { browserBinding: 'b' });
  });

  afterAll(async () => {
    await slack.close();
    await testStore.close();
  });

  const run = (dataSourceKey: string, inputs: Record<string, unknown> = {}, instanceId = dsInstance) =>
    runDataSource(
      { store, components, credentials },
      { instanceId, componentKey: instanceId === dsInstance ? 'dsTest' : 'slack', dataSourceKey, inputs },
    );

  it("lists Slack's unarchived public channels as a picklist, with a valid (refreshed) token", async () => {
    const first = await run('channels', {}, slackInstance);
    expect(first).toMatchObject({
      dataSourceType: 'picklist',
      result: [
        { key: 'C012AB3CD', label: '#general' },
        { key: 'C061EG9T2', label: '#random' },
        { key: 'C07ANNOUNCE', label: '#announcements' },
      ],
    });
    const before = (await store.getConnectionByName(slackInstance, 'workspace'))?.tokenSet;
    // Past the token's hour: the credential manager refreshes before perform, and the data source still runs.
    clockOffset = 2 * 3600_000;
    try {
      const again = await run('channels', { types: 'public_channel,private_channel' }, slackInstance);
      expect((again.result as { key: string }[]).map((c) => c.key)).toContain('G0PRIVATE1');
    } finally {
      clockOffset = 0;
    }
    const after = (await store.getConnectionByName(slackInstance, 'workspace'))?.tokenSet;
    expect(after).not.toEqual(before);
  });

  it("calls perform(context, params) with spectral's data source context", async () => {
    const done = await run('echo', { prefix: 'row' });
    expect(done.result).toEqual([{ key: 'row-1' }, { key: 'b', label: 'B' }]);
    expect(done.supplementalData).toEqual({ data: { n: 2 }, contentType: 'application/json' });
    expect(seen?.args).toBe(2);
    const context = seen?.context ?? {};
    // spectral's DataSourceContext, plus the debug and invokeFlow its perform wrapper adds itself.
    expect(Object.keys(context).sort()).toEqual(
      ['configVars', 'customer', 'debug', 'instance', 'invokeFlow', 'logger', 'user'].sort(),
    );
    expect(context.customer).toEqual({ id: expect.any(String), externalId: 'initech-1', name: 'Initech' });
    expect(context.instance).toEqual({ id: dsInstance, name: 'Data source instance' });
    const configVars = context.configVars as Record<string, unknown>;
    expect(configVars.region).toBe('eu');
    expect(configVars.key).toMatchObject({ key: 'apiKey', configVarKey: 'key', fields: { apiKey: API_KEY } });
    expect(seen?.params.connection).toBe(configVars.key);
  });

  it('fills defaults and refuses unknown inputs before running anything', async () => {
    seen = undefined;
    expect((await run('echo')).result).toEqual([{ key: 'item-1' }, { key: 'b', label: 'B' }]);
    seen = undefined;
    const error = await caught(run('echo', { nope: 1 }));
    expect(error.code).toBe('KW_ACTION_INPUT_INVALID');
    expect(seen).toBeUndefined();
  });

  const valid: [DataSourceType, unknown][] = [
    ['string', 'hello'],
    ['date', '2026-12-06'],
    ['timestamp', '2026-12-06T10:00:00Z'],
    ['picklist', ['a', { key: 'b' }]],
    ['schedule', { value: '0 * * * *' }],
    ['code', '{"a":1}'],
    ['boolean', false],
    ['number', 42],
    ['objectSelection', [{ object: { key: 'Account' }, fields: [{ key: 'Name', label: 'Name' }] }]],
    ['objectFieldMap', { fields: [{ field: { key: 'email' }, mappedField: { key: 'Email' } }] }],
    ['jsonForm', { schema: { type: 'object' }, uiSchema: { type: 'VerticalLayout' }, data: {} }],
  ];
  it.each(valid)('accepts a %s result of its shape', async (type, result) => {
    expect(await run(type, { json: JSON.stringify({ result }) })).toMatchObject({
      dataSourceType: type,
      result,
    });
  });

  const invalid: [DataSourceType, unknown, string][] = [
    ['string', 42, 'result: Invalid input: expected string'],
    ['date', 'tomorrow', 'result: must be a date (YYYY-MM-DD)'],
    ['timestamp', 'not a time', 'result: must be a date and time'],
    ['picklist', [{ label: 'no key' }], 'result.0'],
    ['picklist', 'general', 'result: '],
    ['schedule', '0 * * * *', 'result: '],
    ['boolean', 'true', 'result: Invalid input: expected boolean'],
    ['number', '42', 'result: Invalid input: expected number'],
    ['objectSelection', [{ fields: [] }], 'result.0.object'],
    ['objectFieldMap', { options: [] }, 'result.fields'],
    ['jsonForm', { schema: {} }, 'result.uiSchema'],
  ];
  it.each(invalid)('refuses a %s result of another shape (%j)', async (type, result, problem) => {
    const error = await caught(run(type, { json: JSON.stringify({ result }) }));
    expect(error.code).toBe('KW_DATA_SOURCE_RESULT_INVALID');
    expect(error.message).toContain(`Data source "${type}" of component "dsTest" (${type})`);
    expect(error.message).toContain(problem);
  });

  it('refuses a result without the { result } envelope and a malformed supplementalData', async () => {
    const bare = await caught(run('picklist', { json: JSON.stringify(['a', 'b']) }));
    expect(bare.code).toBe('KW_DATA_SOURCE_RESULT_INVALID');
    expect(bare.message).toContain('perform must resolve to an object { result, supplementalData? }');
    const extra = await caught(
      run('picklist', { json: JSON.stringify({ result: [], supplementalData: { data: 1 } }) }),
    );
    expect(extra.message).toContain('supplementalData.contentType');
  });

  it('surfaces what perform threw as KW_DATA_SOURCE_FAILED, without the secret', async () => {
    const error = await caught(run('throws'));
    expect(error.code).toBe('KW_DATA_SOURCE_FAILED');
    expect(error.message).toContain(
      'Data source "throws" of component "dsTest" failed: upstream refused key',
    );
    expect(error.message).not.toContain(API_KEY);
  });

  it('records each run as an execution, dataSource:<key>, a failed one with its code and no secret', async () => {
    const done = await run('echo');
    expect(await store.getExecution(done.executionId)).toMatchObject({
      instanceId: dsInstance,
      componentKey: 'dsTest',
      actionKey: 'dataSource:echo',
      status: 'succeeded',
      errorCode: null,
    });
    // A failed run returns no id: this one is given its id.
    const failing = async (dataSourceKey: string, inputs: Record<string, unknown> = {}) => {
      const id = randomUUID();
      const error = await caught(
        runDataSource(
          { store, components, credentials, newId: () => id },
          { instanceId: dsInstance, componentKey: 'dsTest', dataSourceKey, inputs },
        ),
      );
      return { error, execution: await store.getExecution(id) };
    };
    const threw = await failing('throws');
    expect(threw.execution).toMatchObject({
      actionKey: 'dataSource:throws',
      status: 'failed',
      errorCode: 'KW_DATA_SOURCE_FAILED',
      errorMessage: threw.error.message,
    });
    const shape = await failing('picklist', { json: JSON.stringify({ result: 'general' }) });
    expect(shape.execution).toMatchObject({
      actionKey: 'dataSource:picklist',
      status: 'failed',
      errorCode: 'KW_DATA_SOURCE_RESULT_INVALID',
      errorMessage: shape.error.message,
    });
    const recorded = [threw.execution, shape.execution];
    expect(JSON.stringify(recorded)).not.toContain(API_KEY);
  });

  it('names the data sources a component has when the key is unknown', async () => {
    const error = await caught(run('nope'));
    expect(error.code).toBe('KW_DATA_SOURCE_NOT_FOUND');
    expect(error.message).toContain('has no data source "nope" (it has: string, date');
  });
});
