/** Shared test helpers: Kubernetes objects → RoutingTable, raw sockets, small HTTP clients. */
import { request, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { buildRoutingTable, type RouterObject, type RoutingTable } from '@switchyard/route-model';
import type { ConformanceContext, EngineUnderTest } from '@switchyard/testkit';
import { createProxyRuntime, type ProxyRuntime } from '../src/index.ts';

export const NS = 'pr';

export function service(name: string, portName = 'http'): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS, uid: `svc-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { ports: [{ name: portName, port: 8080, protocol: 'TCP' }] },
  };
}

export function endpointSlice(
  serviceName: string,
  ports: number[],
  portName = 'http',
  suffix = '1',
): object[] {
  // One slice per port: an EndpointSlice has one address set for all its ports.
  return ports.map((port, i) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${serviceName}-${suffix}-${i}`,
      namespace: NS,
      uid: `eps-${serviceName}-${suffix}-${i}`,
      labels: { 'kubernetes.io/service-name': serviceName },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: portName, port, protocol: 'TCP' }],
  }));
}

let seq = 0;
export function route(
  name: string,
  spec: Record<string, unknown>,
  annotations: Record<string, string> = {},
): object {
  seq++;
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: {
      name,
      namespace: NS,
      uid: `route-${name}`,
      creationTimestamp: `2026-01-01T00:${String(Math.floor(seq / 60) % 60).padStart(2, '0')}:${String(seq % 60).padStart(2, '0')}Z`,
      annotations,
    },
    spec,
  };
}

/** A service `name` with one endpoint per port, plus a route to it. */
export function backendFor(name: string, ports: number[]): object[] {
  return [service(name), ...endpointSlice(name, ports)];
}

export function table(objects: object[], requireAdmitted = true): RoutingTable {
  const { table: t, statuses } = buildRoutingTable(objects as RouterObject[], {
    allowLoopbackEndpoints: true,
    allowWildcardRoutes: true,
  });
  for (const s of statuses.values()) {
    if (requireAdmitted && !s.admitted)
      throw new Error(`route ${s.key} not admitted: ${s.condition.message ?? ''}`);
  }
  return t;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: { backend?: string; headers?: Record<string, string | string[]>; url?: string } | undefined;
}

export function get(
  port: number,
  host: string,
  path = '/',
  headers: Record<string, string | string[]> = {},
  method = 'GET',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: { host, ...headers }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => {
          let json: Answer['json'];
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Sends raw bytes and collects everything until the server closes (or `waitMs` passes). */
export function raw(
  port: number,
  data: string | Buffer,
  waitMs = 2_000,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s: Socket = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const t = setTimeout(() => {
      s.destroy();
      resolve({ text, closed });
    }, waitMs);
    s.on('data', (c) => {
      text += c.toString('latin1');
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      closed = true;
      clearTimeout(t);
      resolve({ text, closed });
    });
    s.write(data);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * One client that aborts mid-response: asks `host` for `/` on a new connection, reads more than
 * `afterBytes` of the (streamed) answer, then destroys its socket. Resolves once it is closed.
 */
export function abortOnce(port: number, host = 'stream.test', afterBytes = 100_000): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.on('close', () => resolve());
    let got = 0;
    s.on('data', (d) => {
      got += d.length;
      if (got > afterBytes) s.destroy();
    });
    s.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  });
}

/**
 * Listens `backend` on 127.0.0.1 port 0, then starts a runtime (HTTP only, port 0) with one route
 * `name` for host `<name>.test` to it.
 */
export async function proxyTo(name: string, backend: Server): Promise<{ rt: ProxyRuntime; port: number }> {
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: false,
    table: table([
      ...backendFor(name, [(backend.address() as AddressInfo).port]),
      route(name, { host: `${name}.test`, to: { kind: 'Service', name } }),
    ]),
  });
  const port = (await rt.listen()).httpPort as number;
  return { rt, port };
}

/**
 * The native runtime as an engine of the shared conformance suite: HTTP and HTTPS on port 0 with
 * the suite's default certificate, each applied object set built with loopback endpoints allowed.
 *
 * @param name - the engine's name in the suite's reports
 * @param extra - further runtime options (e.g. `workers`)
 */
export async function conformanceEngine(
  name: string,
  { defaultCertificate }: ConformanceContext,
  extra: { workers?: number } = {},
): Promise<EngineUnderTest> {
  const runtime = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: 0,
    defaultCertificate,
    ...extra,
  });
  const { httpPort, httpsPort } = await runtime.listen();
  return {
    name,
    httpPort: httpPort as number,
    httpsPort: httpsPort as number,
    async apply(objects) {
      const { table } = buildRoutingTable(objects as RouterObject[], { allowLoopbackEndpoints: true });
      await runtime.update(table);
    },
    close: () => runtime.close({ graceMs: 1_000 }),
  };
}
