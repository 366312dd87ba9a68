/**
 * OpenShift's logging and compression settings in the real `switchyard` process, each engine,
 * checked against the same expectations: ROUTER_SYSLOG_ADDRESS with ROUTER_LOG_LEVEL (an
 * httplog-style line per request over UDP, none at the default level), and
 * ROUTER_ENABLE_COMPRESSION with ROUTER_COMPRESSION_MIME (HAProxy's gzip rules and headers).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { makeTempDir, type TempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route, serviceAt } from './helpers/objects.ts';
import { startRouterProcess, writeManifest } from './helpers/router-process.ts';

const PAGE = `<html><body>${'compressible text '.repeat(300)}</body></html>`;

function fetch(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { host: 'app.test', ...headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe.each(['native', 'haproxy'])('syslog and compression (--engine %s)', (engine) => {
  let backend: Server;
  let dir: TempDir;
  let udp: UdpSocket;
  let udpPort: number;
  const lines: string[] = [];

  beforeAll(async () => {
    backend = createServer((req, res) => {
      if (req.url === '/json')
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":[1,2,3]}');
      else res.writeHead(200, { 'content-type': 'text/html', etag: '"v1"' }).end(PAGE);
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    dir = await makeTempDir('switchyard-logz-');
    await writeManifest(join(dir.path, 'routes.yaml'), [
      ...serviceAt('demo', 'svc', (backend.address() as AddressInfo).port),
      route('demo', 'app', 'app.test', 'svc'),
    ]);
    udp = createSocket('udp4');
    udp.on('message', (m) => lines.push(m.toString('utf8')));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    udpPort = udp.address().port;
  });
  afterAll(async () => {
    udp.close();
    await new Promise((resolve) => backend.close(resolve));
    await dir.cleanup();
  });

  async function waitLine(pattern: RegExp, tries: number): Promise<string | undefined> {
    for (let i = 0; i < tries; i++) {
      const hit = lines.find((l) => pattern.test(l));
      if (hit !== undefined) return hit;
      await new Promise((r) => setTimeout(r, 20));
    }
    return undefined;
  }

  it('ROUTER_SYSLOG_ADDRESS with ROUTER_LOG_LEVEL=info: one httplog-style line per request', async () => {
    const proc = await startRouterProcess(['--routes', dir.path, '--engine', engine], {
      env: { ROUTER_SYSLOG_ADDRESS: `127.0.0.1:${udpPort}`, ROUTER_LOG_LEVEL: 'info' },
    });
    try {
      await fetch(proc.httpPort, '/logged', {});
      const line = await waitLine(/"GET \/logged HTTP\/1\.1"/, 200);
      // <142> = local1 (17) * 8 + info (6); RFC 3164 stamp, host, tag[pid]; then client, accept
      // date, frontend, backend/server, timers, status, bytes, ..., the request line.
      expect(line).toMatch(
        /^<142>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ \S+\[\d+\]: 127\.0\.0\.1:\d+ \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] public be_http:demo:app\/\S+ -?\d+\/-?\d+\/-?\d+\/-?\d+\/\d+ 200 \d+ - - \S{4} \S+ \d+\/\d+ "GET \/logged HTTP\/1\.1"\n?$/,
      );
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });

  it('at the default level (warning) no request is logged, as in OpenShift', async () => {
    const proc = await startRouterProcess(['--routes', dir.path, '--engine', engine], {
      env: { ROUTER_SYSLOG_ADDRESS: `127.0.0.1:${udpPort}` },
    });
    try {
      await fetch(proc.httpPort, '/unlogged', {});
      // The line of the test above arrived within milliseconds; half a second is ample.
      expect(await waitLine(/\/unlogged/, 25)).toBeUndefined();
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });

  it('ROUTER_ENABLE_COMPRESSION gzips the default types with HAProxy headers; ROUTER_COMPRESSION_MIME changes them', async () => {
    const proc = await startRouterProcess(['--routes', dir.path, '--engine', engine], {
      env: { ROUTER_ENABLE_COMPRESSION: 'true' },
    });
    try {
      const html = await fetch(proc.httpPort, '/', { 'accept-encoding': 'gzip' });
      expect(html.headers['content-encoding']).toBe('gzip');
      expect(html.headers.etag).toBe('W/"v1"');
      expect(html.headers.vary).toBe('Accept-Encoding');
      expect(html.headers['content-length']).toBeUndefined();
      expect(gunzipSync(html.body).toString('utf8')).toBe(PAGE);
      expect(
        (await fetch(proc.httpPort, '/json', { 'accept-encoding': 'gzip' })).headers['content-encoding'],
      ).toBeUndefined();
      const plain = await fetch(proc.httpPort, '/', {});
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.etag).toBe('"v1"');
    } finally {
      expect(await proc.stop()).toBe(0);
    }
    const json = await startRouterProcess(['--routes', dir.path, '--engine', engine], {
      env: { ROUTER_ENABLE_COMPRESSION: 'true', ROUTER_COMPRESSION_MIME: 'application/json' },
    });
    try {
      const r = await fetch(json.httpPort, '/json', { 'accept-encoding': 'gzip' });
      expect(r.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(r.body).toString('utf8')).toBe('{"a":[1,2,3]}');
      expect(
        (await fetch(json.httpPort, '/', { 'accept-encoding': 'gzip' })).headers['content-encoding'],
      ).toBeUndefined();
    } finally {
      expect(await json.stop()).toBe(0);
    }
  });
});
