/**
 * The shipped GitHub component's "new or updated issues" polling trigger run by Keyway's poller, on SQLite and
 * PostgreSQL, against the GitHub fake: the first poll only places the cursor, later polls deliver each new or
 * changed issue once (pull requests left out, issues changed at the cursor's second deduplicated by id), the cursor
 * persists in the subscription's polling state, and GitHub's 401 is answered with one forced refresh and one retry,
 * a second 401 failing the poll with KW_ACTION_UNAUTHORIZED on the execution and the subscription. A lifecycle hook
 * gets the same one refresh and retry.
 * @see https://docs.github.com/en/rest/issues/issues#list-repository-issues
 */
import { startPoller } from '../../src/runtime';
import { connectedGitHubInstance } from '../support/github-instance';
import { storeEngines } from '../support/runtime-stores';
import { githubTime, startGitHubFake } from '../support/vendors/github';
import type { GitHubFake } from '../support/vendors/github';
import { startHarness } from './harness';
import type { Harness } from './harness';

const REPO = 'octocat/Hello-World';
const TESTER_TOKEN = 'ghu_tester_opening_issues';

describe.each(storeEngines)('the GitHub new or updated issues trigger on %s', (_engine, openStore) => {
  let h: Harness;
  let fake: GitHubFake;
  let instanceId: string;
  let connectionId: string;
  // GitHub's clock, moved by the test: issues changed between two ticks share a second.
  let githubNow = Math.floor(Date.now() / 1000) * 1000 + 500;

  /** Moves Keyway's clock and GitHub's by `ms`. */
  function tick(ms: number): void {
    h.advance(ms);
    githubNow += ms;
  }

  /** Someone opens an issue on GitHub. */
  async function openIssue(title: string): Promise<number> {
    const res = await fetch(`${fake.urls.apiBaseUrl}/repos/${REPO}/issues`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TESTER_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { number: number }).number;
  }

  function refreshes(): number {
    return fake.requests.filter(
      (r) => r.path === '/login/oauth/access_token' && r.form?.get('grant_type') === 'refresh_token',
    ).length;
  }

  async function pollingState(subscriptionId: string) {
    const state = await h.store.getState({ instanceId, scope: 'instance', key: subscriptionId });
    return (state?.__prismaticInternal as { polling?: unknown } | undefined)?.polling;
  }

  async function delivered(subscriptionId: string): Promise<string[][]> {
    const page = await h.store.triggers.eventsPage({ instanceId, type: 'trigger.fired' }, { limit: 50 });
    return page.items
      .filter((e) => (e.payload.subscription as { id: string }).id === subscriptionId)
      .map((e) =>
        (e.payload.payload as { body: { data: { title: string }[] } }).body.data.map((i) => i.title),
      );
  }

  beforeAll(async () => {
    h = await startHarness({ openStore });
    fake = await startGitHubFake({ expiringTokens: true, now: () => githubNow });
    fake.book.addAccessToken(TESTER_TOKEN);
    ({ instanceId, connectionId } = await connectedGitHubInstance(h, fake, 'GitHub polling'));
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });

  function poller() {
    return startPoller({
      store: h.store,
      triggers: h.triggers,
      owner: 'replica-a',
      now: () => h.now(),
      intervalMs: 3_600_000,
    });
  }

  async function enable(name: string) {
    return h.triggers.enable({
      instanceId,
      componentKey: 'github',
      triggerKey: 'newOrUpdatedIssues',
      name,
      inputs: { owner: 'octocat', repo: 'Hello-World' },
      schedule: { everySeconds: 60 },
    });
  }

  it('places its cursor on the first poll, then delivers each new or updated issue once', async () => {
    await openIssue('Bug 1');
    await openIssue('Bug 2');
    const before = githubNow;
    const sub = await enable('Issues');
    const worker = poller();
    try {
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      // The repository's history is not replayed: the cursor sits on its latest change.
      expect(await delivered(sub.id)).toEqual([]);
      const first = (await pollingState(sub.id)) as { since: string; seenAtSince: number[] };
      expect(first.since).toBe(githubTime(before));
      expect([...first.seenAtSince].sort()).toEqual([1000, 1001]);

      tick(61_000);
      await openIssue('Bug 3');
      fake.updateIssue(REPO, 1, { title: 'Bug 1 (edited)' });
      const pr = await openIssue('A pull request');
      fake.updateIssue(REPO, pr, {
        pull_request: { url: `${fake.urls.apiBaseUrl}/repos/${REPO}/pulls/${pr}` },
      });
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      expect(await delivered(sub.id)).toEqual([['Bug 1 (edited)', 'Bug 3']]);
      expect(await pollingState(sub.id)).toMatchObject({ since: githubTime(githubNow) });

      // GitHub's `since` includes the cursor's own second: those issues come back and are skipped by id.
      tick(61_000);
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      await openIssue('Bug 5');
      h.advance(61_000);
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      // Another issue in the very same second at GitHub: only it is new.
      await openIssue('Bug 6');
      h.advance(61_000);
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      expect(await delivered(sub.id)).toEqual([['Bug 1 (edited)', 'Bug 3'], ['Bug 5'], ['Bug 6']]);
      const polls = fake.requests.filter((r) => r.path === `/repos/${REPO}/issues` && r.method === 'GET');
      expect(Object.fromEntries(polls.at(-1)?.query ?? [])).toMatchObject({
        state: 'all',
        sort: 'updated',
        direction: 'asc',
        since: githubTime(githubNow),
      });
    } finally {
      await worker.stop();
      await h.triggers.disable(sub.id);
    }
  });

  it('refreshes the token once when GitHub answers 401, and fails clearly when it answers 401 again', async () => {
    const sub = await enable('Unauthorized');
    const worker = poller();
    try {
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      const placed = await pollingState(sub.id);
      // The user's token stops working at GitHub (revoked, expired early): Keyway does not know yet.
      const { accessToken } = await h.credentials.getToken(connectionId);
      fake.book.revokeAccessToken(accessToken);
      const refreshed = refreshes();
      tick(61_000);
      await openIssue('After the 401');
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      expect(refreshes()).toBe(refreshed + 1);
      expect(await delivered(sub.id)).toEqual([['After the 401']]);
      expect((await h.credentials.getToken(connectionId)).accessToken).not.toBe(accessToken);

      // Now GitHub refuses every token: one refresh, one retry, then a typed failure.
      const moved = await pollingState(sub.id);
      expect(moved).not.toEqual(placed);
      fake.faults.badCredentials = true;
      tick(61_000);
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
      expect(refreshes()).toBe(refreshed + 2);
      const failed = await h.store.triggers.getSubscription(sub.id);
      expect(failed).toMatchObject({
        status: 'backing_off',
        failures: 1,
        lastError: { code: 'KW_ACTION_UNAUTHORIZED' },
      });
      expect(failed?.lastError?.message).toContain('again after a refresh (HTTP 401)');
      const executions = await h.store.listExecutions({ instanceId });
      const [last] = executions
        .filter((e) => e.actionKey === 'trigger:newOrUpdatedIssues')
        .sort((a, b) => b.startedAt - a.startedAt);
      expect(last).toMatchObject({ status: 'failed', errorCode: 'KW_ACTION_UNAUTHORIZED' });
      const failures = await h.store.triggers.eventsPage(
        { instanceId, type: 'trigger.failed' },
        { limit: 50 },
      );
      expect(failures.items.at(-1)?.payload).toMatchObject({ error: { code: 'KW_ACTION_UNAUTHORIZED' } });
      // A failed poll leaves the cursor where it was.
      expect(await pollingState(sub.id)).toEqual(moved);

      fake.faults.badCredentials = false;
      tick(61_000);
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      expect(await h.store.triggers.getSubscription(sub.id)).toMatchObject({
        status: 'enabled',
        failures: 0,
      });
    } finally {
      fake.faults.badCredentials = false;
      await worker.stop();
      await h.triggers.disable(sub.id);
    }
  });

  it('refreshes the token once when a lifecycle hook gets a 401, and records a second 401 on the subscription', async () => {
    const { accessToken } = await h.credentials.getToken(connectionId);
    fake.book.revokeAccessToken(accessToken);
    const refreshed = refreshes();
    const hooks = {
      owner: 'octocat',
      repo: 'Hello-World',
      events: 'issues',
      secret: 'hook secret',
    };
    const sub = await h.triggers.enable({
      instanceId,
      componentKey: 'github',
      triggerKey: 'repositoryEvents',
      name: 'Hooks',
      inputs: hooks,
    });
    expect(sub.status).toBe('enabled');
    expect(refreshes()).toBe(refreshed + 1);
    expect([...fake.hooks.values()].map((hook) => hook.repo)).toEqual([REPO]);
    await h.triggers.disable(sub.id);
    expect(fake.hooks.size).toBe(0);

    fake.faults.badCredentials = true;
    try {
      const refused = await h.triggers.enable({
        instanceId,
        componentKey: 'github',
        triggerKey: 'repositoryEvents',
        name: 'Hooks refused',
        inputs: hooks,
      });
      expect(refreshes()).toBe(refreshed + 2);
      expect(refused).toMatchObject({
        status: 'enable_failed',
        lastError: { code: 'KW_ACTION_UNAUTHORIZED' },
      });
      fake.faults.badCredentials = false;
      expect(await h.triggers.retry(refused.id)).toMatchObject({ status: 'enabled' });
      await h.triggers.disable(refused.id);
    } finally {
      fake.faults.badCredentials = false;
    }
  });
});
