/** @type {import('jest').Config} */
module.exports = {
  displayName: '@quire/models',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      // TS151002 only warns that ts-jest compiles each file on its own under module nodenext.
      { tsconfig: '<rootDir>/tsconfig.json', diagnostics: { ignoreCodes: [151002] } },
    ],
  },
};
