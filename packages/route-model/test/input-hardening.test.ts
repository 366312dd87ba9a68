import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Route,
  type RouterEvent,
  type RouterObject,
  createRouteStore,
  isRouteModelError,
  validateRoute,
} from '../src/index.ts';
import { route, service, slice } from './helpers.ts';

const GOOD_KEY = 'good:good';
const good = (): Route =>
  route('good', 'good', { host: 'good.example.test', to: { kind: 'Service', name: 'web' } });

function applyAll(objects: unknown[]): ReturnType<ReturnType<typeof createRouteStore>['apply']> & {
  store: ReturnType<typeof createRouteStore>;
} {
  const store = createRouteStore({ allowLoopbackEndpoints: true });
  const events: RouterEvent[] = objects.map((object) => ({ type: 'upsert', object: object as RouterObject }));
  events.push({ type: 'synced' });
  return { ...store.apply(events), store };
}

/** Sets a value at a path, creating (or replacing non-object) intermediate containers. */
function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur: Record<string, unknown> = target;
  for (const [i, k] of path.entries()) {
    if (i === path.length - 1) {
      cur[k] = value;
      return;
    }
    const next = cur[k];
    if (typeof next !== 'object' || next === null) cur[k] = /^\d+$/.test(path[i + 1]!) ? [] : {};
    cur = cur[k] as Record<string, unknown>;
  }
}

describe('a Route field of the wrong JSON type is an InvalidRoute rejection naming the field', () => {
  it.each<[string, readonly string[], unknown, string]>([
    // The reported reproduction: YAML `certificate: 12345` used to throw out of apply.
    [
      'tls certificate number',
      ['spec', 'tls', 'certificate'],
      12345,
      'spec.tls.certificate: Invalid value: must be a string',
    ],
    ['tls key object', ['spec', 'tls', 'key'], { a: 1 }, 'spec.tls.key: Invalid value: must be a string'],
    [
      'tls caCertificate list',
      ['spec', 'tls', 'caCertificate'],
      ['x'],
      'spec.tls.caCertificate: Invalid value: must be a string',
    ],
    [
      'tls destinationCACertificate boolean',
      ['spec', 'tls', 'destinationCACertificate'],
      true,
      'spec.tls.destinationCACertificate: Invalid value: must be a string',
    ],
    ['tls a string', ['spec', 'tls'], 'edge', 'spec.tls: Invalid value: must be an object'],
    [
      'tls termination number',
      ['spec', 'tls', 'termination'],
      7,
      'spec.tls.termination: Invalid value: must be a string',
    ],
    ['host number', ['spec', 'host'], 42, 'spec.host: Invalid value: must be a string'],
    ['path list', ['spec', 'path'], ['/a'], 'spec.path: Invalid value: must be a string'],
    ['subdomain object', ['spec', 'subdomain'], {}, 'spec.subdomain: Invalid value: must be a string'],
    ['to a string', ['spec', 'to'], 'web', 'spec.to: Invalid value: must be an object'],
    ['to.name number', ['spec', 'to', 'name'], 5, 'spec.to.name: Invalid value: must be a string'],
    [
      'alternate backend a number',
      ['spec', 'alternateBackends'],
      [3],
      'spec.alternateBackends[0]: Invalid value: must be an object',
    ],
    [
      'targetPort object',
      ['spec', 'port', 'targetPort'],
      { n: 1 },
      'spec.port.targetPort: Invalid value: must be an integer or a string',
    ],
    ['port a string', ['spec', 'port'], '8080', 'spec.port: Invalid value: must be an object'],
    [
      'wildcardPolicy number',
      ['spec', 'wildcardPolicy'],
      1,
      'spec.wildcardPolicy: Invalid value: must be a string',
    ],
    ['httpHeaders a list', ['spec', 'httpHeaders'], [], 'spec.httpHeaders: Invalid value: must be an object'],
    [
      'header value number',
      ['spec', 'httpHeaders', 'actions', 'request'],
      [{ name: 'X-A', action: { type: 'Set', set: { value: 5 } } }],
      'spec.httpHeaders.actions.request[0].action.set.value: Invalid value: must be a string',
    ],
    [
      'annotation value number',
      ['metadata', 'annotations'],
      { 'haproxy.router.openshift.io/timeout': 5 },
      'metadata.annotations["haproxy.router.openshift.io/timeout"]: Invalid value: must be a string',
    ],
    [
      'annotations a list',
      ['metadata', 'annotations'],
      ['a'],
      'metadata.annotations: Invalid value: must be a map of strings',
    ],
    [
      'labels a string',
      ['metadata', 'labels'],
      'a=b',
      'metadata.labels: Invalid value: must be a map of strings',
    ],
    ['uid number', ['metadata', 'uid'], 9, 'metadata.uid: Invalid value: must be a string'],
    [
      'creationTimestamp number',
      ['metadata', 'creationTimestamp'],
      1700000000,
      'metadata.creationTimestamp: Invalid value: must be an RFC 3339 timestamp string',
    ],
  ])('%s', (_name, path, value, message) => {
    const bad = route('bad', 'bad', { host: 'bad.example.test', tls: { termination: 'edge' } });
    setPath(bad as unknown as Record<string, unknown>, path, value);
    let result: ReturnType<typeof applyAll> | undefined;
    expect(() => {
      result = applyAll([good(), bad]);
    }).not.toThrow();
    const status = result!.store.statuses.get('bad:bad')!;
    expect(status.admitted).toBe(false);
    expect(status.condition.reason).toBe('InvalidRoute');
    expect(status.condition.message).toContain(message);
    expect(result!.store.statuses.get(GOOD_KEY)!.admitted).toBe(true);
    expect(result!.store.table.routes.has('bad:bad')).toBe(false);
    // validateRoute reports the same and does not throw either.
    const v = validateRoute(bad);
    expect(v.valid).toBe(false);
    expect(v.issues.map((i) => i.message)).toContain(message);
  });
});

