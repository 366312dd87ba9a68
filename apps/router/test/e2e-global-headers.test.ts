/**
 * ROUTER_HTTP_REQUEST_HEADERS and ROUTER_HTTP_RESPONSE_HEADERS in the real `switchyard` process,
 * each engine: the same headers reach the backend and the client.
 */
import { join } from 'node:path';
import { type EchoServer, httpGet, makeTempDir, startHttpEcho, type TempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route, serviceAt } from './helpers/objects.ts';
import { startRouterProcess, writeManifest } from './helpers/router-process.ts';

describe.each(['native', 'haproxy'])('global header actions (--engine %s)', (engine) => {
  let echo: EchoServer;
  let dir: TempDir;

  beforeAll(async () => {
    echo = await startHttpEcho({ name: 'a' });
    dir = await makeTempDir('switchyard-ghdr-');
    await writeManifest(join(dir.path, 'routes.yaml'), [
      ...serviceAt('demo', 'svc', echo.port),
      route('demo', 'app', 'app.test', 'svc'),
    ]);
  });
  afterAll(async () => {
    await echo.close();
    await dir.cleanup();
  });

  it('sets and deletes request headers and sets response headers, percent-decoding each part', async () => {
    const proc = await startRouterProcess(['--routes', dir.path, '--engine', engine], {
      env: {
        // A value with a comma and a colon, percent-encoded; `+` is a space; one malformed entry.
        ROUTER_HTTP_REQUEST_HEADERS: 'X-Global:from+router%2C+v%3A1:Set,X-Secret:Delete,broken-entry',
        ROUTER_HTTP_RESPONSE_HEADERS: 'X-Frame-Options:DENY:Set',
      },
    });
    try {
      const r = await httpGet(proc.httpPort, 'app.test', '/', { headers: { 'x-secret': 'token' } });
      expect(r.status).toBe(200);
      // What the backend received (the echo backend answers with the request's headers).
      const seen = (JSON.parse(r.body) as { headers: Record<string, string | undefined> }).headers;
      expect(seen['x-global']).toBe('from router, v:1');
      expect(seen['x-secret']).toBeUndefined();
      expect(r.headers['x-frame-options']).toBe('DENY');
      const warning = await proc.waitForLog((l) => Array.isArray(l.skipped));
      expect(warning.skipped).toEqual(['broken-entry']);
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });
});
