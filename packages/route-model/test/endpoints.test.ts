import { describe, expect, it } from 'vitest';
import {
  type EndpointSlice,
  buildRoutingTable,
  filterServersByPort,
  isRestrictedAddress,
  resolveServiceEndpoints,
} from '../src/index.ts';
import { route, service, slice } from './helpers.ts';

describe('server IDs and cookie hashes (plugin_test: createRouterEndpoints)', () => {
  it.each([
    [
      'no targetRef → ept:',
      slice('ns', 'test', 's', ['1.1.1.1'], [{ name: 'port', port: 345 }]),
      'ept:test:port:1.1.1.1:345',
      undefined,
    ],
    [
      'Pod targetRef → pod:',
      slice('ns', 'test', 's', [{ ip: '2.2.2.2', pod: 'pod-1' }], [{ name: 'port', port: 8080 }]),
      'pod:pod-1:test:port:2.2.2.2:8080',
      'edc59f257cfac26c3b2ca6272c9b9766',
    ],
    [
      'IPv6 is not bracketed in the ID',
      slice('ns', 'test', 's', ['2001:db8::1'], [{ name: 'p', port: 80 }], 'IPv6'),
      'ept:test:p:2001:db8::1:80',
      undefined,
    ],
  ])('%s', (_n, s, id, hash) => {
    const [server] = resolveServiceEndpoints('test', [s], undefined);
    expect(server!.id).toBe(id);
    if (hash) expect(server!.idHash).toBe(hash);
    expect(server!.idHash).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('EndpointSlice aggregation and order (factory_endpointslices_test, endpointsubset)', () => {
  it('orders slices by name, then port-major, then addresses by 16-byte IP and hostname', () => {
    const s2 = slice('ns', 'svc', 'svc-b', ['10.0.0.9'], [{ name: 'http', port: 80 }]);
    const s1 = slice(
      'ns',
      'svc',
      'svc-a',
      ['10.0.0.10', '10.0.0.2', { ip: '10.0.0.2', hostname: 'a' }],
      [
        { name: 'metrics', port: 9090 },
        { name: 'http', port: 80 },
      ],
    );
    const servers = resolveServiceEndpoints('svc', [s2, s1], undefined);
    expect(servers.map((s) => `${s.portName}/${s.ip}:${s.port}`)).toEqual([
      'http/10.0.0.2:80',
      'http/10.0.0.10:80',
      'metrics/10.0.0.2:9090',
      'metrics/10.0.0.10:9090',
      'http/10.0.0.9:80',
    ]);
  });

  it('sorts IPv4 as ::ffff:a.b.c.d, so it precedes most IPv6 and follows ::1-like low addresses', () => {
    const s = slice(
      'ns',
      'svc',
      's',
      ['2001:db8::1', '10.0.0.1', '::a0a:a0a'],
      [{ name: 'p', port: 1 }],
      'IPv6',
    );
    expect(resolveServiceEndpoints('svc', [s], undefined).map((x) => x.ip)).toEqual([
      '::a0a:a0a',
      '10.0.0.1',
      '2001:db8::1',
    ]);
  });

  it.each<[string, boolean | null | undefined, boolean]>([
    ['ready: true kept', true, true],
    ['ready: nil counts as ready', null, true],
    ['ready absent counts as ready', undefined, true],
    ['ready: false dropped', false, false],
  ])('%s', (_n, ready, kept) => {
    const s = slice('ns', 'svc', 's', [ready === undefined ? { ip: '10.1.1.1' } : { ip: '10.1.1.1', ready }]);
    expect(resolveServiceEndpoints('svc', [s], undefined)).toHaveLength(kept ? 1 : 0);
  });

  it('skips UDP ports unless asked, FQDN slices, and duplicate IDs', () => {
    const udp = slice(
      'ns',
      'svc',
      's1',
      ['10.0.0.1'],
      [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'http', port: 80 },
      ],
    );
    const fqdn = slice('ns', 'svc', 's2', ['example.com'], [{ name: 'http', port: 80 }], 'FQDN');
    const dup = slice('ns', 'svc', 's3', ['10.0.0.1'], [{ name: 'http', port: 80 }]);
    expect(resolveServiceEndpoints('svc', [udp, fqdn, dup], undefined).map((s) => s.id)).toEqual([
      'ept:svc:http:10.0.0.1:80',
    ]);
    expect(
      resolveServiceEndpoints('svc', [udp], undefined, { includeUdpEndpoints: true }).map((s) => s.port),
    ).toEqual([53, 80]);
  });

  it('ignores slices without the kubernetes.io/service-name label', () => {
    const unlabeled: EndpointSlice = {
      ...slice('ns', 'svc', 's', ['10.0.0.1']),
      metadata: { name: 's', namespace: 'ns' },
    };
    const { table } = buildRoutingTable([route('ns', 'r', { host: 'a.example.test' }), unlabeled]);
    expect(table.routes.get('ns:r')!.serviceUnits[0]!.servers).toEqual([]);
  });
});

describe('restricted addresses (extended_validator_test)', () => {
  it.each([
    ['0.0.0.0', true],
    ['127.0.0.1', true],
    ['127.5.5.5', true],
    ['169.254.169.254', true],
    ['224.0.0.1', true],
    ['168.63.129.16', true],
    ['::', true],
    ['::1', true],
    ['fe80::1', true],
    ['ff02::1', true],
    ['fd00:ec2::254', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:169.254.169.254', true],
    ['::127.0.0.1', true],
    ['::a9fe:a9fe', true],
    ['not-an-ip', true],
    ['10.0.0.1', false],
    ['192.168.1.1', false],
    ['2001:db8::1', false],
    ['fd00:ec2::253', false],
    ['::ffff:10.0.0.1', false],
  ])('%s restricted: %s', (ip, restricted) => {
    expect(isRestrictedAddress(ip)).toBe(restricted);
  });

  it.each([
    ['127.0.0.1', false],
    ['::1', false],
    ['::ffff:127.0.0.1', false],
    ['169.254.1.1', true],
    ['0.0.0.0', true],
  ])('with allowLoopback, %s restricted: %s', (ip, restricted) => {
    expect(isRestrictedAddress(ip, true)).toBe(restricted);
  });
});

describe('targetPort matching (template_helper_test: endpoint port filtering)', () => {
  const servers = resolveServiceEndpoints(
    'svc',
    [
      slice(
        'ns',
        'svc',
        's',
        ['10.0.0.1'],
        [
          { name: 'http', port: 8080 },
          { name: 'metrics', port: 9090 },
        ],
      ),
    ],
    undefined,
  );
  it.each([
    ['no targetPort: every port of every endpoint', '', [8080, 9090]],
    ['string targetPort matches the Service port name', 'http', [8080]],
    ['int targetPort matches the endpoint port number', '9090', [9090]],
    ['the Service port number does not match', '80', []],
    ['unknown name', 'grpc', []],
  ])('%s', (_n, prefer, ports) => {
    expect(filterServersByPort(servers, prefer).map((s) => s.port)).toEqual(ports);
  });

  it('applies the route targetPort inside the store and counts active endpoints', () => {
    const { table } = buildRoutingTable([
      route('ns', 'r', { host: 'a.example.test', port: { targetPort: 'metrics' } }),
      slice(
        'ns',
        'svc',
        's',
        ['10.0.0.1', '10.0.0.2'],
        [
          { name: 'http', port: 8080 },
          { name: 'metrics', port: 9090 },
        ],
      ),
    ]);
    const e = table.routes.get('ns:r')!;
    expect(e.preferPort).toBe('metrics');
    expect(e.serviceUnits[0]!.servers.map((s) => `${s.ip}:${s.port}`)).toEqual([
      '10.0.0.1:9090',
      '10.0.0.2:9090',
    ]);
    expect(e.activeEndpoints).toBe(2);
  });
});

describe('idled services (plugin.go: unidling)', () => {
  it('synthesises one server per Service port at the ClusterIP, without health checks', () => {
    const svc = service(
      'ns',
      'svc',
      { clusterIP: '172.30.1.1', ports: [{ name: 'http', port: 80 }] },
      {
        'idling.alpha.openshift.io/idled-at': '2026-01-01T00:00:00Z',
      },
    );
    const servers = resolveServiceEndpoints(
      'svc',
      [slice('ns', 'svc', 's', [{ ip: '10.0.0.1', ready: false }])],
      svc,
    );
    expect(servers).toEqual([
      {
        id: 'ept:svc:http:172.30.1.1:80',
        idHash: expect.stringMatching(/^[0-9a-f]{32}$/),
        ip: '172.30.1.1',
        port: 80,
        portName: 'http',
        noHealthCheck: true,
      },
    ]);
  });

  it.each([
    ['not idled', {}, '172.30.1.1'],
    ['headless', { 'idling.alpha.openshift.io/idled-at': 'x' }, 'None'],
  ])('no synthesis when %s', (_n, annotations, clusterIP) => {
    const svc = service('ns', 'svc', { clusterIP }, annotations);
    expect(resolveServiceEndpoints('svc', [], svc)).toEqual([]);
  });

  it('updates the route when the Service gets the idled annotation', () => {
    const r = route('ns', 'r', { host: 'idle.example.test' });
    const { table } = buildRoutingTable([
      r,
      service('ns', 'svc', {}, { 'idling.alpha.openshift.io/idled-at': 'now' }),
    ]);
    expect(table.routes.get('ns:r')!.serviceUnits[0]!.servers.map((s) => s.noHealthCheck)).toEqual([true]);
  });
});
