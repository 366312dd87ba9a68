import { defineConfig } from 'vitest/config';

/** Runs every package's tests in one vitest process (`pnpm exec vitest run` at the root). */
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
  },
});
