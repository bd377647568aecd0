/**
 * The budget row of a compiled low-code action (docs/low-code-connectors.md): the interpreter's own CPU per
 * call. The subject is a low-code connector's `getItem` (one GET of the fast server's /api/item, built from
 * YAML by `buildConnector`); the baseline is the bench component's TypeScript `getItem`, which sends the same
 * request. Both spectral performs are called directly with the same context and connection, so the difference
 * is what interpreting the definition costs per call (templates, headers, the JSON path).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConnector } from '../src/lowcode';
import { loadComponentFromPath } from '../src/runtime';
import type { ComponentRegistry } from '../src/runtime';
import { compareThroughput, knob, verdict } from './run';
import type { BenchRow } from './run';
import type { ApiServer } from './support/common';
import { directPerform } from './support/direct';

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

/** The low-code row: the interpreter's own CPU per call, against the action budget. */
export async function measureLowCode(
  components: ComponentRegistry,
  server: ApiServer,
  variant: string,
  budgetMicros: number,
): Promise<BenchRow> {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-bench-lowcode-'));
  try {
    const file = join(dir, 'bench.yaml');
    writeFileSync(file, CONNECTOR);
    const { bundle } = await buildConnector(file, { outfile: join(dir, 'bench.js') });
    const action = loadComponentFromPath(bundle).actions.get('getItem');
    if (!action) throw new Error('the low-code bench connector has no getItem');
    const typed = await directPerform(components, server, 'getItem');
    // The same context and connection as the TypeScript action: only `perform` differs.
    const lowCode = await directPerform(components, server, 'getItem', action.perform);
    const check = (run: () => Promise<unknown>) => async () => {
      const result = (await run()) as { data?: { id?: unknown } };
      if (result.data?.id !== 'item-1') throw new Error('unexpected result');
    };
    const iterations = knob('LOWCODE_CALLS', 5000, 1000);
    const cpu = await compareThroughput({ subject: check(lowCode), baseline: check(typed), iterations });
    const own = (cpu.subject.cpuMsPerOp.median - cpu.baseline.cpuMsPerOp.median) * 1000;
    return {
      section: 'budgets',
      name: 'low-code interpreter’s own CPU per action call (compiled YAML getItem vs the TypeScript one)',
      variant,
      unit: 'µs',
      value: { median: own, min: own, max: own },
      target: `≤ ${budgetMicros} µs`,
      verdict: verdict(own <= budgetMicros),
      note: `${iterations} calls per run, one GET each; low-code perform ${(cpu.subject.cpuMsPerOp.median * 1000).toFixed(1)} µs of CPU per call, TypeScript perform ${(cpu.baseline.cpuMsPerOp.median * 1000).toFixed(1)} µs; medians of three paired runs`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
