/**
 * ROUTER_IP_V4_V6_MODE in the real `switchyard` process, each engine: which loopback addresses
 * (127.0.0.1, ::1) answer on the HTTP port with the default all-interfaces listen address.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { type EchoServer, makeTempDir, startHttpEcho, type TempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route, serviceAt } from './helpers/objects.ts';
import { startRouterProcess, writeManifest } from './helpers/router-process.ts';

/** The status of GET / for app.test sent to `address`, or 0 when the connection fails. */
function statusAt(address: string, port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: address, port, path: '/', headers: { host: 'app.test' }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(5_000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

describe.each(['native', 'haproxy'])('ROUTER_IP_V4_V6_MODE (--engine %s)', (engine) => {
  let echo: EchoServer;
  let dir: TempDir;

  beforeAll(async () => {
    echo = await startHttpEcho({ name: 'a' });
    dir = await makeTempDir('switchyard-ipmode-');
    await writeManifest(join(dir.path, 'routes.yaml'), [
      ...serviceAt('demo', 'svc', echo.port),
      route('demo', 'app', 'app.test', 'svc'),
    ]);
  });
  afterAll(async () => {
    await echo.close();
    await dir.cleanup();
  });

  it.each<[string, Record<string, number>]>([
    ['v4', { '127.0.0.1': 200, '::1': 0 }],
    ['v6', { '127.0.0.1': 0, '::1': 200 }],
    ['v4v6', { '127.0.0.1': 200, '::1': 200 }],
  ])('%s', async (mode, want) => {
    // The all-interfaces default (the test helper passes 127.0.0.1 first; the later flag wins).
    const proc = await startRouterProcess(
      ['--routes', dir.path, '--engine', engine, '--listen-address', '0.0.0.0'],
      {
        env: { ROUTER_IP_V4_V6_MODE: mode },
      },
    );
    try {
      const got: Record<string, number> = {};
      for (const address of Object.keys(want)) got[address] = await statusAt(address, proc.httpPort);
      expect(got).toEqual(want);
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });
});
