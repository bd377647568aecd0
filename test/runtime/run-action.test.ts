import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testing } from '@prismatic-io/spectral';
import { ComponentRegistry, createInstance, loadComponentFromPath, runAction } from '../../src/runtime';
import type {
  AccessToken,
  CredentialSource,
  GetTokenOptions,
  LoadedComponent,
  WireAction,
} from '../../src/runtime';
import type { Connection, Instance, Store } from '../../src/store';
import { buildTestComponent } from '../support/components/build';
import { storeEngines } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';
import { caught } from '../support/errors';

const API_KEY = 'sk_live_SECRETKEY1234567';
const CLIENT_SECRET = 'platform-client-secret-987';

/** Hands out scripted tokens and records every request: failure injection for the 401 rule. */
class ScriptedCredentials implements CredentialSource {
  readonly calls: { connectionId: string; options: GetTokenOptions | undefined }[] = [];
  constructor(private readonly tokens: string[]) {}
  getToken(connectionId: string, options?: GetTokenOptions): Promise<AccessToken> {
    this.calls.push({ connectionId, options });
    const accessToken = this.tokens[Math.min(this.calls.length - 1, this.tokens.length - 1)] ?? 'none';
    return Promise.resolve({
      accessToken,
      raw: { access_token: accessToken, token_type: 'Bearer', instance_url: 'https://extra.example' },
    });
  }
}

/** A tiny API that accepts only the bearer tokens in `valid` and counts calls. */
async function startApi(valid: Set<string>): Promise<{ url: string; calls: string[]; server: Server }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    calls.push(token);
    if (!valid.has(token)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ user: 'ada', token }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, server };
}

