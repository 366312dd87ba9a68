import { describe, expect, it } from 'vitest';
import { type MapLayout, renderHaproxyConfig } from '../src/index.ts';
import { DEFAULT_PEM, fourteenRoutes } from './fixtures/fourteen.ts';
import { renderAndCheck } from './helpers.ts';

import { compareGolden } from './golden.ts';

const WORKDIR = '/var/lib/switchyard';

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

  it.each(layouts)('%s layout passes the real haproxy -c', async (layout) => {
    const r = await renderAndCheck(fourteenRoutes(), { layout });
    try {
      expect(r.check.output).toContain('Configuration file is valid');
      expect(r.check.ok).toBe(true);
    } finally {
      await r.cleanup();
    }
  });
});
