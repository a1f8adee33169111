/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testTimeout: 30000,
  // 2-core machines: one worker per core. Server processes spawned by tests run beside them.
  maxWorkers: 2,
  transform: {
    // Transpile only (no type check per file): much faster on small machines. Type-check the
    // tests with `npx tsc -p test/helpers/tsconfig.json`.
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: { isolatedModules: true, esModuleInterop: true, target: 'ES2022', module: 'commonjs', sourceMap: true } }],
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};
