/**
 * Configuration on the connect page, in Debian's chromium (playwright-core), on both engines: an instance
 * declares a Slack channel variable fed by Slack's `channels` data source. The page waits for the connection,
 * the customer connects Slack (the Slack fake's authorize and token endpoints), picks a channel from the select
 * the data source filled, and the saved choice is what a later `postMessage` run posts to. A value that is not
 * one of the choices is refused and changes nothing. On the sandbox (oidc-provider, real sign-in), a component's
 * `string` and `boolean` data sources give one field each, suggested from what the data source answered.
 */
import { join } from 'node:path';
import { action, component, dataSource, input } from '@prismatic-io/spectral';
import type { BrowserContext, Page } from 'playwright-core';
import { sandbox as sandboxProvider, toSpectralConnection } from '../../connections';
import { createInstance, runAction } from '../../src/runtime';
import { SANDBOX_ACCOUNT } from '../../src/sandbox';
import { storeEngines } from '../support/runtime-stores';
import { startSlackFake } from '../support/vendors/slack';
import type { SlackFake } from '../support/vendors/slack';
import { card, launchChromium, startHarnessAtItsUrl, status } from './browser-support';
import type { Harness } from './harness';

jest.setTimeout(120_000);

const slackBundle = join(__dirname, '..', '..', 'components', 'slack', 'dist', 'index.js');
const VARIABLE = 'Slack channel';

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

/** A component on the sandbox whose data sources answer simple types: the page shows them as one field each. */
const sandboxSettings = component({
  key: 'sandboxSettings',
  public: false,
  display: { label: 'Sandbox settings', description: 'Simple-type data sources.', iconPath: 'icon.png' },
  connections: [
    toSpectralConnection(sandboxProvider, { grantType: 'authorization_code', key: 'sandboxOAuth' }),
  ],
  actions: {
    greet: action({
      display: { label: 'Greet', description: 'Echoes its inputs.' },
      inputs: {
        connection: connectionInput,
        team: input({ label: 'Team', type: 'string', required: true }),
        notify: input({ label: 'Notify', type: 'string', required: true }),
      },
      perform: async (_context, { team, notify }) => Promise.resolve({ data: { team, notify } }),
    }),
  },
  dataSources: {
    accountName: dataSource({
      display: { label: 'Account name', description: "The signed-in user's name (the sandbox's /api/me)." },
      dataSourceType: 'string',
      inputs: { connection: connectionInput },
      perform: async (_context, { connection }) => {
        const response = await fetch(`${String(connection.fields.issuer)}/api/me`, {
          headers: { authorization: `Bearer ${String(connection.token?.access_token)}` },
        });
        const me = (await response.json()) as { name?: string };
        return { result: `${me.name ?? 'unknown'}'s team` };
      },
    }),
    notify: dataSource({
      display: { label: 'Notify', description: 'Whether to notify, on by default.' },
      dataSourceType: 'boolean',
      inputs: { connection: connectionInput },
      perform: async () => Promise.resolve({ result: true }),
    }),
  },
});

let slack: SlackFake;

beforeAll(async () => {
  slack = await startSlackFake();
});
afterAll(async () => {
  await slack?.close();
});

