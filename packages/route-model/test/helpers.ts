import type { EndpointSlice, Route, RouteSpec, Service, TLSConfig } from '../src/index.ts';

let uidCounter = 0;

/** A Route with sensible defaults; `created` is minutes after a fixed epoch. */
export function route(
  ns: string,
  name: string,
  spec: Partial<RouteSpec> & { created?: number; uid?: string; annotations?: Record<string, string> } = {},
): Route {
  const { created = 0, uid, annotations, ...rest } = spec;
  uidCounter += 1;
  const meta: Route['metadata'] = {
    name,
    namespace: ns,
    uid: uid ?? `uid-${String(uidCounter).padStart(6, '0')}`,
    creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, created)).toISOString().replace('.000Z', 'Z'),
  };
  if (annotations) meta.annotations = annotations;
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: meta,
    spec: { to: { kind: 'Service', name: 'svc' }, ...rest },
  };
}

export function tls(termination: TLSConfig['termination'], extra: Partial<TLSConfig> = {}): TLSConfig {
  return { termination, ...extra };
}

export function service(
  ns: string,
  name: string,
  extra: Partial<Service['spec']> = {},
  annotations?: Record<string, string>,
): Service {
  const meta: Service['metadata'] = { name, namespace: ns };
  if (annotations) meta.annotations = annotations;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta,
    spec: { clusterIP: '172.30.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...extra },
  };
}

export interface SliceEndpoint {
  ip: string;
  ready?: boolean | null;
  pod?: string;
  hostname?: string;
}

export function slice(
  ns: string,
  svc: string,
  name: string,
  endpoints: (string | SliceEndpoint)[],
  ports: { name?: string; port: number; protocol?: string; appProtocol?: string }[] = [
    { name: 'http', port: 8080 },
  ],
  addressType = 'IPv4',
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType,
    endpoints: endpoints.map((e) => {
      const x = typeof e === 'string' ? { ip: e } : e;
      const out: NonNullable<EndpointSlice['endpoints']>[number] = { addresses: [x.ip] };
      if (x.ready !== undefined) out.conditions = { ready: x.ready };
      if (x.pod) out.targetRef = { kind: 'Pod', name: x.pod, namespace: ns };
      if (x.hostname) out.hostname = x.hostname;
      return out;
    }),
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
  };
}
