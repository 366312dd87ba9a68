import { describe, expect, it } from 'vitest';
import { RouteModelError, createRouteStore, diffRoutingTables, isRouteModelError } from '../src/index.ts';
import { route, service, slice } from './helpers.ts';

function seeded() {
  const store = createRouteStore();
  store.apply([
    {
      type: 'upsert',
      object: route('ns', 'a', { host: 'a.example.test', to: { kind: 'Service', name: 'sa' } }),
    },
    {
      type: 'upsert',
      object: route('ns', 'b', { host: 'b.example.test', to: { kind: 'Service', name: 'sb' } }),
    },
    {
      type: 'upsert',
      object: route('ns', 'c', { host: 'c.example.test', to: { kind: 'Service', name: 'sa' } }),
    },
    { type: 'upsert', object: slice('ns', 'sa', 'sa-1', ['10.0.0.1']) },
    { type: 'upsert', object: slice('ns', 'sb', 'sb-1', ['10.0.1.1']) },
    { type: 'synced' },
  ]);
  return store;
}

describe('incremental recomputation', () => {
  it('an EndpointSlice change touches only the routes of that service, as a servers-only change', () => {
    const store = seeded();
    const before = store.table;
    const b = before.routes.get('ns:b');
    const statusesBefore = store.statuses;
    const change = store.apply([
      { type: 'upsert', object: slice('ns', 'sa', 'sa-1', ['10.0.0.1', '10.0.0.2']) },
    ]);
    expect(change.diff).toEqual({ added: [], removed: [], changed: [], serversOnly: ['ns:a', 'ns:c'] });
    expect(store.table.routes.get('ns:b')).toBe(b);
    expect(store.table.routes.get('ns:a')!.serviceUnits[0]!.servers).toHaveLength(2);
    expect(change.statusesChanged).toEqual([]);
    expect(store.statuses).toBe(statusesBefore);
    // Routes sharing a service share the server objects.
    expect(store.table.routes.get('ns:a')!.serviceUnits[0]!.servers).toBe(
      store.table.routes.get('ns:c')!.serviceUnits[0]!.servers,
    );
  });

  it('re-applying an identical object changes nothing and keeps the table object', () => {
    const store = seeded();
    const t = store.table;
    const change = store.apply([
      {
        type: 'upsert',
        object: route('ns', 'a', {
          host: 'a.example.test',
          to: { kind: 'Service', name: 'sa' },
          uid: t.routes.get('ns:a')!.uid,
        }),
      },
    ]);
    expect(change.diff).toEqual({ added: [], removed: [], changed: [], serversOnly: [] });
    expect(store.table).toBe(t);
  });

  it('keeps the table in ascending key order when routes are added', () => {
    const store = seeded();
    store.apply([
      { type: 'upsert', object: route('ns', '0first', { host: 'z.example.test' }) },
      { type: 'upsert', object: route('aaa', 'x', { host: 'y.example.test' }) },
    ]);
    const keys = [...store.table.routes.keys()];
    expect(keys).toEqual([...keys].sort());
    expect(keys[0]).toBe('aaa:x');
  });

  it('reports removed routes and status removal on delete', () => {
    const store = seeded();
    const r = store.getRoute('ns:b')!;
    const change = store.apply([{ type: 'delete', object: r }]);
    expect(change.diff.removed).toEqual(['ns:b']);
    expect(change.statusesChanged).toEqual(['ns:b']);
    expect(store.statuses.has('ns:b')).toBe(false);
  });

  it('moves EndpointSlices between services when their label changes', () => {
    const store = seeded();
    store.apply([{ type: 'upsert', object: slice('ns', 'sb', 'sa-1', ['10.0.0.1']) }]);
    expect(store.table.routes.get('ns:a')!.serviceUnits[0]!.servers).toEqual([]);
    expect(store.table.routes.get('ns:b')!.serviceUnits[0]!.servers.map((s) => s.ip)).toEqual([
      '10.0.0.1',
      '10.0.1.1',
    ]);
  });

  it('freezes what it hands out', () => {
    const store = seeded();
    const e = store.table.routes.get('ns:a')!;
    expect(Object.isFrozen(e)).toBe(true);
    expect(() => (store.table.routes as Map<string, unknown>).set('x', 1)).toThrow();
  });

  it('counts objects and records the synced flag', () => {
    const store = createRouteStore();
    expect(store.synced).toBe(false);
    store.apply([{ type: 'upsert', object: service('ns', 's') }, { type: 'synced' }]);
    expect(store.synced).toBe(true);
    expect(store.counts).toEqual({ routes: 0, services: 1, endpointSlices: 0 });
  });
});

