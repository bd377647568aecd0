/**
 * The shipped Slack component's Events API trigger run by Keyway, on SQLite and PostgreSQL: Slack's URL
 * verification handshake answered from the trigger's `response`, request signatures checked over the exact bytes
 * Slack sent, and an event delivered to the platform.
 * @see https://api.slack.com/apis/events-api
 */
import { createHmac } from 'node:crypto';
import { createInstance } from '../../src/runtime';
import { loadBuiltComponent } from '../support/built-components';
import { storeEngines } from '../support/runtime-stores';
import { startHarness } from './harness';
import type { Harness } from './harness';

const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

/** Slack's signature headers for `body` at `timestamp` (seconds). */
function signed(body: string, timestamp: number, secret = SIGNING_SECRET): Record<string, string> {
  const signature = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': `v0=${signature}`,
  };
}

describe.each(storeEngines)('the Slack Events API trigger on %s', (_engine, openStore) => {
  let h: Harness;
  let url: string;
  let instanceId: string;

  beforeAll(async () => {
    h = await startHarness({ openStore });
    // The built bundle (components/slack/dist), as Keyway loads a published component.
    h.components.registerExports({ default: loadBuiltComponent('slack') }, 'slack-dist');
    const customer = await h.store.createCustomer({ name: 'Slack customer' });
    const created = await createInstance(
      { store: h.store, components: h.components },
      { customerId: customer.id, name: 'Slack', components: ['slack'], connections: [] },
    );
    instanceId = created.instance.id;
    const sub = await h.triggers.enable({
      instanceId,
      componentKey: 'slack',
      triggerKey: 'events',
      inputs: { signingSecret: SIGNING_SECRET },
    });
    url = `/trigger/${String(sub.webhookToken)}`;
  });
  afterAll(async () => {
    await h.close();
  });

  const now = () => Math.floor(Date.now() / 1000);

  it('answers the url_verification handshake with the challenge', async () => {
    const body =
      '{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}';
    const res = await h.inject({ method: 'POST', url, headers: signed(body, now()), payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
  });

  it('refuses a wrong signature, a body changed after signing and a replayed timestamp', async () => {
    const body = '{"type":"event_callback","event":{"type":"app_mention","text":"hi"}}';
    const wrong = await h.inject({
      method: 'POST',
      url,
      headers: signed(body, now(), 'not-the-secret'),
      payload: body,
    });
    expect(wrong.statusCode).toBe(500);
    // One space more than what was signed: a signature is over bytes, not over the JSON they parse to.
    const spaced = await h.inject({
      method: 'POST',
      url,
      headers: signed(body, now()),
      payload: body.replace(':', ': '),
    });
    expect(spaced.statusCode).toBe(500);
    const old = await h.inject({ method: 'POST', url, headers: signed(body, now() - 600), payload: body });
    expect(old.statusCode).toBe(500);
    const fired = await h.store.triggers.eventsPage({ instanceId, type: 'trigger.fired' }, { limit: 50 });
    expect(fired.items.filter((e) => JSON.stringify(e.payload).includes('app_mention'))).toHaveLength(0);
  });

  it('acknowledges a signed event and delivers it to the platform', async () => {
    const body = '{"type":"event_callback", "team_id":"T1","event":{"type":"message","text":"hello"}}';
    const res = await h.inject({ method: 'POST', url, headers: signed(body, now()), payload: body });
    expect(res.statusCode).toBe(200);
    const fired = await h.store.triggers.eventsPage({ instanceId, type: 'trigger.fired' }, { limit: 50 });
    const last = fired.items[fired.items.length - 1];
    expect(last?.payload).toMatchObject({
      payload: { body: { data: { type: 'event_callback', event: { type: 'message', text: 'hello' } } } },
    });
  });
});
