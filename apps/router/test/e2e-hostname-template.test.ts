/**
 * ROUTER_SUBDOMAIN, ROUTER_OVERRIDE_HOSTNAME and ROUTER_OVERRIDE_DOMAINS in the real `switchyard`
 * process: routes are served on the host the template gives them.
 */
import { join } from 'node:path';
import { type EchoServer, httpGet, makeTempDir, startHttpEcho, type TempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route, serviceAt } from './helpers/objects.ts';
import { startRouterProcess, writeManifest } from './helpers/router-process.ts';

// biome-ignore lint/suspicious/noTemplateCurlyInString: OpenShift's template syntax, not JavaScript's
const TEMPLATE = '${name}-${namespace}.apps.test';

describe('host name template', () => {
  let echo: EchoServer;
  let dir: TempDir;

  beforeAll(async () => {
    echo = await startHttpEcho({ name: 'a' });
    dir = await makeTempDir('switchyard-hosttpl-');
    await writeManifest(join(dir.path, 'routes.yaml'), [
      ...serviceAt('demo', 'svc', echo.port),
      // No host: the template names it.
      route('demo', 'nohost', '', 'svc'),
      route('demo', 'own', 'own.legacy.test', 'svc'),
    ]);
  });
  afterAll(async () => {
    await echo.close();
    await dir.cleanup();
  });

  const status = async (port: number, host: string) => (await httpGet(port, host, '/')).status;

  it.each<[string, Record<string, string>, Record<string, number>]>([
    [
      'ROUTER_SUBDOMAIN names routes without a host',
      { ROUTER_SUBDOMAIN: TEMPLATE },
      { 'nohost-demo.apps.test': 200, 'own.legacy.test': 200, 'own-demo.apps.test': 503 },
    ],
    [
      'ROUTER_OVERRIDE_HOSTNAME replaces every host',
      { ROUTER_SUBDOMAIN: TEMPLATE, ROUTER_OVERRIDE_HOSTNAME: 'true' },
      { 'nohost-demo.apps.test': 200, 'own-demo.apps.test': 200, 'own.legacy.test': 503 },
    ],
    [
      'ROUTER_OVERRIDE_DOMAINS replaces the hosts of those domains only',
      { ROUTER_SUBDOMAIN: TEMPLATE, ROUTER_OVERRIDE_DOMAINS: 'legacy.test' },
      { 'own-demo.apps.test': 200, 'own.legacy.test': 503 },
    ],
  ])('%s', async (_name, env, want) => {
    const proc = await startRouterProcess(['--routes', dir.path], { env });
    try {
      const got: Record<string, number> = {};
      for (const host of Object.keys(want)) got[host] = await status(proc.httpPort, host);
      expect(got).toEqual(want);
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });
});
