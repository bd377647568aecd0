/**
 * What the shipped entry points load at start. The runtime reads spectral's wire format but never calls
 * spectral: loading it anyway cost every `keyway` start about 150 ms and 13 MB of RSS (through the connections
 * index, which re-exports the spectral helpers components use). The database drivers, fastify and pino are
 * loaded by the commands that use them, not by `keyway --version` (about 300 ms against 140 ms here).
 */
import { buildSync } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** tsup.config.ts's settings: one CommonJS bundle for node 20, dependencies external. */
const SHIPPED: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  logLevel: 'silent',
};

function packagesLoadedBy(entry: string): string[] {
  const result = buildSync({ ...SHIPPED, entryPoints: [join(ROOT, entry)], write: false, metafile: true });
  return Object.values(result.metafile.outputs).flatMap((output) =>
    output.imports.filter((i) => i.external).map((i) => i.path),
  );
}

describe('the shipped bundles', () => {
  // The CLI bundle names spectral for the low-code builder, which it requires on first use (src/lowcode/lazy.ts):
  // what its commands load at start is checked below.
  it.each(['src/index.ts'])('%s does not load spectral', (entry) => {
    const loaded = packagesLoadedBy(entry);
    // The check itself works: the bundle does name its real dependencies.
    expect(loaded).toContain('zod');
    expect(loaded.filter((path) => path.startsWith('@prismatic-io/spectral'))).toEqual([]);
  });
});

/**
 * The packages a run of the CLI bundle (built as tsup.config.ts builds it, dependencies external) loads itself,
 * recorded by a hook on node's module loader: what the command costs at start, not what its packages load.
 */
function packagesRequiredBy(args: readonly string[]): string[] {
  const dir = join(ROOT, 'node_modules', '.cache', 'keyway-test', 'cli-imports');
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, 'cli.js');
  buildSync({ ...SHIPPED, entryPoints: [join(ROOT, 'src/cli/main.ts')], outfile: bundle });
  const hook = join(dir, 'record-requires.js');
  writeFileSync(
    hook,
    `const Module = require('node:module');
const load = Module._load;
const seen = new Set();
Module._load = function (request, parent, ...rest) {
  if (parent && parent.filename === ${JSON.stringify(bundle)} && !request.startsWith('.') && !Module.isBuiltin(request)) seen.add(request);
  return load.call(this, request, parent, ...rest);
};
process.on('exit', () => process.stderr.write('REQUIRED ' + JSON.stringify([...seen]) + '\\n'));
`,
  );
  const run = spawnSync(process.execPath, ['--require', hook, bundle, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '' },
  });
  expect(run.status).toBe(0);
  const line = run.stderr.split('\n').find((l) => l.startsWith('REQUIRED '));
  if (line === undefined) throw new Error(`no REQUIRED line in: ${run.stderr}`);
  return JSON.parse(line.slice('REQUIRED '.length)) as string[];
}

const HEAVY = ['kysely', 'better-sqlite3', 'pg', 'fastify', 'pino', '@prismatic-io/spectral', 'axios'];

describe('what a keyway command loads', () => {
  it('--version loads commander and zod only: no database driver, fastify or pino', () => {
    const required = packagesRequiredBy(['--version']);
    expect(required).toContain('commander');
    expect(required.filter((name) => HEAVY.includes(name))).toEqual([]);
  });

  it('a SQLite store command loads kysely and better-sqlite3, but not pg, fastify, pino or spectral', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'keyway-imports-'));
    try {
      const required = packagesRequiredBy(['migrate', '--data-dir', dataDir]);
      expect(required).toEqual(expect.arrayContaining(['kysely', 'better-sqlite3']));
      expect(
        required.filter((name) => ['pg', 'fastify', 'pino', '@prismatic-io/spectral'].includes(name)),
      ).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
