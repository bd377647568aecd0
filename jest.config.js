/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/components'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json', 'mjs', 'cjs'],
  testTimeout: 30000,
  // oidc-provider's development notices (the sandbox is a development server by design).
  setupFiles: ['<rootDir>/test/support/quiet-oidc-provider.ts'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
