import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type EchoServer, startHttpEcho } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyRuntime, type ProxyRuntime } from '../src/index.ts';
import { abortOnce, backendFor, get, raw, route, sleep, table } from './helpers.ts';

let echo: EchoServer;
let stream: Server;
let streamSockets = 0;
let rt: ProxyRuntime;
let port: number;

beforeAll(async () => {
  echo = await startHttpEcho({ name: 'echo' });
  // Streams 64 KiB chunks until the client goes away.
  stream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(65_536, 120);
    const timer = setInterval(() => res.write(chunk), 5);
    res.on('close', () => clearInterval(timer));
  });
  stream.on('connection', (s) => {
    streamSockets++;
    s.on('close', () => streamSockets--);
  });
  await new Promise<void>((r) => stream.listen(0, '127.0.0.1', () => r()));
  rt = createProxyRuntime({
    host: '127.0.0.1',
    httpPort: 0,
    httpsPort: false,
    maxHeaderSize: 8192,
    timeouts: { httpRequest: 400, httpKeepAlive: 2_000 },
    table: table([
      ...backendFor('echo', [echo.port]),
      ...backendFor('stream', [(stream.address() as AddressInfo).port]),
      route('echo', { host: 'echo.test', to: { kind: 'Service', name: 'echo' } }),
      route('stream', { host: 'stream.test', to: { kind: 'Service', name: 'stream' } }),
    ]),
  });
  port = (await rt.listen()).httpPort as number;
});

afterAll(async () => {
  await rt.close({ graceMs: 500 });
  await echo.close();
  stream.closeAllConnections();
  await new Promise((r) => stream.close(() => r(undefined)));
});

describe('slowloris', () => {
  it('a request head trickling in is cut at the http-request timeout', async () => {
    const s: Socket = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    let text = '';
    s.on('data', (d) => {
      text += d.toString();
    });
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.write('GET / HTTP/1.1\r\nHost: echo.test\r\n');
    let sent = 0;
    // Up to 20 s of trickling; the 400 ms timeout must end it long before.
    const trickle = setInterval(() => {
      if (!s.destroyed && sent < 200) {
        s.write(`X-${sent++}: a\r\n`);
      }
    }, 100);
    await closed;
    clearInterval(trickle);
    expect(sent).toBeLessThan(200);
    expect(text === '' || text.startsWith('HTTP/1.1 408')).toBe(true);
  });
});

describe('request limits and strict parsing', () => {
  it('an oversized header is answered 431', async () => {
    const r = await raw(port, `GET / HTTP/1.1\r\nHost: echo.test\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`);
    expect(r.text).toMatch(/^HTTP\/1\.1 431 /);
  });

  it.each([
    [
      'CL and TE together',
      'POST / HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: echo.test\r\n\r\n',
    ],
    [
      'two different Content-Lengths',
      'POST / HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabcGET /smuggled HTTP/1.1\r\nHost: echo.test\r\n\r\n',
    ],
    [
      'two equal Content-Lengths',
      'POST / HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
    ],
    [
      'a bad chunk size',
      'POST / HTTP/1.1\r\nHost: echo.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
    ],
    [
      'a chunk size with garbage',
      'POST / HTTP/1.1\r\nHost: echo.test\r\nTransfer-Encoding: chunked\r\n\r\n3;\x01\r\nabc\r\n0\r\n\r\n',
    ],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: echo.test\r\nX-A: 1\r\n  folded\r\n\r\n'],
    ['space before the colon', 'GET / HTTP/1.1\r\nHost : echo.test\r\n\r\n'],
    [
      'TE chunked not last',
      'POST / HTTP/1.1\r\nHost: echo.test\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
    ],
    ['a negative Content-Length', 'POST / HTTP/1.1\r\nHost: echo.test\r\nContent-Length: -1\r\n\r\n'],
    ['bare LF line endings in the head', 'GET / HTTP/1.1\nHost: echo.test\nX-A: 1\r\n\r\n'],
  ])('rejects %s with 400 and nothing reaches the backend', async (_name, probe) => {
    const before = echo.requests;
    const r = await raw(port, probe);
    expect(r.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(r.text).not.toContain('"backend"');
    await sleep(20);
    expect(echo.requests).toBe(before);
  });

  it('a valid chunked body still passes', async () => {
    const r = await raw(
      port,
      'POST /ok HTTP/1.1\r\nHost: echo.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(r.text).toContain('"bodyLength":3');
  });
});

function heapUsed(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('client aborts', () => {
  it('aborting mid-response releases sockets and memory (300 aborts; bench/aborts.ts runs 10 000)', async () => {
    for (let i = 0; i < 20; i++) await abortOnce(port);
    await sleep(200);
    const heapBefore = heapUsed();
    for (let round = 0; round < 30; round++)
      await Promise.all(Array.from({ length: 10 }, () => abortOnce(port)));
    // Give the event loop time to observe every close.
    await sleep(500);
    const heapAfter = heapUsed();
    const metrics = await rt.metrics();
    expect(metrics).toContain('switchyard_frontend_current_connections{frontend="public"} 0');
    expect(metrics).toMatch(
      /switchyard_backend_current_sessions\{backend="http",namespace="pr",route="stream"\} 0/,
    );
    // Every aborted upstream request closed its connection to the backend; what remains are
    // idle pooled connections, bounded by the concurrency (10), not by the 300 aborts.
    expect(streamSockets).toBeLessThanOrEqual(20);
    expect(heapAfter - heapBefore).toBeLessThan(20 * 1024 * 1024);
    // And the proxy still serves.
    expect((await get(port, 'echo.test', '/')).status).toBe(200);
  }, 60_000);
});
