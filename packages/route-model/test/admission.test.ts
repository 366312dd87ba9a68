// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OpenShift hostname templates use ${name} and ${namespace}
import { describe, expect, it } from 'vitest';
import {
  type Route,
  type RouteStoreOptions,
  type TLSConfig,
  buildRoutingTable,
  createRouteStore,
  validateHostName,
} from '../src/index.ts';
import { route, tls } from './helpers.ts';

type Step = {
  add?: Route[];
  remove?: Route[];
  admitted: string[];
  rejected?: Record<string, [string, string?]>;
};

function runSteps(steps: Step[], options: RouteStoreOptions = {}): void {
  const store = createRouteStore(options);
  for (const [i, step] of steps.entries()) {
    store.apply([
      ...(step.add ?? []).map((object) => ({ type: 'upsert' as const, object })),
      ...(step.remove ?? []).map((object) => ({ type: 'delete' as const, object })),
    ]);
    const admitted = [...store.statuses.values()]
      .filter((s) => s.admitted)
      .map((s) => s.key)
      .sort();
    expect(admitted, `step ${i}`).toEqual([...step.admitted].sort());
    expect([...store.table.routes.keys()].sort(), `step ${i} table`).toEqual([...step.admitted].sort());
    for (const [key, [reason, message]] of Object.entries(step.rejected ?? {})) {
      const s = store.statuses.get(key);
      expect(s?.admitted, `step ${i} ${key}`).toBe(false);
      expect(s?.condition.reason, `step ${i} ${key}`).toBe(reason);
      if (message !== undefined) expect(s?.condition.message, `step ${i} ${key}`).toBe(message);
    }
  }
}