describe('diffRoutingTables', () => {
  it('splits added, removed, changed and servers-only', () => {
    const store = seeded();
    const before = store.table;
    store.apply([
      { type: 'upsert', object: route('ns', 'new', { host: 'n.example.test' }) },
      { type: 'delete', object: store.getRoute('ns:c')! },
      {
        type: 'upsert',
        object: route('ns', 'b', { host: 'b.example.test', path: '/p', to: { kind: 'Service', name: 'sb' } }),
      },
      { type: 'upsert', object: slice('ns', 'sa', 'sa-1', ['10.0.0.9']) },
    ]);
    expect(diffRoutingTables(before, store.table)).toEqual({
      added: ['ns:new'],
      removed: ['ns:c'],
      changed: ['ns:b'],
      serversOnly: ['ns:a'],
    });
    expect(diffRoutingTables(store.table, store.table)).toEqual({
      added: [],
      removed: [],
      changed: [],
      serversOnly: [],
    });
  });
});

describe('errors', () => {
  it.each([
    [
      'bad namespaceOwnership',
      () => createRouteStore({ namespaceOwnership: 'Sometimes' as never }),
      'ERR_ROUTE_MODEL_INVALID_OPTIONS',
    ],
    [
      'overrideHostname without template',
      () => createRouteStore({ overrideHostname: true }),
      'ERR_ROUTE_MODEL_INVALID_OPTIONS',
    ],
    ['event without type', () => createRouteStore().apply([{} as never]), 'ERR_ROUTE_MODEL_INVALID_EVENT'],
    [
      'upsert without object',
      () => createRouteStore().apply([{ type: 'upsert' } as never]),
      'ERR_ROUTE_MODEL_INVALID_EVENT',
    ],
  ])('%s throws %s', (_n, fn, code) => {
    try {
      fn();
      expect.unreachable();
    } catch (e) {
      expect(isRouteModelError(e)).toBe(true);
      expect(e).toBeInstanceOf(RouteModelError);
      expect((e as RouteModelError).code).toBe(code);
    }
  });
});