describe.each(storeEngines)('settings on the connect page on %s', (_engine, open) => {
  let h: Harness;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let instanceId: string;

  beforeAll(async () => {
    h = await startHarnessAtItsUrl({ openStore: open });
    h.components.loadFromPath(slackBundle);
    const customer = await h.store.createCustomer({ name: 'Pied Piper' });
    instanceId = (
      await createInstance(
        { store: h.store, components: h.components },
        {
          customerId: customer.id,
          name: 'Alerts',
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
          configVars: [
            {
              key: VARIABLE,
              label: 'Channel for alerts',
              description: 'Where alerts are posted.',
              dataSource: { component: 'slack', key: 'channels' },
              input: 'channel',
            },
          ],
        },
      )
    ).instance.id;
    browser = await launchChromium();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    // The browser first: its keep-alive connections would hold the server open.
    await browser?.close();
    await h?.close();
  });

  const setting = () => page.locator(`section[data-config-var="${VARIABLE}"]`);

  it('waits for the connection, then offers the channels and saves the choice for later runs', async () => {
    const link = `${h.baseUrl}${h.linkPath(instanceId)}`;
    await page.goto(link);
    expect(await setting().getAttribute('data-state')).toBe('waiting');
    expect(await setting().textContent()).toContain('Connect the account above first');

    await card(page, 'workspace').getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL(/notice=connected/);
    expect(await status(page, 'workspace')).toBe('connected');
    expect(await setting().getAttribute('data-state')).toBe('ready');
    const select = setting().getByLabel('Channel for alerts');
    const options = await select.locator('option:not([disabled])').allTextContents();
    expect(options.map((o) => o.trim())).toEqual(['#general', '#random', '#announcements']);

    await select.selectOption({ label: '#random' });
    await setting().getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/notice=configured/);
    expect(await page.getByRole('status').textContent()).toContain('Saved.');
    expect(await setting().getByLabel('Channel for alerts').inputValue()).toBe('C061EG9T2');
    expect((await h.store.getInstance(instanceId))?.config).toEqual({ [VARIABLE]: 'C061EG9T2' });

    // A later run of postMessage gives no channel: the saved choice fills it.
    await runAction(
      { store: h.store, components: h.components, credentials: h.credentials },
      { instanceId, componentKey: 'slack', actionKey: 'postMessage', inputs: { text: 'Build green' } },
    );
    expect(slack.messages.get('C061EG9T2')?.map((m) => m.text)).toContain('Build green');
  });

  it('offers one field per simple type after the sandbox sign-in, and saves what the customer typed', async () => {
    h.components.registerExports({ default: sandboxSettings }, 'sandbox-settings-bundle');
    const basic = h.sandbox.clients.basic;
    const created = await createInstance(
      { store: h.store, components: h.components },
      {
        customerId: (await h.store.createCustomer({ name: 'Hooli' })).id,
        name: 'Greetings',
        components: ['sandboxSettings'],
        connections: [
          {
            name: 'account',
            componentKey: 'sandboxSettings',
            fields: {
              issuer: h.sandbox.url,
              clientId: basic.clientId,
              clientSecret: basic.clientSecret ?? '',
            },
          },
        ],
        configVars: [
          { key: 'Team', dataSource: { component: 'sandboxSettings', key: 'accountName' }, input: 'team' },
          { key: 'Notify', dataSource: { component: 'sandboxSettings', key: 'notify' }, input: 'notify' },
        ],
      },
    );
    const id = created.instance.id;
    const team = () => page.locator('section[data-config-var="Team"]');
    const notify = () => page.locator('section[data-config-var="Notify"]');
    await page.goto(`${h.baseUrl}${h.linkPath(id)}`);
    expect(await team().getAttribute('data-state')).toBe('waiting');
    await card(page, 'account').getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL(/notice=connected/);
    // The data source's answer, fetched with the sandbox token, is the field's suggestion.
    expect(await team().getByLabel('Team').inputValue()).toBe(`${SANDBOX_ACCOUNT.name}'s team`);
    await team().getByLabel('Team').fill('Platform <ops>');
    await team().getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/notice=configured/);
    await notify().getByLabel('Notify').selectOption({ label: 'No' });
    await notify().getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/notice=configured/);
    expect((await h.store.getInstance(id))?.config).toEqual({ Team: 'Platform <ops>', Notify: 'false' });
    expect(await team().getByLabel('Team').inputValue()).toBe('Platform <ops>');
    const run = await runAction(
      { store: h.store, components: h.components, credentials: h.credentials },
      { instanceId: id, componentKey: 'sandboxSettings', actionKey: 'greet' },
    );
    expect(run.result).toEqual({ data: { team: 'Platform <ops>', notify: 'false' } });
  });

  it('refuses a value that is not one of the choices, and keeps the saved one', async () => {
    await page.goto(`${h.baseUrl}${h.linkPath(instanceId)}`);
    // What a tampered form would send: an option whose value is a channel the data source did not offer.
    await setting()
      .locator('option', { hasText: '#general' })
      .evaluate((option: { setAttribute(name: string, value: string): void }) =>
        option.setAttribute('value', 'C05OLDPROJ'),
      );
    await setting().getByLabel('Channel for alerts').selectOption({ label: '#general' });
    await setting().getByRole('button', { name: 'Save' }).click();
    await page.getByText('KW_CONFIG_VAR_INVALID').waitFor();
    expect(await page.content()).toContain('is not one of the choices');
    expect((await h.store.getInstance(instanceId))?.config).toEqual({ [VARIABLE]: 'C061EG9T2' });
  });
});
