// Jest runs the TypeScript sources directly as native ES modules (ts-jest's
// ESM preset, transpile-only; `tsc --noEmit` type-checks separately), so the
// ESM-only packages (execa, ora, yargs) load without transforms. Node needs
// --experimental-vm-modules for that; scripts/test.sh sets it.
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testTimeout: 120000,
  // test/kernelTimesReporter.js: where the time goes, per test kernel.
  reporters: ['default', '<rootDir>/test/kernelTimesReporter.js'],
};
