// Jest in ESM mode (middy and our own code are ESM), TypeScript transpiled by swc; types are checked by `tsc --noEmit`.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  // Our sources import './x.js' for NodeNext; map to the .ts file (but leave packages' own '*.json.js' modules alone).
  moduleNameMapper: { '^(\\.{1,2}/.*)(?<!\\.json)\\.js$': '$1' },
  setupFiles: ['<rootDir>/test/helpers/setup-env.ts'],
  testTimeout: 120000, // a hang guard; suites share 2 cores in CI
};
