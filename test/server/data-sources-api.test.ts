/**
 * Running a data source from the REST API (on both engines) and from the CLI (`keyway data-source`): Slack's
 * `channels` picklist through a connection authorized at the Slack fake, typed errors in the one error shape.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ComponentRegistry, ConnectFlows, createInstance } from '../../src/runtime';
import { followAuthorization } from '../../src/sandbox';
import { openStore } from '../../src/store';
import type { Store } from '../../src/store';
import { runCli, tempDataDir } from '../cli/cli-harness';
import { storeEngines } from '../support/runtime-stores';
import { startSlackFake } from '../support/vendors/slack';
import type { SlackFake } from '../support/vendors/slack';
import { startHarness } from './harness';
import type { Harness } from './harness';

jest.setTimeout(60_000);

const slackBundle = join(__dirname, '..', '..', 'components', 'slack', 'dist', 'index.js');
const REDIRECT_URI = 'https://keyway.example/oauth/callback';
const CHANNELS = [
  { key: 'C012AB3CD', label: '#general' },
  { key: 'C061EG9T2', label: '#random' },
  { key: 'C07ANNOUNCE', label: '#announcements' },
];

let slack: SlackFake;

beforeAll(async () => {
  slack = await startSlackFake();
});
afterAll(async () => {
  await slack.close();
});

/** A Slack instance of `store` whose connection `workspace` is authorized at the fake. */
async function connectedSlackInstance(
  store: Store,
  components: Parameters<typeof createInstance>[0]['components'],
): Promise<string> {
  const customer = await store.createCustomer({ name: 'Hooli' });
  const created = await createInstance(
    { store, components },
    {
      customerId: customer.id,
      name: 'hooli-slack',
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
  const flows = new ConnectFlows({ store, components });
  const started = await flows.startAuthorization({
    connectionId: created.connections[0]?.id ?? '',
    browserBinding: 'b',
    redirectUri: REDIRECT_URI,
  });
  const callback = await followAuthorization(started.authorizationUrl, { redirectUri: REDIRECT_URI });
  await flows.completeAuthorization(callback, { browserBinding: 'b' });
  return created.instance.id;
}

describe.each(storeEngines)('POST /api/instances/:id/data-sources/:component/:key on %s', (_engine, open) => {
  let h: Harness;
  let instanceId: string;
  let key: string;

  beforeAll(async () => {
    h = await startHarness({ openStore: open });
    h.components.loadFromPath(slackBundle);
    instanceId = await connectedSlackInstance(h.store, h.components);
    key = (await h.store.createApiKey({ name: 'platform', scopes: ['actions:write', 'executions:read'] }))
      .key;
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (url: string, body: unknown, apiKey = key) =>
    h.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });

  it('answers the checked picklist', async () => {
    const res = await post(`/api/instances/${instanceId}/data-sources/slack/channels`, {});
    expect(res.statusCode).toBe(200);
    const body = res.json() as { executionId: string };
    expect(body).toEqual({ executionId: expect.any(String), dataSourceType: 'picklist', result: CHANNELS });
    expect(res.body).not.toMatch(/xox[bp]-/);
    // The run is in the execution log, as dataSource:<key>.
    const execution = await h.inject({
      method: 'GET',
      url: `/api/executions/${body.executionId}`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(execution.statusCode).toBe(200);
    expect(execution.json()).toMatchObject({
      execution: { instanceId, componentKey: 'slack', actionKey: 'dataSource:channels', status: 'succeeded' },
    });
  });

  it('passes inputs and answers typed errors in the one error shape', async () => {
    const withPrivate = await post(`/api/instances/${instanceId}/data-sources/slack/channels`, {
      inputs: { types: 'private_channel' },
    });
    expect(withPrivate.json()).toEqual({
      executionId: expect.any(String),
      dataSourceType: 'picklist',
      result: [{ key: 'G0PRIVATE1', label: '#leadership' }],
    });
    const unknown = await post(`/api/instances/${instanceId}/data-sources/slack/nope`, {});
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'KW_DATA_SOURCE_NOT_FOUND' } });
    const badBody = await post(`/api/instances/${instanceId}/data-sources/slack/channels`, { extra: 1 });
    expect(badBody.statusCode).toBe(400);
    expect(badBody.json()).toMatchObject({ error: { code: 'KW_REQUEST_INVALID' } });
    const readOnly = (await h.store.createApiKey({ name: 'reader', scopes: ['instances:read'] })).key;
    const forbidden = await post(`/api/instances/${instanceId}/data-sources/slack/channels`, {}, readOnly);
    expect(forbidden.statusCode).toBe(403);
  });
});

describe('keyway data-source', () => {
  let dataDir: string;
  let instanceId: string;

  beforeAll(async () => {
    dataDir = tempDataDir();
    const published = await runCli(['components', 'publish', '--data-dir', dataDir, slackBundle]);
    expect(published.exitCode).toBe(0);
    const store = await openStore({ dataDir, notice: () => undefined });
    try {
      instanceId = await connectedSlackInstance(store, new ComponentRegistry({ store }));
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the checked result of a data source for an instance named by its name', async () => {
    const run = await runCli([
      'data-source',
      '--data-dir',
      dataDir,
      '--json',
      'hooli-slack',
      'slack',
      'channels',
    ]);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.json()).toEqual({
      executionId: expect.any(String),
      dataSourceType: 'picklist',
      result: CHANNELS,
    });
    const human = await runCli([
      'data-source',
      '--data-dir',
      dataDir,
      '--input',
      'types=private_channel',
      instanceId,
      'slack',
      'channels',
    ]);
    expect(human.exitCode).toBe(0);
    expect(JSON.parse(human.stdout)).toEqual([{ key: 'G0PRIVATE1', label: '#leadership' }]);
  });

  it('names an unknown data source with its stable code', async () => {
    const run = await runCli(['data-source', '--data-dir', dataDir, '--json', instanceId, 'slack', 'nope']);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stderr)).toMatchObject({
      error: { code: 'KW_DATA_SOURCE_NOT_FOUND', message: expect.stringContaining('it has: channels') },
    });
  });
});
