/** Small builders for the Kubernetes objects the e2e tests write. */

export function service(namespace: string, name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
  };
}

export function endpointSlice(namespace: string, serviceName: string, port: number): object {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${serviceName}-1`, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: 'http', port, protocol: 'TCP' }],
  };
}

/** A Service with its EndpointSlice: one ready endpoint, 127.0.0.1:`port`. */
export function serviceAt(namespace: string, serviceName: string, port: number): object[] {
  return [service(namespace, serviceName), endpointSlice(namespace, serviceName, port)];
}

export function route(
  namespace: string,
  name: string,
  host: string,
  serviceName: string,
  extra: { spec?: Record<string, unknown>; metadata?: Record<string, unknown> } = {},
): object {
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: { name, namespace, ...extra.metadata },
    spec: { host, to: { kind: 'Service', name: serviceName, weight: 100 }, ...extra.spec },
  };
}
