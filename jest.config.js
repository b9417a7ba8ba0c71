/** Jest on native ESM: @swc/jest compiles TypeScript, Node runs the modules. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  // `./x.js` imports of TypeScript files resolve to `./x.ts`; a package's `x.json.js` stays itself.
  moduleNameMapper: { '^(\\.{1,2}/.*)(?<!\\.json)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  testTimeout: 30000,
  // Most suites wait on timers and loopback I/O, not the CPU. Measured on the 2-core machine
  // (npm run test:jest, 2026-12-06): 1 worker (Jest's default here, in band) 119 s idle / 126 s
  // with one core busy; 2 workers 61 / 75 s; 3 workers 51 / 63 s; 4 workers 44 / 55 s.
  maxWorkers: 4,
};