describe('UniqueHost (unique_host_test, hostindex_test)', () => {
  it('admits one route per path in the owning namespace and promotes on delete (reference §2.5 example)', () => {
    const a = route('ns', 'a', { host: 'example.com', created: 0 });
    const b = route('ns', 'b', { host: 'example.com', path: '/foo', created: 1 });
    const c = route('ns', 'c', { host: 'example.com', path: '/foo', created: 2 });
    const d = route('ns', 'd', { host: 'example.com', path: '/foo', created: 3 });
    const e = route('ns', 'e', { host: 'example.com', path: '/bar', created: 4 });
    runSteps([
      {
        add: [a, b, c, d, e],
        admitted: ['ns:a', 'ns:b', 'ns:e'],
        rejected: {
          'ns:c': ['HostAlreadyClaimed', 'route a already exposes example.com and is older'],
          'ns:d': ['HostAlreadyClaimed', 'route a already exposes example.com and is older'],
        },
      },
      { remove: [b], admitted: ['ns:a', 'ns:c', 'ns:e'], rejected: { 'ns:d': ['HostAlreadyClaimed'] } },
      { remove: [c], admitted: ['ns:a', 'ns:d', 'ns:e'] },
      { remove: [e], admitted: ['ns:a', 'ns:d'] },
    ]);
  });

  it.each<[string, RouteStoreOptions['namespaceOwnership'], string[], Record<string, [string, string?]>]>([
    [
      'Strict: the oldest route’s namespace owns the host, other paths elsewhere rejected',
      'Strict',
      ['ns1:old'],
      {
        'ns2:new': [
          'HostAlreadyClaimed',
          'a route in another namespace holds www.example.test and is older than new',
        ],
      },
    ],
    [
      'InterNamespaceAllowed: other namespaces may use other paths',
      'InterNamespaceAllowed',
      ['ns1:old', 'ns2:new'],
      {},
    ],
  ])('%s', (_name, namespaceOwnership, admitted, rejected) => {
    const { statuses } = buildRoutingTable(
      [
        route('ns1', 'old', { host: 'www.example.test', path: '/a', created: 0 }),
        route('ns2', 'new', { host: 'www.example.test', path: '/b', created: 1 }),
      ],
      namespaceOwnership ? { namespaceOwnership } : {},
    );
    expect([...statuses.values()].filter((s) => s.admitted).map((s) => s.key)).toEqual(admitted);
    for (const [k, [reason, message]] of Object.entries(rejected)) {
      expect(statuses.get(k)?.condition).toMatchObject({ status: 'False', reason, message });
    }
  });

  it('InterNamespaceAllowed still rejects the same path in another namespace', () => {
    runSteps(
      [
        {
          add: [
            route('ns1', 'old', { host: 'h.example.test', path: '/a', created: 0 }),
            route('ns2', 'new', { host: 'h.example.test', path: '/a', created: 1 }),
          ],
          admitted: ['ns1:old'],
          rejected: {
            'ns2:new': [
              'HostAlreadyClaimed',
              'a route in another namespace holds h.example.test and is older than new',
            ],
          },
        },
      ],
      { namespaceOwnership: 'InterNamespaceAllowed' },
    );
  });

  it('an older route from another namespace takes the host over and displaces the previous namespace', () => {
    const r1 = route('ns1', 'r1', { host: 'x.example.test', created: 5 });
    const r2 = route('ns1', 'r2', { host: 'x.example.test', path: '/p', created: 6 });
    const older = route('ns2', 'older', { host: 'x.example.test', path: '/q', created: 1 });
    runSteps([
      { add: [r1, r2], admitted: ['ns1:r1', 'ns1:r2'] },
      {
        add: [older],
        admitted: ['ns2:older'],
        rejected: {
          'ns1:r1': [
            'HostAlreadyClaimed',
            'a route in another namespace holds x.example.test and is older than r1',
          ],
          'ns1:r2': ['HostAlreadyClaimed'],
        },
      },
      { remove: [older], admitted: ['ns1:r1', 'ns1:r2'] },
    ]);
  });

  it('settles timestamp ties by UID, not by name', () => {
    const z = route('ns1', 'zzz', { host: 't.example.test', created: 0, uid: 'aaaa' });
    const a = route('ns2', 'aaa', { host: 't.example.test', created: 0, uid: 'bbbb' });
    runSteps([{ add: [a, z], admitted: ['ns1:zzz'], rejected: { 'ns2:aaa': ['HostAlreadyClaimed'] } }]);
  });

  it.each<[string, TLSConfig | null, TLSConfig | null, string | undefined, boolean]>([
    ['passthrough then edge path route: rejected', tls('passthrough'), tls('edge'), '/p', false],
    ['edge path route then passthrough: rejected', tls('edge'), tls('passthrough'), undefined, false],
    ['passthrough then plain HTTP path route: both admitted', tls('passthrough'), null, '/p', true],
    ['edge then reencrypt on another path: both admitted', tls('edge'), tls('reencrypt'), '/p', true],
  ])('%s', (_name, firstTls, secondTls, secondPath, both) => {
    const first = route('ns', 'first', {
      host: 'p.example.test',
      tls: firstTls,
      created: 0,
      ...(firstTls?.termination === 'passthrough' ? {} : { path: '/first' }),
    });
    const second = route('ns', 'second', {
      host: 'p.example.test',
      tls: secondTls,
      created: 1,
      ...(secondPath ? { path: secondPath } : {}),
    });
    const { statuses } = buildRoutingTable([first, second]);
    expect(statuses.get('ns:first')?.admitted).toBe(true);
    expect(statuses.get('ns:second')?.admitted).toBe(both);
    if (!both) expect(statuses.get('ns:second')?.condition.reason).toBe('HostAlreadyClaimed');
  });

  it('moves a route to its new host and promotes the route it was blocking', () => {
    const owner = route('ns', 'owner', { host: 'old.example.test', created: 0 });
    const waiting = route('ns', 'waiting', { host: 'old.example.test', created: 1 });
    const moved = route('ns', 'owner', { host: 'new.example.test', created: 0, uid: owner.metadata.uid! });
    runSteps([
      {
        add: [owner, waiting],
        admitted: ['ns:owner'],
        rejected: {
          'ns:waiting': ['HostAlreadyClaimed', 'route owner already exposes old.example.test and is older'],
        },
      },
      { add: [moved], admitted: ['ns:owner', 'ns:waiting'] },
    ]);
  });
});

