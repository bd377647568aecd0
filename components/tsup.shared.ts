import { defineConfig } from 'tsup';
import { nativeSyntaxPlugin } from './native-syntax';

/**
 * The build every component package uses: one self-contained CommonJS file. Spectral, axios and
 * connections/ are bundled in, so the runtime (or Prismatic) can load dist/index.js with nothing else
 * installed. Spectral's published code has its async functions compiled to generators (`__awaiter`), which
 * cost every action call a generator function of its own; the bundle gets native async functions instead
 * (components/native-syntax.ts).
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
    esbuildPlugins: [nativeSyntaxPlugin()],
  });
}
