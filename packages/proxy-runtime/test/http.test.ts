import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EchoServer, startHttpEcho } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessLogEntry, createProxyRuntime, type ProxyRuntime } from '../src/index.ts';
import { backendFor, get, raw, route, sleep, table } from './helpers.ts';

let a: EchoServer;
let b: EchoServer;
let c: EchoServer;
let rt: ProxyRuntime;
let port: number;
const logs: AccessLogEntry[] = [];

function objects(): object[] {
  return [
    ...backendFor('a', [a.port]),
    ...backendFor('b', [b.port]),
    ...backendFor('c', [c.port]),
    route('root', { host: 'app.test', to: { kind: 'Service', name: 'a' } }),
    route('apix', { host: 'app.test', path: '/apix', to: { kind: 'Service', name: 'b' } }),
    route('api', { host: 'app.test', path: '/api', to: { kind: 'Service', name: 'c' } }),
    route('slash', { host: 'app.test', path: '/s/', to: { kind: 'Service', name: 'b' } }),
    route('wild', { host: 'www.wild.test', wildcardPolicy: 'Subdomain', to: { kind: 'Service', name: 'b' } }),
    route('exact-in-wild', { host: 'x.wild.test', to: { kind: 'Service', name: 'c' } }),
    route('redir', {
      host: 'secure.test',
      to: { kind: 'Service', name: 'a' },
      tls: { termination: 'edge', insecureEdgeTerminationPolicy: 'Redirect' },
    }),
    // A plain-HTTP path route under a redirecting host is served, not redirected (Bug 2002205).
    route('redir-http-path', { host: 'secure.test', path: '/plain', to: { kind: 'Service', name: 'b' } }),
    route(
      'replace',
      { host: 'replace.test', to: { kind: 'Service', name: 'a' } },
      { 'haproxy.router.openshift.io/set-forwarded-headers': 'replace' },
    ),
    route(
      'never',
      { host: 'never.test', to: { kind: 'Service', name: 'a' } },
      { 'haproxy.router.openshift.io/set-forwarded-headers': 'never' },
    ),
    route(
      'ifnone',
      { host: 'ifnone.test', to: { kind: 'Service', name: 'a' } },
      { 'haproxy.router.openshift.io/set-forwarded-headers': 'if-none' },
    ),
    route(
      'rewrite',
      { host: 'rewrite.test', path: '/app', to: { kind: 'Service', name: 'a' } },
      { 'haproxy.router.openshift.io/rewrite-target': '/' },
    ),
    route('headers', {
      host: 'headers.test',
      to: { kind: 'Service', name: 'a' },
      httpHeaders: {
        actions: {
          request: [
            { name: 'X-Added', action: { type: 'Set', set: { value: 'yes' } } },
            { name: 'X-Remove-Me', action: { type: 'Delete' } },
          ],
          response: [{ name: 'X-Resp', action: { type: 'Set', set: { value: 'r' } } }],
        },
      },
    }),
  ];
}

beforeAll(async () => {
  a = await startHttpEcho({ name: 'a' });
  b = await startHttpEcho({ name: 'b' });
  c = await startHttpEcho({ name: 'c' });
  rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: false,
    table: table(objects()),
    onAccessLog: (e) => logs.push(e),
  });
  port = (await rt.listen()).httpPort as number;
});

afterAll(async () => {
  await rt.close({ graceMs: 500 });
  await Promise.all([a.close(), b.close(), c.close()]);
});

describe('HTTP routing (os_http_be semantics)', () => {
  it.each([
    ['host root', 'app.test', '/', 'a'],
    ['longer path wins over shorter prefix', 'app.test', '/apix/1', 'b'],
    ['path by segment: /api', 'app.test', '/api', 'c'],
    ['path by segment: /api/x', 'app.test', '/api/x', 'c'],
    ['not a segment: /apizzz goes to root', 'app.test', '/apizzz', 'a'],
    ['query does not count', 'app.test', '/api?x=/apix', 'c'],
    ['trailing-slash path matches below it', 'app.test', '/s/x', 'b'],
    ['trailing-slash path does not match without slash', 'app.test', '/s', 'a'],
    ['path is case-sensitive', 'app.test', '/API', 'a'],
    ['host is case-insensitive', 'APP.Test', '/api', 'c'],
    ['port in Host ignored', 'app.test:8080', '/api', 'c'],
    ['FQDN trailing dot', 'app.test.', '/api', 'c'],
    ['wildcard matches one label', 'foo.wild.test', '/', 'b'],
    ['exact host beats wildcard', 'x.wild.test', '/', 'c'],
    ['plain path under a redirecting host is served', 'secure.test', '/plain/x', 'b'],
  ])('%s', async (_n, host, path, expected) => {
    const r = await get(port, host, path);
    expect(r.status).toBe(200);
    expect(r.json?.backend).toBe(expected);
  });

  it.each([
    ['unknown host', 'nope.test', '/'],
    ['wildcard does not span two labels', 'a.b.wild.test', '/'],
    ['no Host header match', '', '/'],
  ])('503 page: %s', async (_n, host, path) => {
    const r = await get(port, host, path);
    expect(r.status).toBe(503);
    expect(r.headers['cache-control']).toBe('private, max-age=0, no-cache, no-store');
    expect(r.body).toContain('Application is not available');
  });

  it('Redirect routes answer 302 to https without the port', async () => {
    const r = await get(port, 'Secure.Test:8080', '/a/b?c=d');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('https://secure.test/a/b?c=d');
  });

  it('the monitor URI answers 200 without a route', async () => {
    const r = await get(port, 'whatever', '/_______internal_router_healthz');
    expect(r.status).toBe(200);
  });
});

