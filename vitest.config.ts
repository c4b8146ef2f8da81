import { defineConfig } from 'vitest/config';

// Suites are grouped by what they need: unit/ (pure TS), native/ (the addon), backends/
// (every op on cpu against the ref oracle), cli/ (the abw command end to end).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Forked workers: native addon state and crashes stay out of the runner process.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
