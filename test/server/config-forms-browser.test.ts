/**
 * The connect page's small forms for structured data source results, in Debian's chromium (playwright-core), on
 * both engines: after the sandbox sign-in (oidc-provider), the customer chooses objects and fields
 * (`objectSelection`), matches fields (`objectFieldMap`) and fills a JSON Schema form (`jsonForm`); each saved
 * value has the shape spectral gives config variables at run time and reaches a later action run, as
 * `context.configVars` and as the action input the declaration names. A richer JSON Schema gets a clear message
 * and no form; a forged choice in any form is refused (KW_CONFIG_VAR_INVALID) and changes nothing.
 */
import { action, component, dataSource, input } from '@prismatic-io/spectral';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { sandbox as sandboxProvider, toSpectralConnection } from '../../connections';
import { createInstance, runAction } from '../../src/runtime';
import { storeEngines } from '../support/runtime-stores';
import { FIELD_MAP_OPTIONS, JSON_FORM, OBJECT_SELECTION } from '../support/structured-results';
import { card, launchChromium, startHarnessAtItsUrl, status } from './browser-support';
import type { Harness } from './harness';

jest.setTimeout(120_000);

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

const MAPPING = {
  fields: [
    { field: { key: 'mail', label: 'Customer email' } },
    { field: { key: 'amount', label: 'Amount' } },
  ],
  options: FIELD_MAP_OPTIONS,
};

/** A component on the sandbox whose data sources answer the structured types. */
const sandboxForms = component({
  key: 'sandboxForms',
  public: false,
  display: { label: 'Sandbox forms', description: 'Structured data sources.', iconPath: 'icon.png' },
  connections: [
    toSpectralConnection(sandboxProvider, { grantType: 'authorization_code', key: 'sandboxOAuth' }),
  ],
  actions: {
    sync: action({
      display: { label: 'Sync', description: 'Echoes its inputs and config variables.' },
      inputs: {
        connection: connectionInput,
        objects: input({ label: 'Objects', type: 'objectSelection', required: true }),
        mapping: input({ label: 'Mapping', type: 'objectFieldMap', required: true }),
        settings: input({ label: 'Settings', type: 'jsonForm', required: true }),
      },
      perform: async (context, { objects, mapping, settings }) =>
        Promise.resolve({
          data: {
            inputs: { objects, mapping, settings },
            configVars: {
              Objects: context.configVars.Objects,
              Mapping: context.configVars.Mapping,
              Settings: context.configVars.Settings,
            },
          },
        }),
    }),
  },
  dataSources: {
    objects: dataSource({
      display: { label: 'Objects', description: 'What can be synced.' },
      dataSourceType: 'objectSelection',
      inputs: { connection: connectionInput },
      perform: async () => Promise.resolve({ result: OBJECT_SELECTION }),
    }),
    mapping: dataSource({
      display: { label: 'Mapping', description: 'Fields to match.' },
      dataSourceType: 'objectFieldMap',
      inputs: { connection: connectionInput },
      perform: async () => Promise.resolve({ result: MAPPING }),
    }),
    settings: dataSource({
      display: { label: 'Settings', description: 'A simple form.' },
      dataSourceType: 'jsonForm',
      inputs: { connection: connectionInput },
      perform: async () => Promise.resolve({ result: JSON_FORM }),
    }),
    advanced: dataSource({
      display: { label: 'Advanced', description: 'A form beyond the simple subset.' },
      dataSourceType: 'jsonForm',
      inputs: { connection: connectionInput },
      perform: async () =>
        Promise.resolve({
          result: {
            schema: {
              type: 'object',
              properties: { tags: { type: 'array', title: 'Tags', items: { type: 'string' } } },
            },
            uiSchema: { type: 'VerticalLayout', elements: [] },
          },
        }),
    }),
  },
});

