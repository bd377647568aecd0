/**
 * `keyway init component <dir>`: scaffolds a connector package of its own (see ../scaffold/component.ts), which
 * builds, tests and publishes without a Keyway checkout.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { version } from '../../../package.json';
import { KeywayError } from '../../errors';
import { cliAction } from '../config';
import { componentScaffold } from '../scaffold/component';

/**
 * npm reads a `file:` spec relative to the package.json holding it, but a person types it relative to where
 * they run `init`: rewrite a relative one as seen from the new package (`file:keyway-0.1.0.tgz` typed in the
 * parent directory becomes `file:../keyway-0.1.0.tgz`). Other specs are kept as given.
 */
function keywaySpecFrom(root: string, spec: string): string {
  if (!spec.startsWith('file:')) return spec;
  const path = spec.slice('file:'.length);
  if (isAbsolute(path)) return spec;
  return `file:${relative(root, resolve(path)).split('\\').join('/')}`;
}

/** Writes the scaffold into `dir` (created; refused when it exists and is not empty). Returns the paths written. */
export function initComponent(
  dir: string,
  options: { readonly name?: string; readonly keyway?: string } = {},
): string[] {
  const root = resolve(dir);
  if (existsSync(root) && readdirSync(root).length > 0) {
    throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
      message: `${root} exists and is not empty; give a new or empty directory`,
    });
  }
  const packageName =
    options.name ??
    basename(root)
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-');
  const componentKey = packageName
    .replace(/^@[^/]+\//, '')
    .replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(componentKey)) {
    throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
      message: `--name "${packageName}" does not make a component key (letters and digits, starting with a letter)`,
    });
  }
  const files = componentScaffold({
    packageName,
    componentKey,
    keywaySpec: options.keyway !== undefined ? keywaySpecFrom(root, options.keyway) : `^${version}`,
  });
  for (const [path, text] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return Object.keys(files);
}

/** Registers `keyway init component`. */
export function registerInit(program: Command): void {
  const init = program.command('init').description('scaffold a new package');
  init
    .command('component')
    .description(
      'scaffold a connector package (spectral, tsup, jest against the sandbox) that builds on its own',
    )
    .argument('<dir>', 'new or empty directory')
    .option('--name <package>', 'npm package name (default: the directory name)')
    .option('--keyway <spec>', 'the keyway dependency, e.g. ^0.1.0 or file:keyway-0.1.0.tgz')
    .option('--json', 'print JSON')
    .action(
      cliAction(async (out, flags: { name?: string; keyway?: string; json?: boolean }, dir: string) => {
        const written = initComponent(dir, flags);
        out.result({ dir: resolve(dir), files: written }, () =>
          [
            `Scaffolded ${resolve(dir)}:`,
            ...written.map((file) => `  ${file}`),
            '',
            `Next: cd ${dir} && npm install && npm run build && npm test`,
          ].join('\n'),
        );
        return Promise.resolve();
      }),
    );
}
