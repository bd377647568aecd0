/**
 * Declarative polling triggers: the compiled trigger's state handling (cursor, dedupe by id, the bounded list of
 * seen ids, a cursor from the response) with the vendor answered by an axios adapter, and validation of the
 * `triggers:` section naming file, line and field.
 */
import type { AxiosAdapter, InternalAxiosRequestConfig } from 'axios';
import { loadConnectorText } from '../../src/lowcode';
import { lowCodeComponent } from '../../src/lowcode/runtime';

const FILE = '/tmp/check/connector.yaml';

const CONNECTOR = `key: feed
label: Feed
provider: spotify
connections:
  - grantType: client_credentials
triggers:
  changed:
    inputs:
      list: { required: true }
    request:
      path: /lists/{{inputs.list}}/items
      query: { since: '{{state.cursor}}', order: asc }
    items: $.items
    id: $.id
    cursor: { from: items, path: $.updated }
    remember: 3
    errors: { messagePath: $.message, byStatus: { '404': 'No such list' } }
`;

interface Item {
  id: number;
  updated: string;
}

/** An in-memory vendor: the items updated at or after `since` (inclusive, as many vendors are). */
function vendor() {
  const calls: { url: string; params: Record<string, unknown> }[] = [];
  const state = { items: [] as Item[], status: 200, next: undefined as string | undefined };
  const adapter: AxiosAdapter = async (config: InternalAxiosRequestConfig) => {
    const params = { ...(config.params as Record<string, unknown>) };
    calls.push({ url: config.url ?? '', params });
    const since = typeof params['since'] === 'string' ? params['since'] : '';
    const data =
      state.status === 200
        ? { items: state.items.filter((i) => i.updated >= since), next: state.next }
        : { message: 'Not Found' };
    return Promise.resolve({ data, status: state.status, statusText: '', headers: {}, config });
  };
  return { calls, state, adapter };
}

type Perform = (context: unknown, payload: unknown, params: unknown) => Promise<Record<string, unknown>>;

function compiled(text: string, adapter: AxiosAdapter, key = 'changed') {
  const component = lowCodeComponent(loadConnectorText(FILE, text).compiled, {}, { adapter }) as unknown as {
    triggers: Record<string, { perform: Perform; defaultSchedule?: unknown; isPollingTrigger?: boolean }>;
  };
  const trigger = component.triggers[key];
  if (!trigger) throw new Error(`no trigger ${key}`);
  const context = { logger: console, instanceState: {} as Record<string, unknown> };
  const connection = {
    key: 'spotifyClientCredentials',
    configVarKey: 'c',
    fields: { apiBaseUrl: 'https://vendor.example' },
    token: { access_token: 'at' },
  };
  const poll = async () => {
    const result = await trigger.perform(context, { body: { data: null } }, { connection, list: 'L1' });
    return {
      items: (result['payload'] as { body: { data: Item[] } }).body.data,
      resultType: result['resultType'],
    };
  };
  const state = () => (context.instanceState['__prismaticInternal'] as { polling?: unknown }).polling;
  return { trigger, poll, state };
}

const at = (minute: number) => `2026-12-06T10:${String(minute).padStart(2, '0')}:00Z`;

