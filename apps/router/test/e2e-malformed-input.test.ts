/**
 * End-to-end with the real `switchyard` process: a Route whose fields have the wrong JSON types
 * (YAML `certificate: 12345`) used to make the store throw, the whole first batch (and its
 * `synced` event) was dropped and the router exited with ERR_ROUTER_ENGINE. Now the bad route is
 * logged as rejected and the good one is served, by both engines.
 */
import { join } from 'node:path';
import { type EchoServer, httpGet, makeTempDir, startHttpEcho, type TempDir } from '@switchyard/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { route, serviceAt } from './helpers/objects.ts';
import { type RouterProcess, startRouterProcess, writeManifest } from './helpers/router-process.ts';

describe('switchyard with a malformed route in its manifest directory', () => {
  let backend: EchoServer;
  let dir: TempDir | undefined;
  let proc: RouterProcess | undefined;

  beforeAll(async () => {
    backend = await startHttpEcho({ name: 'good' });
  });
  afterAll(async () => {
    await backend.close();
  });
  afterEach(async () => {
    if (proc !== undefined) await proc.stop('SIGKILL');
    proc = undefined;
    await dir?.cleanup();
    dir = undefined;
  });

  it.each([['native'], ['haproxy']])(
    'certificate: 12345 (--engine %s): the good route is served and the bad one is logged as rejected',
    async (engine) => {
      dir = await makeTempDir('switchyard-malformed-');
      await writeManifest(join(dir.path, 'routes.yaml'), [
        ...serviceAt('demo', 'web', backend.port),
        route('demo', 'good', 'good.test', 'web'),
        route('demo', 'bad', 'bad.test', 'web', {
          spec: { tls: { termination: 'edge', certificate: 12345 } },
        }),
      ]);
      proc = await startRouterProcess(['--routes', dir.path, '--engine', engine]);
      expect((await httpGet(proc.httpPort, 'good.test', '/')).backend).toBe('good');
      const rejected = await proc.waitForLog((l) => l.route === 'demo/bad' && l.level === 50);
      expect(rejected.msg).toContain('route demo/bad rejected: InvalidRoute:');
      expect(rejected.msg).toContain('spec.tls.certificate: Invalid value: must be a string');
      expect(proc.output()).not.toContain('ERR_ROUTER_ENGINE');
      expect((await httpGet(proc.httpPort, 'bad.test', '/')).status).toBe(503);
    },
    120_000,
  );
});
