import { defineConformanceSuite } from '@switchyard/testkit';
import { conformanceEngine } from './helpers.ts';

// The same table with two data-plane processes sharing the listening sockets: tables are
// broadcast, certificates and all, and every case must hold whichever worker accepts.
defineConformanceSuite('native, workers: 2', (context) =>
  conformanceEngine('native-workers', context, { workers: 2 }),
);
