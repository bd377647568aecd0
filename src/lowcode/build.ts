/**
 * `keyway components build connector.yaml`: a low-code connector file becomes a standard spectral component
 * bundle (CommonJS, spectral inlined, `default` export), built the way component packages are
 * (components/tsup.shared.ts): a generated entry imports the interpreter (./runtime.ts), the checked definition
 * and any code action files (or the code written in the connector, served to esbuild as modules of their own),
 * and esbuild bundles it into one file.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import { KeywayError } from '../errors';
import { loadConnectorFile } from './validate';
import type { LoadConnectorOptions, LoadedConnector } from './validate';

/**
 * Where the interpreter's source is: next to this file (src/lowcode), or in src/lowcode of the nearest folder
 * above that has one (when this file was bundled into dist/ or a cache).
 */
function runtimeSource(): string {
  const candidates = [join(__dirname, 'runtime.ts')];
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir))
    candidates.push(join(dir, 'src', 'lowcode', 'runtime.ts'));
  const found = candidates.find((file) => existsSync(file));
  if (!found) {
    throw new KeywayError('KW_COMPONENT_BUILD_FAILED', {
      message: `Cannot find the low-code interpreter src/lowcode/runtime.ts above ${__dirname}`,
    });
  }
  return found;
}

/** The default bundle path of a connector file: `dist/<name>.js` next to it. */
export function connectorBundlePath(file: string): string {
  const full = resolve(file);
  return join(dirname(full), 'dist', `${basename(full, extname(full))}.js`);
}

/** How the entry names the module of code written in the connector for `key`. */
const INLINE = 'keyway-inline-code:';

/** The generated entry module of a checked connector. */
export function connectorEntry(loaded: LoadedConnector): string {
  const codes = [
    ...Object.entries(loaded.codeFiles),
    ...Object.keys(loaded.codeSources).map((key): [string, string] => [key, `${INLINE}${key}`]),
  ];
  return [
    `import { lowCodeComponent } from ${JSON.stringify(runtimeSource())};`,
    ...codes.map(([, file], i) => `import code${i} from ${JSON.stringify(file)};`),
    `const connector = ${JSON.stringify(loaded.compiled)};`,
    `export default lowCodeComponent(connector, { ${codes.map(([key], i) => `${JSON.stringify(key)}: code${i}`).join(', ')} });`,
    '',
  ].join('\n');
}

/** esbuild modules for the code written in the connector (`code: { source }`), resolved next to the file. */
function inlineCode(loaded: LoadedConnector): Plugin {
  return {
    name: 'keyway-inline-code',
    setup(bundler) {
      bundler.onResolve({ filter: new RegExp(`^${INLINE}`) }, (args) => ({
        path: args.path.slice(INLINE.length),
        namespace: 'keyway-inline-code',
      }));
      bundler.onLoad({ filter: /.*/, namespace: 'keyway-inline-code' }, (args) => ({
        contents: loaded.codeSources[args.path] ?? '',
        loader: 'js',
        resolveDir: dirname(loaded.file),
      }));
    },
  };
}

/** Options for {@link buildConnector}. */
export interface BuildConnectorOptions extends LoadConnectorOptions {
  /** The bundle to write; default {@link connectorBundlePath}. */
  readonly outfile?: string;
}

/**
 * Checks the connector file at `file` and bundles it; returns the bundle path and the checked connector.
 * @throws KeywayError `KW_CONNECTOR_INVALID` for a mistake in the file (nothing is written);
 *   `KW_COMPONENT_BUILD_FAILED` when bundling fails.
 */
export async function buildConnector(
  file: string,
  options: BuildConnectorOptions = {},
): Promise<{ bundle: string; connector: LoadedConnector }> {
  const connector = loadConnectorFile(file, options);
  const outfile = resolve(options.outfile ?? connectorBundlePath(file));
  mkdirSync(dirname(outfile), { recursive: true });
  try {
    await build({
      stdin: { contents: connectorEntry(connector), resolveDir: dirname(runtimeSource()), loader: 'ts' },
      outfile,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      plugins: [inlineCode(connector)],
    });
  } catch (cause) {
    throw new KeywayError('KW_COMPONENT_BUILD_FAILED', {
      message: `Bundling ${connector.file} failed: ${cause instanceof Error ? cause.message.split('\n').slice(0, 5).join(' | ') : String(cause)}`,
      cause,
      details: { file: connector.file },
    });
  }
  return { bundle: outfile, connector };
}