describe('recomputation is proportional to what a change touches', () => {
  function big(options: Parameters<typeof createRouteStore>[0] = {}) {
    const store = createRouteStore(options);
    const events = [];
    for (let i = 0; i < 200; i++) {
      events.push({
        type: 'upsert' as const,
        object: route('ns', `r${i}`, {
          host: `h${i}.apps.example.test`,
          to: { kind: 'Service', name: `s${i % 50}` },
        }),
      });
    }
    for (let i = 0; i < 50; i++)
      events.push({ type: 'upsert' as const, object: slice('ns', `s${i}`, `s${i}-1`, ['10.0.0.1']) });
    store.apply(events);
    return store;
  }

  it.each([
    ['Strict, wildcards off', {}],
    ['wildcards allowed, no wildcard route in the domain', { allowWildcardRoutes: true }],
  ])('%s: an EndpointSlice change resolves one service and rebuilds only its routes', (_n, options) => {
    const store = big(options);
    const change = store.apply([
      { type: 'upsert', object: slice('ns', 's7', 's7-1', ['10.0.0.1', '10.0.0.2']) },
    ]);
    expect(change.recomputed).toEqual({ routes: 0, admissions: 0, services: 1, entries: 4 });
    expect(change.diff.serversOnly).toEqual(['ns:r107', 'ns:r157', 'ns:r57', 'ns:r7']);
  });

  it.each([
    ['Strict, wildcards off', {}],
    ['wildcards allowed, no wildcard route in the domain', { allowWildcardRoutes: true }],
  ])('%s: a route change prepares one route and judges only its host', (_n, options) => {
    const store = big(options);
    const change = store.apply([
      {
        type: 'upsert',
        object: route('ns', 'r3', {
          host: 'h3.apps.example.test',
          path: '/x',
          to: { kind: 'Service', name: 's3' },
        }),
      },
    ]);
    expect(change.recomputed).toEqual({ routes: 1, admissions: 1, services: 0, entries: 1 });
  });

  it('with a wildcard route in the domain, a change judges its host and the wildcard route, not the domain', () => {
    const store = big({ allowWildcardRoutes: true });
    store.apply([
      {
        type: 'upsert',
        object: route('other', 'wild', {
          host: 'w.apps.example.test',
          wildcardPolicy: 'Subdomain',
          created: 99,
        }),
      },
    ]);
    // Younger than the 200 routes of namespace ns, so they block it (Strict ownership).
    expect(store.statuses.get('other:wild')?.condition).toEqual({
      type: 'Admitted',
      status: 'False',
      reason: 'HostAlreadyClaimed',
      message: 'a route in another namespace holds host w.apps.example.test',
    });
    const change = store.apply([
      {
        type: 'upsert',
        // Younger than the wildcard route: what blocks the wildcard route is outside the change.
        object: route('ns', 'r3', {
          host: 'h3.apps.example.test',
          path: '/x',
          to: { kind: 'Service', name: 's3' },
          created: 100,
        }),
      },
    ]);
    // r3 and the wildcard route, not the 201 routes of the domain.
    expect(change.recomputed.admissions).toBe(2);
    expect(change.statusesChanged).toEqual([]);
    expect(store.statuses.get('other:wild')?.condition.reason).toBe('HostAlreadyClaimed');
  });

  it("a change that moves a wildcard route's claim judges the whole domain", () => {
    const store = createRouteStore({ allowWildcardRoutes: true });
    const events = [
      // The wildcard route of namespace b is the oldest route of the domain: it claims it.
      {
        type: 'upsert' as const,
        object: route('b', 'wild', { host: 'w.apps.example.test', wildcardPolicy: 'Subdomain', created: 1 }),
      },
    ];
    for (let i = 0; i < 20; i++) {
      events.push({
        type: 'upsert' as const,
        object: route('a', `r${i}`, { host: `h${i}.apps.example.test`, created: 10 + i }),
      });
    }
    store.apply(events);
    expect(store.statuses.get('b:wild')?.admitted).toBe(true);
    for (let i = 0; i < 20; i++) expect(store.statuses.get(`a:r${i}`)?.admitted).toBe(false);

    // An older route of namespace a blocks the wildcard route, which frees every host it held.
    const older = route('a', 'older', { host: 'x.apps.example.test', created: 0 });
    const change = store.apply([{ type: 'upsert', object: older }]);
    // First the new route's host and the wildcard route (2), then, the claim having moved, the
    // whole domain (22).
    expect(change.recomputed.admissions).toBe(2 + 22);
    expect(store.statuses.get('b:wild')?.condition.reason).toBe('HostAlreadyClaimed');
    for (let i = 0; i < 20; i++) expect(store.statuses.get(`a:r${i}`)?.admitted).toBe(true);
    expect(change.statusesChanged).toHaveLength(22);

    // Deleting it gives the claim back, again through the whole domain.
    const back = store.apply([{ type: 'delete', object: older }]);
    expect(back.recomputed.admissions).toBe(1 + 21);
    expect(store.statuses.get('b:wild')?.admitted).toBe(true);
    for (let i = 0; i < 20; i++) expect(store.statuses.get(`a:r${i}`)?.admitted).toBe(false);
  });
});
