/**
 * The GitHub issues (authorization code, Link-header pagination, a picklist data source) and Salesforce records
 * (authorization code + PKCE, API host from the token's instance_url) low-code connectors end to end through
 * Keyway: build the YAML, publish the bundle into a real SQLite store, create an instance, connect through the
 * vendor fake's consent, run every action and the data source against the fake's API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  createInstance,
  runAction,
  runDataSource,
} from '../../src/runtime';
import { followAuthorization } from '../../src/sandbox';
import type { Connection, Store } from '../../src/store';
import { buildConnector } from '../../src/lowcode';
import { githubFakeFields, startGitHubFake } from '../support/vendors/github';
import type { GitHubFake } from '../support/vendors/github';
import { startSalesforceFake } from '../support/vendors/salesforce';
import type { SalesforceFake } from '../support/vendors/salesforce';
import { openSqliteTestStore } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';
import { caught } from '../support/errors';

const ROOT = join(__dirname, '..', '..');
const REDIRECT_URI = 'https://keyway.example/oauth/callback';
const BROWSER = 'lowcode-browser-binding';
let out: string;
let testStore: TestStore;
let store: Store;
let components: ComponentRegistry;
let flows: ConnectFlows;
let credentials: CredentialManager;
let customerId: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'keyway-lowcode-'));
  testStore = await openSqliteTestStore();
  store = testStore.store;
  components = new ComponentRegistry({ store });
  for (const name of ['github-issues', 'salesforce']) {
    const { bundle } = await buildConnector(join(ROOT, 'connectors', `${name}.yaml`), {
      outfile: join(out, `${name}.js`),
    });
    await components.publish(bundle);
  }
  flows = new ConnectFlows({ store, components });
  credentials = new CredentialManager({ store, components });
  customerId = (await store.createCustomer({ name: 'Initech' })).id;
});

afterAll(async () => {
  await testStore.close();
  rmSync(out, { recursive: true, force: true });
});

async function connectedInstance(
  componentKey: string,
  fields: Record<string, string>,
): Promise<{ instanceId: string; authorizeUrl: URL }> {
  const created = await createInstance(
    { store, components },
    {
      customerId,
      name: componentKey,
      components: [componentKey],
      connections: [{ name: 'main', componentKey, fields }],
    },
  );
  const connection = created.connections[0] as Connection;
  const { authorizationUrl } = await flows.startAuthorization({
    connectionId: connection.id,
    browserBinding: BROWSER,
    redirectUri: REDIRECT_URI,
  });
  const callback = await followAuthorization(authorizationUrl, { redirectUri: REDIRECT_URI });
  const { connection: connected } = await flows.completeAuthorization(callback, { browserBinding: BROWSER });
  expect(connected.status).toBe('connected');
  return { instanceId: created.instance.id, authorizeUrl: new URL(authorizationUrl) };
}

function runner(instanceId: string, componentKey: string) {
  return async (actionKey: string, inputs: Record<string, unknown> = {}): Promise<unknown> => {
    const { result } = await runAction(
      { store, components, credentials },
      { instanceId, componentKey, actionKey, inputs },
    );
    return (result as { data: unknown }).data;
  };
}

describe('the GitHub issues low-code connector', () => {
  let fake: GitHubFake;
  beforeAll(async () => {
    fake = await startGitHubFake();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('lists every page of issues by following the Link header, opens issues, and maps a 404', async () => {
    const { instanceId } = await connectedInstance('githubIssues', githubFakeFields(fake));
    const act = runner(instanceId, 'githubIssues');
    for (const n of [1, 2, 3, 4, 5]) {
      expect(
        await act('createIssue', {
          owner: 'octocat',
          repo: 'Hello-World',
          title: `Bug ${n}`,
          body: 'From YAML',
        }),
      ).toMatchObject({ number: n, title: `Bug ${n}` });
    }
    expect(fake.issues.get('octocat/Hello-World')?.[0]).toMatchObject({ body: 'From YAML' });
    const from = fake.requests.length;
    const listed = (await act('listIssues', { owner: 'octocat', repo: 'Hello-World', perPage: '2' })) as {
      title: string;
    }[];
    expect(listed.map((issue) => issue.title)).toEqual(['Bug 1', 'Bug 2', 'Bug 3', 'Bug 4', 'Bug 5']);
    const pages = fake.requests.slice(from).map((r) => `${r.path}?${r.query.toString()}`);
    expect(pages).toEqual([
      '/repos/octocat/Hello-World/issues?state=open&per_page=2',
      '/repos/octocat/Hello-World/issues?state=open&per_page=2&page=2',
      '/repos/octocat/Hello-World/issues?state=open&per_page=2&page=3',
    ]);
    expect(fake.requests.slice(from).every((r) => r.headers['x-github-api-version'] === '2022-11-28')).toBe(
      true,
    );
    const error = await caught(act('listIssues', { owner: 'octocat', repo: 'nope' }));
    expect(error.message).toContain('No such repository, or no access to it: Not Found (HTTP 404)');
  });

  it('runs the repositories data source as a picklist', async () => {
    const { instanceId } = await connectedInstance('githubIssues', githubFakeFields(fake));
    const run = await runDataSource(
      { store, components, credentials },
      { instanceId, componentKey: 'githubIssues', dataSourceKey: 'repositories' },
    );
    expect(run.dataSourceType).toBe('picklist');
    expect(run.result).toEqual([
      { key: 'octocat/Hello-World', label: 'octocat/Hello-World' },
      { key: 'octocat/Spoon-Knife', label: 'octocat/Spoon-Knife' },
    ]);
  });
});

describe('the Salesforce records low-code connector', () => {
  let fake: SalesforceFake;
  beforeAll(async () => {
    fake = await startSalesforceFake({ requirePkce: true });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('connects with code + PKCE and runs every action on the instance_url host', async () => {
    const { instanceId, authorizeUrl } = await connectedInstance('salesforceRecords', {
      keywayEnvironments: JSON.stringify({
        default: 'production',
        options: { production: { label: 'Production', hosts: { loginHost: fake.baseUrl } } },
      }),
      environment: 'production',
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
    });
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    const act = runner(instanceId, 'salesforceRecords');
    const id = (await act('createAccount', { name: 'Initech' })) as string;
    expect(fake.records.get('Account')?.get(id)).toEqual({ Id: id, Name: 'Initech' });
    expect(await act('getRecord', { recordId: id })).toMatchObject({ Id: id, Name: 'Initech' });
    const rows = (await act('query', { soql: 'SELECT Id, Name FROM Account' })) as { Name: string }[];
    expect(rows.map((row) => row.Name).sort()).toEqual(['Edge Communications', 'Initech']);
    const missing = await caught(act('getRecord', { recordId: '001nothere' }));
    expect(missing.message).toContain('No such record: The requested resource does not exist (HTTP 404)');
    const bad = await caught(act('query', { soql: 'SELECT Id FROM Nothing' }));
    expect(bad.message).toContain("sObject type 'Nothing' is not supported. (HTTP 400)");
  });
});
