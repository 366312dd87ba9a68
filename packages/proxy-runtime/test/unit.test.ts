import { renderHaproxyConfig } from '@switchyard/haproxy-renderer';
import { parseMapFile } from '@switchyard/map-matcher';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createProxyRuntime, generateMapLines, isProxyRuntimeError, parseHaproxyTime } from '../src/index.ts';
import {
  type BackendState,
  buildBackend,
  isAllowed,
  pickServer,
  type ServerState,
} from '../src/internal/backends.ts';
import { wireString } from '../src/internal/backends.ts';
import { SecureContextCache } from '../src/internal/certs.ts';
import { parseProxyHeader } from '../src/internal/proxy-protocol.ts';
import { SourceTable } from '../src/internal/rate-limit.ts';
import { compileState } from '../src/internal/state.ts';
import { resolveOptions } from '../src/options.ts';
import { endpointSlice, route, service, table } from './helpers.ts';

describe('parseHaproxyTime', () => {
  it.each([
    ['30s', 30_000],
    ['500', 500],
    ['500ms', 500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['100d', 2_147_483_647],
    ['0', undefined],
    ['01s', undefined],
    ['1.5s', undefined],
    ['1d12h', undefined],
    ['', undefined],
  ])('%s → %s', (text, ms) => {
    expect(parseHaproxyTime(text)).toBe(ms);
  });
});

describe('options', () => {
  it.each([
    ['httpPort', { httpPort: 70000 }],
    ['timeouts.server', { timeouts: { server: -1 } }],
    ['loadBalanceAlgorithm', { loadBalanceAlgorithm: 'fastest' }],
    ['forwardedHeaders', { forwardedHeaders: 'sometimes' }],
    ['cookieName', { cookieName: 'bad name' }],
    ['workers', { workers: 0 }],
    ['monitorUri', { monitorUri: 'healthz' }],
  ])('rejects a bad %s with a coded error naming the field', (field, opts) => {
    let err: unknown;
    try {
      createProxyRuntime(opts as never);
    } catch (e) {
      err = e;
    }
    expect(isProxyRuntimeError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('ERR_PROXY_RUNTIME_INVALID_OPTION');
    expect((err as Error).message).toContain(`ProxyRuntimeOptions.${field}`);
  });

  it('a default certificate that cannot be loaded is ERR_PROXY_RUNTIME_TLS', () => {
    expect(() => createProxyRuntime({ defaultCertificate: { cert: 'not pem', key: 'not pem' } })).toThrow(
      expect.objectContaining({ code: 'ERR_PROXY_RUNTIME_TLS' }),
    );
  });

  it('defaults to HAProxy timeouts', () => {
    expect(resolveOptions({}).timeouts).toEqual({
      connect: 5_000,
      client: 30_000,
      server: 30_000,
      httpRequest: 10_000,
      httpKeepAlive: 300_000,
      tunnel: 3_600_000,
      inspectDelay: 5_000,
      queue: 30_000,
    });
  });
});

describe('PROXY protocol parser', () => {
  const sig = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
  it.each([
    ['v1 TCP4', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1111 80\r\nGET'), 'complete', '1.2.3.4'],
    ['v1 UNKNOWN', Buffer.from('PROXY UNKNOWN\r\n'), 'complete', undefined],
    ['v1 partial', Buffer.from('PROXY TCP4 1.2.'), 'incomplete', undefined],
    ['v1 bad family', Buffer.from('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'), 'invalid', undefined],
    ['not PROXY', Buffer.from('GET / HTTP/1.1\r\n'), 'invalid', undefined],
    ['v2 LOCAL', Buffer.concat([sig, Buffer.from([0x20, 0x00, 0x00, 0x00])]), 'complete', undefined],
    ['v2 partial', sig.subarray(0, 8), 'incomplete', undefined],
    [
      'v2 bad signature',
      Buffer.concat([Buffer.from([0x0d, 0x0a, 0x0d, 0x0b]), sig.subarray(4)]),
      'invalid',
      undefined,
    ],
  ])('%s', (_n, buf, status, src) => {
    const r = parseProxyHeader(buf);
    expect(r.status).toBe(status);
    if (r.status === 'complete') expect(r.header.sourceAddress).toBe(src);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, prefix) => {
        const b = prefix ? Buffer.concat([sig, Buffer.from(bytes)]) : Buffer.from(bytes);
        const r = parseProxyHeader(b);
        expect(['complete', 'incomplete', 'invalid']).toContain(r.status);
      }),
    );
  });
});

