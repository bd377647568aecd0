import { defineConfig } from 'tsup';

// One self-contained CommonJS file: spectral, axios and connections/ are bundled in, so the runtime (or
// Prismatic) can load dist/index.js with nothing else installed.
export default defineConfig({
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
