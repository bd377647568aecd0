// @ts-check
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';

/**
 * Module boundaries from ../shared/STYLE.md, enforced so they stay true: a file matching `target` may not import
 * a file matching any of `from`. Every path is a glob over real files (a zone naming a folder that is really a
 * file, or a folder that does not exist, matches nothing and silently stops guarding):
 * test/lint/boundaries.test.ts checks that each one matches at least one file, and that a runtime import of the
 * SQLite engine is rejected.
 */
const STORE = './src/store/**';
const RUNTIME = './src/runtime/**';
const SERVER = './src/server/**';
const CLI = './src/cli/**';
const CONNECTIONS = './connections/**';
const PROVIDERS = './src/providers/**';
/** The concrete engines and the code built on them; outside src/store only its index.ts and config.ts are public. */
const STORE_INTERNALS = './src/store/!(index|config|types).ts';
/** src/providers' modules other than its public surface, index.ts. */
const PROVIDERS_INTERNALS = './src/providers/!(index).ts';
/** src/oauth's modules other than its public surface, index.ts. */
const OAUTH_INTERNALS = './src/oauth/!(index).ts';

export const boundaries = [
  {
    target: './src/oauth/**',
    from: [STORE, RUNTIME, SERVER, CLI, CONNECTIONS, PROVIDERS, './src/sandbox/**'],
    message: 'src/oauth is pure protocol.',
  },
  {
    target: CONNECTIONS,
    from: [STORE, RUNTIME, SERVER, CLI],
    message: 'Provider definitions are data.',
  },
  {
    target: PROVIDERS,
    from: [STORE, RUNTIME, SERVER, CLI, CONNECTIONS],
    message:
      'src/providers interprets provider definitions: it may use src/oauth, src/errors and zod, never the data.',
  },
  {
    target: './src/sandbox/**',
    from: [STORE, RUNTIME, SERVER, CLI, CONNECTIONS, PROVIDERS],
    message: 'The sandbox is a stand-alone authorization server: it may use src/oauth and src/errors only.',
  },
  {
    target: STORE,
    from: ['./src/oauth/**', RUNTIME, SERVER, CLI, CONNECTIONS, PROVIDERS],
    message: 'The store knows only its rows.',
  },
  {
    target: RUNTIME,
    from: [SERVER, CLI, STORE_INTERNALS, OAUTH_INTERNALS],
    message: 'The runtime uses the store interface (src/store/index.ts), never a concrete engine.',
  },
  {
    target: RUNTIME,
    from: [CONNECTIONS, PROVIDERS_INTERNALS],
    message: 'The runtime interprets definitions through src/providers/index.ts, never reading connections/.',
  },
  {
    target: SERVER,
    from: [CLI, STORE_INTERNALS, OAUTH_INTERNALS, PROVIDERS, CONNECTIONS],
    message: 'The server is a thin HTTP layer.',
  },
  {
    target: './src/lowcode/{runtime,template,json-path,poll-state}.ts',
    from: ['./src/!(lowcode)/**', './src/*.ts', CONNECTIONS],
    message:
      'The low-code interpreter is bundled into connectors: spectral and axios only, so it runs anywhere.',
  },
  {
    target: './src/lowcode/**',
    from: [STORE, RUNTIME, SERVER, CLI],
    message: 'Low-code connectors build components; they never touch the store, runtime or server.',
  },
  {
    target: './components/*/src/**',
    from: ['./src/**'],
    message: 'Components use spectral and connections/, not Keyway internals.',
  },
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'coverage/**',
      'bench/results/**',
      '*.config.*',
      'components/*/tsup.config.ts',
      '.keyway/**',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { import: importPlugin },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
      // import/no-cycle follows imports into these files, so it must be able to parse TypeScript.
      'import/extensions': ['.ts', '.js'],
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-restricted-paths': ['error', { zones: boundaries }],
      // Import cycles make load order matter and modules impossible to read alone.
      'import/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Functions fit on a screen or two: a longer one becomes named steps (../shared/STYLE.md, habit 12).
    files: ['src/**/*.ts', 'connections/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 150, skipBlankLines: false, skipComments: false }] },
  },
  {
    // Plain JavaScript (the jest reporter) is outside the TypeScript project.
    files: ['**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: { module: 'writable', process: 'readonly' },
    },
  },
  {
    // Tests and benchmarks poke at loosely typed fixtures (jest matchers, raw rows).
    files: ['test/**/*.ts', 'bench/**/*.ts', 'components/*/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
