/**
 * The budget row of a compiled low-code action (docs/low-code-connectors.md): the interpreter's own CPU per call,
 * measured with no request, so it is comparable with the 15 µs action budget. A socket round trip costs ~300 µs
 * of CPU per call on this host and its noise swamped a difference of a few µs (the row read 16 and 38 µs, MISS).
 *
 * Both sides answer their one GET from an in-process axios adapter (the fast server's /api/item body, as JSON text,
 * no socket), called directly with the same context and connection at 16 callers, as the action budget's loop is:
 * - subject: the YAML connector's `getItem`, compiled (`loadConnectorText`) and turned into a spectral component by
 *   the interpreter the bundle carries (`lowCodeComponent`), with the adapter passed in;
 * - baseline: the same action written by hand in TypeScript with spectral and axios, sending the same request
 *   (URL, Authorization header) through the same adapter.
 * The difference is what interpreting the definition costs per call: inputs, templates, headers, the JSON path.
 */
import { action, component, input, util } from '@prismatic-io/spectral';
import axios from 'axios';
import type { AxiosAdapter, InternalAxiosRequestConfig } from 'axios';
import { loadConnectorText, lowCodeComponent } from '../src/lowcode';
import type { ComponentRegistry } from '../src/runtime';
import { compareThroughput, knob, verdict } from './run';
import type { BenchRow } from './run';
import type { ApiServer } from './support/common';
import { directConnection, directContext } from './support/direct';

const CONNECTOR = `key: benchLowCode
label: Bench low-code
provider: spotify
connections:
  - grantType: client_credentials
actions:
  getItem:
    request: { path: /api/item }
    response: $
    errors: { messagePath: $.error }
`;

const ITEM = JSON.stringify({ id: 'item-1', name: 'A thing', price: 42 });

/** The vendor, in process: the fast server's answer to GET /api/item, without a socket. */
const adapter: AxiosAdapter = async (config: InternalAxiosRequestConfig) =>
  Promise.resolve({
    data: ITEM,
    status: 200,
    statusText: 'OK',
    headers: { 'content-type': 'application/json' },
    config,
    request: {},
  });

/** The TypeScript action a connector author would write for the same request, through the same adapter. */
const typed = component({
  key: 'benchTyped',
  public: false,
  display: { label: 'Bench typed', description: 'getItem by hand', iconPath: 'icon.png' },
  actions: {
    getItem: action({
      display: { label: 'Get item', description: 'GET {apiBaseUrl}/api/item' },
      inputs: { connection: input({ label: 'Connection', type: 'connection', required: true }) },
      perform: async (_context, { connection }) => {
        const token = util.types.toString(connection.token?.access_token);
        const { data } = await axios.get<Record<string, unknown>>(
          `${util.types.toString(connection.fields.apiBaseUrl)}/api/item`,
          { headers: { Authorization: `Bearer ${token}` }, adapter },
        );
        return { data };
      },
    }),
  },
});

type Perform = (context: unknown, params: unknown) => Promise<unknown>;

function performOf(built: unknown): Perform {
  const found = (built as { actions: Record<string, { perform: Perform }> }).actions['getItem'];
  if (!found) throw new Error('no getItem');
  return found.perform;
}

/** The low-code row: the interpreter's own CPU per call, against the action budget. */
export async function measureLowCode(
  _components: ComponentRegistry,
  server: ApiServer,
  variant: string,
  budgetMicros: number,
): Promise<BenchRow> {
  const compiled = loadConnectorText('bench.yaml', CONNECTOR).compiled;
  const lowCode = performOf(lowCodeComponent(compiled, {}, { adapter }));
  const byHand = performOf(typed);
  // The same context and connection for both: only `perform` differs.
  const { context } = directContext('getItem', { id: 'default', name: 'Default', stableId: 'default' });
  const connection = directConnection(server);
  const check = (perform: Perform) => async () => {
    const result = (await perform(context, { connection })) as { data?: { id?: unknown } };
    if (result.data?.id !== 'item-1') throw new Error('unexpected result');
  };
  const iterations = knob('BUDGET_CALLS', 20_000, 3000);
  const cpu = await compareThroughput({ subject: check(lowCode), baseline: check(byHand), iterations });
  const own = (cpu.subject.cpuMsPerOp.median - cpu.baseline.cpuMsPerOp.median) * 1000;
  const us = (ms: number) => (ms * 1000).toFixed(1);
  return {
    section: 'budgets',
    name: 'low-code interpreter’s own CPU per action call, no request (compiled YAML getItem vs the TypeScript one), 16 callers',
    variant,
    unit: 'µs',
    value: { median: own, min: own, max: own },
    target: `≤ ${budgetMicros} µs`,
    verdict: verdict(own <= budgetMicros),
    note: `${iterations} calls per run, each GET answered by an in-process axios adapter (no socket); low-code perform ${us(cpu.subject.cpuMsPerOp.median)} µs of CPU per call (${us(cpu.subject.cpuMsPerOp.min)}–${us(cpu.subject.cpuMsPerOp.max)}), the TypeScript perform through the same adapter ${us(cpu.baseline.cpuMsPerOp.median)} µs (${us(cpu.baseline.cpuMsPerOp.min)}–${us(cpu.baseline.cpuMsPerOp.max)}); medians of three paired runs`,
  };
}
