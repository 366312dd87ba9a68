import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRoutingTable, parseManifests, type RoutingTable } from '@switchyard/route-model';
import { describe, expect, it } from 'vitest';
import { type MapLayout, renderHaproxyConfig } from '../src/index.ts';
import { DEFAULT_PEM } from './fixtures/fourteen.ts';
import { compareGolden } from './golden.ts';
import { renderAndCheck } from './helpers.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples');

function examplesTable(): RoutingTable {
  const objects = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => {
      const parsed = parseManifests(readFileSync(join(EXAMPLES, f), 'utf8'));
      expect(parsed.errors, f).toEqual([]);
      return parsed.objects;
    });
  return buildRoutingTable(objects, { allowLoopbackEndpoints: true, allowWildcardRoutes: true }).table;
}

const layouts: MapLayout[] = ['openshift', 'indexed'];

describe('examples/ (the repository manifests through route-model)', () => {
  it('admits the example routes', () => {
    expect(examplesTable().routes.size).toBeGreaterThanOrEqual(6);
  });

  it.each(layouts)('%s layout renders to the committed golden files', (layout) => {
    const res = renderHaproxyConfig(examplesTable(), {
      workingDir: '/var/lib/switchyard',
      layout,
      defaultCertificate: DEFAULT_PEM,
      allowWildcardRoutes: true,
    });
    expect(res.rejected).toEqual([]);
    compareGolden(`examples-${layout}`, res.files);
  });

  it.each(layouts)('%s layout passes the real haproxy -c', async (layout) => {
    const r = await renderAndCheck(examplesTable(), { layout, allowWildcardRoutes: true });
    try {
      expect(r.check.output).toContain('Configuration file is valid');
    } finally {
      await r.cleanup();
    }
  });
});