describe.each(storeEngines)('structured settings on the connect page on %s', (_engine, open) => {
  let h: Harness;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let instanceId: string;
  let link: string;

  beforeAll(async () => {
    h = await startHarnessAtItsUrl({ openStore: open });
    h.components.registerExports({ default: sandboxForms }, 'sandbox-forms-bundle');
    const basic = h.sandbox.clients.basic;
    const from = (key: string) => ({ component: 'sandboxForms', key });
    instanceId = (
      await createInstance(
        { store: h.store, components: h.components },
        {
          customerId: (await h.store.createCustomer({ name: 'Initech' })).id,
          name: 'CRM sync',
          components: ['sandboxForms'],
          connections: [
            {
              name: 'account',
              componentKey: 'sandboxForms',
              fields: {
                issuer: h.sandbox.url,
                clientId: basic.clientId,
                clientSecret: basic.clientSecret ?? '',
              },
            },
          ],
          configVars: [
            { key: 'Objects', label: 'Records to sync', dataSource: from('objects'), input: 'objects' },
            { key: 'Mapping', label: 'Field matching', dataSource: from('mapping'), input: 'mapping' },
            { key: 'Settings', label: 'Sync settings', dataSource: from('settings'), input: 'settings' },
            { key: 'Advanced', label: 'Advanced settings', dataSource: from('advanced') },
          ],
        },
      )
    ).instance.id;
    link = `${h.baseUrl}${h.linkPath(instanceId)}`;
    browser = await launchChromium();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    // The browser first: its keep-alive connections would hold the server open.
    await browser?.close();
    await h?.close();
  });

  const setting = (key: string): Locator => page.locator(`section[data-config-var="${key}"]`);

  /** Saves a card's form from a freshly loaded page, so the URL's notice is the answer to this save. */
  async function save(key: string): Promise<void> {
    await setting(key).getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/notice=configured/);
    expect(await page.getByRole('status').textContent()).toContain('Saved.');
    await page.goto(link);
  }

  const config = async () => (await h.store.getInstance(instanceId))?.config;

  it('waits for the connection, then saves each form in the shape later runs get', async () => {
    await page.goto(link);
    for (const key of ['Objects', 'Mapping', 'Settings', 'Advanced']) {
      expect(await setting(key).getAttribute('data-state')).toBe('waiting');
    }
    await card(page, 'account').getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL(/notice=connected/);
    expect(await status(page, 'account')).toBe('connected');
    await page.goto(link);

    // objectSelection: the default-selected object comes checked with its fields.
    const objects = setting('Objects');
    expect(await objects.getByLabel('Contacts', { exact: true }).isChecked()).toBe(true);
    expect(await objects.getByLabel('Phone', { exact: true }).isChecked()).toBe(true);
    expect(await objects.getByLabel('Deals', { exact: true }).isChecked()).toBe(false);
    await objects.getByLabel('Phone', { exact: true }).uncheck();
    await objects.getByLabel('Deals', { exact: true }).check();
    await save('Objects');

    // objectFieldMap: one select per field, grouped by object.
    await setting('Mapping').getByLabel('Customer email').selectOption({ label: 'Contacts: Phone' });
    expect(await setting('Mapping').getByLabel('Amount').inputValue()).toBe('');
    await save('Mapping');

    // jsonForm: one labelled field per property, filled from the form's data.
    const settings = setting('Settings');
    expect(await settings.getByLabel('Batch size').inputValue()).toBe('50');
    await settings.getByLabel('Region').selectOption('us');
    await settings.getByLabel('Batch size').fill('200');
    await settings.getByLabel('Archive (optional)').selectOption({ label: 'Yes' });
    await save('Settings');

    // A schema beyond the subset: a message, no form.
    const advanced = setting('Advanced');
    expect(await advanced.textContent()).toContain('This setting needs a form this page cannot show');
    expect(await advanced.textContent()).toContain('the field "Tags" uses "items"');
    expect(await advanced.locator('form').count()).toBe(0);

    const expected = {
      Objects: [
        { object: { key: 'contact', label: 'Contacts' }, fields: [{ key: 'email', label: 'Email' }] },
        { object: { key: 'deal', label: 'Deals' } },
      ],
      Mapping: {
        fields: [
          {
            field: { key: 'mail', label: 'Customer email' },
            mappedObject: { key: 'contact', label: 'Contacts' },
            mappedField: { key: 'phone', label: 'Phone' },
          },
          { field: { key: 'amount', label: 'Amount' } },
        ],
        options: MAPPING.options,
      },
      Settings: { region: 'us', batch: 200, archive: true },
    };
    expect(await config()).toEqual(expected);
    // The saved choices are shown back.
    expect(await objects.getByLabel('Phone', { exact: true }).isChecked()).toBe(false);
    expect(await objects.getByLabel('Deals', { exact: true }).isChecked()).toBe(true);
    expect(await setting('Mapping').getByLabel('Customer email').inputValue()).toBe('["contact","phone"]');
    expect(await settings.getByLabel('Region').inputValue()).toBe('us');

    const run = await runAction(
      { store: h.store, components: h.components, credentials: h.credentials },
      { instanceId, componentKey: 'sandboxForms', actionKey: 'sync' },
    );
    expect(run.result).toEqual({
      data: {
        inputs: { objects: expected.Objects, mapping: expected.Mapping, settings: expected.Settings },
        configVars: expected,
      },
    });
  });

  /** Sets an element's `value` attribute in the page: what a tampered form sends. */
  async function forge(target: Locator, value: string): Promise<void> {
    await target.evaluate(
      (element: { setAttribute(name: string, value: string): void }, forged: string) =>
        element.setAttribute('value', forged),
      value,
    );
  }

  async function refused(key: string, message: string): Promise<void> {
    const before = await config();
    await setting(key).getByRole('button', { name: 'Save' }).click();
    await page.getByText('KW_CONFIG_VAR_INVALID').waitFor();
    expect(await page.content()).toContain(message);
    expect(await config()).toEqual(before);
    await page.goto(link);
  }

  it('refuses a choice the data source did not offer, in every form, and keeps the saved values', async () => {
    await page.goto(link);
    await forge(setting('Objects').getByLabel('Deals', { exact: true }), 'invoice');
    await refused('Objects', 'chooses an object that was not offered');

    await forge(setting('Objects').getByLabel('Email', { exact: true }), 'ssn');
    await setting('Objects').getByLabel('Email', { exact: true }).check();
    await refused('Objects', 'chooses a field of "Contacts" that was not offered');

    const mapping = setting('Mapping').getByLabel('Amount');
    await forge(mapping.locator('option', { hasText: 'Deals: Value' }), '["deal","discount"]');
    await mapping.selectOption({ label: 'Deals: Value' });
    await refused('Mapping', 'maps a field to a choice that was not offered');

    const region = setting('Settings').getByLabel('Region');
    await forge(region.locator('option', { hasText: 'eu' }), 'apac');
    await region.selectOption({ label: 'eu' });
    await refused('Settings', 'has an invalid "Region"');
  });
});