describe('header hygiene and forwarded headers', () => {
  it('strips Proxy and X-SSL* and lower-cases Host', async () => {
    const r = await get(port, 'APP.test', '/', { proxy: 'http://evil', 'x-ssl-client-cert': 'forged' });
    const h = r.json?.headers ?? {};
    expect(h.proxy).toBeUndefined();
    expect(h['x-ssl-client-cert']).toBeUndefined();
    expect(h.host).toBe('app.test');
  });

  it('append (default) adds after client values', async () => {
    const r = await get(port, 'app.test', '/', {
      'x-forwarded-for': '203.0.113.9',
      forwarded: 'for=1.2.3.4',
    });
    const h = r.json?.headers ?? {};
    expect(h['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(h['x-forwarded-host']).toBe('app.test');
    expect(h['x-forwarded-port']).toBe(String(port));
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h.forwarded).toBe('for=1.2.3.4, for=127.0.0.1;host=app.test;proto=http');
  });

  it('replace drops client values', async () => {
    const r = await get(port, 'replace.test', '/', {
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
    });
    const h = r.json?.headers ?? {};
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
  });

  it('if-none keeps client values and adds missing ones', async () => {
    const r = await get(port, 'ifnone.test', '/', { 'x-forwarded-for': '203.0.113.9' });
    const h = r.json?.headers ?? {};
    expect(h['x-forwarded-for']).toBe('203.0.113.9');
    expect(h['x-forwarded-host']).toBe('ifnone.test');
  });

  it('never adds nothing', async () => {
    const r = await get(port, 'never.test', '/');
    const h = r.json?.headers ?? {};
    expect(h['x-forwarded-for']).toBeUndefined();
    expect(h.forwarded).toBeUndefined();
  });

  it('rewrite-target / strips the route path', async () => {
    const r = await get(port, 'rewrite.test', '/app/x/y?q=1');
    expect(r.json?.url).toBe('/x/y?q=1');
  });

  it('route header actions apply to request and response', async () => {
    const r = await get(port, 'headers.test', '/', { 'x-remove-me': '1', 'x-added': 'client' });
    expect(r.json?.headers?.['x-added']).toBe('yes');
    expect(r.json?.headers?.['x-remove-me']).toBeUndefined();
    expect(r.headers['x-resp']).toBe('r');
  });

  it('keeps header case and duplicates on the way up', async () => {
    const res = await raw(
      port,
      'GET / HTTP/1.1\r\nHost: app.test\r\nX-Dup: 1\r\nX-Dup: 2\r\nConnection: close\r\n\r\n',
    );
    const body = JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4));
    expect(body.headers['x-dup']).toBe('1, 2');
  });
});

