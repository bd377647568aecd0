import { defineConfig } from 'tsup';

export default defineConfig({
  // `keyway` (the runtime), `keyway/providers` (loads spectral), `keyway/catalog`, `keyway/testing`, and the CLI.
  entry: {
    index: 'src/index.ts',
    providers: 'src/provider-kit.ts',
    catalog: 'src/catalog-kit.ts',
    testing: 'src/testing/index.ts',
    cli: 'src/cli/main.ts',
    // The low-code interpreter every connector bundle includes: `keyway components build` bundles this file
    // from an installed package, where src/ is not shipped (src/lowcode/build.ts).
    'lowcode-runtime': 'src/lowcode/runtime.ts',
  },
  format: ['cjs'],
  target: 'node20',
  platform: 'node',
  // Type declarations for the library entries, so a connector package type-checks against them.
  dts: {
    entry: {
      index: 'src/index.ts',
      providers: 'src/provider-kit.ts',
      catalog: 'src/catalog-kit.ts',
      testing: 'src/testing/index.ts',
    },
  },
  sourcemap: true,
  clean: true,
  splitting: false,
});