describe('map entries are the HAProxy engine’s map files', () => {
  const objects = [
    service('s'),
    ...endpointSlice('s', [8080]),
    route('root', { host: 'a.test', to: { kind: 'Service', name: 's' } }),
    route('path', { host: 'a.test', path: '/api', to: { kind: 'Service', name: 's' } }),
    route('wild', { host: 'www.w.test', wildcardPolicy: 'Subdomain', to: { kind: 'Service', name: 's' } }),
    route('edge', {
      host: 'e.test',
      to: { kind: 'Service', name: 's' },
      tls: { termination: 'edge', insecureEdgeTerminationPolicy: 'Redirect' },
    }),
    route('allow', {
      host: 'al.test',
      to: { kind: 'Service', name: 's' },
      tls: { termination: 'edge', insecureEdgeTerminationPolicy: 'Allow' },
    }),
    route('re', { host: 're.test', to: { kind: 'Service', name: 's' }, tls: { termination: 'reencrypt' } }),
    route('pass', {
      host: 'p.test',
      to: { kind: 'Service', name: 's' },
      tls: { termination: 'passthrough' },
    }),
  ];
  const t = table(objects);
  const files = renderHaproxyConfig(
    { routes: new Map(t.routes) },
    {
      workingDir: '/tmp/x',
      layout: 'openshift',
      allowWildcardRoutes: true,
      defaultCertificatePath: '/tmp/x/default.pem',
    },
  ).files;
  const ours = generateMapLines(t);
  it.each([
    ['os_http_be.map', ours.httpBe],
    ['os_edge_reencrypt_be.map', ours.edgeReencryptBe],
    ['os_route_http_redirect.map', ours.httpRedirect],
    ['os_sni_passthrough.map', ours.sniPassthrough],
    ['os_tcp_be.map', ours.tcpBe],
  ])('%s has the same lines in the same order', (file, lines) => {
    const text = Object.entries(files).find(([p]) => p.endsWith(file))?.[1];
    expect(text).toBeDefined();
    const entries = parseMapFile(text as string).entries.map((e) => ({ key: e.key, value: e.value }));
    expect(lines.map((l) => ({ key: l.key, value: l.value }))).toEqual(entries);
    expect(entries.length).toBeGreaterThan(0);
  });
});

function backendWith(weights: number[], balance: string): BackendState {
  const t = table([
    ...weights.flatMap((_w, i) => [service(`u${i}`), ...endpointSlice(`u${i}`, [9000 + i])]),
    route(
      'b',
      {
        host: 'b.test',
        to: { kind: 'Service', name: 'u0', weight: weights[0] },
        alternateBackends: weights
          .slice(1)
          .map((w, i) => ({ kind: 'Service', name: `u${i + 1}`, weight: w })),
      },
      { 'haproxy.router.openshift.io/balance': balance },
    ),
  ]);
  return buildBackend(t.routes.get('pr:b') as never, resolveOptions({}), undefined);
}

describe('balancing', () => {
  it('roundrobin gives each server exactly its weight over one cycle', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 256 }), { minLength: 2, maxLength: 4 }), (weights) => {
        const b = backendWith(weights, 'roundrobin');
        const counts = new Map<ServerState, number>();
        for (let i = 0; i < b.totalWeight; i++) {
          const s = pickServer(b, '127.0.0.1') as ServerState;
          counts.set(s, (counts.get(s) ?? 0) + 1);
        }
        for (const s of b.eligible) expect(counts.get(s)).toBe(s.weight);
      }),
      { numRuns: 30 },
    );
  });

  it('source keeps one client on one server and spreads clients', () => {
    const b = backendWith([1, 1, 1], 'source');
    const seen = new Set<ServerState>();
    for (let i = 0; i < 50; i++) {
      const ip = `10.0.${i}.${i * 3}`;
      const s = pickServer(b, ip);
      expect(pickServer(b, ip)).toBe(s);
      seen.add(s as ServerState);
    }
    expect(seen.size).toBe(3);
  });

  it('leastconn picks the least loaded server', () => {
    const b = backendWith([1, 1, 1], 'leastconn');
    const [s0, s1, s2] = b.eligible as ServerState[];
    (s0 as ServerState).active = 5;
    (s1 as ServerState).active = 1;
    (s2 as ServerState).active = 3;
    expect(pickServer(b, 'x')).toBe(s1);
  });

  it('a redispatch excludes the server that refused', () => {
    const b = backendWith([1, 1], 'roundrobin');
    const first = pickServer(b, 'x') as ServerState;
    for (let i = 0; i < 5; i++) expect(pickServer(b, 'x', first)).not.toBe(first);
  });

  it('maxconn: a full server is skipped, and none with room gives undefined', () => {
    const b = backendWith([1], 'roundrobin');
    const s = b.eligible[0] as ServerState;
    s.maxconn = 1;
    s.active = 1;
    expect(pickServer(b, 'x')).toBeUndefined();
  });
});

