/**
 * Services whose port says `appProtocol: kubernetes.io/h2c` (gRPC servers) through the real
 * `switchyard` process, each engine: HTTP/2 without TLS to the server (HAProxy `proto h2`), the
 * answer and its trailers back to an HTTP/2 client on an edge route and to an HTTP/1.1 client.
 */
import { mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { connect as h2connect, createServer as createH2cServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createCertificate, h2Request, makeTempDir, type TempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRouterProcess, writeManifest } from './helpers/router-process.ts';

describe.each(['native', 'haproxy'])('h2c services (--engine %s)', (engine) => {
  let backend: Http2Server;
  let dir: TempDir;

  beforeAll(async () => {
    backend = createH2cServer();
    // Sessions closed as the proxy stops may end with an error; the test does not care.
    backend.on('sessionError', () => undefined);
    backend.on('stream', (stream, headers) => {
      stream.on('error', () => undefined);
      stream.respond({ ':status': 200, 'content-type': 'application/json' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(JSON.stringify({ path: headers[':path'], proto: 'h2' }));
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const port = (backend.address() as AddressInfo).port;
    dir = await makeTempDir('switchyard-h2c-');
    await mkdir(join(dir.path, 'routes'));
    const cert = await createCertificate({ commonName: 'grpc.test', altNames: ['grpc.test'] });
    await writeManifest(join(dir.path, 'routes', 'grpc.yaml'), [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'grpc', namespace: 'demo' },
        spec: { ports: [{ name: 'grpc', port: 50051, appProtocol: 'kubernetes.io/h2c' }] },
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'grpc-1', namespace: 'demo', labels: { 'kubernetes.io/service-name': 'grpc' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
        ports: [{ name: 'grpc', port, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }],
      },
      {
        apiVersion: 'route.openshift.io/v1',
        kind: 'Route',
        metadata: { name: 'grpc', namespace: 'demo' },
        spec: {
          host: 'grpc.test',
          to: { kind: 'Service', name: 'grpc' },
          tls: {
            termination: 'edge',
            certificate: cert.cert,
            key: cert.key,
            insecureEdgeTerminationPolicy: 'Allow',
          },
        },
      },
    ]);
  });
  afterAll(async () => {
    await new Promise((resolve) => backend.close(resolve));
    await dir.cleanup();
  });

  it('HTTP/2 and HTTP/1.1 clients reach the h2c server and get its trailers', async () => {
    const proc = await startRouterProcess(['--routes', join(dir.path, 'routes'), '--engine', engine]);
    try {
      const session = h2connect(`https://127.0.0.1:${proc.httpsPort}`, {
        rejectUnauthorized: false,
        servername: 'grpc.test',
      });
      try {
        const h2 = await h2Request(session, {
          ':path': '/pkg.Svc/Call',
          ':authority': 'grpc.test',
          te: 'trailers',
        });
        expect(JSON.parse(h2.body.toString('utf8'))).toEqual({ path: '/pkg.Svc/Call', proto: 'h2' });
        expect(h2.trailers['grpc-status']).toBe('0');
      } finally {
        session.close();
      }
      const h1 = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: proc.httpPort,
            path: '/plain',
            headers: { host: 'grpc.test' },
            agent: false,
          },
          (res) => {
            let b = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (b += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(h1.status).toBe(200);
      expect(JSON.parse(h1.body)).toEqual({ path: '/plain', proto: 'h2' });
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });
});
