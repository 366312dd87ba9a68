import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type RouteStore,
  type RouteStoreOptions,
  type RouterEvent,
  type RouterObject,
  buildRoutingTable,
  createRouteStore,
  diffRoutingTables,
} from '../src/index.ts';
import { route, slice } from './helpers.ts';

const HOSTS = ['w1.apps.test', 'w2.apps.test', 'apps.test', 'other.test', ''];
const PATHS = ['', '/a', '/b'];
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '127.0.0.1'];

const routeVersion = (ns: string, name: string, uid: string) =>
  fc
    .record({
      host: fc.constantFrom(...HOSTS),
      path: fc.constantFrom(...PATHS),
      term: fc.constantFrom('none', 'edge', 'passthrough', 'reencrypt'),
      wild: fc.boolean(),
      created: fc.integer({ min: 0, max: 3 }),
      svc: fc.constantFrom('s0', 's1', 's2'),
      alt: fc.option(
        fc.record({ svc: fc.constantFrom('s0', 's1', 's2'), weight: fc.integer({ min: 0, max: 256 }) }),
        { nil: undefined },
      ),
      weight: fc.option(fc.integer({ min: 0, max: 256 }), { nil: undefined }),
      targetPort: fc.constantFrom(undefined, 'http', 8080, 9090),
    })
    .map((v): RouterObject => {
      const r = route(ns, name, {
        host: v.host,
        ...(v.term === 'passthrough' ? {} : { path: v.path }),
        created: v.created,
        uid,
        to: { kind: 'Service', name: v.svc, ...(v.weight === undefined ? {} : { weight: v.weight }) },
        ...(v.alt ? { alternateBackends: [{ kind: 'Service', name: v.alt.svc, weight: v.alt.weight }] } : {}),
        ...(v.term === 'none' ? {} : { tls: { termination: v.term } }),
        ...(v.wild ? { wildcardPolicy: 'Subdomain' } : {}),
        ...(v.targetPort === undefined ? {} : { port: { targetPort: v.targetPort } }),
      });
      return r;
    });

const sliceVersion = (svc: string, name: string) =>
  fc
    .array(fc.record({ ip: fc.constantFrom(...IPS), ready: fc.constantFrom(true, false, null) }), {
      maxLength: 3,
    })
    .map(
      (eps): RouterObject =>
        slice('ns0', svc, name, eps, [
          { name: 'http', port: 8080 },
          { name: 'metrics', port: 9090 },
        ]),
    );

interface ObjectPlan {
  versions: RouterObject[];
  deleted: boolean;
}

const ROUTE_KEYS = ['ns0/r0', 'ns0/r1', 'ns1/r2', 'ns1/r3', 'ns0/r4', 'ns2/r5'];

const worldArb = fc.record({
  routes: fc.tuple(
    ...ROUTE_KEYS.map((k, i) => {
      const [ns, name] = k.split('/') as [string, string];
      return fc.record({
        versions: fc.array(routeVersion(ns === 'ns2' ? 'ns0' : ns, name, `uid-${i % 3}`), {
          minLength: 1,
          maxLength: 3,
        }),
        deleted: fc.boolean(),
      });
    }),
  ),
  slices: fc.tuple(
    ...['s0', 's1', 's2', 's0'].map((svc, i) =>
      fc.record({
        versions: fc.array(sliceVersion(svc, `${svc}-slice-${i}`), { minLength: 1, maxLength: 3 }),
        deleted: fc.boolean(),
      }),
    ),
  ),
  schedule: fc.array(fc.nat(), { maxLength: 60 }),
  options: fc.record({
    namespaceOwnership: fc.constantFrom('Strict' as const, 'InterNamespaceAllowed' as const),
    allowWildcardRoutes: fc.boolean(),
    allowLoopbackEndpoints: fc.boolean(),
  }),
});

function interleave(
  plans: ObjectPlan[],
  schedule: number[],
): { events: RouterEvent[]; finals: RouterObject[] } {
  const queues = plans.map((p) => {
    const evs: RouterEvent[] = p.versions.map((object) => ({ type: 'upsert', object }));
    if (p.deleted) evs.push({ type: 'delete', object: p.versions.at(-1)! });
    return evs;
  });
  const events: RouterEvent[] = [];
  let s = 0;
  while (queues.some((q) => q.length > 0)) {
    let i = (schedule[s++] ?? 0) % queues.length;
    while (queues[i]!.length === 0) i = (i + 1) % queues.length;
    events.push(queues[i]!.shift()!);
  }
  const finals = plans.filter((p) => !p.deleted).map((p) => p.versions.at(-1)!);
  return { events, finals };
}

