/**
 * The shared conformance table (testkit) against a real HAProxy configured by this package, in
 * both map layouts.
 */
import { buildRoutingTable, type RouterObject } from '@switchyard/route-model';
import { defineConformanceSuite, freePort, makeTempDir } from '@switchyard/testkit';
import { describe } from 'vitest';
import { HaproxyProcess, type MapLayout, type RenderOptions, renderHaproxyConfig } from '../src/index.ts';

function haproxyEngine(layout: MapLayout) {
  return async (context: { defaultCertificate: { cert: string; key: string } }) => {
    const dir = await makeTempDir(`hrc-${layout}`);
    const options: RenderOptions = {
      workingDir: dir.path,
      layout,
      bindAddress: '127.0.0.1',
      httpPort: await freePort(),
      httpsPort: await freePort(),
      maxConnections: 2000,
      defaultCertificate: `${context.defaultCertificate.key}\n${context.defaultCertificate.cert}`,
    };
    const proc = new HaproxyProcess({ workingDir: dir.path, stopTimeoutMs: 2_000 });
    return {
      name: `haproxy-${layout}`,
      httpPort: options.httpPort as number,
      httpsPort: options.httpsPort as number,
      async apply(objects: object[]): Promise<void> {
        const { table } = buildRoutingTable(objects as RouterObject[], { allowLoopbackEndpoints: true });
        const render = renderHaproxyConfig(table, options);
        if (render.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(render.rejected)}`);
        if (!proc.running) {
          await proc.start(render);
          return;
        }
        const outcome = await proc.apply(render);
        if (!outcome.ok) throw new Error(`reload failed (${outcome.stage}): ${outcome.output}`);
      },
      async close(): Promise<void> {
        await proc.stop({ timeoutMs: 2_000 });
        await dir.cleanup();
      },
    };
  };
}

describe('HAProxy engine', () => {
  defineConformanceSuite('haproxy (openshift layout)', haproxyEngine('openshift'));
  defineConformanceSuite('haproxy (indexed layout)', haproxyEngine('indexed'));
});