describe('a compiled polling trigger', () => {
  it('is a spectral polling trigger with its default schedule', () => {
    const { trigger } = compiled(CONNECTOR, vendor().adapter);
    expect(trigger.isPollingTrigger).toBe(true);
    expect(trigger.defaultSchedule).toEqual({ everySeconds: 300 });
  });

  it('delivers each item once, moves the cursor and keeps a bounded list of seen ids', async () => {
    const v = vendor();
    const { poll, state } = compiled(CONNECTOR, v.adapter);
    v.state.items = [
      { id: 1, updated: at(1) },
      { id: 2, updated: at(2) },
    ];
    expect(await poll()).toEqual({ items: v.state.items, resultType: 'completed' });
    expect(v.calls[0]).toEqual({ url: 'https://vendor.example/lists/L1/items', params: { order: 'asc' } });
    expect(state()).toEqual({ cursor: at(2), seen: [`1@${at(1)}`, `2@${at(2)}`] });

    // The vendor lists the boundary item again (inclusive since): it is not delivered twice.
    v.state.items.push({ id: 3, updated: at(3) });
    expect(await poll()).toEqual({ items: [{ id: 3, updated: at(3) }], resultType: 'completed' });
    expect(v.calls[1]?.params).toEqual({ since: at(2), order: 'asc' });

    expect(await poll()).toEqual({ items: [], resultType: 'polled_no_changes' });
    expect(state()).toEqual({ cursor: at(3), seen: [`1@${at(1)}`, `2@${at(2)}`, `3@${at(3)}`] });

    // An item changed again is new again; the oldest seen id drops out (remember: 3).
    v.state.items = [
      { id: 3, updated: at(3) },
      { id: 1, updated: at(4) },
    ];
    expect(await poll()).toEqual({ items: [{ id: 1, updated: at(4) }], resultType: 'completed' });
    expect(state()).toEqual({ cursor: at(4), seen: [`2@${at(2)}`, `3@${at(3)}`, `1@${at(4)}`] });
  });

  it('keeps its state when the vendor answers an error', async () => {
    const v = vendor();
    const { poll, state } = compiled(CONNECTOR, v.adapter);
    v.state.items = [{ id: 1, updated: at(1) }];
    await poll();
    const before = state();
    v.state.status = 404;
    await expect(poll()).rejects.toThrow('No such list: Not Found (HTTP 404)');
    expect(state()).toEqual(before);
  });

  it('takes its cursor from the response when told to, keeping the last one when none comes', async () => {
    const v = vendor();
    const text = CONNECTOR.replace(
      'cursor: { from: items, path: $.updated }',
      'cursor: { from: response, path: $.next }',
    );
    const { poll, state } = compiled(text, v.adapter);
    v.state.items = [{ id: 7, updated: at(1) }];
    v.state.next = at(1);
    expect((await poll()).items).toEqual([{ id: 7, updated: at(1) }]);
    expect(state()).toEqual({ cursor: at(1), seen: ['7'] });
    v.state.next = undefined;
    expect(await poll()).toEqual({ items: [], resultType: 'polled_no_changes' });
    expect(state()).toEqual({ cursor: at(1), seen: ['7'] });
  });
});

function fails(text: string): string {
  try {
    loadConnectorText(FILE, text);
  } catch (error) {
    expect((error as { code: string }).code).toBe('KW_CONNECTOR_INVALID');
    return (error as Error).message;
  }
  throw new Error('the definition was accepted');
}

describe('validation of polling triggers', () => {
  it('names a cursor path that is not a JSON path', () => {
    expect(fails(CONNECTOR.replace('path: $.updated }', 'path: updated }'))).toBe(
      `${FILE}:15: triggers.changed.cursor.path: "updated" is not a JSON path this format accepts ($, .name, ['name'], [0], [*])`,
    );
  });

  it('names an unknown field of a trigger', () => {
    expect(fails(CONNECTOR.replace('    remember: 3', '    remembr: 3'))).toBe(
      `${FILE}:16: triggers.changed.remembr: unknown field`,
    );
  });

  it('refuses {{state.cursor}} in a trigger without a cursor and in an action', () => {
    expect(fails(CONNECTOR.replace('    cursor: { from: items, path: $.updated }\n', ''))).toBe(
      `${FILE}:12: triggers.changed.request.query.since: {{state.cursor}}: only a polling trigger with a cursor has state; its request can use {{state.cursor}}`,
    );
    const action = `${CONNECTOR.split('triggers:')[0] ?? ''}actions:\n  get:\n    request: { path: /x, query: { since: '{{state.cursor}}' } }\n`;
    expect(fails(action)).toContain(
      'actions.get.request.query.since: {{state.cursor}}: only a polling trigger',
    );
  });

  it('names a default schedule that never runs or polls too often', () => {
    expect(fails(`${CONNECTOR}    schedule: { cron: '61 * * * *' }\n`)).toBe(
      `${FILE}:18: triggers.changed.schedule.cron: "61 * * * *" is not a cron expression that runs (UTC)`,
    );
    expect(fails(`${CONNECTOR}    schedule: { everySeconds: 5 }\n`)).toMatch(
      /^\/tmp\/check\/connector\.yaml:18: triggers\.changed\.schedule/,
    );
  });
});
