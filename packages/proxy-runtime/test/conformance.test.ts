import { buildRoutingTable, type RouterObject } from '@switchyard/route-model';
import { defineConformanceSuite } from '@switchyard/testkit';
import { createProxyRuntime } from '../src/index.ts';

defineConformanceSuite('native', async ({ defaultCertificate }) => {
  const runtime = createProxyRuntime({ host: '127.0.0.1', httpPort: 0, httpsPort: 0, defaultCertificate });
  const { httpPort, httpsPort } = await runtime.listen();
  return {
    name: 'native',
    httpPort: httpPort as number,
    httpsPort: httpsPort as number,
    async apply(objects) {
      const { table } = buildRoutingTable(objects as RouterObject[], { allowLoopbackEndpoints: true });
      await runtime.update(table);
    },
    close: () => runtime.close({ graceMs: 1_000 }),
  };
});
