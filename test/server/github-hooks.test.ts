/**
 * The shipped GitHub component's repository events trigger run by Keyway, on SQLite and PostgreSQL, against the
 * GitHub fake: enabling it creates a repository webhook pointing at the subscription's own URL (with a valid token),
 * signed deliveries (`X-Hub-Signature-256`) run `perform` and reach the platform, unsigned or tampered ones are
 * refused, and disabling it deletes the webhook at GitHub.
 * @see https://docs.github.com/en/rest/repos/webhooks
 * @see https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
import { createHmac } from 'node:crypto';
import { connectedGitHubInstance } from '../support/github-instance';
import { storeEngines } from '../support/runtime-stores';
import { startGitHubFake } from '../support/vendors/github';
import type { GitHubFake } from '../support/vendors/github';
import { startHarness } from './harness';
import type { Harness } from './harness';

const SECRET = "It's a Secret to Everybody";

/** GitHub's delivery headers for `body`, signed with `secret`. */
function delivery(event: string, body: string, secret = SECRET): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
}

describe.each(storeEngines)('the GitHub repository events trigger on %s', (_engine, openStore) => {
  let h: Harness;
  let fake: GitHubFake;
  let instanceId: string;

  beforeAll(async () => {
    fake = await startGitHubFake();
    h = await startHarness({ openStore });
    ({ instanceId } = await connectedGitHubInstance(h, fake, 'GitHub'));
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });

  it('creates the webhook on enable, runs signed deliveries, refuses bad ones and deletes it on disable', async () => {
    const sub = await h.triggers.enable({
      instanceId,
      componentKey: 'github',
      triggerKey: 'repositoryEvents',
      inputs: { owner: 'octocat', repo: 'Hello-World', events: 'push, issues', secret: SECRET },
    });
    expect(sub.status).toBe('enabled');
    const webhookUrl = `${h.baseUrl}/trigger/${String(sub.webhookToken)}`;
    const [hook, ...others] = [...fake.hooks.values()];
    expect(others).toHaveLength(0);
    expect(hook).toMatchObject({
      repo: 'octocat/Hello-World',
      events: ['push', 'issues'],
      config: { url: webhookUrl, content_type: 'json', secret: SECRET },
    });
    expect(await h.store.getState({ instanceId, scope: 'instance', key: sub.id })).toEqual({
      hookId: hook?.id,
    });

    const url = webhookUrl.slice(h.baseUrl.length);
    const ping = '{"zen":"Design for failure.","hook_id":' + String(hook?.id) + '}';
    const pong = await h.inject({ method: 'POST', url, headers: delivery('ping', ping), payload: ping });
    expect(pong.statusCode).toBe(200);
    expect(pong.body).toBe('pong');

    const push = '{"ref":"refs/heads/main","repository":{"full_name":"octocat/Hello-World"}}';
    const ok = await h.inject({ method: 'POST', url, headers: delivery('push', push), payload: push });
    expect(ok.statusCode).toBe(200);
    const bad = '{"ref":"refs/heads/evil"}';
    const wrong = await h.inject({
      method: 'POST',
      url,
      headers: delivery('push', bad, 'guess'),
      payload: bad,
    });
    expect(wrong.statusCode).toBe(500);
    // Signed, then changed by one space: a signature is over the bytes, not the JSON they parse to.
    const spaced = await h.inject({
      method: 'POST',
      url,
      headers: delivery('push', bad),
      payload: bad.replace(':', ': '),
    });
    expect(spaced.statusCode).toBe(500);
    const unsigned = await h.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
      payload: bad,
    });
    expect(unsigned.statusCode).toBe(500);
    const fired = await h.store.triggers.eventsPage({ instanceId, type: 'trigger.fired' }, { limit: 50 });
    const refs = fired.items.map(
      (e) => (e.payload as { payload: { body: { data: { ref?: string } } } }).payload.body.data.ref,
    );
    expect(refs).toEqual([undefined, 'refs/heads/main']);

    await h.triggers.disable(sub.id);
    expect(fake.hooks.size).toBe(0);
    const gone = await h.inject({ method: 'POST', url, headers: delivery('push', push), payload: push });
    expect(gone.statusCode).toBe(404);
  });
});
