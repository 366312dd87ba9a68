import { buildRoutingTable, type RouterObject } from '@switchyard/route-model';
import { defineConformanceSuite } from '@switchyard/testkit';
import { createProxyRuntime } from '../src/index.ts';

// The same table with two data-plane processes sharing the listening sockets: tables are
// broadcast, certificates and all, and every case must hold whichever worker accepts.
defineConformanceSuite('native, workers: 2', async ({ defaultCertificate }) => {
  const runtime = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: 0,
    defaultCertificate,
    workers: 2,
  });
  const { httpPort, httpsPort } = await runtime.listen();
  return {
    name: 'native-workers',
    httpPort: httpPort as number,
    httpsPort: httpsPort as number,
    async apply(objects) {
      const { table } = buildRoutingTable(objects as RouterObject[], { allowLoopbackEndpoints: true });
      await runtime.update(table);
    },
    close: () => runtime.close({ graceMs: 1_000 }),
  };
});
