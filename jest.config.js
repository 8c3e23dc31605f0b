// Jest configuration for every workspace. Test files import workspace packages from their
// TypeScript sources, so tests never run against a stale dist/ build.

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/(apps|packages)/[^/]+/dist/'],
  // Keeps compiled copies of the workspaces out of Jest's module map.
  modulePathIgnorePatterns: ['<rootDir>/(apps|packages)/[^/]+/dist/'],
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  moduleNameMapper: {
    '^@quire/(contracts|db|models|storage)$': '<rootDir>/packages/$1/src',
    // Test helpers of a package (fake provider servers), kept out of its main entry.
    '^@quire/models/testing$': '<rootDir>/packages/models/src/testing',
    // Compiled ES module style imports name the .js file; Jest resolves them to the .ts source.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  // SDKs that use Node's fetch recognise its errors inside Jest's sandbox (see the file).
  setupFiles: ['<rootDir>/packages/models/src/testing/cross-realm-errors.jest-setup.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // OCR of a real scanned page takes several seconds per engine, and a test may run several pages.
  testTimeout: 120_000,
};
