/**
 * `keyway components build|validate|publish|list`: build a component package with tsup, check a bundle the way
 * the runtime loads it, publish bundles into the store (validated all first, so a bad one publishes nothing),
 * and list what is published.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { KeywayError } from '../../errors';
import { buildConnector, isConnectorFile } from '../../lowcode/lazy';
import { ComponentRegistry, assertConnectable, checkConnections, loadComponentFromPath } from '../../runtime';
import type { ConnectionCheck, LoadedComponent } from '../../runtime';
import { audited } from '../audit';
import { cliAction, loadStoreConfig, withCommonOptions, withStore } from '../config';
import type { CommonFlags } from '../config';
import type { Output } from '../output';
import { renderTable, short, when } from '../output';

/** A component bundle path: a `.js` file, or a component directory whose bundle is `dist/index.js`. */
export function bundlePathOf(path: string): string {
  const full = resolve(path);
  return existsSync(full) && statSync(full).isDirectory() ? join(full, 'dist', 'index.js') : full;
}

/**
 * Runs `work` with the bundle of each path: a connector file (YAML/JSON) is checked and built into a temporary
 * bundle first (removed afterwards), anything else goes through {@link bundlePathOf}.
 */
export async function withBundles<T>(
  paths: readonly string[],
  work: (files: string[]) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-connector-'));
  try {
    const files: string[] = [];
    for (const [i, path] of paths.entries()) {
      files.push(
        isConnectorFile(path)
          ? (await buildConnector(path, { outfile: join(dir, `${i}-${basename(path)}.js`) })).bundle
          : bundlePathOf(path),
      );
    }
    return await work(files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What `components validate` reports about one bundle. */
export interface BundleReport {
  readonly path: string;
  readonly key: string;
  readonly label: string;
  readonly bundleHash: string;
  readonly actions: readonly string[];
  /** Per connection: its grant, whether it can ever connect, and what must be supplied before it does. */
  readonly connections: readonly ConnectionCheck[];
}

function report(path: string, component: LoadedComponent): BundleReport {
  return {
    path,
    key: component.key,
    label: component.display.label,
    bundleHash: component.bundleHash,
    actions: [...component.actions.keys()],
    connections: checkConnections(component),
  };
}

function tsupCli(): string {
  const pkg = require.resolve('tsup/package.json');
  const bin = (JSON.parse(readFileSync(pkg, 'utf8')) as { bin?: Record<string, string> }).bin?.['tsup'];
  if (!bin) throw new KeywayError('KW_COMPONENT_BUILD_FAILED', { message: 'Cannot find the tsup CLI' });
  return join(dirname(pkg), bin);
}

/**
 * Builds the component package in `dir` with tsup (its own `tsup.config.ts`) and returns the bundle path.
 * `KW_COMPONENT_BUILD_FAILED` with tsup's last output lines when the build fails or writes no bundle.
 */
export function buildComponent(dir: string): string {
  const full = resolve(dir);
  if (!existsSync(join(full, 'package.json'))) {
    throw new KeywayError('KW_COMPONENT_BUILD_FAILED', {
      message: `${full} is not a component package (no package.json)`,
      details: { dir: full },
    });
  }
  const run = spawnSync(process.execPath, [tsupCli()], { cwd: full, encoding: 'utf8', timeout: 300_000 });
  const bundle = join(full, 'dist', 'index.js');
  if (run.status !== 0 || !existsSync(bundle)) {
    const tail = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
    throw new KeywayError('KW_COMPONENT_BUILD_FAILED', {
      message: `Building ${full} failed${run.error ? ` (${run.error.message})` : ''}: ${tail || 'no output'}`,
      details: { dir: full },
    });
  }
  return bundle;
}

function printReports(out: Output, reports: readonly BundleReport[]): void {
  out.result({ components: reports }, () =>
    reports
      .map((r) =>
        [
          `${r.key} (${r.label}) from ${r.path}`,
          `  bundle sha256 ${r.bundleHash}`,
          `  actions: ${r.actions.join(', ') || 'none'}`,
          `  connections: ${r.connections.map((c) => `${c.key} (${c.grantType})`).join(', ') || 'none'}`,
          ...r.connections.map(describeCheck),
        ].join('\n'),
      )
      .join('\n'),
  );
}

/** One line per connection: whether it can connect and who must supply what first. */
function describeCheck(check: ConnectionCheck): string {
  if (!check.canConnect)
    return `    ${check.key}: CANNOT CONNECT (${check.problem?.code ?? '?'}): ${check.problem?.message ?? ''}`;
  const customer = check.mustSupply.filter((v) => v.shown).map((v) => v.key);
  const platform = check.mustSupply.filter((v) => !v.shown).map((v) => v.key);
  const parts = [
    customer.length > 0 ? `a user supplies ${customer.join(', ')}` : '',
    platform.length > 0 ? `the platform supplies ${platform.join(', ')}` : '',
  ].filter((part) => part !== '');
  return `    ${check.key}: can connect${parts.length > 0 ? `; ${parts.join('; ')}` : ''}`;
}

/** Registers `keyway components ...`. */
export function registerComponentCommands(program: Command): void {
  const components = program
    .command('components')
    .description('build, validate, publish and list components');

  components
    .command('build')
    .description(
      'build component packages with tsup, or low-code connector files (.yaml/.json) into dist/<name>.js next to them',
    )
    .argument('[dirs...]', 'component package directories or connector files')
    .option('--json', 'print machine-readable JSON')
    .action(
      cliAction(async (out, _flags: { json?: boolean }, dirs: string[]) => {
        const list = dirs.length > 0 ? dirs : ['.'];
        const bar = out.progress();
        const built: { dir: string; bundle: string }[] = [];
        try {
          for (const [i, dir] of list.entries()) {
            bar.update(i, list.length, dir);
            const bundle = isConnectorFile(dir) ? (await buildConnector(dir)).bundle : buildComponent(dir);
            built.push({ dir: resolve(dir), bundle });
          }
          bar.update(list.length, list.length);
        } finally {
          bar.done();
        }
        out.result({ built }, () => built.map((b) => `built ${b.bundle}`).join('\n'));
      }),
    );

  components
    .command('validate')
    .description(
      'load bundles the way the runtime does, and report per connection whether it can connect and what must be supplied',
    )
    .argument('<paths...>', 'bundle files, component directories (dist/index.js) or connector files')
    .option('--json', 'print machine-readable JSON')
    .action(
      cliAction((out, _flags: { json?: boolean }, paths: string[]) =>
        withBundles(paths, (files) => {
          const loaded = files.map((file, i) => ({
            shown: isConnectorFile(paths[i] ?? '') ? resolve(paths[i] ?? '') : file,
            component: loadComponentFromPath(file),
          }));
          printReports(
            out,
            loaded.map(({ shown, component }) => report(shown, component)),
          );
          // The report is printed either way; a connection that can never connect fails the command.
          for (const { component } of loaded) assertConnectable(component);
          return Promise.resolve();
        }),
      ),
    );

  withCommonOptions(
    components
      .command('publish')
      .description('publish bundles into the store as the next version of their key (all validated first)')
      .argument('<paths...>', 'bundle files, component directories (dist/index.js) or connector files'),
  ).action(
    cliAction((out, flags: CommonFlags, paths: string[]) =>
      withBundles(paths, (files) =>
        // A connector file is reported by its own path: its bundle is a temporary file, gone once published.
        publish(
          out,
          flags,
          files.map((file, i) => ({
            file,
            shown: isConnectorFile(paths[i] ?? '') ? resolve(paths[i] ?? '') : file,
          })),
        ),
      ),
    ),
  );

  withCommonOptions(
    components.command('list').description('list the latest published version of each component'),
  ).action(
    cliAction(async (out, flags: CommonFlags) => {
      const rows = await withStore(loadStoreConfig(flags), async (store) =>
        (await store.listComponents()).map((row) => {
          const manifest = row.manifest as {
            actions?: { key: string }[];
            connections?: { key: string }[];
          };
          return {
            key: row.key,
            version: row.version,
            bundleHash: row.bundleHash,
            publishedAt: row.publishedAt,
            actions: (manifest.actions ?? []).map((a) => a.key),
            connections: (manifest.connections ?? []).map((c) => c.key),
          };
        }),
      );
      out.result({ components: rows }, () =>
        rows.length === 0
          ? 'No components published yet; run `keyway components publish <path>`.'
          : renderTable(rows, [
              { header: 'KEY', value: (r) => r.key },
              { header: 'VERSION', value: (r) => String(r.version) },
              { header: 'SHA256', value: (r) => short(r.bundleHash) },
              { header: 'ACTIONS', value: (r) => r.actions.join(',') },
              { header: 'CONNECTIONS', value: (r) => r.connections.join(',') },
              { header: 'PUBLISHED', value: (r) => when(r.publishedAt) },
            ]),
      );
    }),
  );
}

/** Publishes built bundles into the store, all loaded and checked first so a bad one publishes nothing. */
async function publish(
  out: Output,
  flags: CommonFlags,
  files: readonly { readonly file: string; readonly shown: string }[],
): Promise<void> {
  // Load every bundle before publishing any, so one broken path leaves the store untouched.
  const loaded = files.map(({ file, shown }) => ({ file, shown, component: loadComponentFromPath(file) }));
  for (const { component } of loaded) assertConnectable(component);
  const keys = new Map<string, string>();
  for (const { shown, component } of loaded) {
    const other = keys.get(component.key);
    if (other !== undefined) {
      throw new KeywayError('KW_COMPONENT_INVALID', {
        message: `${other} and ${shown} are both component "${component.key}"; publish one of them`,
      });
    }
    keys.set(component.key, shown);
  }
  const published = await withStore(loadStoreConfig(flags), async (store) => {
    const registry = new ComponentRegistry({ store });
    const bar = out.progress();
    const rows = [];
    try {
      for (const [i, { file, shown }] of loaded.entries()) {
        bar.update(i, loaded.length, shown);
        const { published: row } = await audited(
          store,
          'publishComponent',
          () => registry.publish(file),
          ({ published: made }) => made.key,
        );
        rows.push({ key: row.key, version: row.version, bundleHash: row.bundleHash, path: shown });
      }
      bar.update(loaded.length, loaded.length);
    } finally {
      bar.done();
    }
    return rows;
  });
  out.result({ published }, () =>
    renderTable(published, [
      { header: 'KEY', value: (r) => r.key },
      { header: 'VERSION', value: (r) => String(r.version) },
      { header: 'SHA256', value: (r) => short(r.bundleHash) },
      { header: 'PATH', value: (r) => r.path },
    ]),
  );
}
