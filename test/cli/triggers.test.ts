/**
 * `keyway triggers enable|list|retry|disable` against a SQLite data dir, with the shipped Slack component's Events
 * API trigger: the URL is printed on the configured public URL, a missing public URL is refused, and disabling
 * removes the subscription.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ComponentRegistry, createInstance } from '../../src/runtime';
import { openStore } from '../../src/store';
import { runCli, tempDataDir } from './cli-harness';

jest.setTimeout(60_000);

const slackBundle = join(resolve(__dirname, '../..'), 'components/slack/dist/index.js');
let dataDir: string;

beforeAll(async () => {
  dataDir = tempDataDir();
  expect((await runCli(['components', 'publish', '--data-dir', dataDir, slackBundle])).exitCode).toBe(0);
  const store = await openStore({ dataDir, notice: () => undefined });
  try {
    const customer = await store.createCustomer({ name: 'Initech' });
    await createInstance(
      { store, components: new ComponentRegistry({ store }) },
      { customerId: customer.id, name: 'initech-slack', components: ['slack'], connections: [] },
    );
  } finally {
    await store.close();
  }
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('keyway triggers', () => {
  it('enables, lists and disables a webhook trigger, printing its URL on the public URL', async () => {
    const base = ['--data-dir', dataDir, '--public-url', 'https://keyway.example.com', '--json'];
    const refused = await runCli([
      'triggers',
      'enable',
      'initech-slack',
      'slack',
      'events',
      '--data-dir',
      dataDir,
    ]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain('KW_PUBLIC_URL_UNKNOWN');
    const enabled = await runCli([
      'triggers',
      'enable',
      'initech-slack',
      'slack',
      'events',
      '--input',
      'signingSecret=s3cret',
      '--api-key',
      ...base,
    ]);
    expect(enabled.exitCode).toBe(0);
    const { trigger } = enabled.json<{ trigger: Record<string, unknown> }>();
    expect(trigger).toMatchObject({ status: 'enabled', name: 'events', trigger: 'events' });
    expect(String(trigger.webhookUrl)).toMatch(
      /^https:\/\/keyway\.example\.com\/trigger\/[A-Za-z0-9_-]{43}$/,
    );
    expect(String(trigger.apiKey)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const listed = await runCli(['triggers', 'list', 'initech-slack', ...base]);
    expect(listed.json()).toMatchObject({ triggers: [{ id: trigger.id, webhookUrl: trigger.webhookUrl }] });
    const retried = await runCli(['triggers', 'retry', String(trigger.id), ...base]);
    expect(retried.exitCode).not.toBe(0);
    expect(retried.stderr).toContain('KW_TRIGGER_INVALID');
    const disabled = await runCli(['triggers', 'disable', String(trigger.id), ...base]);
    expect(disabled.exitCode).toBe(0);
    expect((await runCli(['triggers', 'list', ...base])).json()).toEqual({ triggers: [] });
  });

  it('refuses a polling schedule on a webhook trigger, creating nothing', async () => {
    const base = ['--data-dir', dataDir, '--public-url', 'https://keyway.example.com', '--json'];
    const res = await runCli([
      'triggers',
      'enable',
      'initech-slack',
      'slack',
      'events',
      '--every',
      '60',
      ...base,
    ]);
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toContain('KW_TRIGGER_INVALID');
    expect((await runCli(['triggers', 'list', ...base])).json()).toEqual({ triggers: [] });
  });
});
