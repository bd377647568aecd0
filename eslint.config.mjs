// @ts-check
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';

/**
 * Module boundaries from ../shared/STYLE.md, enforced so they stay true.
 * `target` may not import from `from`.
 */
const boundaries = [
  {
    target: './src/oauth',
    from: ['./src/store', './src/runtime', './src/server', './src/cli', './connections', './src/providers'],
    message: 'src/oauth is pure protocol.',
  },
  {
    target: './connections',
    from: ['./src/store', './src/runtime', './src/server', './src/cli'],
    message: 'Provider definitions are data.',
  },
  {
    target: './src/providers',
    from: ['./src/store', './src/runtime', './src/server', './src/cli'],
    message: 'Provider definitions are data.',
  },
  {
    target: './src/sandbox',
    from: ['./src/store', './src/runtime', './src/server', './src/cli', './connections', './src/providers'],
    message: 'The sandbox is a stand-alone authorization server: it may use src/oauth and src/errors only.',
  },
  {
    target: './src/store',
    from: ['./src/oauth', './src/runtime', './src/server', './src/cli', './connections', './src/providers'],
    message: 'The store knows only its rows.',
  },
  {
    target: './src/runtime',
    from: ['./src/server', './src/cli', './src/store/sqlite', './src/store/postgres'],
    message: 'The runtime uses the store interface, never a concrete engine.',
  },
  {
    target: './src/server',
    from: ['./src/cli', './src/store/sqlite', './src/store/postgres', './src/oauth/internal'],
    message: 'The server is a thin HTTP layer.',
  },
  {
    target: './components',
    from: ['./src'],
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
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-restricted-paths': ['error', { zones: boundaries }],
    },
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
