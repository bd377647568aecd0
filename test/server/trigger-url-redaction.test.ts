/**
 * A trigger URL carries its credential in its path (`/trigger/<token>`): whoever has the URL can fire the trigger.
 * It is kept out of every log as tokens are: the server's request log line, what a trigger logs (its run log),
 * and the error a trigger throws (the execution's error, the subscription's last error, the `trigger.failed`
 * event) show it only as `/trigger/[REDACTED]`.
 */
import { Writable } from 'node:stream';
import { component, trigger } from '@prismatic-io/spectral';
import pino from 'pino';
import { createInstance } from '../../src/runtime';
import { pinoRedactPaths } from '../../src/redact';
import { platformApi } from '../support/platform-api';
import type { ApiCall } from '../support/platform-api';
import { startHarness } from './harness';
import type { Harness, TestResponse } from './harness';

/** A trigger that tells its logs its URL, as a careless component might, and fails quoting it. */
const careless = component({
  key: 'carelessTrigger',
  public: false,
  display: { label: 'Careless', description: 'Logs its own trigger URL.', iconPath: 'icon.png' },
  actions: {},
  triggers: {
    quiet: trigger({
      display: { label: 'Quiet', description: 'Hands the payload it got on to the platform.' },
      inputs: {},
      synchronousResponseSupport: 'valid',
      scheduleSupport: 'invalid',
      perform: async (_context, payload) => Promise.resolve({ payload }),
    }),
    loud: trigger({
      display: { label: 'Loud', description: 'Logs its URL, then fails quoting it.' },
      inputs: {},
      synchronousResponseSupport: 'valid',
      scheduleSupport: 'invalid',
      perform: async (context, payload) => {
        context.logger.info(`called at ${payload.invokeUrl}`);
        context.logger.info('my URLs', context.webhookUrls);
        return Promise.reject(
          new Error(
            `the vendor refused ${context.webhookUrls[context.flow.name] ?? '?'}: already registered`,
          ),
        );
      },
      onInstanceDeploy: async (context) => {
        const url = context.webhookUrls[context.flow.name] ?? '?';
        context.logger.info(`registering ${url} at the vendor`);
        // The token alone, out of its URL: a hook named after the last segment of its URL.
        context.logger.info(`hook name ${url.slice(url.lastIndexOf('/') + 1)}`);
        return Promise.resolve({});
      },
    }),
  },
});

let h: Harness;
let api: ApiCall<TestResponse>;
let instanceId: string;
const lines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  // Keyway's own logger settings, as `keyway serve` makes it (src/cli/commands/serve.ts).
  const logger = pino({ level: 'info', redact: { paths: [...pinoRedactPaths], censor: '[REDACTED]' } }, sink);
  h = await startHarness({ logger });
  h.components.registerExports({ default: careless }, 'careless-bundle');
  api = await platformApi(h, 'admin');
  const customer = await h.store.createCustomer({ name: 'Careless customer' });
  const created = await createInstance(
    { store: h.store, components: h.components },
    { customerId: customer.id, name: 'Careless', components: ['carelessTrigger'] },
  );
  instanceId = created.instance.id;
});

afterAll(async () => {
  await h.close();
});

it('shows a trigger URL only as /trigger/[REDACTED] in logs, run logs and errors', async () => {
  const enabled = await api('POST', `/api/instances/${instanceId}/triggers`, {
    componentKey: 'carelessTrigger',
    triggerKey: 'loud',
    name: 'Loud',
  });
  expect(enabled.statusCode).toBe(201);
  const { trigger: sub } = enabled.json() as { trigger: { id: string; webhookUrl: string } };
  const token = sub.webhookUrl.split('/trigger/')[1] ?? '';
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

  const res = await h.inject({
    method: 'POST',
    url: `/trigger/${token}/team?x=1`,
    headers: { 'content-type': 'application/json' },
    payload: '{}',
  });
  expect(res.statusCode).toBe(500);
  const { error } = res.json() as { error: { details: { executionId: string } } };

  // The run logs and the error, as the store keeps them (what `GET /api/executions` and the event carry).
  const executions = await h.store.listExecutions({ instanceId });
  const deploy = executions.find((e) => e.actionKey === 'onInstanceDeploy:loud');
  const fired = await h.store.getExecution(error.details.executionId);
  expect(deploy?.log.map((entry) => entry.message)).toEqual([
    `registering ${h.baseUrl}/trigger/[REDACTED] at the vendor`,
    'hook name [REDACTED]',
  ]);
  // util.format may break the object over lines; the words are what matter.
  expect(fired?.log.map((entry) => entry.message.replace(/\s+/g, ' '))).toEqual([
    `called at ${h.baseUrl}/trigger/[REDACTED]/team?x=1`,
    `my URLs { Loud: '${h.baseUrl}/trigger/[REDACTED]' }`,
    `KW_ACTION_FAILED: the vendor refused ${h.baseUrl}/trigger/[REDACTED]: already registered`,
  ]);
  expect(fired?.errorMessage).toBe(`the vendor refused ${h.baseUrl}/trigger/[REDACTED]: already registered`);
  const listed = await api('GET', `/api/triggers/${sub.id}`);
  const failed = await api('GET', `/api/events?instanceId=${instanceId}&type=trigger.failed`);

  // The server's own log: the request line names the route, not the credential.
  const requestLine = lines.find((line) => line.includes('"msg":"request"') && line.includes('/trigger/'));
  expect(JSON.parse(requestLine ?? '{}')).toMatchObject({ url: '/trigger/[REDACTED]/team?x=1', status: 500 });

  // The subscription itself answers with its URL (the platform gives it to the vendor); its last error does not.
  const { lastError } = (listed.json() as { trigger: { lastError: { message: string } } }).trigger;
  expect(lastError.message).toBe(`the vendor refused ${h.baseUrl}/trigger/[REDACTED]: already registered`);

  for (const text of [JSON.stringify(executions), failed.body, lines.join('')]) {
    expect(text).not.toContain(token);
  }
  expect(failed.body).toContain('/trigger/[REDACTED]');
});

it('hands the platform the payload with its invokeUrl redacted, as webhookUrls are left out', async () => {
  const enabled = await api('POST', `/api/instances/${instanceId}/triggers`, {
    componentKey: 'carelessTrigger',
    triggerKey: 'quiet',
    name: 'Quiet',
  });
  const { trigger: sub } = enabled.json() as { trigger: { id: string; webhookUrl: string } };
  const token = sub.webhookUrl.split('/trigger/')[1] ?? '';
  const res = await h.inject({ method: 'POST', url: `/trigger/${token}/team?x=1`, payload: '{}' });
  expect(res.statusCode).toBe(200);

  const fired = await api('GET', `/api/events?instanceId=${instanceId}&type=trigger.fired`);
  const { events } = fired.json() as { events: { payload: { payload: Record<string, unknown> } }[] };
  expect(events).toHaveLength(1);
  expect(events[0]?.payload.payload).toMatchObject({
    invokeUrl: `${h.baseUrl}/trigger/[REDACTED]/team?x=1`,
    pathFragment: '/team',
  });
  expect(events[0]?.payload.payload).not.toHaveProperty('webhookUrls');
  expect(fired.body).not.toContain(token);
});