describe.each(storeEngines)('runAction on %s', (_engine, open) => {
  let testStore: TestStore;
  let store: Store;
  let components: ComponentRegistry;
  let testkit: LoadedComponent;
  let instance: Instance;
  let apiKeyConnection: Connection;
  let oauthConnection: Connection;
  let api: Awaited<ReturnType<typeof startApi>>;
  const valid = new Set<string>();
  const argumentCounts: number[] = [];
  // The context object each perform was given (before spectral's wrapper copies it for the action).
  const contexts: Record<string, unknown>[] = [];
  // `describe` and `fail` again as `describeSlowly` and `failSlowly`, which start only once `slowGate` opens.
  let openSlowGate: () => void = () => undefined;
  let slowGate = Promise.resolve();
  // Called each time a slow action starts waiting at the gate.
  let onSlowWaiting: () => void = () => undefined;

  beforeAll(async () => {
    testStore = await open();
    store = testStore.store;
    api = await startApi(valid);
    const loaded = loadComponentFromPath(buildTestComponent('testkit'));
    // Record how many arguments every perform receives, then delegate to the real wrapper.
    const actions = new Map<string, WireAction>();
    for (const [key, action] of loaded.actions) {
      actions.set(key, {
        ...action,
        perform: (...args: unknown[]) => {
          argumentCounts.push(args.length);
          contexts.push(args[0] as Record<string, unknown>);
          return action.perform(...args);
        },
      });
    }
    for (const key of ['describe', 'fail']) {
      const inner = actions.get(key);
      if (!inner) throw new Error(`testkit has no ${key} action`);
      actions.set(`${key}Slowly`, {
        ...inner,
        key: `${key}Slowly`,
        perform: async (...args: unknown[]) => {
          onSlowWaiting();
          await slowGate;
          return inner.perform(...args);
        },
      });
    }
    // `whoami`, then, on its retry after the 401, an error quoting the token the first attempt was given (as a
    // component that kept it would): the token the 401 retired must stay redacted, as its replacement is.
    const whoami = actions.get('whoami');
    if (!whoami) throw new Error('testkit has no whoami action');
    let retired: string | undefined;
    actions.set('whoamiRecall', {
      ...whoami,
      key: 'whoamiRecall',
      perform: async (...args: unknown[]) => {
        const params = args[1] as { connection?: { token?: { access_token?: unknown } } };
        const token = String(params.connection?.token?.access_token);
        if (retired === undefined) {
          retired = token;
          return whoami.perform(...args);
        }
        const old = retired;
        retired = undefined;
        throw new Error(`the provider refused ${old}; now holding ${token}`);
      },
    });
    // Logs the API keys of the instance's trigger URLs, as a careless component might.
    actions.set('logWebhookKeys', {
      ...whoami,
      key: 'logWebhookKeys',
      perform: (...args: unknown[]) => {
        const context = args[0] as {
          webhookApiKeys: Record<string, string[]>;
          logger: { info: (text: string) => void };
        };
        context.logger.info(`trigger keys: ${JSON.stringify(context.webhookApiKeys)}`);
        return Promise.resolve({ data: null });
      },
    });
    testkit = { ...loaded, actions };
    components = new ComponentRegistry({ store });
    components.register(testkit);
    const customer = await store.createCustomer({ name: 'Acme', externalId: 'acme-1' });
    const created = await createInstance(
      {
        store,
        components,
        platformDefaults: {
          testkit: { testkitOAuth: { clientId: 'shared-app', clientSecret: CLIENT_SECRET } },
        },
      },
      {
        customerId: customer.id,
        name: 'Acme production',
        components: ['testkit'],
        config: { greeting: 'hello' },
        connections: [
          {
            name: 'primary',
            componentKey: 'testkit',
            definitionKey: 'testkitApiKey',
            fields: { apiKey: API_KEY, region: 'us' },
          },
          {
            name: 'oauth',
            componentKey: 'testkit',
            definitionKey: 'testkitOAuth',
            fields: { apiBaseUrl: api.url },
          },
        ],
      },
    );
    instance = created.instance;
    [apiKeyConnection, oauthConnection] = created.connections as [Connection, Connection];
  });

  afterAll(async () => {
    await new Promise((resolve) => api.server.close(resolve));
    await testStore.close();
  });

  const deps = (credentials: CredentialSource = new ScriptedCredentials(['unused'])) => ({
    store,
    components,
    credentials,
  });
  const run = (
    actionKey: string,
    inputs: Record<string, unknown>,
    connection = 'primary',
    credentials?: CredentialSource,
  ) =>
    runAction(deps(credentials), {
      instanceId: instance.id,
      componentKey: 'testkit',
      actionKey,
      inputs,
      connections: { connection },
    });

  it('calls perform with exactly two arguments and a context shaped like spectral’s own', async () => {
    argumentCounts.length = 0;
    const { result } = await run('describe', { message: 'hi' });
    expect(argumentCounts).toEqual([2]);
    const data = (result as { data: Record<string, unknown> }).data;
    // spectral's testing harness builds the context Prismatic passes; ours has every one of its keys.
    let seen: object = {};
    await testing.invoke(
      {
        perform: (context: object) => {
          seen = context;
          return Promise.resolve({ data: null });
        },
      } as unknown as Parameters<typeof testing.invoke>[0],
      {},
    );
    const referenceKeys = Object.keys(seen);
    expect(referenceKeys.length).toBeGreaterThan(15);
    expect(data.contextKeys).toEqual(expect.arrayContaining(referenceKeys));
    expect(data.customer).toEqual({ id: instance.customerId, externalId: 'acme-1', name: 'Acme' });
    expect(data.instance).toEqual({ id: instance.id, name: 'Acme production' });
    expect(data.flow).toMatchObject({ id: 'default' });
    expect(new Date(String(data.startedAt)).toISOString()).toBe(data.startedAt);
  });

  it('gives each run its own context and state, and frozen identity objects that no run can change', async () => {
    contexts.length = 0;
    await run('describe', { message: 'one' });
    await run('describe', { message: 'two' });
    const [first, second] = contexts as [Record<string, unknown>, Record<string, unknown>];
    expect(second).not.toBe(first);
    expect(second.executionId).not.toBe(first.executionId);
    expect(second.executionFrame).not.toBe(first.executionFrame);
    for (const scope of ['instanceState', 'crossFlowState', 'executionState', 'integrationState'])
      expect(second[scope]).not.toBe(first[scope]);
    expect(second.configVars).not.toBe(first.configVars);
    for (const key of ['customer', 'instance', 'user', 'integration', 'flow']) {
      expect(Object.isFrozen(first[key])).toBe(true);
      // An action that tries to rename the customer gets a TypeError instead of changing the next run.
      expect(() => {
        (first[key] as Record<string, unknown>).name = 'changed';
      }).toThrow(TypeError);
    }
    expect(second.customer).toEqual({ id: instance.customerId, externalId: 'acme-1', name: 'Acme' });
    const invokeFlow = second.invokeFlow as (name: string) => Promise<never>;
    await expect(invokeFlow('other')).rejects.toThrow('invokeFlow("other") is not supported by Keyway');
    expect(second.debug).toMatchObject({ enabled: false });
  });

  it('fills missing inputs from their defaults and passes primitives as strings', async () => {
    const defaults = (await run('describe', { message: 'hi' })).result as { data: Record<string, unknown> };
    // count's default is "3" and spectral's clean turns it into a number; raw has no clean and stays a string.
    expect(defaults.data).toMatchObject({ count: 3, countType: 'number', raw: 'unchanged', flag: false });
    const given = (await run('describe', { message: 'hi', count: 7, raw: 5, flag: true })).result as {
      data: Record<string, unknown>;
    };
    expect(given.data).toMatchObject({ count: 7, raw: '5', rawType: 'string', flag: true });
  });

  it('builds the connection value with the definition key, the instance name and rendered templates', async () => {
    const { result } = await run('describe', { message: 'hi' });
    const connection = (result as { data: { connection: Record<string, unknown> } }).data.connection;
    expect(connection).toEqual({
      key: 'testkitApiKey',
      configVarKey: 'primary',
      fields: { apiKey: API_KEY, region: 'us', endpoint: 'https://us.testkit.example/v1' },
      hasToken: false,
    });
  });

  it('refuses a missing required input and an unknown one without running the action', async () => {
    argumentCounts.length = 0;
    const missing = await caught(run('describe', {}));
    expect(missing.code).toBe('KW_ACTION_INPUT_INVALID');
    expect(missing.message).toContain('"message"');
    const unknown = await caught(run('describe', { message: 'hi', mesage: 'typo' }));
    expect(unknown.code).toBe('KW_ACTION_INPUT_INVALID');
    expect(unknown.message).toContain('"mesage"');
    expect(argumentCounts).toEqual([]);
    const executions = await store.listExecutions({ instanceId: instance.id });
    expect(executions.filter((e) => e.errorCode === 'KW_ACTION_INPUT_INVALID')).toHaveLength(0);
  });

  it('refuses an unknown action with KW_ACTION_NOT_FOUND', async () => {
    const error = await caught(run('nope', {}));
    expect(error.code).toBe('KW_ACTION_NOT_FOUND');
  });

  it('persists state mutated in place and state returned, per scope, across runs', async () => {
    const flowA = { id: 'flow-a' };
    const first = await runAction(deps(), {
      instanceId: instance.id,
      componentKey: 'testkit',
      actionKey: 'counter',
      connections: { connection: 'primary' },
      flow: flowA,
    });
    const second = await runAction(deps(), {
      instanceId: instance.id,
      componentKey: 'testkit',
      actionKey: 'counter',
      connections: { connection: 'primary' },
      flow: flowA,
    });
    expect((second.result as { data: unknown }).data).toEqual({ count: 2 });
    expect(await store.getState({ instanceId: instance.id, scope: 'instance', key: 'flow-a' })).toEqual({
      count: 2,
    });
    expect(await store.getState({ instanceId: instance.id, scope: 'integration' })).toEqual({ lastCount: 2 });
    expect(
      await store.getState({ instanceId: instance.id, scope: 'execution', key: first.executionId }),
    ).toEqual({
      touched: true,
    });
    // instanceState is per flow; crossFlowState is shared by every flow of the instance.
    const otherFlow = await runAction(deps(), {
      instanceId: instance.id,
      componentKey: 'testkit',
      actionKey: 'counter',
      connections: { connection: 'primary' },
      flow: { id: 'flow-b' },
    });
    expect((otherFlow.result as { data: unknown }).data).toEqual({ count: 1 });
    expect(await store.getState({ instanceId: instance.id, scope: 'crossFlow' })).toEqual({ hits: 3 });
  });

  it('does not persist state when the action fails after mutating it', async () => {
    const flow = { id: 'flow-fail' };
    await runAction(deps(), {
      instanceId: instance.id,
      componentKey: 'testkit',
      actionKey: 'counter',
      connections: { connection: 'primary' },
      flow,
    });
    const error = await caught(
      runAction(deps(), {
        instanceId: instance.id,
        componentKey: 'testkit',
        actionKey: 'counter',
        inputs: { fail: true },
        connections: { connection: 'primary' },
        flow,
      }),
    );
    expect(error.code).toBe('KW_ACTION_FAILED');
    expect(error.message).toBe('failed after mutating state');
    expect(await store.getState({ instanceId: instance.id, scope: 'instance', key: 'flow-fail' })).toEqual({
      count: 1,
    });
  });

  it('surfaces a thrown string as KW_ACTION_FAILED without the secret it contained, and records the run', async () => {
    const error = await caught(run('fail', { how: 'string' }));
    expect(error.code).toBe('KW_ACTION_FAILED');
    expect(error.message).toContain('plain string failure');
    expect(error.message).not.toContain(API_KEY);
    const [latest] = await store.listExecutions({ instanceId: instance.id, limit: 1 });
    expect(latest).toMatchObject({ actionKey: 'fail', status: 'failed', errorCode: 'KW_ACTION_FAILED' });
    expect(JSON.stringify(latest)).not.toContain(API_KEY);
  });

  it('surfaces a thrown plain object as KW_ACTION_FAILED with its error text', async () => {
    const error = await caught(run('fail', { how: 'object' }));
    expect(error.code).toBe('KW_ACTION_FAILED');
    expect(error.message).toBe('object failure');
  });

  it('marks the connection `error` on a spectral ConnectionError and emits an event', async () => {
    const error = await caught(run('fail', { how: 'connection' }));
    expect(error.code).toBe('KW_CONNECTION_ERROR');
    expect(error.message).toBe('The API key was revoked');
    const row = await store.getConnection(apiKeyConnection.id);
    expect(row?.status).toBe('error');
    expect(row?.lastError).toMatchObject({ code: 'KW_CONNECTION_ERROR', message: 'The API key was revoked' });
    const events = await store.claimOutboxEvents({
      now: Date.now() + 1000,
      limit: 50,
      leaseMs: 1000,
      owner: 't',
    });
    expect(
      events.filter((e) => e.type === 'connection.error' && e.connectionId === apiKeyConnection.id),
    ).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(API_KEY);
    // A connection in `error` still runs actions (the fault may be gone); a successful run does not hide it.
    await run('describe', { message: 'still runs' });
  });

  it('leaves a connection disconnected during the run disconnected when the run then reports it broken', async () => {
    slowGate = new Promise<void>((resolve) => (openSlowGate = resolve));
    const waiting = new Promise<void>((resolve) => (onSlowWaiting = resolve));
    const failing = caught(run('failSlowly', { how: 'connection' }));
    await waiting;
    onSlowWaiting = () => undefined;
    const before = await store.getConnection(apiKeyConnection.id);
    if (!before) throw new Error('connection vanished');
    await store.updateConnection(apiKeyConnection.id, { status: 'disconnected', lastError: null });
    try {
      openSlowGate();
      expect((await failing).code).toBe('KW_CONNECTION_ERROR');
      const row = await store.getConnection(apiKeyConnection.id);
      expect(row).toMatchObject({ status: 'disconnected', lastError: null });
    } finally {
      await store.updateConnection(apiKeyConnection.id, {
        status: before.status,
        lastError: before.lastError,
      });
    }
  });

  it('redacts secrets from everything an action logs and records the redacted log', async () => {
    const { logs, executionId } = await run('fail', { how: 'log' });
    const text = JSON.stringify(logs);
    expect(text).not.toContain(API_KEY);
    expect(text).toContain('[REDACTED]');
    const execution = await store.getExecution(executionId);
    expect(execution?.status).toBe('succeeded');
    expect(execution?.log.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(execution)).not.toContain(API_KEY);
  });

  /** `store` with `recordExecution` replaced. */
  const withRecord = (record: Store['recordExecution']): Store =>
    new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'recordExecution') return record;
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  const describeRequest = () => ({
    instanceId: instance.id,
    componentKey: 'testkit',
    actionKey: 'describe',
    inputs: { message: 'hi' },
    connections: { connection: 'primary' },
  });

  it('returns only once its execution record is committed', async () => {
    let release: () => void = () => undefined;
    const committed = new Promise<void>((resolve) => (release = resolve));
    let recording: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => (recording = resolve));
    const held = withRecord(async (input) => {
      recording();
      await committed;
      return store.recordExecution(input);
    });
    let returned = false;
    const running = runAction({ ...deps(), store: held }, describeRequest()).then((result) => {
      returned = true;
      return result;
    });
    await asked;
    // The store has the record but has not committed it: the run is still waiting.
    await new Promise((resolve) => setImmediate(resolve));
    expect(returned).toBe(false);
    release();
    const { executionId } = await running;
    expect((await store.getExecution(executionId))?.status).toBe('succeeded');
  });

  it('shows a run that takes over a second as running in the execution log, then as it ended', async () => {
    slowGate = new Promise<void>((resolve) => (openSlowGate = resolve));
    let waiting = 0;
    const bothWaiting = new Promise<void>((resolve) => {
      onSlowWaiting = () => {
        waiting += 1;
        if (waiting === 2) resolve();
      };
    });
    // The runs' clock: moved on by hand, so "over a second" takes no second of real time.
    let clock = Date.now();
    const reported: unknown[] = [];
    const slowDeps = { ...deps(), now: () => clock, onRecordError: (error: unknown) => reported.push(error) };
    const request = (actionKey: string, inputs: Record<string, unknown>) =>
      runAction(slowDeps, {
        instanceId: instance.id,
        componentKey: 'testkit',
        actionKey,
        inputs,
        connections: { connection: 'primary' },
      });
    const succeeding = request('describeSlowly', { message: 'slow' });
    const failing = caught(request('failSlowly', { how: 'object' }));
    await bothWaiting;
    onSlowWaiting = () => undefined;
    clock += 1_000;
    const runningRows = async () =>
      (await store.listExecutions({ instanceId: instance.id })).filter(
        (row) => row.status === 'running' && row.actionKey.endsWith('Slowly'),
      );
    // Runs in flight are looked at every 250 ms: poll for the rows with a deadline.
    const deadline = Date.now() + 10_000;
    let running = await runningRows();
    while (running.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      running = await runningRows();
    }
    expect(running.map((row) => row.actionKey).sort()).toEqual(['describeSlowly', 'failSlowly']);
    expect(running.every((row) => row.finishedAt === null)).toBe(true);
    openSlowGate();
    const { executionId } = await succeeding;
    const error = await failing;
    expect(error.code).toBe('KW_ACTION_FAILED');
    const byId = new Map(running.map((row) => [row.actionKey, row.id]));
    expect(byId.get('describeSlowly')).toBe(executionId);
    // The running rows were finished in place: one row per run, with how each ended.
    const deadline2 = Date.now() + 5000;
    let rows = await store.listExecutions({ instanceId: instance.id });
    while (rows.some((row) => row.status === 'running') && Date.now() < deadline2) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      rows = await store.listExecutions({ instanceId: instance.id });
    }
    const succeeded = rows.filter((row) => row.id === executionId);
    expect(succeeded).toEqual([expect.objectContaining({ status: 'succeeded', errorCode: null })]);
    expect(succeeded[0]?.durationMs).toBeGreaterThanOrEqual(1000);
    const failed = rows.filter((row) => row.id === byId.get('failSlowly'));
    expect(failed).toEqual([
      expect.objectContaining({ status: 'failed', errorCode: 'KW_ACTION_FAILED', actionKey: 'failSlowly' }),
    ]);
    expect(failed[0]?.log.some((entry) => entry.level === 'error')).toBe(true);
    expect(reported).toEqual([]);
  });

  it('redacts the API keys of the trigger URLs from what an action logs', async () => {
    const urls = {
      webhookUrls: { 'Nightly sync': 'https://keyway.example/trigger/whk_url_token_1' },
      webhookApiKeys: { 'Nightly sync': ['whk_api_key_SECRET_42'] },
    };
    const webhooks = { cached: () => urls, load: () => Promise.resolve(urls) };
    const { logs } = await runAction(
      {
        ...deps(),
        webhooks: webhooks as unknown as NonNullable<Parameters<typeof runAction>[0]['webhooks']>,
      },
      {
        instanceId: instance.id,
        componentKey: 'testkit',
        actionKey: 'logWebhookKeys',
        inputs: {},
        connections: { connection: 'primary' },
      },
    );
    const text = JSON.stringify(logs);
    expect(text).toContain('trigger keys');
    expect(text).not.toContain('whk_api_key_SECRET_42');
  });

  it('reports a record that cannot be written to onRecordError, and the run still succeeds', async () => {
    const failing = withRecord(() => Promise.reject(new Error('disk full')));
    const reported: { message: string; executionId: string }[] = [];
    const { executionId, result } = await runAction(
      {
        ...deps(),
        store: failing,
        onRecordError: (error, id) => reported.push({ message: (error as Error).message, executionId: id }),
      },
      describeRequest(),
    );
    expect(result).toBeDefined();
    expect(reported).toEqual([{ message: 'disk full', executionId }]);
  });

  it('refuses to run with an OAuth connection that was never connected', async () => {
    const error = await caught(run('whoami', {}, 'oauth'));
    expect(error.code).toBe('KW_CONNECTION_NOT_CONNECTED');
  });

  it('tells how to fix a connection that needs authorizing again: through the connect link', async () => {
    const before = await store.getConnection(oauthConnection.id);
    await store.updateConnection(oauthConnection.id, { status: 'needs_reauthorization' });
    try {
      const error = await caught(run('whoami', {}, 'oauth'));
      expect(error.code).toBe('KW_CONNECTION_NOT_CONNECTED');
      expect(error.message).toMatch(
        /needs to be authorized again.*Reconnect it through the instance's connect link/,
      );
    } finally {
      await store.updateConnection(oauthConnection.id, { status: before?.status ?? 'pending' });
    }
  });

  describe('with a connected OAuth connection', () => {
    beforeAll(async () => {
      await store.updateConnection(oauthConnection.id, {
        status: 'connected',
        tokenSet: { accessToken: 'tok-old', tokenType: 'bearer', raw: { access_token: 'tok-old' } },
      });
    });

    it('passes the raw token response as connection.token, extras included', async () => {
      valid.clear();
      valid.add('tok-alpha');
      const credentials = new ScriptedCredentials(['tok-alpha']);
      const { result, logs } = await run('whoami', {}, 'oauth', credentials);
      expect((result as { data: unknown }).data).toEqual({ user: 'ada', token: 'tok-alpha' });
      expect(credentials.calls).toEqual([{ connectionId: oauthConnection.id, options: undefined }]);
      expect(JSON.stringify(logs)).not.toContain('tok-alpha');
    });

    it('answers a 401 with one forced refresh and one retry', async () => {
      valid.clear();
      valid.add('tok-new');
      api.calls.length = 0;
      const credentials = new ScriptedCredentials(['tok-old', 'tok-new']);
      const { result, logs } = await run('whoami', {}, 'oauth', credentials);
      expect((result as { data: unknown }).data).toEqual({ user: 'ada', token: 'tok-new' });
      expect(api.calls).toEqual(['tok-old', 'tok-new']);
      expect(credentials.calls.map((c) => c.options)).toEqual([
        undefined,
        { forceRefresh: true, rejectedAccessToken: 'tok-old' },
      ]);
      const text = JSON.stringify(logs);
      expect(text).not.toContain('tok-old');
      expect(text).not.toContain('tok-new');
    });

    it('surfaces a second 401 as KW_ACTION_UNAUTHORIZED without a third call', async () => {
      valid.clear();
      api.calls.length = 0;
      const credentials = new ScriptedCredentials(['tok-1', 'tok-2', 'tok-3']);
      const error = await caught(run('whoami', {}, 'oauth', credentials));
      expect(error.code).toBe('KW_ACTION_UNAUTHORIZED');
      expect(api.calls).toEqual(['tok-1', 'tok-2']);
      expect(credentials.calls).toHaveLength(2);
      const [latest] = await store.listExecutions({ instanceId: instance.id, limit: 1 });
      expect(latest).toMatchObject({ status: 'failed', errorCode: 'KW_ACTION_UNAUTHORIZED' });
    });

    it('redacts the token a 401 retired from a later error, as well as its replacement', async () => {
      valid.clear();
      valid.add('tok-fresh');
      const credentials = new ScriptedCredentials(['tok-retired', 'tok-fresh']);
      const error = await caught(run('whoamiRecall', {}, 'oauth', credentials));
      expect(error.code).toBe('KW_ACTION_FAILED');
      expect(error.message).toContain('the provider refused');
      expect(error.message).not.toContain('tok-retired');
      expect(error.message).not.toContain('tok-fresh');
      const [latest] = await store.listExecutions({ instanceId: instance.id, limit: 1 });
      expect(JSON.stringify(latest)).not.toContain('tok-retired');
    });

    it('does not retry a failure that is not a 401', async () => {
      valid.clear();
      valid.add('tok-x');
      api.calls.length = 0;
      const credentials = new ScriptedCredentials(['tok-x']);
      const error = await caught(run('fail', { how: 'object' }, 'oauth', credentials));
      expect(error.code).toBe('KW_ACTION_FAILED');
      expect(credentials.calls).toHaveLength(1);
    });
  });
});
