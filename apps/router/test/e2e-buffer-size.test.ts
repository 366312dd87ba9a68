/**
 * ROUTER_BUF_SIZE and ROUTER_MAX_REWRITE_SIZE in the real `switchyard` process, each engine: a
 * request head larger than the default buffer minus the rewrite reserve is refused, and served
 * once the buffer is raised.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route, serviceAt } from './helpers/objects.ts';
import { startRouterProcess, writeManifest } from './helpers/router-process.ts';

/** Status of a GET to app.test carrying one header of `size` bytes (0 when the connection is cut). */
function statusWithHeader(port: number, size: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        headers: { host: 'app.test', 'x-big': 'a'.repeat(size) },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end();
  });
}

describe.each(['native', 'haproxy'])('request head size limits (--engine %s)', (engine) => {
  let backend: Server;
  let dir: TempDir;

  beforeAll(async () => {
    // A backend that accepts heads of any size here (Node's default limit is 16 KiB), so every
    // refusal below is the router's.
    backend = createServer({ maxHeaderSize: 1 << 20 }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    dir = await makeTempDir('switchyard-bufsize-');
    await writeManifest(join(dir.path, 'routes.yaml'), [
      ...serviceAt('demo', 'svc', (backend.address() as AddressInfo).port),
      route('demo', 'app', 'app.test', 'svc'),
    ]);
  });
  afterAll(async () => {
    await new Promise((resolve) => backend.close(resolve));
    await dir.cleanup();
  });

  it.each<[string, Record<string, string>, number, boolean]>([
    // Default: 32768 - 8192 = 24576 bytes of head.
    ['default buffer, 20 000-byte header', {}, 20_000, true],
    ['default buffer, 30 000-byte header', {}, 30_000, false],
    ['ROUTER_BUF_SIZE=65536, 40 000-byte header', { ROUTER_BUF_SIZE: '65536' }, 40_000, true],
    [
      'ROUTER_BUF_SIZE=65536 and ROUTER_MAX_REWRITE_SIZE=32768, 40 000-byte header',
      { ROUTER_BUF_SIZE: '65536', ROUTER_MAX_REWRITE_SIZE: '32768' },
      40_000,
      false,
    ],
  ])('%s', async (_name, env, size, served) => {
    const proc = await startRouterProcess(['--routes', dir.path, '--engine', engine], { env });
    try {
      expect(await statusWithHeader(proc.httpPort, 100)).toBe(200);
      const status = await statusWithHeader(proc.httpPort, size);
      if (served) expect(status).toBe(200);
      else expect([0, 400, 431]).toContain(status);
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });
});
