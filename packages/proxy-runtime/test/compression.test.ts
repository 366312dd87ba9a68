// gzip compression of responses under HAProxy's conditions (OpenShift's ROUTER_ENABLE_COMPRESSION
// and ROUTER_COMPRESSION_MIME), through the real runtime, HTTP/1.1 and HTTP/2.
import { createServer, request, type Server } from 'node:http';
import { connect as h2connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createCertificate, h2Request } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyRuntime, type ProxyRuntime } from '../src/index.ts';
import { shouldCompress } from '../src/internal/compression.ts';
import { backendFor, route, table } from './helpers.ts';

const PAGE = `<html><body>${'compressible text '.repeat(500)}</body></html>`;
const BIG = 'x'.repeat(3 * 1024 * 1024);

let backend: Server;
let rt: ProxyRuntime;
let httpPort: number;
let httpsPort: number;

beforeAll(async () => {
  // Answers chosen by path: each exercises one of HAProxy's conditions.
  backend = createServer((req, res) => {
    const send = (status: number, headers: Record<string, string>, body: string) =>
      res.writeHead(status, headers).end(body);
    switch (req.url) {
      case '/json':
        return send(200, { 'content-type': 'application/json' }, '{"a":1}');
      case '/encoded':
        return send(200, { 'content-type': 'text/html', 'content-encoding': 'br' }, 'already');
      case '/no-transform':
        return send(200, { 'content-type': 'text/html', 'cache-control': 'public, no-transform' }, PAGE);
      case '/404':
        return send(404, { 'content-type': 'text/html' }, PAGE);
      case '/multipart':
        return send(200, { 'content-type': 'multipart/mixed; boundary=x' }, PAGE);
      case '/two-etags':
        res.setHeader('etag', ['"a"', '"b"']);
        return send(200, { 'content-type': 'text/html' }, PAGE);
      case '/big':
        return send(200, { 'content-type': 'text/plain' }, BIG);
      case '/streamed': {
        // Chunked, no Content-Length.
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write(PAGE.slice(0, 100));
        setTimeout(() => res.end(PAGE.slice(100)), 10);
        return;
      }
      default:
        return send(200, { 'content-type': 'text/html; charset=utf-8', etag: '"v1"', vary: 'Cookie' }, PAGE);
    }
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const cert = await createCertificate({ commonName: 'gz.test', altNames: ['gz.test'] });
  rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: 0,
    compressionMimeTypes: ['text/html', 'text/plain'],
    // Another certificate as the default one: a route certificate equal to it gets no h2.
    defaultCertificate: await createCertificate({ commonName: 'default.test' }),
    table: table([
      ...backendFor('web', [(backend.address() as AddressInfo).port]),
      route('gz', {
        host: 'gz.test',
        to: { kind: 'Service', name: 'web' },
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

function fetchRaw(
  path: string,
  headers: Record<string, string> = { 'accept-encoding': 'gzip' },
  method = 'GET',
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  raw: string[];
  body: Buffer;
}> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: httpPort,
        path,
        method,
        headers: { host: 'gz.test', ...headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            raw: res.rawHeaders,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('compression', () => {
  it('gzips a listed type with HAProxy header changes: no length, weak ETag, Vary and Content-Encoding appended', async () => {
    const r = await fetchRaw('/');
    expect(r.status).toBe(200);
    expect(gunzipSync(r.body).toString('utf8')).toBe(PAGE);
    expect(r.headers['content-length']).toBeUndefined();
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.headers.etag).toBe('W/"v1"');
    // The upstream's Vary stays, and HAProxy's is appended after it, as is Content-Encoding.
    // (Node adds its own framing headers after everything the handler set.)
    const names = r.raw
      .filter((_, i) => i % 2 === 0)
      .map((n) => n.toLowerCase())
      .filter((n) => n !== 'connection' && n !== 'transfer-encoding' && n !== 'keep-alive' && n !== 'date');
    expect(names.slice(-2)).toEqual(['vary', 'content-encoding']);
    expect(r.raw.filter((_, i) => i % 2 === 1 && r.raw[i - 1]?.toLowerCase() === 'vary')).toEqual([
      'Cookie',
      'Accept-Encoding',
    ]);
  });

  it.each([
    ['a type not in the list', '/json', { 'accept-encoding': 'gzip' }, 'GET'],
    ['a client that does not ask for gzip', '/', {}, 'GET'],
    ['gzip with q=0', '/', { 'accept-encoding': 'gzip;q=0, deflate' }, 'GET'],
    [
      'an old Mozilla/4 browser',
      '/',
      { 'accept-encoding': 'gzip', 'user-agent': 'Mozilla/4.0 (compatible)' },
      'GET',
    ],
    ['an already encoded body', '/encoded', { 'accept-encoding': 'gzip' }, 'GET'],
    ['Cache-Control: no-transform', '/no-transform', { 'accept-encoding': 'gzip' }, 'GET'],
    ['a status other than 200-203', '/404', { 'accept-encoding': 'gzip' }, 'GET'],
    ['a multipart type', '/multipart', { 'accept-encoding': 'gzip' }, 'GET'],
    ['two ETags', '/two-etags', { 'accept-encoding': 'gzip' }, 'GET'],
    ['HEAD', '/', { 'accept-encoding': 'gzip' }, 'HEAD'],
  ])('leaves %s uncompressed', async (_name, path, headers, method) => {
    const r = await fetchRaw(path, headers, method);
    expect(r.headers['content-encoding']).not.toBe('gzip');
  });

  it('compresses chunked answers and large ones whole (3 MiB through gzip, with backpressure)', async () => {
    const streamed = await fetchRaw('/streamed');
    expect(streamed.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(streamed.body).toString('utf8')).toBe(PAGE);
    const big = await fetchRaw('/big');
    expect(big.headers['content-encoding']).toBe('gzip');
    expect(big.body.length).toBeLessThan(BIG.length / 100);
    expect(gunzipSync(big.body).toString('utf8')).toBe(BIG);
  });

  it('compresses over HTTP/2 too', async () => {
    const session = h2connect(`https://127.0.0.1:${httpsPort}`, {
      rejectUnauthorized: false,
      servername: 'gz.test',
    });
    try {
      const { headers, body } = await h2Request(session, {
        ':path': '/',
        ':authority': 'gz.test',
        'accept-encoding': 'gzip',
      });
      expect(headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(body).toString('utf8')).toBe(PAGE);
    } finally {
      session.close();
    }
  });

  it('reads the old-browser rule at HAProxy offsets: MSIE 7 and MSIE 6 SV1 are compressed', () => {
    const req = (ua: string) =>
      ({ method: 'GET', headers: { 'accept-encoding': 'gzip', 'user-agent': ua } }) as never;
    const raw = [
      Buffer.from('content-type'),
      Buffer.from('text/html'),
      Buffer.from('content-length'),
      Buffer.from('5'),
    ];
    const msie = (v: string, rest = '') => `Mozilla/4.0 (compatible; MSIE ${v}; Windows NT 5.1${rest})`;
    expect(shouldCompress(['text/html'], req(msie('7.0')), 200, raw)).toBe(true);
    expect(shouldCompress(['text/html'], req(msie('6.0', '; SV1; .NET CLR 1.1.4322')), 200, raw)).toBe(true);
    expect(shouldCompress(['text/html'], req(msie('6.0')), 200, raw)).toBe(false);
    expect(shouldCompress(['text/html'], req(msie('5.5')), 200, raw)).toBe(false);
    expect(shouldCompress(['text/html'], req('Mozilla/5.0 (X11; Linux x86_64)'), 200, raw)).toBe(true);
  });
});
