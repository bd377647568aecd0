/**
 * The GitHub issues connector's declarative polling trigger through the real poller, on SQLite and PostgreSQL:
 * built from YAML and published, enabled with its default schedule, connected through the GitHub fake's consent,
 * and polled: the first poll delivers the issues there are, a later one only what changed (the issue GitHub lists
 * again at the `since` boundary is dropped), an issue changed again is delivered again, and the cursor and the
 * seen ids are in the subscription's stored polling state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConnector } from '../../src/lowcode';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  Triggers,
  WebhookDirectory,
  createInstance,
  runAction,
  startPoller,
} from '../../src/runtime';
import { followAuthorization } from '../../src/sandbox';
import type { Connection, Store } from '../../src/store';
import { githubFakeFields, githubTime, startGitHubFake } from '../support/vendors/github';
import type { GitHubFake } from '../support/vendors/github';
import { storeEngines } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';

const ROOT = join(__dirname, '..', '..');
const REDIRECT_URI = 'https://keyway.example/oauth/callback';
const BROWSER = 'lowcode-poll-browser';
const REPO = 'octocat/Hello-World';

describe.each(storeEngines)('a low-code polling trigger on %s', (_engine, openStore) => {
  let clock = Date.parse('2026-12-06T10:00:00Z');
  const now = () => clock;
  let out: string;
  let testStore: TestStore;
  let store: Store;
  let fake: GitHubFake;
  let components: ComponentRegistry;
  let credentials: CredentialManager;
  let triggers: Triggers;
  let instanceId: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'keyway-lowcode-poll-'));
    fake = await startGitHubFake({ now });
    testStore = await openStore();
    store = testStore.store;
    components = new ComponentRegistry({ store });
    const { bundle } = await buildConnector(join(ROOT, 'connectors', 'github-issues.yaml'), {
      outfile: join(out, 'github-issues.js'),
    });
    await components.publish(bundle);
    credentials = new CredentialManager({ store, components, now });
    triggers = new Triggers({
      store,
      components,
      credentials,
      webhooks: new WebhookDirectory({ store, publicBaseUrl: 'https://keyway.example', now }),
      now,
    });
    const customer = await store.createCustomer({ name: 'Initech' });
    const created = await createInstance(
      { store, components },
      {
        customerId: customer.id,
        name: 'GitHub',
        components: ['githubIssues'],
        connections: [
          {
            name: 'main',
            componentKey: 'githubIssues',
            fields: githubFakeFields(fake),
          },
        ],
      },
    );
    instanceId = created.instance.id;
    const flows = new ConnectFlows({ store, components, now });
    const connection = created.connections[0] as Connection;
    const { authorizationUrl } = await flows.startAuthorization({
      connectionId: connection.id,
      browserBinding: BROWSER,
      redirectUri: REDIRECT_URI,
    });
    const callback = await followAuthorization(authorizationUrl, { redirectUri: REDIRECT_URI });
    await flows.completeAuthorization(callback, { browserBinding: BROWSER });
  });

  afterAll(async () => {
    await testStore.close();
    await fake.close();
    rmSync(out, { recursive: true, force: true });
  });

  async function createIssue(title: string): Promise<void> {
    await runAction(
      { store, components, credentials, now },
      {
        instanceId,
        componentKey: 'githubIssues',
        actionKey: 'createIssue',
        inputs: { owner: 'octocat', repo: 'Hello-World', title },
      },
    );
  }

  /** The titles each `trigger.fired` event of the subscription delivered, oldest first. */
  async function delivered(subscriptionId: string): Promise<string[][]> {
    const page = await store.triggers.eventsPage({ instanceId, type: 'trigger.fired' }, { limit: 50 });
    return page.items
      .filter((e) => (e.payload['subscription'] as { id: string }).id === subscriptionId)
      .map((e) =>
        (e.payload['payload'] as { body: { data: { title: string }[] } }).body.data.map((i) => i.title),
      );
  }

  async function pollingState(subscriptionId: string): Promise<unknown> {
    const state = await store.getState({ instanceId, scope: 'instance', key: subscriptionId });
    return (state?.['__prismaticInternal'] as { polling?: unknown } | undefined)?.polling;
  }

  it('delivers each new or changed issue once and keeps its cursor in the store', async () => {
    await createIssue('First');
    clock += 1_000;
    await createIssue('Second');
    const sub = await triggers.enable({
      instanceId,
      componentKey: 'githubIssues',
      triggerKey: 'issuesUpdated',
      inputs: { owner: 'octocat', repo: 'Hello-World' },
    });
    expect(sub).toMatchObject({ kind: 'polling', status: 'enabled' });
    expect(sub.schedule).toEqual({ kind: 'interval', everyMs: 300_000 });
    const worker = startPoller({ store, triggers, owner: 'replica-a', now, intervalMs: 3_600_000 });
    try {
      const from = fake.requests.length;
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      const second = fake.issues.get(REPO)?.[1];
      expect(await pollingState(sub.id)).toEqual({
        cursor: second?.['updated_at'],
        seen: (fake.issues.get(REPO) ?? []).map((i) => `${String(i['id'])}@${String(i['updated_at'])}`),
      });

      clock += 301_000;
      await createIssue('Third');
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      // Nothing changed: the state is saved, no event.
      clock += 301_000;
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });

      // The first issue is edited: it is delivered again.
      clock += 301_000;
      const first = fake.issues.get(REPO)?.[0];
      if (first) Object.assign(first, { title: 'First, edited', updated_at: githubTime(clock) });
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });

      expect(await delivered(sub.id)).toEqual([['First', 'Second'], ['Third'], ['First, edited']]);
      const queries = fake.requests.slice(from).filter((r) => r.method === 'GET');
      expect(queries.map((r) => r.query.get('since'))).toEqual([
        null,
        String(second?.['updated_at']),
        String(fake.issues.get(REPO)?.[2]?.['updated_at']),
        String(fake.issues.get(REPO)?.[2]?.['updated_at']),
      ]);
      expect(
        queries.every((r) => r.query.get('sort') === 'updated' && r.query.get('direction') === 'asc'),
      ).toBe(true);
      expect(await pollingState(sub.id)).toMatchObject({ cursor: githubTime(clock) });
    } finally {
      await worker.stop();
      await triggers.disable(sub.id);
    }
  });
});