function snapshot(s: Pick<RouteStore, 'table' | 'statuses'>) {
  return {
    table: [...s.table.routes.entries()],
    statuses: [...s.statuses.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
  };
}

describe('store properties', () => {
  it('after any sequence of events, the store equals a store built from scratch from the final objects', () => {
    fc.assert(
      fc.property(worldArb, ({ routes, slices, schedule, options }) => {
        const { events, finals } = interleave([...routes, ...slices], schedule);
        const store = createRouteStore(options as RouteStoreOptions);
        // Apply in small batches, as a watcher would; each reported diff must be what a full
        // comparison of the two tables finds (plain Maps force the generic path).
        for (let i = 0; i < events.length; i += 3) {
          const change = store.apply(events.slice(i, i + 3));
          const full = diffRoutingTables(
            { routes: new Map(change.previous.routes) },
            { routes: new Map(change.table.routes) },
          );
          expect(change.diff).toEqual(full);
        }
        const fresh = buildRoutingTable(finals, options as RouteStoreOptions);
        expect(snapshot(store)).toEqual(snapshot(fresh));
      }),
      { numRuns: 150 },
    );
  });

  it('the admission result does not depend on the order of events once all are applied', () => {
    fc.assert(
      fc.property(
        worldArb,
        fc.array(fc.nat(), { minLength: 20, maxLength: 20 }),
        ({ routes, slices, options }, perm) => {
          const finals = [...routes, ...slices].map((p) => p.versions.at(-1)!);
          const shuffled = finals
            .map((o, i) => ({ o, k: perm[i % perm.length]! * 1000 + i }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.o);
          const a = buildRoutingTable(finals, options as RouteStoreOptions);
          const store = createRouteStore(options as RouteStoreOptions);
          for (const o of shuffled) store.apply([{ type: 'upsert', object: o }]);
          expect(snapshot(store)).toEqual(snapshot(a));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('wildcard domains', () => {
  // Many routes in one domain, several of them wildcard routes, across namespaces and ages: the
  // store judges a non-wildcard change around its host (see judgeAround in src/store.ts). After
  // every single event it must equal a store built from scratch from the objects at that point.
  const KEYS = Array.from({ length: 14 }, (_, i) => ({ ns: ['a', 'b', 'c'][i % 3]!, name: `r${i}` }));
  const version = fc.record({
    host: fc.constantFrom('h0', 'h1', 'h2', 'h3', 'h4', 'apps', 'x.h1'),
    path: fc.constantFrom('', '/a'),
    wild: fc.constantFrom(false, false, false, true),
    created: fc.integer({ min: 0, max: 6 }),
    term: fc.constantFrom('none', 'none', 'edge', 'passthrough'),
    broken: fc.constantFrom(false, false, false, false, false, true),
  });
  const step = fc.record({ route: fc.nat({ max: KEYS.length - 1 }), v: version, del: fc.boolean() });

  it('after every event, a domain holding wildcard routes equals a store built from scratch', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 50 }),
        fc.constantFrom('Strict' as const, 'InterNamespaceAllowed' as const),
        (steps, namespaceOwnership) => {
          const options: RouteStoreOptions = { allowWildcardRoutes: true, namespaceOwnership };
          const store = createRouteStore(options);
          const current = new Map<number, RouterObject>();
          for (const { route: i, v, del } of steps) {
            const { ns, name } = KEYS[i]!;
            const existing = current.get(i);
            if (del && existing !== undefined) {
              current.delete(i);
              store.apply([{ type: 'delete', object: existing }]);
            } else {
              const object = route(ns, name, {
                host: `${v.host}.apps.test`,
                ...(v.term === 'passthrough' ? {} : { path: v.path }),
                created: v.created,
                uid: `uid-${ns}-${name}`,
                ...(v.term === 'none' ? {} : { tls: { termination: v.term as 'edge' } }),
                ...(v.wild ? { wildcardPolicy: 'Subdomain' } : {}),
                // An unknown termination makes the route invalid: it claims nothing.
                ...(v.broken ? { tls: { termination: 'bogus' as 'edge' } } : {}),
              });
              current.set(i, object);
              store.apply([{ type: 'upsert', object }]);
            }
            const fresh = buildRoutingTable([...current.values()], options);
            expect(snapshot(store)).toEqual(snapshot(fresh));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