describe('allowlist', () => {
  it.each([
    ['10.1.2.3', true],
    ['::ffff:10.1.2.3', true],
    ['10.2.0.1', false],
    ['2001:db8::1', true],
    ['2001:db9::1', false],
  ])('%s allowed: %s', (ip, ok) => {
    const t = table([
      service('s'),
      ...endpointSlice('s', [1]),
      route(
        'a',
        { host: 'a.test', to: { kind: 'Service', name: 's' } },
        { 'haproxy.router.openshift.io/ip_allowlist': '10.1.0.0/16 2001:db8::/32' },
      ),
    ]);
    const b = buildBackend(t.routes.get('pr:a') as never, resolveOptions({}), undefined);
    expect(isAllowed(b.allowlist, ip)).toBe(ok);
  });
});

describe('server lines are per backend', () => {
  it('two routes to one service keep their own weights and balancing state (regression)', () => {
    const objects = (): object[] => [
      service('a'),
      ...endpointSlice('a', [9001]),
      service('b'),
      ...endpointSlice('b', [9002]),
      route('single', { host: 'single.test', to: { kind: 'Service', name: 'a' } }),
      route('split', {
        host: 'split.test',
        to: { kind: 'Service', name: 'a', weight: 3 },
        alternateBackends: [{ kind: 'Service', name: 'b', weight: 1 }],
      }),
    ];
    const first = compileState(
      table(objects()),
      resolveOptions({}),
      undefined,
      new SecureContextCache(resolveOptions({}).tls),
      () => undefined,
    );
    // A rebuilt table (new entry objects): server state is carried over by key, per backend.
    const next = compileState(
      table(objects()),
      resolveOptions({}),
      first,
      new SecureContextCache(resolveOptions({}).tls),
      () => undefined,
    );
    for (const state of [first, next]) {
      const single = state.backends.get('be_http:pr:single') as BackendState;
      const split = state.backends.get('be_http:pr:split') as BackendState;
      expect(single.servers[0]?.weight).toBe(1);
      expect(split.servers.map((s) => s.weight)).toEqual([256, 85]);
      expect(single.servers[0]).not.toBe(split.servers[0]);
    }
    expect(next.backends.get('be_http:pr:single')?.servers[0]).toBe(
      first.backends.get('be_http:pr:single')?.servers[0],
    );
  });
});

describe('rate limits (counting observed on HAProxy 2.6 with OpenShift rules)', () => {
  it.each([
    [
      'concurrent-tcp 1 rejects every stream (conn_cur counts the stream itself)',
      { concurrentTcp: 1 },
      [false, false, false],
    ],
    ['rate-tcp 3: the third stream within 3 s is rejected', { rateTcp: 3 }, [true, true, false, false]],
    [
      'rate-http 3: the fourth request within 10 s is rejected',
      { rateHttp: 3 },
      [true, true, true, false, false],
    ],
  ])('%s', (_n, limits, expected) => {
    const t = new SourceTable();
    const got = expected.map(() => {
      const release = t.admit('10.0.0.1', limits, true, 1_000);
      release?.();
      return release !== undefined;
    });
    expect(got).toEqual(expected);
  });

  it('concurrent-tcp 2 admits one stream in flight, not two; releasing frees the slot', () => {
    const t = new SourceTable();
    const first = t.admit('10.0.0.1', { concurrentTcp: 2 }, true, 0);
    expect(first).toBeDefined();
    expect(t.admit('10.0.0.1', { concurrentTcp: 2 }, true, 0)).toBeUndefined();
    expect(t.admit('10.0.0.2', { concurrentTcp: 2 }, true, 0)).toBeDefined();
    first?.();
    expect(t.admit('10.0.0.1', { concurrentTcp: 2 }, true, 0)).toBeDefined();
  });

  it('rates decay over time like HAProxy frequency counters', () => {
    const t = new SourceTable();
    for (let i = 0; i < 3; i++) t.admit('10.0.0.1', { rateHttp: 3 }, true, 0)?.();
    expect(t.admit('10.0.0.1', { rateHttp: 3 }, true, 5_000)).toBeUndefined();
    expect(t.admit('10.0.0.1', { rateHttp: 3 }, true, 25_000)).toBeDefined();
  });
});

describe('wireString (route text beyond latin1 on the wire)', () => {
  it('gives a string Node writes as exactly the UTF-8 bytes of the route text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const w = wireString(s);
        // Every char is a byte (latin1), so Node's header validation and undici accept it.
        expect(/^[\x00-\xff]*$/.test(w)).toBe(true);
        expect(Buffer.from(w, 'latin1').equals(Buffer.from(s, 'utf8'))).toBe(true);
      }),
    );
  });
  it.each([
    ['ascii', 'max-age=1; preload'],
    ['empty', ''],
  ])('leaves %s text as it is', (_n, s) => {
    expect(wireString(s)).toBe(s);
  });
});
