import { defineConfig } from 'vitest/config';

// Two projects: fast pure-logic unit tests (run in parallel), and integration tests on real Docker
// engines inside the multi-host harness (one shared host pool, one file at a time: 2 cores).
export default defineConfig({
  test: {
    teardownTimeout: 120_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/src/**/*.int.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: [
            'packages/testkit/src/global-setup.ts',
            'packages/testkit/src/postgres-global-setup.ts',
          ],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
