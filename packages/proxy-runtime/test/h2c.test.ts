// HTTP/2 without TLS to servers whose port has `appProtocol: h2c` (HAProxy `proto h2`, as
// OpenShift renders it for edge and plain routes): requests multiplexed on one connection,
// `te: trailers` passed on, and response trailers (gRPC's grpc-status) delivered to HTTP/2 and
// HTTP/1.1 clients alike.
import { request } from 'node:http';
import { connect as h2connect, createServer as createH2cServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createCertificate, h2Request } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyRuntime, type ProxyRuntime } from '../src/index.ts';
import { NS, route, table } from './helpers.ts';

let backend: Http2Server;
let sessions = 0;
let rt: ProxyRuntime;
let httpPort: number;
let httpsPort: number;

beforeAll(async () => {
  // A cleartext HTTP/2 server (prior knowledge), as a gRPC server listens.
  backend = createH2cServer();
  backend.on('session', () => sessions++);
  // Sessions closed as the proxy stops may end with an error; the test does not care.
  backend.on('sessionError', () => undefined);
  backend.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    stream.respond({ ':status': 200, 'content-type': 'application/json' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'ok' }));
    stream.end(JSON.stringify({ path: headers[':path'], te: headers.te ?? null, proto: 'h2' }));
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const port = (backend.address() as AddressInfo).port;
  const cert = await createCertificate({ commonName: 'grpc.test', altNames: ['grpc.test'] });
  rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: 0,
    defaultCertificate: await createCertificate({ commonName: 'default.test' }),
    table: table([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'grpc', namespace: NS, uid: 'svc-grpc', creationTimestamp: '2026-01-01T00:00:00Z' },
        spec: { ports: [{ name: 'grpc', port: 8080, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }] },
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: 'grpc-1',
          namespace: NS,
          uid: 'eps-grpc',
          labels: { 'kubernetes.io/service-name': 'grpc' },
        },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
        ports: [{ name: 'grpc', port, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }],
      },
      route('grpc', {
        host: 'grpc.test',
        to: { kind: 'Service', name: 'grpc' },
        tls: {
          termination: 'edge',
          certificate: cert.cert,
          key: cert.key,
          insecureEdgeTerminationPolicy: 'Allow',
        },
      }),
    ]),
  });
  ({ httpPort, httpsPort } = (await rt.listen()) as { httpPort: number; httpsPort: number });
});
afterAll(async () => {
  await rt.close({ graceMs: 10 });
  await new Promise((resolve) => backend.close(resolve));
});

describe('h2c servers', () => {
  it('an HTTP/2 client gets the answer and its trailers; te: trailers reaches the server; one connection', async () => {
    const session = h2connect(`https://127.0.0.1:${httpsPort}`, {
      rejectUnauthorized: false,
      servername: 'grpc.test',
    });
    try {
      const one = () =>
        h2Request(session, { ':path': '/pkg.Svc/Call', ':authority': 'grpc.test', te: 'trailers' });
      const answers = await Promise.all(Array.from({ length: 5 }, one));
      for (const a of answers) {
        expect(JSON.parse(a.body.toString('utf8'))).toEqual({
          path: '/pkg.Svc/Call',
          te: 'trailers',
          proto: 'h2',
        });
        expect(a.trailers).toMatchObject({ 'grpc-status': '0', 'grpc-message': 'ok' });
      }
      // Five concurrent requests went over one upstream HTTP/2 connection.
      expect(sessions).toBe(1);
    } finally {
      session.close();
    }
  });

  it('an HTTP/1.1 client gets the answer with the trailers after the last chunk', async () => {
    const { body, trailers } = await new Promise<{
      body: string;
      trailers: Record<string, string | undefined>;
    }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: httpPort,
          path: '/x',
          headers: { host: 'grpc.test', te: 'trailers' },
          agent: false,
        },
        (res) => {
          let b = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (b += c));
          res.on('end', () => resolve({ body: b, trailers: res.trailers }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toMatchObject({ path: '/x', proto: 'h2' });
    expect(trailers['grpc-status']).toBe('0');
  });
});
