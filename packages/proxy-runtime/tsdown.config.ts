import { defineConfig } from 'tsdown';

// The worker entry is a second entry point: `workers > 1` forks it as a child process.
export default defineConfig({
  entry: { index: 'src/index.ts', 'internal/worker-entry': 'src/internal/worker-entry.ts' },
  format: 'esm',
  dts: true,
  platform: 'node',
});
