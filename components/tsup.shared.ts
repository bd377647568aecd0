import { defineConfig } from 'tsup';

/**
 * The build every component package uses: one self-contained CommonJS file. Spectral, axios and
 * connections/ are bundled in, so the runtime (or Prismatic) can load dist/index.js with nothing else
 * installed. Spectral's code goes in as spectral publishes it, as Prismatic's own tooling builds components.
 */
export function componentTsupConfig(): ReturnType<typeof defineConfig> {
  return defineConfig({
    entry: { index: 'src/index.ts' },
    format: ['cjs'],
    target: 'node20',
    platform: 'node',
    noExternal: [/.*/],
    dts: false,
    sourcemap: false,
    splitting: false,
    clean: true,
  });
}