describe('lone surrogates are rejected by route-model, as the haproxy-renderer does', () => {
  it.each<[string, readonly string[], unknown, string]>([
    ['path', ['spec', 'path'], '/a\ud800b', 'spec.path'],
    ['path ending in a high surrogate', ['spec', 'path'], '/a\ud83d', 'spec.path'],
    ['path with a lone low surrogate', ['spec', 'path'], '/\udc00', 'spec.path'],
    ['host', ['spec', 'host'], 'a\udfff.example.test', 'spec.host'],
    [
      'header name',
      ['spec', 'httpHeaders', 'actions', 'response'],
      [{ name: 'X-\ud800', action: { type: 'Delete' } }],
      'spec.httpHeaders.actions.response[0].name',
    ],
    [
      'header value',
      ['spec', 'httpHeaders', 'actions', 'request'],
      [{ name: 'X-A', action: { type: 'Set', set: { value: 'v\udc00' } } }],
      'spec.httpHeaders.actions.request[0].action.set.value',
    ],
    [
      'annotation value',
      ['metadata', 'annotations'],
      { 'haproxy.router.openshift.io/hsts_header': 'max-age=1\ud800' },
      'metadata.annotations["haproxy.router.openshift.io/hsts_header"]',
    ],
  ])('%s', (_name, path, value, field) => {
    const bad = route('bad', 'bad', { host: 'bad.example.test' });
    setPath(bad as unknown as Record<string, unknown>, path, value);
    const { store } = applyAll([good(), bad]);
    const status = store.statuses.get('bad:bad')!;
    expect(status.admitted).toBe(false);
    expect(status.condition.reason).toBe('InvalidRoute');
    expect(status.condition.message).toContain(`${field}: Invalid value: must be valid Unicode`);
    expect(store.table.routes.has('bad:bad')).toBe(false);
  });

  it('keeps well-formed surrogate pairs (an emoji in a path)', () => {
    const ok = route('ok', 'ok', { host: 'ok.example.test', path: '/\ud83d\ude00' });
    const { store } = applyAll([ok]);
    expect(store.statuses.get('ok:ok')!.admitted).toBe(true);
  });
});

