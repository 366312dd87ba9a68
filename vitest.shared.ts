import { defineConfig } from 'vitest/config';

/**
 * Shared vitest settings for every workspace package. Packages resolve each other through the
 * `development` export condition, so tests run against sources without a build.
 */
export default defineConfig({
  resolve: { conditions: ['development', 'module', 'node', 'default'] },
  ssr: { resolve: { conditions: ['development', 'module', 'node', 'default'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
  },
});
