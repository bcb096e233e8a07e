/** Jest is the project's one test runner: unit tests sit beside the code, cross-process tests in test/. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.data/', '/.tools/', '/web/'],
  modulePathIgnorePatterns: ['<rootDir>/.data/', '<rootDir>/.tools/', '<rootDir>/web/.next/'],
  // @composio/core, @scalar/express-api-reference, swagger-parser's ref parser and the AI SDK (ai, @ai-sdk/*) ship ESM only: Jest (unlike Node 20.19+) cannot require() them, so swc compiles them to CommonJS.
  transform: { '^.+\\.(t|j)sx?$|^.+\\.mjs$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  transformIgnorePatterns: ['/node_modules/(?!@composio/|@scalar/|@apidevtools/|ai/|@ai-sdk/|@workflow/|eventsource-parser/)'],
  // `flightdeck` from a definition folder outside the checkout, as the loaders' resolve hook (lib/definitions.ts) does outside Jest.
  moduleNameMapper: {
    '^flightdeck$': '<rootDir>/sdk/index.ts',
    // @ai-sdk/provider-utils imports `zod/v4/locales/en.js`, which zod's exports map resolves to its ESM file under "require" too.
    '^zod/v4/locales/en\\.js$': 'zod/v4/locales/en.cjs',
  },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
