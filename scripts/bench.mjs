#!/usr/bin/env node
// `pnpm bench`: runs every package's benchmark (bench/index.ts), each of which writes its own
// section to docs/benchmarks/<package>.md, then assembles docs/benchmarks.md from the sections
// with the machine they were measured on. `pnpm bench map-matcher sni-parser` runs only those.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const only = process.argv.slice(2);
const dirs = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group))
    .map((name) => ({ name, dir: join(root, group, name) }))
    .filter(({ dir }) => existsSync(join(dir, 'bench', 'index.ts'))),
);
let failed = false;
for (const { name, dir } of dirs) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  const run = spawnSync('pnpm', ['run', 'bench'], { cwd: dir, stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`${name}: benchmark failed`);
    failed = true;
  }
}

const sectionsDir = join(root, 'docs', 'benchmarks');
const sections = existsSync(sectionsDir)
  ? readdirSync(sectionsDir)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => readFileSync(join(sectionsDir, f), 'utf8').trim())
  : [];
const cpu = cpus();
const machine = `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const doc = [
  '# Benchmarks',
  '',
  'Every figure below comes from a benchmark program, not a test. Each section names the command',
  'that produced it and when; ratios are measured side by side in one run on the same machine.',
  'Refresh everything with `pnpm bench` (or `pnpm bench <package-dir>` for one package).',
  '',
  `Last assembled on: ${machine}.`,
  '',
  ...sections.flatMap((s) => [s, '']),
].join('\n');
writeFileSync(join(root, 'docs', 'benchmarks.md'), doc);
process.exit(failed ? 1 : 0);
