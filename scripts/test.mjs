#!/usr/bin/env node
// Runs every workspace package's tests through turbo, then prints one total over all packages.
// vitest's own summaries are per package; the last line here is the sum, alone on its line:
//   "412 passed, 0 failed"
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTools } from './ensure-tools.mjs';

const root = join(import.meta.dirname, '..');
const packageDirs = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, 'package.json')))
    .map((entry) => join(root, group, entry.name)),
);

ensureTools();

for (const dir of packageDirs) rmSync(join(dir, '.test-results'), { recursive: true, force: true });

// One package at a time: the suites start real HAProxy processes, TLS servers and load
// generators, and on a 2-core machine parallel packages would make timing-sensitive tests noisy.
const extra = process.argv.slice(2);
const turbo = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'test', '--continue', '--concurrency=1', '--output-logs=full', ...extra],
  { cwd: root, stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const dir of packageDirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pkg.scripts?.test) continue;
  const report = join(dir, '.test-results', 'vitest.json');
  if (!existsSync(report)) {
    missing.push(pkg.name);
    continue;
  }
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests + (result.numTodoTests ?? 0);
  // A suite that failed to load (syntax error, failed import) has no tests but did fail.
  failed += result.testResults.filter(
    (file) => file.status === 'failed' && file.assertionResults.length === 0,
  ).length;
}
const filtered = extra.some((arg) => arg.startsWith('--filter'));
if (missing.length > 0 && !filtered) {
  console.error(`no test report from: ${missing.join(', ')}`);
  failed += missing.length;
}
const ok = turbo.status === 0 && failed === 0;
if (turbo.status !== 0 && failed === 0) failed += 1; // turbo failed without a failing test: count the run itself
console.log(`\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(ok ? 0 : 1);