describe('host checks and the admission function', () => {
  it.each<[string, Route, RouteStoreOptions, string, string?]>([
    ['no host', route('ns', 'r', {}), {}, 'NoHostValue', 'no host value was defined for the route'],
    [
      '300-character host',
      route('ns', 'r', { host: `${'a'.repeat(60)}.`.repeat(5).slice(0, 300) }),
      {},
      'InvalidHost',
    ],
    ['upper-case host', route('ns', 'r', { host: 'WWW.example.test' }), {}, 'InvalidHost'],
    ['64-character label', route('ns', 'r', { host: `${'a'.repeat(64)}.example.test` }), {}, 'InvalidHost'],
    [
      'denied domain',
      route('ns', 'r', { host: 'a.bad.test' }),
      { deniedDomains: ['bad.test'] },
      'RouteNotAdmitted',
      'host in list of denied domains',
    ],
    [
      'deny wins over allow',
      route('ns', 'r', { host: 'a.bad.test' }),
      { deniedDomains: ['bad.test'], allowedDomains: ['bad.test'] },
      'RouteNotAdmitted',
      'host in list of denied domains',
    ],
    [
      'not in allowed domains',
      route('ns', 'r', { host: 'a.other.test' }),
      { allowedDomains: ['good.test'] },
      'RouteNotAdmitted',
      'host not in the allowed list of domains',
    ],
    [
      'wildcard not allowed',
      route('ns', 'r', { host: 'w.example.test', wildcardPolicy: 'Subdomain' }),
      {},
      'RouteNotAdmitted',
      'wildcard routes are not allowed',
    ],
    [
      'weight above 256',
      route('ns', 'r', { host: 'a.example.test', to: { kind: 'Service', name: 's', weight: 300 } }),
      {},
      'InvalidRoute',
    ],
    [
      'four alternate backends',
      route('ns', 'r', {
        host: 'a.example.test',
        alternateBackends: ['a', 'b', 'c', 'd'].map((name) => ({ kind: 'Service', name })),
      }),
      {},
      'InvalidRoute',
    ],
    ['path with a space', route('ns', 'r', { host: 'a.example.test', path: '/a b' }), {}, 'InvalidRoute'],
    [
      'passthrough with a path',
      route('ns', 'r', { host: 'a.example.test', path: '/a', tls: tls('passthrough') }),
      {},
      'InvalidRoute',
    ],
    [
      'unknown termination',
      route('ns', 'r', { host: 'a.example.test', tls: tls('bogus') }),
      {},
      'ExtendedValidationFailed',
    ],
    [
      'passthrough with Allow',
      route('ns', 'r', {
        host: 'a.example.test',
        tls: tls('passthrough', { insecureEdgeTerminationPolicy: 'Allow' }),
      }),
      {},
      'ExtendedValidationFailed',
    ],
  ])('%s → %s', (_name, r, options, reason, message) => {
    const { statuses, table } = buildRoutingTable([r], options);
    const s = statuses.get('ns:r')!;
    expect(s.admitted).toBe(false);
    expect(s.condition.reason).toBe(reason);
    if (message !== undefined) expect(s.condition.message).toBe(message);
    expect(table.routes.size).toBe(0);
  });

  it('names the field in the InvalidHost message (library-go ValidateHost wording)', () => {
    const { statuses } = buildRoutingTable([route('ns', 'r', { host: 'org' })]);
    expect(statuses.get('ns:r')!.condition.message).toBe(
      'host name validation errors: spec.host: Invalid value: "org": host must conform to DNS 1123 naming conventions: [spec.host: Invalid value: "org": should be a domain with at least two segments separated by dots]',
    );
  });

  // unique_host_test.go: TestValidateHostName
  it.each([
    ['valid-host-name', 'www.example.test', true],
    ['valid-host-trailing-dot', 'www.example.test.', true],
    [
      'invalid-host-name',
      'name-namespace-1234567890-1234567890-1234567890-1234567890-1234567890-1234567890-1234567890.example.test',
      false,
    ],
    [
      'valid-host-63-chars-label',
      'name-namespace-1234567890-1234567890-1234567890-1234567890-1234.example.test',
      true,
    ],
    [
      'invalid-host-64-chars-label',
      'name-namespace-1234567890-1234567890-1234567890-1234567890-12345.example.test',
      false,
    ],
    [
      'valid-name-253-chars',
      'name-namespace.a1234567890.b1234567890.c1234567890.d1234567890.e1234567890.f1234567890.g1234567890.h1234567890.i1234567890.j1234567890.k1234567890.l1234567890.m1234567890.n1234567890.o1234567890.p1234567890.q1234567890.r1234567890.s12345678.example.test',
      true,
    ],
    [
      'invalid-name-279-chars',
      'name-namespace.a1234567890.b1234567890.c1234567890.d1234567890.e1234567890.f1234567890.g1234567890.h1234567890.i1234567890.j1234567890.k1234567890.l1234567890.m1234567890.n1234567890.o1234567890.p1234567890.q1234567890.r1234567890.s1234567890.t1234567890.u1234567890.example.test',
      false,
    ],
    ['invalid-name-one-label', 'org', false],
    ['invalid-name-asterisk', '*', false],
  ])('ValidateHostName %s', (_n, host, valid) => {
    expect(validateHostName(host)).toHaveLength(valid ? 0 : 1);
    // The annotation never relaxes the router's check.
    const r = route('ns', 'r', {
      host,
      annotations: { 'route.openshift.io/allow-non-dns-compliant-host': 'true' },
    });
    const s = buildRoutingTable([r]).statuses.get('ns:r')!;
    expect(s.admitted).toBe(valid);
    if (!valid) expect(s.condition.reason).toBe('InvalidHost');
  });

  it.each<[string, Route, RouteStoreOptions, string]>([
    [
      'routerDomain fills a subdomain',
      route('ns', 'r', { subdomain: 'shop' }),
      { routerDomain: 'apps.example.test' },
      'shop.apps.example.test',
    ],
    [
      'a set host ignores the subdomain',
      route('ns', 'r', { host: 'mine.example.test', subdomain: 'shop' }),
      { routerDomain: 'apps.example.test' },
      'mine.example.test',
    ],
    [
      'template fills an empty host',
      route('ns', 'r', {}),
      { hostnameTemplate: '${name}-${namespace}.apps.example.test' },
      'r-ns.apps.example.test',
    ],
    [
      'template with quotes',
      route('ns', 'r', {}),
      { hostnameTemplate: '"${name}-${namespace}.apps.example.test"' },
      'r-ns.apps.example.test',
    ],
    [
      'template does not override a host',
      route('ns', 'r', { host: 'keep.example.test' }),
      { hostnameTemplate: '${name}.apps.example.test' },
      'keep.example.test',
    ],
    [
      'overrideHostname overrides a host',
      route('ns', 'r', { host: 'keep.example.test' }),
      { hostnameTemplate: '${name}.apps.example.test', overrideHostname: true },
      'r.apps.example.test',
    ],
    [
      'overrideDomains overrides hosts in those domains',
      route('ns', 'r', { host: 'x.old.test' }),
      { hostnameTemplate: '${name}.apps.example.test', overrideDomains: ['old.test'] },
      'r.apps.example.test',
    ],
    [
      'unknown template key aborts the rewrite',
      route('ns', 'r', { host: 'keep.example.test' }),
      { hostnameTemplate: '${bogus}.apps.example.test', overrideHostname: true },
      'keep.example.test',
    ],
  ])('host rewriting: %s', (_name, r, options, host) => {
    const { statuses, table } = buildRoutingTable([r], options);
    expect(statuses.get('ns:r')).toMatchObject({ admitted: true, host });
    expect(table.routes.get('ns:r')!.host).toBe(host);
  });

  it('a route failing extended validation still holds its host, as upstream', () => {
    const broken = route('ns', 'broken', {
      host: 'b.example.test',
      created: 0,
      tls: tls('edge', { certificate: 'not a certificate', key: 'nope' }),
    });
    const later = route('ns', 'later', { host: 'b.example.test', created: 1 });
    const { statuses } = buildRoutingTable([broken, later]);
    expect(statuses.get('ns:broken')?.condition.reason).toBe('ExtendedValidationFailed');
    expect(statuses.get('ns:later')?.condition).toMatchObject({
      reason: 'HostAlreadyClaimed',
      message: 'route broken already exposes b.example.test and is older',
    });
  });
});

