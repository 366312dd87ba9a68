import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EchoServer, startHttpEcho } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouteMatcher } from '../src/index.ts';

// The README's node:http embedding example, run for real: a tiny gateway routes by Host and path
// to echo backends.
describe('embedding createRouteMatcher in a node:http gateway (README example)', () => {
  let api: EchoServer;
  let web: EchoServer;
  let wild: EchoServer;
  let gateway: Server;
  let port: number;

  beforeAll(async () => {
    [api, web, wild] = await Promise.all([
      startHttpEcho({ name: 'api' }),
      startHttpEcho({ name: 'web' }),
      startHttpEcho({ name: 'wild' }),
    ]);
    const routes = createRouteMatcher<{ host: string; port: number }>({
      records: [
        { host: 'shop.example.com', path: '/api', value: { host: api.host, port: api.port } },
        { host: 'shop.example.com', value: { host: web.host, port: web.port } },
        { host: 'x.apps.example.com', wildcard: true, value: { host: wild.host, port: wild.port } },
      ],
    });
    gateway = createServer((req, res) => {
      const route = routes.match(req.headers.host ?? '', req.url ?? '/');
      if (route === undefined) {
        res.writeHead(503).end('no route\n');
        return;
      }
      const upstream = request(
        { ...route.value, method: req.method, path: req.url, headers: req.headers },
        (up: IncomingMessage) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    port = (gateway.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => gateway?.close(() => resolve()));
    await Promise.all([api?.close(), web?.close(), wild?.close()]);
  });

  function get(host: string, path: string): Promise<{ status: number; backend: string | undefined }> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, headers: { host, connection: 'close' } },
        (res) => {
          res.resume();
          res.on('end', () => {
            const b = res.headers['x-backend'];
            resolve({ status: res.statusCode ?? 0, backend: Array.isArray(b) ? b[0] : b });
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
  }

  it.each([
    { name: 'path route', host: 'shop.example.com', path: '/api/cart?x=1', backend: 'api', status: 200 },
    { name: 'host route', host: 'Shop.Example.com:8080', path: '/index.html', backend: 'web', status: 200 },
    { name: 'segment boundary', host: 'shop.example.com', path: '/apix', backend: 'web', status: 200 },
    { name: 'wildcard', host: 'tenant1.apps.example.com', path: '/', backend: 'wild', status: 200 },
    { name: 'no route', host: 'a.b.apps.example.com', path: '/', backend: undefined, status: 503 },
  ])('$name', async ({ host, path, backend, status }) => {
    expect(await get(host, path)).toEqual({ status, backend });
  });
});
