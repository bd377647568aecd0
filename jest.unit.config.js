/**
 * `npm run test:unit`: the fast inner loop. The jest suite without what is slow to set up or run: component
 * builds (components/*, test/components, test/e2e, the CLI's tests), the browser, refresh storms, other
 * processes (KEYWAY_TEST_UNIT=1 skips the store contract's multi-process cases) and the lint test. `npm test`
 * runs everything.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test'],
  testPathIgnorePatterns: [
    ...base.testPathIgnorePatterns,
    '<rootDir>/test/cli/',
    '<rootDir>/test/components/',
    '<rootDir>/test/e2e/',
    '<rootDir>/test/lint/',
    '<rootDir>/test/server/browser',
    '<rootDir>/test/runtime/storm\\.test\\.ts',
    '<rootDir>/test/store/execution-writer\\.test\\.ts',
  ],
};