describe('HostAdmitter with wildcard routes allowed (host_admitter_test)', () => {
  const opts: RouteStoreOptions = { allowWildcardRoutes: true };
  it.each<[string, Route[], string[], Record<string, [string, string?]>, RouteStoreOptions?]>([
    [
      'wildcard and exact host coexist in one namespace',
      [
        route('ns', 'wild', { host: 'www.example.test', wildcardPolicy: 'Subdomain', created: 0 }),
        route('ns', 'exact', { host: 'api.example.test', created: 1 }),
      ],
      ['ns:exact', 'ns:wild'],
      {},
    ],
    [
      'an older wildcard blocks exact hosts of its domain in other namespaces',
      [
        route('ns1', 'wild', { host: 'www.example.test', wildcardPolicy: 'Subdomain', created: 0 }),
        route('ns2', 'exact', { host: 'api.example.test', created: 1 }),
      ],
      ['ns1:wild'],
      { 'ns2:exact': ['HostAlreadyClaimed', 'a route in another namespace holds host api.example.test'] },
    ],
    [
      'an older exact host blocks a wildcard from another namespace',
      [
        route('ns1', 'exact', { host: 'api.example.test', created: 0 }),
        route('ns2', 'wild', { host: 'www.example.test', wildcardPolicy: 'Subdomain', created: 1 }),
      ],
      ['ns1:exact'],
      { 'ns2:wild': ['HostAlreadyClaimed', 'a route in another namespace holds host www.example.test'] },
    ],
    [
      'two wildcards for one domain in one namespace: the second with the same path is rejected',
      [
        route('ns', 'w1', { host: 'a.example.test', wildcardPolicy: 'Subdomain', created: 0 }),
        route('ns', 'w2', { host: 'b.example.test', wildcardPolicy: 'Subdomain', created: 1 }),
      ],
      ['ns:w1'],
      {
        'ns:w2': [
          'HostAlreadyClaimed',
          'wildcard route ns/w1 has host *.example.test, blocking b.example.test',
        ],
      },
    ],
    [
      'InterNamespaceAllowed lets exact hosts of other namespaces coexist with a wildcard',
      [
        route('ns1', 'wild', { host: 'www.example.test', wildcardPolicy: 'Subdomain', created: 0 }),
        route('ns2', 'exact', { host: 'api.example.test', created: 1 }),
      ],
      ['ns1:wild', 'ns2:exact'],
      {},
      { allowWildcardRoutes: true, namespaceOwnership: 'InterNamespaceAllowed' },
    ],
    [
      'cross-namespace exact host claims ignore paths',
      [
        route('ns1', 'a', { host: 'h.example.test', path: '/a', created: 0 }),
        route('ns2', 'b', { host: 'h.example.test', path: '/b', created: 1 }),
      ],
      ['ns1:a'],
      { 'ns2:b': ['HostAlreadyClaimed', 'a route in another namespace holds host h.example.test'] },
    ],
  ])('%s', (_name, routes, admitted, rejected, options = opts) => {
    const { statuses, table } = buildRoutingTable(routes, options);
    expect(
      [...statuses.values()]
        .filter((s) => s.admitted)
        .map((s) => s.key)
        .sort(),
    ).toEqual(admitted);
    for (const [k, [reason, message]] of Object.entries(rejected)) {
      expect(statuses.get(k)?.condition.reason).toBe(reason);
      if (message !== undefined) expect(statuses.get(k)?.condition.message).toBe(message);
    }
    for (const k of admitted) {
      const r = routes.find((x) => `${x.metadata.namespace}:${x.metadata.name}` === k)!;
      expect(table.routes.get(k)!.wildcard).toBe(r.spec.wildcardPolicy === 'Subdomain');
    }
  });
});
