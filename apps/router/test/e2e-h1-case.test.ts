/**
 * ROUTER_H1_CASE_ADJUST in the real `switchyard` process, each engine: the listed header names
 * reach the server of an annotated route, and every client, with exactly the listed case.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route, serviceAt } from './helpers/objects.ts';
import { startRouterProcess, writeManifest } from './helpers/router-process.ts';

describe.each(['native', 'haproxy'])('h1 header case (--engine %s)', (engine) => {
  let backend: Server;
  let dir: TempDir;
  const seen: string[] = [];

  beforeAll(async () => {
    // A raw backend: it records the request head as bytes and answers with a lower-case header.
    backend = createServer((socket: Socket) => {
      // The router may reset an idle upstream connection when it stops.
      socket.on('error', () => undefined);
      let head = '';
      socket.setEncoding('latin1');
      socket.on('data', (c: string) => {
        head += c;
        if (!head.includes('\r\n\r\n')) return;
        seen.push(head.slice(0, head.indexOf('\r\n\r\n')));
        head = '';
        socket.write('HTTP/1.1 200 OK\r\nx-resp: r\r\ncontent-length: 2\r\n\r\nok');
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    dir = await makeTempDir('switchyard-h1case-');
    const port = (backend.address() as { port: number }).port;
    await writeManifest(join(dir.path, 'routes.yaml'), [
      ...serviceAt('demo', 'svc', port),
      route('demo', 'adjusted', 'adjusted.test', 'svc', {
        metadata: { annotations: { 'haproxy.router.openshift.io/h1-adjust-case': 'true' } },
      }),
      route('demo', 'plain', 'plain.test', 'svc'),
    ]);
  });
  afterAll(async () => {
    await new Promise((resolve) => backend.close(resolve));
    await dir.cleanup();
  });

  /** A raw request with a lower-case header; the response head as bytes. */
  async function send(port: number, host: string): Promise<string> {
    const { connect } = await import('node:net');
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let text = '';
      s.setEncoding('latin1');
      s.on('data', (c: string) => {
        text += c;
        if (text.includes('\r\n\r\nok')) {
          s.destroy();
          resolve(text.slice(0, text.indexOf('\r\n\r\n')));
        }
      });
      s.on('error', reject);
      s.write(`GET / HTTP/1.1\r\nhost: ${host}\r\nx-custom: v\r\n\r\n`);
    });
  }

  it('names listed in ROUTER_H1_CASE_ADJUST keep the listed case', async () => {
    const proc = await startRouterProcess(['--routes', dir.path, '--engine', engine], {
      env: { ROUTER_H1_CASE_ADJUST: 'X-Custom,X-Resp' },
    });
    try {
      seen.length = 0;
      const adjusted = await send(proc.httpPort, 'adjusted.test');
      expect(seen.at(-1)).toMatch(/\r\nX-Custom: v(\r\n|$)/);
      expect(adjusted).toMatch(/\r\nX-Resp: r(\r\n|$)/);
      // A route without the annotation: the request keeps the client's case, the response is adjusted.
      const plain = await send(proc.httpPort, 'plain.test');
      expect(seen.at(-1)).toMatch(/\r\nx-custom: v(\r\n|$)/);
      expect(plain).toMatch(/\r\nX-Resp: r(\r\n|$)/);
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });
});
