/**
 * ROUTER_ERRORFILE_503 and ROUTER_ERRORFILE_404 in the real `switchyard` process, each engine:
 * the same answers, status line, headers and body as the files say, for a host that matches no
 * route and for a route without endpoints; a malformed file stops the router naming the setting.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route } from './helpers/objects.ts';
import { startRouterProcess, writeManifest } from './helpers/router-process.ts';

interface Answer {
  status: number;
  body: string;
  marker: string | undefined;
}

/** A raw GET with `Connection: close`, so the answer ends with the connection. */
async function get(port: number, host: string): Promise<Answer> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (text += c));
    socket.on('error', reject);
    socket.on('close', () => {
      const end = text.indexOf('\r\n\r\n');
      const head = text.slice(0, end);
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0),
        body: text.slice(end + 4),
        marker: /\r\nx-error-page: ([^\r]*)/i.exec(head)?.[1],
      });
    });
    socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

describe.each(['native', 'haproxy'])('error files (--engine %s)', (engine) => {
  let dir: TempDir;
  let file503: string;
  let file404: string;

  beforeAll(async () => {
    dir = await makeTempDir('switchyard-errorfiles-');
    const routes = join(dir.path, 'routes');
    await mkdir(routes);
    // A route whose service has no endpoints.
    await writeManifest(join(routes, 'routes.yaml'), [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'empty', namespace: 'demo' },
        spec: { ports: [{ name: 'http', port: 80 }] },
      },
      route('demo', 'empty', 'empty.test', 'empty'),
    ]);
    file503 = join(dir.path, '503.http');
    file404 = join(dir.path, '404.http');
    await writeFile(
      file503,
      'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nX-Error-Page: custom-503\r\nContent-Length: 23\r\nConnection: close\r\n\r\n<h1>come back soon</h1>',
    );
    await writeFile(
      file404,
      'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nX-Error-Page: custom-404\r\nContent-Length: 14\r\nConnection: close\r\n\r\nno such route\n',
    );
  });
  afterAll(async () => dir.cleanup());

  it('without error files, both cases get the built-in 503 page', async () => {
    const proc = await startRouterProcess(['--routes', join(dir.path, 'routes'), '--engine', engine]);
    try {
      for (const host of ['nowhere.test', 'empty.test']) {
        const a = await get(proc.httpPort, host);
        expect(a.status).toBe(503);
        expect(a.body).toContain('Application is not available');
      }
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });

  it('ROUTER_ERRORFILE_404 answers hosts without a route, ROUTER_ERRORFILE_503 routes without endpoints', async () => {
    const proc = await startRouterProcess(['--routes', join(dir.path, 'routes'), '--engine', engine], {
      env: { ROUTER_ERRORFILE_503: file503, ROUTER_ERRORFILE_404: file404 },
    });
    try {
      expect(await get(proc.httpPort, 'nowhere.test')).toEqual({
        status: 404,
        body: 'no such route\n',
        marker: 'custom-404',
      });
      expect(await get(proc.httpPort, 'empty.test')).toEqual({
        status: 503,
        body: '<h1>come back soon</h1>',
        marker: 'custom-503',
      });
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });

  it('an error file whose Content-Length disagrees with its body stops the router, as it stops HAProxy', async () => {
    const bad = join(dir.path, 'bad-length.http');
    await writeFile(bad, 'HTTP/1.1 503 Busy\r\nContent-Length: 3\r\n\r\nbusy');
    const proc = await startRouterProcess(['--routes', join(dir.path, 'routes'), '--engine', engine], {
      env: { ROUTER_ERRORFILE_503: bad },
      waitReady: false,
    });
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(/ROUTER_ERRORFILE_503.*Content-Length equal to the 4 bytes/);
  });

  it('a malformed error file stops the router at start, naming the setting and the line', async () => {
    const bad = join(dir.path, 'bad.http');
    await writeFile(bad, 'HTTP/1.1 503 Busy\r\nno colon here\r\n\r\nbody');
    const proc = await startRouterProcess(['--routes', join(dir.path, 'routes'), '--engine', engine], {
      env: { ROUTER_ERRORFILE_503: bad },
      waitReady: false,
    });
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(
      /Invalid setting --error-file-503 \(ROUTER_ERRORFILE_503\): .*bad\.http: expected a header line "Name: value" on line 2/,
    );
  });
});
