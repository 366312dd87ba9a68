/**
 * The shared conformance table, run against the real `switchyard` process on manifest files:
 * `apply` writes the objects as one YAML file into the watched directory and waits until the
 * data plane serves every route.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineConformanceSuite, makeTempDir } from '@switchyard/testkit';
import { startRouterProcess, writeManifest } from './helpers/router-process.ts';

const engines = ['native', 'haproxy'] as const;

for (const engine of engines) {
  defineConformanceSuite(
    `switchyard process --engine ${engine} --routes <dir>`,
    async ({ defaultCertificate }) => {
      const dir = await makeTempDir(`switchyard-e2e-${engine}-`);
      const routes = join(dir.path, 'routes');
      await mkdir(routes);
      const certificate = join(dir.path, 'default.pem');
      await writeFile(certificate, `${defaultCertificate.cert}\n${defaultCertificate.key}`);
      const proc = await startRouterProcess([
        '--routes',
        routes,
        '--engine',
        engine,
        '--default-certificate',
        certificate,
        '--reload-interval',
        '1s',
      ]);
      return {
        name: engine,
        httpPort: proc.httpPort,
        httpsPort: proc.httpsPort,
        async apply(objects: object[]): Promise<void> {
          const count = objects.filter((o) => (o as { kind?: string }).kind === 'Route').length;
          await writeManifest(join(routes, 'conformance.yaml'), objects);
          await proc.waitForMetric('switchyard_routes_served', count, 30_000);
        },
        async close(): Promise<void> {
          const code = await proc.stop();
          await dir.cleanup();
          if (code !== 0) throw new Error(`switchyard exited with ${code}:\n${proc.output().slice(-4000)}`);
        },
      };
    },
  );
}
