/**
 * Builds the test-only components in this folder into self-contained CommonJS bundles (spectral and axios
 * bundled in), the same format `tsup` produces for components/*: dist/index.js with `module.exports.default`.
 */
import { buildSync } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * esbuild's options for a component bundle in the format of components/tsup.shared.ts:
 * one self-contained CommonJS file for node 20.
 */
export const COMPONENT_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'silent',
} as const satisfies BuildOptions;

/** Builds test/support/components/<name>/index.ts and returns the bundle's path (in a fresh temp dir). */
export function buildTestComponent(
  name: string,
  outDir = mkdtempSync(join(tmpdir(), 'keyway-testcomp-')),
): string {
  const outfile = join(outDir, name, 'index.js');
  buildSync({
    entryPoints: [join(__dirname, name, 'index.ts')],
    outfile,
    ...COMPONENT_BUNDLE_OPTIONS,
  });
  return outfile;
}

/** Writes a JavaScript source as a bundle file and returns its path. */
export function writeBundle(source: string, dir = mkdtempSync(join(tmpdir(), 'keyway-bundle-'))): string {
  const file = join(dir, 'index.js');
  writeFileSync(file, source);
  return file;
}