describe('creationTimestamp', () => {
  it('an unparseable creationTimestamp is rejected and cannot win a host over a route dated 2020', () => {
    const old = route('ns-old', 'old', { host: 'shared.example.test' });
    old.metadata.creationTimestamp = '2020-01-01T00:00:00Z';
    const bad = route('ns-bad', 'bad', { host: 'shared.example.test' });
    bad.metadata.creationTimestamp = 'yesterday';
    const { store } = applyAll([bad, old]);
    expect(store.statuses.get('ns-old:old')!.admitted).toBe(true);
    const status = store.statuses.get('ns-bad:bad')!;
    expect(status.condition.reason).toBe('InvalidRoute');
    expect(status.condition.message).toContain(
      'metadata.creationTimestamp: Invalid value: "yesterday": must be an RFC 3339 timestamp',
    );
  });

  it('a route without a timestamp keeps the previous behaviour (admitted, oldest of all)', () => {
    const r = route('ns', 'r', { host: 'r.example.test' });
    delete r.metadata.creationTimestamp;
    const { store } = applyAll([r]);
    expect(store.statuses.get('ns:r')!.admitted).toBe(true);
  });
});

describe('spec.tls.externalCertificate of the wrong shape', () => {
  it.each<[string, unknown, string]>([
    ['a string', 'x', 'spec.tls.externalCertificate: Invalid value: must be an object with a name'],
    [
      'a name that is a number',
      { name: 3 },
      'spec.tls.externalCertificate.name: Invalid value: must be a string',
    ],
    ['an empty name', { name: '' }, 'spec.tls.externalCertificate.name: Required value'],
  ])('%s rejects the edge route instead of admitting it without a certificate', (_n, value, message) => {
    const bad = route('bad', 'bad', { host: 'bad.example.test', tls: { termination: 'edge' } });
    (bad.spec.tls as unknown as Record<string, unknown>).externalCertificate = value;
    const { store } = applyAll([bad]);
    const status = store.statuses.get('bad:bad')!;
    expect(status.admitted).toBe(false);
    expect(status.condition.reason).toBe('InvalidRoute');
    expect(status.condition.message).toContain(message);
  });
});

