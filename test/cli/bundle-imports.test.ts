/**
 * What the shipped entry points load at start. The runtime reads spectral's wire format but never calls
 * spectral: loading it anyway cost every `keyway` start about 150 ms and 13 MB of RSS (through the connections
 * index, which re-exports the spectral helpers components use).
 */
import { buildSync } from 'esbuild';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function packagesLoadedBy(entry: string): string[] {
  const result = buildSync({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.values(result.metafile.outputs).flatMap((output) =>
    output.imports.filter((i) => i.external).map((i) => i.path),
  );
}

describe('the shipped bundles', () => {
  it.each(['src/cli/main.ts', 'src/index.ts'])('%s does not load spectral', (entry) => {
    const loaded = packagesLoadedBy(entry);
    // The check itself works: the bundle does name its real dependencies.
    expect(loaded).toContain('zod');
    expect(loaded.filter((path) => path.startsWith('@prismatic-io/spectral'))).toEqual([]);
  });
});
