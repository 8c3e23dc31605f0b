// Google's auth library must never probe a cloud metadata address from a test; workers inherit this.
process.env.METADATA_SERVER_DETECTION = 'none';

/** @type {import('jest').Config} */
module.exports = {
  displayName: '@quire/models',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.spec.ts'],
  // Node's fetch rejects with errors from the main context, which fail `instanceof Error` inside
  // Jest's vm context. The setup file makes the spec context's error classes recognise them.
  setupFiles: ['<rootDir>/src/testing/cross-realm-errors.jest-setup.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      // TS151002 only warns that ts-jest compiles each file on its own under module nodenext.
      { tsconfig: '<rootDir>/tsconfig.json', diagnostics: { ignoreCodes: [151002] } },
    ],
  },
};
