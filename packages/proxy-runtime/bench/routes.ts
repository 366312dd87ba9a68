/** Route sets for the benchmark: n routes with random hosts and paths, one backend endpoint. */
import { buildRoutingTable, type RouterObject, type RoutingTable } from '@switchyard/route-model';
import { prng } from '@switchyard/testkit';

/** One generated route. */
export interface BenchRoute {
  readonly host: string;
  readonly path: string;
}

/** Generates `n` routes (random 10-letter hosts, half with a random path), deterministic per n. */
export function generateRoutes(n: number): BenchRoute[] {
  const r = prng(n * 7919 + 1);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const word = (len: number): string =>
    Array.from({ length: len }, () => letters[Math.floor(r() * 26)]).join('');
  const out: BenchRoute[] = [];
  const seen = new Set<string>();
  while (out.length < n) {
    const host = `${word(10)}.apps.bench.test`;
    if (seen.has(host)) continue;
    seen.add(host);
    out.push({ host, path: r() < 0.5 ? '' : `/${word(6)}` });
  }
  return out;
}

/** The Kubernetes objects of a route set, every route to one service at 127.0.0.1:`port`. */
export function routeObjects(routes: readonly BenchRoute[], port: number, edge = false): object[] {
  const objects: object[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'backend',
        namespace: 'bench',
        uid: 'svc-backend',
        creationTimestamp: '2026-01-01T00:00:00Z',
      },
      spec: { ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'backend-1',
        namespace: 'bench',
        uid: 'eps-backend',
        labels: { 'kubernetes.io/service-name': 'backend' },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port, protocol: 'TCP' }],
    },
  ];
  routes.forEach((rt, i) => {
    objects.push({
      apiVersion: 'route.openshift.io/v1',
      kind: 'Route',
      metadata: {
        name: `r${i}`,
        namespace: 'bench',
        uid: `route-${i}`,
        creationTimestamp: '2026-01-01T00:00:00Z',
      },
      spec: {
        host: rt.host,
        ...(rt.path ? { path: rt.path } : {}),
        to: { kind: 'Service', name: 'backend' },
        ...(edge ? { tls: { termination: 'edge', insecureEdgeTerminationPolicy: 'Allow' } } : {}),
      },
    });
  });
  return objects;
}

/** Builds the routing table of a route set. */
export function routeTable(routes: readonly BenchRoute[], port: number, edge = false): RoutingTable {
  return buildRoutingTable(routeObjects(routes, port, edge) as RouterObject[], {
    allowLoopbackEndpoints: true,
  }).table;
}
