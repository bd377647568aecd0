/**
 * The low-code builder as the CLI and the server reach it: loaded on first use, not with them. Validating a
 * connector renders its connections with spectral's helpers, and loading spectral costs every `keyway` start
 * about 150 ms and 13 MB (test/cli/bundle-imports.test.ts), so only a command that builds a connector pays it.
 */
import type * as Build from './build';

/** True for a path that names a connector file rather than a bundle or a package directory. */
export function isConnectorFile(path: string): boolean {
  return /\.(ya?ml|json)$/i.test(path);
}

/** {@link Build.buildConnector}, with the builder (and spectral) loaded by the first call. */
export function buildConnector(
  ...args: Parameters<typeof Build.buildConnector>
): ReturnType<typeof Build.buildConnector> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  const build = require('./build') as typeof Build;
  return build.buildConnector(...args);
}
