/**
 * Scenario 6, cold start: `keyway --version` until exit and `keyway serve` (SQLite, existing data dir) until it
 * logs that it is serving, against bare `node` requiring axios and zod, in wall milliseconds (median of three
 * after ≥ 1 s of warm-up runs, which also warms the OS file cache). The CLI is built from the current sources
 * with the same settings as tsup.config.ts (one CommonJS bundle, dependencies external) into
 * node_modules/.cache/keyway-bench, so it measures what `npm run build` would ship without touching dist/.
 */
import { buildSync } from 'esbuild';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RUNS, spread } from './run';
import type { BenchRow, BenchSection, Spread } from './run';
import { ROOT, SHIPPED_BUILD } from './support/common';

/** Spawns `args` and resolves with the wall ms until `ready` says so (or the process exits 0). */
function startUntil(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ready?: (line: string) => boolean,
): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - start) / 1e6;
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let settled = false;
    child.stderr.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-2000);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      output = (output + line).slice(-2000);
      if (!settled && ready?.(line)) {
        settled = true;
        const ms = elapsed();
        child.once('exit', () => resolvePromise(ms));
        child.kill('SIGTERM');
      }
    });
    child.once('exit', (code) => {
      if (settled) return;
      settled = true;
      if (!ready && code === 0) resolvePromise(elapsed());
      else reject(new Error(`${args.join(' ')} exited with ${code} before it was ready: ${output}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePromise(port));
    });
  });
}

/** Warm-up: at least two runs and at least 1 s. */
async function warmUp(fn: () => Promise<number>): Promise<void> {
  const start = Date.now();
  for (let runs = 0; runs < 2 || Date.now() - start < 1000; runs++) await fn();
}

export const section: BenchSection = {
  name: 'coldstart',
  setup() {
    const outDir = join(ROOT, 'node_modules', '.cache', 'keyway-bench');
    const cli = join(outDir, 'cli.js');
    buildSync({
      ...SHIPPED_BUILD,
      entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')],
      outfile: cli,
      logLevel: 'silent',
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'keyway-bench-serve-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KEYWAY_DATA_DIR: dataDir,
      KEYWAY_LINK_SECRET: randomBytes(32).toString('base64'),
      KEYWAY_LOG_LEVEL: 'info',
    };
    delete env['KEYWAY_DATABASE_URL'];
    return Promise.resolve({
      notes: [
        'the CLI is bundled from src/ by esbuild with tsup.config.ts settings into node_modules/.cache/keyway-bench; `serve` on SQLite with an existing data dir, ready = its "keyway serving" log line',
      ],
      measure: async () => {
        const bare = (): Promise<number> => startUntil(['-e', "require('axios'); require('zod')"], env);
        const version = (): Promise<number> => startUntil([cli, '--version'], env);
        const serve = async (): Promise<number> =>
          startUntil([cli, 'serve'], { ...env, KEYWAY_PORT: String(await freePort()) }, (line) =>
            line.includes('keyway serving'),
          );
        // The first serve creates the key and runs migrations; warm-up covers it and the file cache.
        for (const fn of [bare, version, serve]) await warmUp(fn);
        const times = { bare: [] as number[], version: [] as number[], serve: [] as number[] };
        for (let i = 0; i < RUNS; i++) {
          times.bare.push(await bare());
          times.version.push(await version());
          times.serve.push(await serve());
        }
        const base: Spread = spread(times.bare);
        const row = (name: string, value: Spread): BenchRow => ({
          section: 'coldstart',
          name,
          variant: 'sqlite',
          unit: 'ms',
          value,
          baseline: { label: 'node requiring axios + zod', value: base },
          ratio: value.median / base.median,
        });
        return [
          row('`keyway --version` until exit', spread(times.version)),
          row('`keyway serve` until serving', spread(times.serve)),
        ];
      },
      teardown: () => {
        rmSync(dataDir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  },
};