describe('objects apply cannot use are reported, not thrown', () => {
  it.each<[string, unknown, string]>([
    ['a Service without a name', { kind: 'Service', metadata: {} }, 'Service without metadata.name'],
    [
      'a Route without a name',
      { kind: 'Route', metadata: { namespace: 'x' }, spec: { to: { name: 'a' } } },
      'Route without metadata.name',
    ],
    [
      'an EndpointSlice whose endpoints are a string',
      {
        kind: 'EndpointSlice',
        metadata: { name: 's', namespace: 'good', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        endpoints: 'nope',
      },
      'EndpointSlice good/s',
    ],
  ])('%s', (_n, object, message) => {
    const { store, ignored } = applyAll([good(), object]);
    expect(ignored.map((i) => i.message).join('\n')).toContain(message);
    expect(store.statuses.get(GOOD_KEY)!.admitted).toBe(true);
    expect(store.synced).toBe(true);
  });

  it('a malformed event leaves the store unchanged (refused before anything is applied)', () => {
    const store = createRouteStore();
    expect(() => store.apply([{ type: 'upsert', object: good() }, { type: 'bogus' } as never])).toThrow();
    expect(store.counts.routes).toBe(0);
    expect(store.synced).toBe(false);
  });
});

const ROUTE_PATHS: readonly (readonly string[])[] = [
  ['kind'],
  ['metadata'],
  ['metadata', 'name'],
  ['metadata', 'namespace'],
  ['metadata', 'uid'],
  ['metadata', 'labels'],
  ['metadata', 'labels', 'shard'],
  ['metadata', 'annotations'],
  ['metadata', 'annotations', 'haproxy.router.openshift.io/timeout'],
  ['metadata', 'annotations', 'haproxy.router.openshift.io/ip_allowlist'],
  ['metadata', 'annotations', 'haproxy.router.openshift.io/balance'],
  ['metadata', 'annotations', 'haproxy.router.openshift.io/rate-limit-connections'],
  ['metadata', 'creationTimestamp'],
  ['spec'],
  ['spec', 'host'],
  ['spec', 'subdomain'],
  ['spec', 'path'],
  ['spec', 'to'],
  ['spec', 'to', 'name'],
  ['spec', 'to', 'kind'],
  ['spec', 'to', 'weight'],
  ['spec', 'alternateBackends'],
  ['spec', 'alternateBackends', '0'],
  ['spec', 'alternateBackends', '0', 'name'],
  ['spec', 'alternateBackends', '0', 'weight'],
  ['spec', 'port'],
  ['spec', 'port', 'targetPort'],
  ['spec', 'tls'],
  ['spec', 'tls', 'termination'],
  ['spec', 'tls', 'certificate'],
  ['spec', 'tls', 'key'],
  ['spec', 'tls', 'caCertificate'],
  ['spec', 'tls', 'destinationCACertificate'],
  ['spec', 'tls', 'insecureEdgeTerminationPolicy'],
  ['spec', 'tls', 'externalCertificate'],
  ['spec', 'tls', 'externalCertificate', 'name'],
  ['spec', 'wildcardPolicy'],
  ['spec', 'httpHeaders'],
  ['spec', 'httpHeaders', 'actions'],
  ['spec', 'httpHeaders', 'actions', 'request'],
  ['spec', 'httpHeaders', 'actions', 'request', '0'],
  ['spec', 'httpHeaders', 'actions', 'request', '0', 'name'],
  ['spec', 'httpHeaders', 'actions', 'request', '0', 'action'],
  ['spec', 'httpHeaders', 'actions', 'request', '0', 'action', 'set'],
  ['spec', 'httpHeaders', 'actions', 'request', '0', 'action', 'set', 'value'],
  ['spec', 'httpHeaders', 'actions', 'response'],
];
const SERVICE_PATHS: readonly (readonly string[])[] = [
  ['kind'],
  ['metadata'],
  ['metadata', 'name'],
  ['metadata', 'namespace'],
  ['metadata', 'annotations'],
  ['metadata', 'annotations', 'idling.alpha.openshift.io/idled-at'],
  ['spec'],
  ['spec', 'clusterIP'],
  ['spec', 'type'],
  ['spec', 'selector'],
  ['spec', 'ports'],
  ['spec', 'ports', '0'],
  ['spec', 'ports', '0', 'name'],
  ['spec', 'ports', '0', 'port'],
  ['spec', 'ports', '0', 'targetPort'],
  ['spec', 'ports', '0', 'protocol'],
];
const SLICE_PATHS: readonly (readonly string[])[] = [
  ['kind'],
  ['metadata'],
  ['metadata', 'name'],
  ['metadata', 'labels'],
  ['metadata', 'labels', 'kubernetes.io/service-name'],
  ['addressType'],
  ['endpoints'],
  ['endpoints', '0'],
  ['endpoints', '0', 'addresses'],
  ['endpoints', '0', 'addresses', '0'],
  ['endpoints', '0', 'conditions'],
  ['endpoints', '0', 'conditions', 'ready'],
  ['endpoints', '0', 'targetRef'],
  ['endpoints', '0', 'targetRef', 'name'],
  ['endpoints', '0', 'hostname'],
  ['ports'],
  ['ports', '0'],
  ['ports', '0', 'name'],
  ['ports', '0', 'port'],
  ['ports', '0', 'protocol'],
];
const SECRET_PATHS: readonly (readonly string[])[] = [
  ['kind'],
  ['metadata', 'name'],
  ['type'],
  ['data'],
  ['data', 'tls.crt'],
  ['data', 'tls.key'],
  ['stringData'],
  ['stringData', 'tls.crt'],
];

const garbage: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom(
    '\ud800',
    '/\udc00',
    'yesterday',
    '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
  ),
  fc.constant('x'.repeat(200_000)),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

function mutations(paths: readonly (readonly string[])[]): fc.Arbitrary<[readonly string[], unknown][]> {
  return fc.array(fc.tuple(fc.constantFrom(...paths), garbage), { minLength: 1, maxLength: 3 });
}

function mutated(base: object, changes: [readonly string[], unknown][]): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  for (const [path, value] of changes) setPath(copy, path, value);
  return copy;
}

