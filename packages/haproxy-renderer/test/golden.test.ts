import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { haproxyAvailable } from '@switchyard/testkit';
import { describe, expect, it } from 'vitest';
import { type MapLayout, renderHaproxyConfig } from '../src/index.ts';
import { DEFAULT_PEM, fourteenRoutes } from './fixtures/fourteen.ts';
import { renderAndCheck } from './helpers.ts';

const GOLDEN = join(import.meta.dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const WORKDIR = '/var/lib/switchyard';

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

function compareGolden(name: string, files: Readonly<Record<string, string>>): void {
  const dir = join(GOLDEN, name);
  if (UPDATE) {
    rmSync(dir, { recursive: true, force: true });
    for (const [p, c] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), c);
    }
  }
  expect(listFiles(dir).sort()).toEqual(Object.keys(files).sort());
  for (const [p, c] of Object.entries(files)) {
    expect(c, `${name}/${p}`).toBe(readFileSync(join(dir, p), 'utf8'));
  }
}

const layouts: MapLayout[] = ['openshift', 'indexed'];

describe('14-route fixture (every termination and insecure policy)', () => {
  it.each(layouts)('%s layout renders to the committed golden files', (layout) => {
    const res = renderHaproxyConfig(fourteenRoutes(), {
      workingDir: WORKDIR,
      layout,
      defaultCertificate: DEFAULT_PEM,
    });
    expect(res.rejected).toEqual([]);
    compareGolden(`fourteen-${layout}`, res.files);
  });

  it.each(layouts)('%s layout is deterministic (same table, same bytes)', (layout) => {
    const a = renderHaproxyConfig(fourteenRoutes(), {
      workingDir: WORKDIR,
      layout,
      defaultCertificate: DEFAULT_PEM,
    });
    const b = renderHaproxyConfig(fourteenRoutes(), {
      workingDir: WORKDIR,
      layout,
      defaultCertificate: DEFAULT_PEM,
    });
    expect(JSON.stringify(b.files)).toBe(JSON.stringify(a.files));
  });

  it.skipIf(!haproxyAvailable()).each(layouts)('%s layout passes the real haproxy -c', async (layout) => {
    const r = await renderAndCheck(fourteenRoutes(), { layout });
    try {
      expect(r.check.output).toContain('Configuration file is valid');
      expect(r.check.ok).toBe(true);
    } finally {
      await r.cleanup();
    }
  });
});
