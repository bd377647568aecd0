/**
 * `npm run bench [-- <section>...] [-- --quick]` (`npm run bench -- --only budgets`: the budget rows alone): builds the benchmark and the code it measures the way
 * `npm run build` ships Keyway (esbuild, one CommonJS bundle per entry, dependencies external; no `keepNames`,
 * which a TypeScript loader such as tsx adds and which taxes every closure), then runs the bundle. The sections
 * (bench/<section>.ts) run one after another into one table; see bench/run.ts for the rules they follow.
 * `--source` runs straight from the TypeScript sources instead.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { section as action } from './action';
import { section as budgets } from './budgets';
import { section as coldstart } from './coldstart';
import { section as connect } from './connect';
import { QUICK, fmt, formatRatio, measureCase, table } from './run';
import type { BenchRow, BenchSection } from './run';
import { section as scheduler } from './scheduler';
import { section as storm } from './storm';
import { section as store } from './store';
import { section as triggers } from './triggers';
import { BENCH_BUILD_DIR, ROOT, buildBench } from './support/common';
import { syscallMicros } from './support/host';

const SECTIONS: readonly BenchSection[] = [
  budgets,
  action,
  coldstart,
  connect,
  scheduler,
  storm,
  store,
  triggers,
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const chosen = SECTIONS.filter((s) => wanted.length === 0 || wanted.includes(s.name));
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const began = Date.now();
  const syscallAtStart = syscallMicros();
  process.stderr.write(`bench: one system call (fstat) costs ${syscallAtStart.toFixed(2)} µs on this host\n`);
  for (const section of chosen) {
    const sectionStart = Date.now();
    process.stderr.write(`bench: ${section.name}${QUICK ? ' (quick)' : ''}\n`);
    const run = await section.setup();
    try {
      for (const u of run.unavailable ?? [])
        notes.push(`${section.name}/${u.variant} not measured: ${u.reason}`);
      notes.push(...(run.notes ?? []).map((n) => `${section.name}: ${n}`));
      for (const c of run.cases ?? []) {
        const value = await measureCase(c);
        rows.push({ section: section.name, name: c.name, variant: c.variant, unit: 'ops/s', value });
        process.stderr.write(`  ${c.variant} ${c.name}: ${fmt(value.median)} ops/s\n`);
      }
      if (run.measure) {
        for (const row of await run.measure()) {
          rows.push(row);
          process.stderr.write(
            `  ${row.variant} ${row.name}: ${fmt(row.value.median)} ${row.unit}` +
              `${row.ratio !== undefined ? ` (${formatRatio(row.ratio, row.target)})` : ''}${row.verdict ? ` ${row.verdict}` : ''}\n`,
          );
        }
      }
    } finally {
      await run.teardown();
    }
    process.stderr.write(`  (${section.name} took ${((Date.now() - sectionStart) / 1000).toFixed(0)} s)\n`);
  }
  const machine =
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB`;
  const syscall = { start: syscallAtStart, end: syscallMicros() };
  const host = `one system call (fstat) ${syscall.start.toFixed(2)} µs at the start, ${syscall.end.toFixed(2)} µs at the end`;
  const at = new Date().toISOString();
  const took = `${Math.round((Date.now() - began) / 1000)} s`;
  const header = `${machine}, ${at}${QUICK ? ', --quick (indicative only)' : ''}, took ${took}; ${host}`;
  process.stdout.write(`\n${header}\n\n${table(rows, notes)}\n`);
  // Only a full run replaces the committed table; a run of some sections, or a quick one, goes beside it, so
  // measuring one section while developing does not leave the latest full results half overwritten.
  const full = wanted.length === 0 && !QUICK;
  const dir = join(ROOT, 'bench', 'results');
  const name = full ? 'latest' : 'partial';
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${name}.json`),
    `${JSON.stringify({ machine, at, quick: QUICK, took, syscallMicros: syscall, rows, notes }, null, 2)}\n`,
  );
  writeFileSync(join(dir, `${name}.md`), `# Benchmark results\n\n${header}\n\n${table(rows, notes)}\n`);
  process.stderr.write(`bench: results written to bench/results/${name}.{json,md}\n`);
}

if (require.main === module) {
  if (__filename.endsWith('.ts') && !process.argv.includes('--source')) {
    buildBench();
    const child = spawnSync(process.execPath, [join(BENCH_BUILD_DIR, 'main.js'), ...process.argv.slice(2)], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    process.exitCode = child.status ?? 1;
  } else {
    main().catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    });
  }
}