describe('apply never throws on garbage objects (property)', () => {
  it('garbage in every field of Routes, Services, EndpointSlices and Secrets never throws and never unseats the good route', () => {
    const badRoute = route('bad', 'bad', {
      host: 'bad.example.test',
      path: '/p',
      tls: { termination: 'edge', externalCertificate: { name: 'cert' } },
      alternateBackends: [{ kind: 'Service', name: 'alt', weight: 5 }],
      port: { targetPort: 'http' },
      httpHeaders: { actions: { request: [{ name: 'X-A', action: { type: 'Set', set: { value: 'v' } } }] } },
      annotations: { 'haproxy.router.openshift.io/timeout': '5s' },
    });
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cert', namespace: 'bad' },
      type: 'kubernetes.io/tls',
      stringData: { 'tls.crt': 'c', 'tls.key': 'k' },
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            mutations(ROUTE_PATHS).map((m) => mutated(badRoute, m)),
            // Services and slices of the good route's own service: their garbage must not throw.
            mutations(SERVICE_PATHS).map((m) => mutated(service('good', 'web'), m)),
            mutations(SLICE_PATHS).map((m) => mutated(slice('good', 'web', 'web-1', ['127.0.0.1']), m)),
            mutations(SECRET_PATHS).map((m) => mutated(secret, m)),
          ),
          { minLength: 1, maxLength: 5 },
        ),
        fc.array(
          mutations(ROUTE_PATHS).map((m) => mutated(badRoute, m)),
          { maxLength: 2 },
        ),
        (objects, later) => {
          const store = createRouteStore({ allowLoopbackEndpoints: true, allowWildcardRoutes: true });
          const events: RouterEvent[] = [good(), ...objects].map((object) => ({
            type: 'upsert',
            object: object as RouterObject,
          }));
          events.push({ type: 'synced' });
          try {
            store.apply(events);
            // Incremental path: garbage updates and deletes of garbage.
            store.apply(later.map((object) => ({ type: 'upsert', object: object as RouterObject })));
            store.apply(
              objects
                .filter(
                  (o) =>
                    typeof o === 'object' &&
                    o !== null &&
                    typeof (o as { metadata?: unknown }).metadata === 'object' &&
                    (o as { metadata?: unknown }).metadata !== null,
                )
                .map((object) => ({ type: 'delete', object: object as RouterObject })),
            );
          } catch (error) {
            // Only malformed events may throw, and the generator makes none.
            throw new Error(
              `apply threw ${isRouteModelError(error) ? error.code : ''}: ${(error as Error).stack}`,
              { cause: error },
            );
          }
          expect(store.synced).toBe(true);
          expect(store.statuses.get(GOOD_KEY)?.admitted).toBe(true);
          expect(store.table.routes.has(GOOD_KEY)).toBe(true);
          for (const [key, entry] of store.table.routes) {
            // Whatever is admitted is well-typed where engines read it.
            expect(typeof entry.host, key).toBe('string');
            expect(typeof entry.path, key).toBe('string');
            for (const unit of entry.serviceUnits)
              for (const server of unit.servers) {
                expect(typeof server.ip, key).toBe('string');
                expect(typeof server.port, key).toBe('number');
                expect(typeof server.portName, key).toBe('string');
              }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
