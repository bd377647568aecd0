/**
 * Triggers end to end through the REST API and the public trigger URLs, on SQLite and PostgreSQL: enabling a
 * trigger (with its URL and API key), webhook requests answered by the trigger's `response`, executions and
 * events, lifecycle hooks that register and remove a vendor webhook with a valid token, and their failures.
 */
import { createHash } from 'node:crypto';
import triggerComponent from '../support/components/triggers';
import { createInstance } from '../../src/runtime';
import { platformApi } from '../support/platform-api';
import type { ApiCall } from '../support/platform-api';
import { storeEngines } from '../support/runtime-stores';
import { startVendor } from '../support/trigger-vendor';
import { startHarness } from './harness';
import type { Harness, TestResponse } from './harness';

describe.each(storeEngines)('triggers on %s', (_engine, openStore) => {
  let h: Harness;
  let api: ApiCall<TestResponse>;
  let instanceId: string;
  const vendor = startVendor();
  let vendorUrl: string;

  beforeAll(async () => {
    h = await startHarness({ openStore, config: { triggerBodyLimit: 4096 } });
    h.components.registerExports({ default: triggerComponent }, 'trigger-test-bundle');
    vendorUrl = await vendor.start();
    api = await platformApi(h, 'admin');
    const customer = await h.store.createCustomer({ name: 'Trigger customer' });
    const created = await createInstance(
      { store: h.store, components: h.components },
      {
        customerId: customer.id,
        name: 'Triggers',
        components: ['triggerTest'],
        connections: [
          {
            name: 'svc',
            componentKey: 'triggerTest',
            definitionKey: 'cc',
            fields: serviceFields(),
          },
        ],
      },
    );
    instanceId = created.instance.id;
  });
  afterAll(async () => {
    await vendor.close();
    await h.close();
  });

  function serviceFields() {
    const { clientId, clientSecret } = h.sandbox.clients.service;
    return { issuer: h.sandbox.url, clientId, clientSecret: clientSecret ?? '' };
  }

  async function enable(body: Record<string, unknown>) {
    const res = await api('POST', `/api/instances/${instanceId}/triggers`, {
      componentKey: 'triggerTest',
      ...body,
    });
    return { res, trigger: (res.json() as { trigger: Record<string, unknown> }).trigger };
  }

  function path(url: unknown): string {
    return String(url).slice(h.baseUrl.length);
  }

  it('enables a webhook trigger with an unguessable URL that actions see in context.webhookUrls', async () => {
    const { res, trigger } = await enable({
      triggerKey: 'events',
      name: 'Inbound events',
      inputs: { greeting: 'hi' },
    });
    expect(res.statusCode).toBe(201);
    expect(trigger).toMatchObject({
      status: 'enabled',
      kind: 'webhook',
      name: 'Inbound events',
      apiKey: null,
    });
    expect(String(trigger.webhookUrl)).toMatch(new RegExp(`^${h.baseUrl}/trigger/[A-Za-z0-9_-]{43}$`));
    const run = await api('POST', `/api/instances/${instanceId}/actions/triggerTest/urls`, { inputs: {} });
    expect(run.json()).toMatchObject({
      result: { data: { webhookUrls: { 'Inbound events': trigger.webhookUrl } } },
    });
    const listed = await api('GET', `/api/triggers?instanceId=${instanceId}&limit=1`);
    expect(listed.json()).toMatchObject({ triggers: [{ id: trigger.id }] });
    const again = await enable({ triggerKey: 'events', name: 'Inbound events' });
    expect(again.res.statusCode).toBe(409);
  });

  it('answers a request from the trigger response, byte-exact body, and records an execution and an event', async () => {
    const { trigger } = await enable({ triggerKey: 'events', name: 'Exact' });
    const body = '{ "type":"event",\n  "n": 1 }';
    const res = await h.inject({
      method: 'POST',
      url: `${path(trigger.webhookUrl)}/team/a?x=1&x=2`,
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(res.statusCode).toBe(202);
    expect(res.headers['x-trigger']).toBe('events');
    expect(res.json()).toEqual({ ok: true, fragment: '/team/a', query: { x: '1' } });
    // Whitespace and key order as the vendor sent them: a signature is over these exact bytes.
    const handshake = '{"token":"t",  "challenge":"c-123",\n "type":"url_verification"}';
    const challenge = await h.inject({
      method: 'POST',
      url: path(trigger.webhookUrl),
      headers: { 'content-type': 'application/json' },
      payload: handshake,
    });
    expect(challenge.statusCode).toBe(200);
    expect(challenge.headers['content-type']).toMatch(/^text\/plain/);
    expect(challenge.body).toBe('c-123');
    const cross = await h.store.getState({ instanceId, scope: 'crossFlow' });
    expect(cross?.lastDigest).toBe(createHash('sha256').update(handshake).digest('hex'));
    expect(await h.store.getState({ instanceId, scope: 'instance', key: String(trigger.id) })).toEqual({
      count: 2,
    });
    const first = await api('GET', `/api/events?instanceId=${instanceId}&type=trigger.fired&limit=1`);
    const page1 = first.json() as { events: { payload: Record<string, unknown> }[]; nextCursor: string };
    expect(page1.events[0]?.payload).toMatchObject({
      subscription: { id: trigger.id, name: 'Exact', triggerKey: 'events' },
      payload: {
        body: { data: { data: { type: 'event', n: 1 }, greeting: 'hello', count: 1 } },
        pathFragment: '/team/a',
      },
    });
    const second = await api(
      'GET',
      `/api/events?instanceId=${instanceId}&type=trigger.fired&cursor=${page1.nextCursor}`,
    );
    expect((second.json() as { events: unknown[] }).events).toHaveLength(1);
    const executions = (await h.store.listExecutions({ instanceId })).filter(
      (e) => e.actionKey === 'trigger:events',
    );
    expect(executions.map((e) => e.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('requires the API key when the subscription asks for one', async () => {
    const { trigger } = await enable({ triggerKey: 'events', name: 'Keyed', requireApiKey: true });
    expect(String(trigger.apiKey)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const none = await h.inject({ method: 'POST', url: path(trigger.webhookUrl), payload: 'x' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'KW_TRIGGER_API_KEY_INVALID' } });
    const wrong = await h.inject({
      method: 'POST',
      url: path(trigger.webhookUrl),
      headers: { 'api-key': 'nope' },
      payload: 'x',
    });
    expect(wrong.statusCode).toBe(401);
    const right = await h.inject({
      method: 'POST',
      url: path(trigger.webhookUrl),
      headers: { 'api-key': String(trigger.apiKey), 'content-type': 'text/plain' },
      payload: 'x',
    });
    expect(right.statusCode).toBe(202);
    // The key is checked by Keyway and kept out of the payload the platform receives.
    const events = await api('GET', `/api/events?instanceId=${instanceId}&type=trigger.fired`);
    const sent = JSON.stringify((events.json() as { events: unknown[] }).events);
    expect(sent).toContain('"greeting"');
    expect(sent).not.toContain(String(trigger.apiKey));
  });

  it('answers 500 without internals when the trigger throws, and records a failed execution and event', async () => {
    const { trigger } = await enable({ triggerKey: 'boom' });
    const res = await h.inject({ method: 'POST', url: path(trigger.webhookUrl), payload: '{}' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/hunter2|srv|internal detail/);
    const { error } = res.json() as { error: { code: string; details: { executionId: string } } };
    expect(error.code).toBe('KW_TRIGGER_FAILED');
    const execution = await h.store.getExecution(error.details.executionId);
    expect(execution).toMatchObject({
      status: 'failed',
      errorCode: 'KW_ACTION_FAILED',
      actionKey: 'trigger:boom',
    });
    expect(execution?.errorMessage).toMatch(/internal detail/);
    const events = await api('GET', `/api/events?instanceId=${instanceId}&type=trigger.failed`);
    expect((events.json() as { events: unknown[] }).events).toHaveLength(1);
  });

  it('refuses a body over the limit, an unknown URL, and a disabled subscription', async () => {
    const { trigger } = await enable({ triggerKey: 'events', name: 'Limited' });
    const big = await h.inject({ method: 'POST', url: path(trigger.webhookUrl), payload: 'x'.repeat(5000) });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: { code: 'KW_TRIGGER_BODY_TOO_LARGE' } });
    const unknown = await h.inject({ method: 'POST', url: `/trigger/${'a'.repeat(43)}`, payload: '{}' });
    expect(unknown.statusCode).toBe(404);
    expect((await api('DELETE', `/api/triggers/${String(trigger.id)}`)).statusCode).toBe(204);
    const gone = await h.inject({ method: 'POST', url: path(trigger.webhookUrl), payload: '{}' });
    expect(gone.statusCode).toBe(404);
  });

  it('registers its URL at the vendor on enable with a valid token, and removes it on disable', async () => {
    const { trigger } = await enable({ triggerKey: 'hooked', name: 'Vendor hook', inputs: { vendorUrl } });
    expect(trigger.status).toBe('enabled');
    const [[hookId, hook]] = [...vendor.hooks.entries()] as [[string, { url: string; token: string }]];
    expect(hook.url).toBe(trigger.webhookUrl);
    const svc = await h.connection(instanceId, 'svc');
    const token = await h.credentials.getToken(svc.id);
    expect(hook.token).toBe(token.accessToken);
    expect(await h.store.getState({ instanceId, scope: 'instance', key: String(trigger.id) })).toEqual({
      hookId,
    });
    expect((await api('DELETE', `/api/triggers/${String(trigger.id)}`)).statusCode).toBe(204);
    expect(vendor.hooks.size).toBe(0);
    expect((await api('GET', `/api/triggers/${String(trigger.id)}`)).statusCode).toBe(404);
  });

  it('runs webhookLifecycleHandlers create on enable and delete on disable, with a valid token', async () => {
    const before = vendor.hooks.size;
    const { trigger } = await enable({ triggerKey: 'lifecycle', name: 'Lifecycle', inputs: { vendorUrl } });
    expect(trigger.status).toBe('enabled');
    const id = String(trigger.id);
    expect(vendor.hooks.size).toBe(before + 1);
    const [hookId, hook] = [...vendor.hooks.entries()].at(-1) as [string, { url: string; token: string }];
    expect(hook.url).toBe(trigger.webhookUrl);
    const svc = await h.connection(instanceId, 'svc');
    expect(hook.token).toBe((await h.credentials.getToken(svc.id)).accessToken);
    expect(await h.store.getState({ instanceId, scope: 'crossFlow' })).toMatchObject({ [id]: hookId });
    // The handlers get no flow-scoped state, so what create put in instanceState was not kept.
    expect(await h.store.getState({ instanceId, scope: 'instance', key: id })).toBeUndefined();
    const executions = await api('GET', `/api/executions?instanceId=${instanceId}&limit=100`);
    expect(JSON.stringify(executions.json())).toContain('webhookCreate:lifecycle');

    vendor.state.failDelete = true;
    const failed = await api('DELETE', `/api/triggers/${id}`);
    expect(failed.json()).toMatchObject({ error: { code: 'KW_TRIGGER_HOOK_FAILED' } });
    expect(String((failed.json() as { error: { message: string } }).error.message)).toMatch(/^webhookDelete/);
    vendor.state.failDelete = false;
    expect((await api('DELETE', `/api/triggers/${id}`)).statusCode).toBe(204);
    expect(vendor.hooks.has(hookId)).toBe(false);
    expect(await h.store.getState({ instanceId, scope: 'crossFlow' })).not.toHaveProperty(id);
  });

  it('leaves a failing hook in a clear status that can be retried', async () => {
    vendor.state.failCreate = true;
    const { trigger } = await enable({ triggerKey: 'hooked', name: 'Flaky', inputs: { vendorUrl } });
    expect(trigger).toMatchObject({ status: 'enable_failed', lastError: { code: 'KW_ACTION_FAILED' } });
    expect(String((trigger.lastError as { message: string }).message)).toMatch(/vendor answered 500/);
    const refused = await h.inject({ method: 'POST', url: path(trigger.webhookUrl), payload: '{}' });
    expect(refused.statusCode).toBe(404);
    vendor.state.failCreate = false;
    const retried = await api('POST', `/api/triggers/${String(trigger.id)}/retry`);
    expect(retried.json()).toMatchObject({ trigger: { status: 'enabled', lastError: null } });
    expect(vendor.hooks.size).toBe(1);

    vendor.state.failDelete = true;
    const failed = await api('DELETE', `/api/triggers/${String(trigger.id)}`);
    expect(failed.statusCode).toBe(502);
    expect(failed.json()).toMatchObject({ error: { code: 'KW_TRIGGER_HOOK_FAILED' } });
    expect((await api('GET', `/api/triggers/${String(trigger.id)}`)).json()).toMatchObject({
      trigger: { status: 'disable_failed' },
    });
    vendor.state.failDelete = false;
    expect((await api('DELETE', `/api/triggers/${String(trigger.id)}`)).statusCode).toBe(204);
    expect(vendor.hooks.size).toBe(0);
  });

  it('runs onInstanceDelete when the instance is deleted', async () => {
    const customer = await h.store.createCustomer({ name: 'Leaving customer' });
    const created = await createInstance(
      { store: h.store, components: h.components },
      {
        customerId: customer.id,
        name: 'Leaving',
        components: ['triggerTest'],
        connections: [
          {
            name: 'svc',
            componentKey: 'triggerTest',
            definitionKey: 'cc',
            fields: serviceFields(),
          },
        ],
      },
    );
    const res = await api('POST', `/api/instances/${created.instance.id}/triggers`, {
      componentKey: 'triggerTest',
      triggerKey: 'hooked',
      inputs: { vendorUrl },
    });
    expect(res.statusCode).toBe(201);
    expect(vendor.hooks.size).toBe(1);
    expect((await api('DELETE', `/api/instances/${created.instance.id}`)).statusCode).toBe(204);
    expect(vendor.hooks.size).toBe(0);
  });

  it('runs onInstanceDelete for every instance of a customer that is deleted, and refuses while a hook fails', async () => {
    const customer = await h.store.createCustomer({ name: 'Departing customer' });
    const instanceIds: string[] = [];
    for (const name of ['Departing one', 'Departing two']) {
      const created = await createInstance(
        { store: h.store, components: h.components },
        {
          customerId: customer.id,
          name,
          components: ['triggerTest'],
          connections: [
            { name: 'svc', componentKey: 'triggerTest', definitionKey: 'cc', fields: serviceFields() },
          ],
        },
      );
      instanceIds.push(created.instance.id);
      const res = await api('POST', `/api/instances/${created.instance.id}/triggers`, {
        componentKey: 'triggerTest',
        triggerKey: 'hooked',
        inputs: { vendorUrl },
      });
      expect(res.statusCode).toBe(201);
    }
    const hooks = vendor.hooks.size;
    expect(hooks).toBeGreaterThanOrEqual(2);

    // A hook that fails keeps the customer, so its vendor webhooks are not orphaned silently.
    vendor.state.failDelete = true;
    try {
      const refused = await api('DELETE', `/api/customers/${customer.id}`);
      expect(refused.statusCode).toBe(502);
      expect(refused.json()).toMatchObject({ error: { code: 'KW_TRIGGER_HOOK_FAILED' } });
    } finally {
      vendor.state.failDelete = false;
    }
    expect(await h.store.getCustomer(customer.id)).toBeDefined();
    expect(vendor.hooks.size).toBe(hooks);

    expect((await api('DELETE', `/api/customers/${customer.id}`)).statusCode).toBe(204);
    expect(vendor.hooks.size).toBe(hooks - 2);
    expect(await h.store.getCustomer(customer.id)).toBeUndefined();
    for (const id of instanceIds) {
      expect(await h.store.triggers.listSubscriptions({ instanceId: id })).toEqual([]);
    }
  });

  it('refreshes the token once when a webhook perform gets a 401, and fails typed on a second 401', async () => {
    const { trigger } = await enable({ triggerKey: 'lookup', name: 'Lookup', inputs: { vendorUrl } });
    expect(trigger.status).toBe('enabled');
    const url = path(trigger.webhookUrl);
    vendor.state.items = [7];
    expect((await h.inject({ method: 'POST', url, payload: '{}' })).statusCode).toBe(200);
    const [used] = vendor.state.itemTokens.slice(-1);
    vendor.state.revoked.add(used ?? '');
    const from = vendor.state.itemTokens.length;
    const retried = await h.inject({ method: 'POST', url, payload: '{}' });
    expect(retried.statusCode).toBe(200);
    const tokens = vendor.state.itemTokens.slice(from);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(used);
    expect(tokens[1]).not.toBe(used);

    vendor.state.refuseAll = true;
    try {
      const refused = await h.inject({ method: 'POST', url, payload: '{}' });
      expect(refused.statusCode).toBe(500);
      expect(refused.json()).toMatchObject({ error: { code: 'KW_TRIGGER_FAILED' } });
      const { executionId } = (refused.json() as { error: { details: { executionId: string } } }).error
        .details;
      expect(await h.store.getExecution(executionId)).toMatchObject({
        status: 'failed',
        errorCode: 'KW_ACTION_UNAUTHORIZED',
      });
      expect((await api('GET', `/api/triggers/${String(trigger.id)}`)).json()).toMatchObject({
        trigger: { status: 'enabled', lastError: { code: 'KW_ACTION_UNAUTHORIZED' } },
      });
      expect(vendor.state.itemTokens.length - from).toBe(4);
    } finally {
      vendor.state.refuseAll = false;
    }
    expect((await api('DELETE', `/api/triggers/${String(trigger.id)}`)).statusCode).toBe(204);
  });

  it('refuses a trigger the component lacks and a schedule on a webhook trigger, writing nothing', async () => {
    const before = (await h.store.triggers.listSubscriptions({ instanceId })).length;
    const missing = await enable({ triggerKey: 'nope' });
    expect(missing.res.statusCode).toBe(404);
    expect(missing.res.json()).toMatchObject({ error: { code: 'KW_TRIGGER_NOT_FOUND' } });
    const scheduled = await enable({ triggerKey: 'events', name: 'Sched', schedule: { everySeconds: 60 } });
    expect(scheduled.res.json()).toMatchObject({ error: { code: 'KW_TRIGGER_INVALID' } });
    const unscheduled = await enable({ triggerKey: 'poll', inputs: { vendorUrl } });
    expect(unscheduled.res.json()).toMatchObject({ error: { code: 'KW_TRIGGER_INVALID' } });
    expect((await h.store.triggers.listSubscriptions({ instanceId })).length).toBe(before);
  });
});
