// The runtime's own answers from HAProxy-format error files (OpenShift's ROUTER_ERRORFILE_503 and
// ROUTER_ERRORFILE_404): status line, headers and body as written, Content-Length computed; 404
// for requests that match no route, 503 for routes without servers; HTTP/1.1, upgrades and h2.
import { connect as h2connect } from 'node:http2';
import { createCertificate, h2Request, type KeyPair } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyRuntime, isProxyRuntimeError, type ProxyRuntime, parseErrorFile } from '../src/index.ts';

import { get, raw, route, service, table } from './helpers.ts';

const FILE_503 =
  'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\nX-Error-Page: custom-503\r\nContent-Length: 32\r\nConnection: close\r\n\r\n<h1>down for maintenance \xe9</h1>\n';
const FILE_404 =
  'HTTP/1.0 404 Not Found\nContent-Type: text/plain\nX-Error-Page: custom-404\n\nno such route\n';

function routes(): object[] {
  // Routes whose service has no endpoints: the runtime answers 503 itself. The edge one has a
  // certificate of its own, so it is offered HTTP/2.
  return [
    service('empty'),
    route('empty', { host: 'empty.test', to: { kind: 'Service', name: 'empty' } }),
    route('secure', {
      host: 'secure.test',
      to: { kind: 'Service', name: 'empty' },
      tls: { termination: 'edge', certificate: routeCert.cert, key: routeCert.key },
    }),
  ];
}

let cert: KeyPair;
let routeCert: KeyPair;
const runtimes: ProxyRuntime[] = [];

beforeAll(async () => {
  cert = await createCertificate({ commonName: 'default.test', altNames: ['*.test'] });
  routeCert = await createCertificate({ commonName: 'secure.test', altNames: ['secure.test'] });
});
afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close({ graceMs: 10 })));
});

async function start(options: { errorFile503?: string; errorFile404?: string }) {
  const rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: 0,
    defaultCertificate: cert,
    table: table(routes(), false),
    ...options,
  });
  runtimes.push(rt);
  return rt.listen() as Promise<{ httpPort: number; httpsPort: number }>;
}

describe('error files', () => {
  it('without error files: OpenShift built-in 503 page, for unknown hosts and routes without servers', async () => {
    const { httpPort } = await start({});
    for (const host of ['unknown.test', 'empty.test']) {
      const a = await get(httpPort, host);
      expect(a.status).toBe(503);
      expect(a.body).toContain('Application is not available');
      expect(a.headers['cache-control']).toBe('private, max-age=0, no-cache, no-store');
      expect(a.headers.connection).toBe('close');
    }
  });

  it('ROUTER_ERRORFILE_404 answers unknown hosts, ROUTER_ERRORFILE_503 routes without servers, as written', async () => {
    const { httpPort } = await start({ errorFile503: FILE_503, errorFile404: FILE_404 });
    const unknown = await get(httpPort, 'unknown.test');
    expect(unknown).toMatchObject({ status: 404, body: 'no such route\n' });
    expect(unknown.headers).toMatchObject({
      'content-type': 'text/plain',
      'x-error-page': 'custom-404',
      'content-length': String('no such route\n'.length),
    });
    const empty = await raw(httpPort, 'GET / HTTP/1.1\r\nHost: empty.test\r\n\r\n');
    // The status line and headers as written; Content-Length is the body's byte count (the é
    // is one byte, sent as is).
    expect(empty.text.startsWith('HTTP/1.1 503 Service Unavailable\r\n')).toBe(true);
    expect(empty.text).toContain('X-Error-Page: custom-503\r\n');
    expect(empty.text).toContain('content-length: 32\r\n');
    expect(empty.text.endsWith('\r\n\r\n<h1>down for maintenance \xe9</h1>\n')).toBe(true);
    expect(empty.closed).toBe(true);
  });

  it('applies to WebSocket upgrades (404) and to HTTP/2 (503)', async () => {
    const { httpPort, httpsPort } = await start({ errorFile503: FILE_503, errorFile404: FILE_404 });
    const upgrade = await raw(
      httpPort,
      'GET /ws HTTP/1.1\r\nHost: unknown.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(upgrade.text.startsWith('HTTP/1.1 404 Not Found\r\n')).toBe(true);
    expect(upgrade.text.endsWith('\r\n\r\nno such route\n')).toBe(true);

    const session = h2connect(`https://127.0.0.1:${httpsPort}`, {
      rejectUnauthorized: false,
      servername: 'secure.test',
    });
    try {
      const answer = await h2Request(session, { ':path': '/', ':authority': 'secure.test' });
      // No Connection header in HTTP/2; the body is the file's bytes.
      expect(answer.status).toBe(503);
      expect(answer.headers.connection).toBeUndefined();
      expect(answer.body.toString('latin1')).toBe('<h1>down for maintenance \xe9</h1>\n');
    } finally {
      session.close();
    }
  });

  it.each([
    [
      'no blank line after the headers',
      'HTTP/1.1 503 Busy\r\nContent-Type: text/html\r\n',
      /headers end with an empty line/,
    ],
    ['no status line', '<html>busy</html>\r\n\r\n', /status line .* on line 1/],
    [
      'a header line without a colon',
      'HTTP/1.1 503 Busy\r\nbroken header\r\n\r\nbody',
      /header line "Name: value" on line 2/,
    ],
    [
      'a Content-Length that is not the body length',
      'HTTP/1.1 503 Busy\r\nContent-Type: text/plain\r\nContent-Length: 22\r\n\r\n23 bytes of body here.\n',
      /Content-Length equal to the 23 bytes after the empty line \(line 3\), got "22"/,
    ],
    [
      'a chunk-encoded payload',
      'HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbusy\r\n0\r\n\r\n',
      /not chunk-encoded \(line 2/,
    ],
  ])('refuses an error file with %s, naming the option and the line', (_name, text, pattern) => {
    let error: unknown;
    try {
      createProxyRuntime({ httpPort: false, httpsPort: false, errorFile503: text });
    } catch (e) {
      error = e;
    }
    expect(isProxyRuntimeError(error) && error.code).toBe('ERR_PROXY_RUNTIME_INVALID_OPTION');
    expect((error as Error).message).toMatch(/ProxyRuntimeOptions\.errorFile503: expected /);
    expect((error as Error).message).toMatch(pattern);
  });

  it('parses CRLF and LF files alike, keeping repeated headers in order', () => {
    const crlf = parseErrorFile('HTTP/1.1 503 Busy\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nx', 'f');
    const lf = parseErrorFile('HTTP/1.1 503 Busy\nSet-Cookie: a=1\nSet-Cookie: b=2\n\nx', 'f');
    for (const p of [crlf, lf]) {
      expect(p.status).toBe(503);
      expect(p.reason).toBe('Busy');
      expect(p.headers).toEqual([
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ]);
      expect(p.body.toString('latin1')).toBe('x');
    }
  });
});
