/** Route policies (annotations and header actions) observed end to end through a real HAProxy. */
import { request as httpsRequest } from 'node:https';
import { type EchoServer, makeTempDir, startHttpEcho, type TempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyProcess, type RenderOptions, renderHaproxyConfig } from '../src/index.ts';
import { PKI } from './fixtures/fourteen.ts';
import { route, table } from './fixtures/routes.ts';
import { get, liveOptions } from './helpers.ts';

interface Echo {
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

function tlsGet(
  port: number,
  host: string,
  path: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path, servername: host, headers: { host }, ca: PKI.ca.cert, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('route policies through a real HAProxy', () => {
  let tmp: TempDir;
  let echo: EchoServer;
  let proc: HaproxyProcess;
  let options: RenderOptions;

  beforeAll(async () => {
    tmp = await makeTempDir('hrpol');
    echo = await startHttpEcho({ name: 'echo' });
    options = await liveOptions(tmp.path);
    const svc = [{ name: 'echo', servers: [{ ip: '127.0.0.1', port: echo.port }] }];
    const render = renderHaproxyConfig(
      table([
        route({
          name: 'rewrite-root',
          host: 'rw.test',
          path: '/app',
          services: svc,
          policies: { rewriteTarget: '/' },
        }),
        route({
          name: 'rewrite-v2',
          host: 'rw.test',
          path: '/api/v1',
          services: svc,
          policies: { rewriteTarget: '/v2' },
        }),
        route({
          name: 'headers',
          host: 'headers.test',
          services: svc,
          policies: {
            requestHeaders: [
              { type: 'Set', name: 'X-Static', value: 'it\'s "quoted" # not a comment' },
              { type: 'Set', name: 'X-Host-Copy', value: '%[req.hdr(host)]' },
              { type: 'Delete', name: 'X-Remove-Me' },
            ],
            responseHeaders: [{ type: 'Set', name: 'X-Resp', value: '100%% done' }],
          },
        }),
        route({
          name: 'edge',
          host: 'edge.fixture.test',
          termination: 'edge',
          insecurePolicy: 'None',
          tls: { certificate: PKI.edge.cert, key: PKI.edge.key },
          services: svc,
          policies: { hstsHeader: 'max-age=31536000;includeSubDomains', cookieSameSite: 'Lax' },
        }),
        route({
          name: 'replace',
          host: 'replace.test',
          services: svc,
          policies: { forwardedHeaders: 'replace' },
        }),
      ]),
      options,
    );
    expect(render.rejected).toEqual([]);
    proc = new HaproxyProcess({ workingDir: tmp.path, stopTimeoutMs: 2_000 });
    await proc.start(render);
  });

  afterAll(async () => {
    await proc?.stop({ timeoutMs: 2_000 });
    await echo?.close();
    await tmp?.cleanup();
  });

  it.each([
    ['rewrite-target / strips the route path', '/app/x/y?q=1', '/x/y?q=1'],
    ['rewrite-target / on the bare path', '/app', '/'],
    ['rewrite-target /v2 replaces the prefix', '/api/v1/items', '/v2/items'],
  ])('%s', async (_name, path, expected) => {
    const r = await get(options.httpPort as number, 'rw.test', path);
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as Echo).url).toBe(expected);
  });

  it('header actions: quoted literal values, dynamic values, deletes, response headers', async () => {
    const r = await get(options.httpPort as number, 'headers.test', '/', { 'x-remove-me': 'secret' });
    const seen = (JSON.parse(r.body) as Echo).headers;
    expect(seen['x-static']).toBe('it\'s "quoted" # not a comment');
    expect(seen['x-host-copy']).toBe('headers.test');
    expect(seen['x-remove-me']).toBeUndefined();
    expect(r.headers['x-resp']).toBe('100% done');
  });

  it('plain HTTP: X-Forwarded-* and Forwarded are appended', async () => {
    const r = await get(options.httpPort as number, 'headers.test', '/', {
      'x-forwarded-for': '203.0.113.9',
    });
    const seen = (JSON.parse(r.body) as Echo).headers;
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('headers.test');
    expect(seen['x-forwarded-port']).toBe(String(options.httpPort));
    expect(seen.forwarded).toBe('for=127.0.0.1;host=headers.test;proto=http');
  });

  it('set-forwarded-headers replace overwrites what the client sent', async () => {
    const r = await get(options.httpPort as number, 'replace.test', '/', {
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'gopher',
    });
    const seen = (JSON.parse(r.body) as Echo).headers;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
  });

  it('edge: HSTS, secure SameSite cookie, https forwarded proto and the client address through the PROXY hop', async () => {
    const r = await tlsGet(options.httpsPort as number, 'edge.fixture.test', '/');
    expect(r.status).toBe(200);
    expect(r.headers['strict-transport-security']).toBe('max-age=31536000;includeSubDomains');
    expect(String(r.headers['set-cookie'])).toMatch(/; Secure; SameSite=Lax/i);
    const seen = (JSON.parse(r.body) as Echo).headers;
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-port']).toBe(String(options.httpsPort));
  });
});