describe('update()', () => {
  it('serves a new route on the next request and 503s a removed one', async () => {
    const before = await get(port, 'fresh.test', '/');
    expect(before.status).toBe(503);
    await rt.update(
      table([...objects(), route('fresh', { host: 'fresh.test', to: { kind: 'Service', name: 'b' } })]),
    );
    expect((await get(port, 'fresh.test', '/')).json?.backend).toBe('b');
    await rt.update(table(objects()));
    expect((await get(port, 'fresh.test', '/')).status).toBe(503);
  });

  it('an in-flight request finishes on its server after the route is removed', async () => {
    let release: () => void = () => undefined;
    const slow: Server = createServer((_req, res) => {
      release = () => res.end('slow-done');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part1-');
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const slowPort = (slow.address() as AddressInfo).port;
    await rt.update(
      table([
        ...objects(),
        ...backendFor('slow', [slowPort]),
        route('slow', { host: 'slow.test', to: { kind: 'Service', name: 'slow' } }),
      ]),
    );
    const pending = get(port, 'slow.test', '/');
    await sleep(200);
    await rt.update(table(objects()));
    release();
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.body).toBe('part1-slow-done');
    expect((await get(port, 'slow.test', '/')).status).toBe(503);
    await new Promise((r2) => slow.close(() => r2(undefined)));
  });

  it('rejects a malformed table with a coded error', async () => {
    await expect(rt.update({} as never)).rejects.toMatchObject({ code: 'ERR_PROXY_RUNTIME_INVALID_TABLE' });
  });
});

describe('backends', () => {
  it('a refused server is retried on another one (redispatch)', async () => {
    const dead = await startHttpEcho({ name: 'dead' });
    const deadPort = dead.port;
    await dead.close();
    await rt.update(
      table([
        ...objects(),
        ...backendFor('pair', [deadPort, a.port]),
        route(
          'pair',
          { host: 'pair.test', to: { kind: 'Service', name: 'pair' } },
          { 'haproxy.router.openshift.io/balance': 'roundrobin' },
        ),
      ]),
    );
    for (let i = 0; i < 6; i++) {
      const r = await get(port, 'pair.test', '/');
      expect(r.status).toBe(200);
      expect(r.json?.backend).toBe('a');
    }
    await rt.update(table(objects()));
  });

  it('sticky cookie: insert indirect nocache httponly, never forwarded upstream', async () => {
    await rt.update(
      table([
        ...objects(),
        ...backendFor('pair2', [b.port, c.port]),
        route(
          'pair2',
          { host: 'pair2.test', to: { kind: 'Service', name: 'pair2' } },
          { 'haproxy.router.openshift.io/balance': 'roundrobin' },
        ),
      ]),
    );
    const first = await get(port, 'pair2.test', '/');
    const setCookie = String(first.headers['set-cookie']);
    expect(setCookie).toMatch(/^[0-9a-f]{32}=[0-9a-f]{32}; path=\/; HttpOnly$/);
    // No freshness information in the echo's answer: HAProxy adds no Cache-Control either.
    expect(first.headers['cache-control']).toBeUndefined();
    const cookie = setCookie.split(';')[0] as string;
    for (let i = 0; i < 5; i++) {
      const again = await get(port, 'pair2.test', '/', { cookie: `${cookie}; other=1` });
      expect(again.json?.backend).toBe(first.json?.backend);
      expect(again.headers['set-cookie']).toBeUndefined();
      expect(again.json?.headers?.cookie).toBe('other=1');
    }
    await rt.update(table(objects()));
  });

  it('pod-concurrent-connections: requests queue instead of exceeding maxconn', async () => {
    let current = 0;
    let peak = 0;
    const slow: Server = createServer((_req, res) => {
      current++;
      peak = Math.max(peak, current);
      setTimeout(() => {
        current--;
        res.end('ok');
      }, 100);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const slowPort = (slow.address() as AddressInfo).port;
    await rt.update(
      table([
        ...objects(),
        ...backendFor('limited', [slowPort]),
        route(
          'limited',
          { host: 'limited.test', to: { kind: 'Service', name: 'limited' } },
          { 'haproxy.router.openshift.io/pod-concurrent-connections': '1' },
        ),
      ]),
    );
    const answers = await Promise.all(Array.from({ length: 4 }, () => get(port, 'limited.test', '/')));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(peak).toBe(1);
    await rt.update(table(objects()));
    await new Promise((r2) => slow.close(() => r2(undefined)));
  });

  it.each([
    ['Cache-Control max-age', { 'cache-control': 'max-age=60' }, 'max-age=60, private'],
    ['Last-Modified', { 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' }, 'private'],
    ['Cache-Control no-store', { 'cache-control': 'no-store' }, 'no-store'],
  ])('nocache: a cookie on a response with %s', async (_n, headers, expected) => {
    const srv: Server = createServer((_req, res) => {
      res.writeHead(200, headers);
      res.end('x');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    await rt.update(
      table([
        ...objects(),
        ...backendFor('fresh', [(srv.address() as AddressInfo).port]),
        route('fresh', { host: 'fresh.test', to: { kind: 'Service', name: 'fresh' } }),
      ]),
    );
    const r = await get(port, 'fresh.test', '/');
    expect(r.headers['set-cookie']).toBeDefined();
    expect(r.headers['cache-control']).toBe(expected);
    await rt.update(table(objects()));
    await new Promise((r2) => srv.close(() => r2(undefined)));
  });

  it('access log entries carry route, server and status', async () => {
    logs.length = 0;
    await get(port, 'app.test', '/api');
    await sleep(50);
    const e = logs.find((l) => l.url === '/api');
    expect(e).toMatchObject({
      kind: 'http',
      status: 200,
      backend: 'be_http:pr:api',
      host: 'app.test',
      method: 'GET',
    });
    expect(e?.server).toMatch(/^ept:c:http:127\.0\.0\.1:/);
  });

  it('metrics are Prometheus text with per-route counters', async () => {
    await get(port, 'app.test', '/api');
    const text = await rt.metrics();
    expect(text).toMatch(
      /switchyard_backend_http_responses_total\{backend="http",namespace="pr",route="api",code="2xx"\} [1-9]/,
    );
    expect(text).toContain(
      'switchyard_backend_response_latency_seconds_bucket{backend="http",namespace="pr",route="api",le="+Inf"}',
    );
    expect(text).toMatch(/switchyard_frontend_connections_total\{frontend="public"\} [1-9]/);
  });
});
