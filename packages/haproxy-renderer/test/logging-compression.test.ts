/**
 * OpenShift's logging and compression settings rendered and observed in a real HAProxy 2.6:
 * `ROUTER_SYSLOG_ADDRESS` (with level, facility, length and format), `ROUTER_DONT_LOG_NULL`,
 * `ROUTER_HTTP_IGNORE_PROBES`, and `ROUTER_ENABLE_COMPRESSION` with `ROUTER_COMPRESSION_MIME`.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { makeTempDir, type TempDir } from '@switchyard/testkit';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { HaproxyProcess, type RenderOptions, renderHaproxyConfig } from '../src/index.ts';
import { route, table } from './fixtures/routes.ts';
import { get, liveOptions } from './helpers.ts';

const PAGE = `<html><body>${'compressible text '.repeat(200)}</body></html>`;

let backend: Server;
let backendPort: number;
let syslog: UdpSocket;
let syslogPort: number;
const received: string[] = [];

beforeAll(async () => {
  // A backend that answers HTML, or plain JSON on /json.
  backend = createServer((req, res) => {
    if (req.url === '/json') res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}');
    else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendPort = (backend.address() as AddressInfo).port;
  syslog = createSocket('udp4');
  syslog.on('message', (m) => received.push(m.toString('utf8')));
  await new Promise<void>((resolve) => syslog.bind(0, '127.0.0.1', resolve));
  syslogPort = syslog.address().port;
});
afterAll(async () => {
  await new Promise((resolve) => backend.close(resolve));
  syslog.close();
});

let tmp: TempDir | undefined;
let proc: HaproxyProcess | undefined;
afterEach(async () => {
  await proc?.stop({ timeoutMs: 2_000 });
  await tmp?.cleanup();
  proc = undefined;
  tmp = undefined;
  received.length = 0;
});

async function serve(extra: Partial<RenderOptions>): Promise<RenderOptions> {
  tmp = await makeTempDir('hrlog');
  const options = await liveOptions(tmp.path, extra);
  const services = [{ name: 'web', servers: [{ ip: '127.0.0.1', port: backendPort }] }];
  const render = renderHaproxyConfig(table([route({ name: 'web', host: 'web.test', services })]), options);
  expect(render.rejected).toEqual([]);
  proc = new HaproxyProcess({ workingDir: tmp.path, stopTimeoutMs: 2_000 });
  await proc.start(render);
  return options;
}

/** A GET whose body is kept as bytes (compressed answers are not UTF-8). */
function getBytes(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { host: 'web.test', ...headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Waits (bounded) until a received syslog line matches. */
async function logLine(pattern: RegExp, tries = 100): Promise<string | undefined> {
  for (let i = 0; i < tries; i++) {
    const hit = received.find((l) => pattern.test(l));
    if (hit !== undefined) return hit;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

describe('syslog', () => {
  it('at level info, one httplog line per request reaches the syslog address, with facility local1', async () => {
    const o = await serve({ syslog: { address: `127.0.0.1:${syslogPort}`, level: 'info' } });
    expect((await get(o.httpPort as number, 'web.test', '/hello')).status).toBe(200);
    const line = await logLine(/GET \/hello HTTP\/1\.1/);
    expect(line).toBeDefined();
    // <PRI> = facility local1 (17) * 8 + info (6) = 142; the route's backend is named.
    expect(line).toMatch(/^<142>/);
    expect(line).toContain('be_http:');
    expect(line).toMatch(/ 200 /);
  });

  it('at the default level (warning) requests are not logged, as in OpenShift', async () => {
    const o = await serve({ syslog: { address: `127.0.0.1:${syslogPort}` } });
    expect((await get(o.httpPort as number, 'web.test', '/quiet')).status).toBe(200);
    // A line would arrive within milliseconds on loopback (the tests above see theirs at once).
    expect(await logLine(/GET \/quiet/, 25)).toBeUndefined();
  });

  it('ROUTER_SYSLOG_FORMAT replaces httplog, spaces and quotes included', async () => {
    const o = await serve({
      syslog: { address: `127.0.0.1:${syslogPort}`, level: 'info', format: 'sy "%HM %HU" status=%ST' },
    });
    expect((await get(o.httpPort as number, 'web.test', '/fmt')).status).toBe(200);
    expect(await logLine(/sy "GET \/fmt" status=200/)).toBeDefined();
  });

  it.each([
    [{ address: '127.0.0.1:514 local0' }, 'syslog.address'],
    [{ address: '127.0.0.1:514', facility: 'local9' }, 'syslog.facility'],
    [{ address: '127.0.0.1:514', level: 'verbose' }, 'syslog.level'],
    [{ address: '127.0.0.1:514', format: 'two\nlines' }, 'syslog.format'],
  ])('refuses %j, naming %s', async (syslogOptions, field) => {
    const t = await makeTempDir('hrlogbad');
    try {
      const options = await liveOptions(t.path, { syslog: syslogOptions });
      expect(() => renderHaproxyConfig(table([]), options)).toThrow(
        new RegExp(`options\\.${field.replace('.', '\\.')}: expected`),
      );
    } finally {
      await t.cleanup();
    }
  });
});

describe('compression', () => {
  it('gzips the listed MIME types for clients that accept gzip, and nothing else', async () => {
    const o = await serve({ compressionMimeTypes: ['text/html', 'text/plain', 'text/css'] });
    const port = o.httpPort as number;
    const zipped = await getBytes(port, '/', { 'accept-encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(PAGE);
    const plain = await getBytes(port, '/');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString('utf8')).toBe(PAGE);
    const json = await getBytes(port, '/json', { 'accept-encoding': 'gzip' });
    expect(json.headers['content-encoding']).toBeUndefined();
  });

  it('is off without the option', async () => {
    const o = await serve({});
    const r = await getBytes(o.httpPort as number, '/', { 'accept-encoding': 'gzip' });
    expect(r.headers['content-encoding']).toBeUndefined();
  });
});
