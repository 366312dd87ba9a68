#!/usr/bin/env node
// Packs the package in the current directory exactly as `pnpm publish` would, then checks the
// tarball: only dist/, README.md, LICENSE and package.json inside, and publint finds nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const out = mkdtempSync(join(tmpdir(), 'switchyard-pack-'));
try {
  const packed = execFileSync('pnpm', ['pack', '--json', '--pack-destination', out], {
    cwd: dir,
    encoding: 'utf8',
  });
  const tarball = JSON.parse(packed.slice(packed.indexOf('{'))).filename;
  execFileSync('tar', ['-xzf', tarball, '-C', out]);
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  const allowed = (f) =>
    f === 'package.json' || f === 'README.md' || f === 'LICENSE' || f.startsWith('dist/');
  const extra = files.filter((f) => !allowed(f));
  const problems = [];
  if (extra.length > 0) problems.push(`unexpected files in the tarball: ${extra.join(', ')}`);
  for (const needed of ['README.md', 'LICENSE', 'dist/index.mjs', 'dist/index.d.mts']) {
    if (!files.includes(needed)) problems.push(`missing from the tarball: ${needed}`);
  }
  const pkgDir = join(out, 'package');
  const packedPkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const { messages } = await publint({ pkgDir, level: 'suggestion', strict: true });
  for (const message of messages) problems.push(`publint: ${formatMessage(message, packedPkg)}`);
  if (problems.length > 0) {
    console.error(`${pkg.name}:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`${pkg.name}: ${files.length} files packed, publint clean`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
