/** Port of openshift/router pkg/router/template/router_test.go: TestCalculateServiceWeights. */
import { describe, expect, it } from 'vitest';
import { type ServerEntry, calculateServiceWeights, filterServersByPort } from '../src/index.ts';

const ep = (id: string, port: number, portName: string): ServerEntry => ({
  id,
  idHash: id,
  ip: 'ip',
  port,
  portName,
  noHealthCheck: false,
});
const ep1 = ep('ep1', 8080, 'port');
const ep2 = ep('ep2', 8080, 'port');
const ep3 = ep('ep3', 8080, 'port');
const ep4 = ep('ep4', 8081, 'port2');

const S1 = 'ns/svc1';
const S2 = 'ns/svc2';

describe('TestCalculateServiceWeights', () => {
  it.each<[string, string, Record<string, ServerEntry[]>, Record<string, number>, Record<string, number>]>([
    [
      'equally weighted services with same number of endpoints',
      '8080',
      { [S1]: [ep1], [S2]: [ep2] },
      { [S1]: 50, [S2]: 50 },
      { [S1]: 256, [S2]: 256 },
    ],
    [
      'unequally weighted services with same number of endpoints',
      '8080',
      { [S1]: [ep1], [S2]: [ep2] },
      { [S1]: 25, [S2]: 75 },
      { [S1]: 85, [S2]: 256 },
    ],
    [
      'services with equal weights and a different number of endpoints',
      '8080',
      { [S1]: [ep1, ep2], [S2]: [ep3] },
      { [S1]: 50, [S2]: 50 },
      { [S1]: 128, [S2]: 256 },
    ],
    [
      'services with unequal weights and a different number of endpoints',
      '8080',
      { [S1]: [ep1, ep2], [S2]: [ep3] },
      { [S1]: 20, [S2]: 60 },
      { [S1]: 42, [S2]: 256 },
    ],
    [
      'services with equal weights and a different number of endpoints, one of which is common',
      '8080',
      { [S1]: [ep1, ep2], [S2]: [ep2] },
      { [S1]: 50, [S2]: 50 },
      { [S1]: 128, [S2]: 256 },
    ],
    ['a single service with a single endpoint', '8080', { [S1]: [ep1] }, { [S1]: 50 }, { [S1]: 1 }],
    ['a single service with a multiple endpoints', '8080', { [S1]: [ep1, ep2] }, { [S1]: 50 }, { [S1]: 1 }],
    [
      'a single service with multiple endpoints, but no endpoint ports match the route port',
      '9090',
      { [S1]: [ep1, ep2] },
      { [S1]: 50 },
      {},
    ],
    [
      'services with multiple endpoints with different ports',
      '8080',
      { [S1]: [ep1, ep4], [S2]: [ep3] },
      { [S1]: 50, [S2]: 50 },
      { [S1]: 256, [S2]: 256 },
    ],
    [
      'services with multiple endpoints with different ports and route port is portName',
      'port',
      { [S1]: [ep1, ep4], [S2]: [ep3] },
      { [S1]: 50, [S2]: 50 },
      { [S1]: 256, [S2]: 256 },
    ],
    [
      'services with multiple endpoints with different ports and route has no port',
      '',
      { [S1]: [ep1, ep4], [S2]: [ep3] },
      { [S1]: 50, [S2]: 50 },
      { [S1]: 128, [S2]: 256 },
    ],
    [
      'services with multiple endpoints and route has no port',
      '',
      { [S1]: [ep1, ep2], [S2]: [ep3] },
      { [S1]: 50, [S2]: 50 },
      { [S1]: 128, [S2]: 256 },
    ],
    [
      'services with too many endpoints to achieve desired weight',
      '',
      { [S1]: [ep1, ep2, ep2, ep3, ep3], [S2]: [ep3] },
      { [S1]: 3, [S2]: 256 },
      { [S1]: 1, [S2]: 256 },
    ],
    ['no services with no endpoints', 'port', {}, {}, {}],
    ['service with no endpoint', 'port', { [S1]: [] }, { [S1]: 100 }, {}],
  ])('%s', (_name, routePort, serviceUnits, serviceWeights, expected) => {
    const units = Object.entries(serviceWeights).map(([key, weight]) => ({
      key,
      weight,
      endpoints: filterServersByPort(serviceUnits[key] ?? [], routePort).length,
    }));
    expect(Object.fromEntries(calculateServiceWeights(units))).toEqual(expected);
  });
});
