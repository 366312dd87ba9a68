/**
 * The HAProxy engine in the real `switchyard` process: edits are applied by reloads that follow
 * OpenShift's coalescing (first change at once, later ones within RELOAD_INTERVAL merged into
 * one reload), with no failed request meanwhile.
 */
import { Agent } from 'node:http';
import { join } from 'node:path';
import { type EchoServer, httpGet, makeTempDir, startHttpEcho, type TempDir } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route, serviceAt } from './helpers/objects.ts';
import { type RouterProcess, sleep, startRouterProcess, writeManifest } from './helpers/router-process.ts';

/** Asks for app.test until `want` answers (at most 200 tries, 25 ms apart); the last backend that answered. */
async function pollBackend(port: number, want: string): Promise<string | undefined> {
  let backend: string | undefined;
  for (let i = 0; i < 200 && backend !== want; i += 1) {
    backend = (await httpGet(port, 'app.test', '/')).backend;
    if (backend !== want) await sleep(25);
  }
  return backend;
}

describe('switchyard --engine haproxy on manifest files', () => {
  let a: EchoServer;
  let b: EchoServer;
  let dir: TempDir;
  let proc: RouterProcess;

  beforeAll(async () => {
    a = await startHttpEcho({ name: 'a' });
    b = await startHttpEcho({ name: 'b' });
    dir = await makeTempDir('switchyard-haproxy-');
  });
  afterAll(async () => {
    const code = await proc?.stop();
    await a.close();
    await b.close();
    await dir.cleanup();
    expect(code).toBe(0);
  });

  const objects = (target: string, extraRoutes: number): object[] => [
    ...serviceAt('demo', 'svc-a', a.port),
    ...serviceAt('demo', 'svc-b', b.port),
    route('demo', 'app', 'app.test', `svc-${target}`),
    ...Array.from({ length: extraRoutes }, (_, i) => route('demo', `extra-${i}`, `extra-${i}.test`, 'svc-a')),
  ];

  it('coalesces edits within RELOAD_INTERVAL into one reload and serves the last one, without failed requests', async () => {
    const file = join(dir.path, 'app.yaml');
    await writeManifest(file, objects('a', 0));
    proc = await startRouterProcess(['--routes', dir.path, '--engine', 'haproxy', '--reload-interval', '2s']);
    const p = proc;
    expect((await httpGet(p.httpPort, 'app.test', '/')).backend).toBe('a');

    // A new connection per request: idle keep-alive connections to an old worker can be closed
    // under a request that is being sent (HAProxy's soft-stop race, which `option
    // idle-close-on-response` addresses in the renderer), and that is not what this test is about.
    const agent = new Agent({ keepAlive: false, maxSockets: 2 });
    const failures: string[] = [];
    const statuses: number[] = [];
    let running = true;
    const client = async (): Promise<void> => {
      while (running) {
        await httpGet(p.httpPort, 'app.test', '/', { agent }).then(
          (answer) => statuses.push(answer.status),
          (error: Error) => failures.push(error.message),
        );
      }
    };
    const clients = [client(), client()];
    try {
      // First edit: applied at once (idle limiter). Then three edits in quick succession:
      // merged into one reload when the interval has passed.
      await writeManifest(file, objects('b', 1));
      await p.waitForMetric('switchyard_reloads_total{result="ok"}', 1, 20_000);
      for (let i = 2; i <= 4; i += 1) {
        await writeManifest(file, objects(i % 2 === 0 ? 'a' : 'b', i));
        await sleep(100);
      }
      await p.waitForMetric('switchyard_routes_served', 5, 20_000);
      expect(await p.metric('switchyard_reloads_total{result="ok"}')).toBe(2);
      expect((await httpGet(p.httpPort, 'app.test', '/')).backend).toBe('a');
      expect((await httpGet(p.httpPort, 'extra-3.test', '/')).backend).toBe('a');
      await sleep(300);
    } finally {
      running = false;
      await Promise.all(clients);
      agent.destroy();
    }
    expect(failures).toEqual([]);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(20);
    expect(await p.metric('template_router_reload_failure')).toBe(0);
    // The data plane's metrics, from HAProxy's `show stat`, with OpenShift's exporter labels.
    const served = await p.metric(
      'haproxy_backend_http_responses_total{backend="http",namespace="demo",route="app",code="2xx"}',
    );
    expect(served).toBeGreaterThan(0);
    expect(await p.metric('haproxy_backend_up{backend="http",namespace="demo",route="app"}')).toBe(1);
    expect(await p.metric('haproxy_workers')).toBe(1);
  });

  it('a route that cannot be rendered safely is left out, reported as rejected, and the rest keep serving', async () => {
    const file = join(dir.path, 'unsafe.yaml');
    await writeManifest(file, [
      route('demo', 'unsafe', 'unsafe.test', 'svc-b', {
        // A tab passes OpenShift's `^/.*$` check but has no safe place in a config line.
        metadata: { annotations: { 'haproxy.router.openshift.io/rewrite-target': '/x\ty' } },
      }),
    ]);
    const log = await proc.waitForLog((l) => l.route === 'demo/unsafe' && l.level === 50);
    expect(log.msg).toMatch(
      /^route demo\/unsafe cannot be rendered for HAProxy and is left out: .*rewrite-target/,
    );
    await proc.waitForMetric('switchyard_routes{state="rejected"}', 1);
    expect(await proc.metric('switchyard_route_rejections{reason="UnrenderableRoute"}')).toBe(1);
    expect((await httpGet(proc.httpPort, 'unsafe.test', '/')).status).toBe(503);
    expect((await httpGet(proc.httpPort, 'app.test', '/')).backend).toBe('a');
  });
});

describe('switchyard --engine haproxy --haproxy-config-manager', () => {
  let a: EchoServer;
  let b: EchoServer;
  let dir: TempDir;
  let proc: RouterProcess | undefined;

  beforeAll(async () => {
    a = await startHttpEcho({ name: 'a' });
    b = await startHttpEcho({ name: 'b' });
    dir = await makeTempDir('switchyard-dcm-');
  });
  afterAll(async () => {
    const code = await proc?.stop();
    await a.close();
    await b.close();
    await dir.cleanup();
    expect(code).toBe(0);
  });

  it('endpoint changes apply through the runtime API, without a reload', async () => {
    const file = join(dir.path, 'app.yaml');
    const objects = (port: number): object[] => [
      ...serviceAt('demo', 'svc', port),
      route('demo', 'app', 'app.test', 'svc'),
    ];
    // The slice moves from a's port to b's: HAProxy deletes one server and adds another.
    await writeManifest(file, objects(a.port));
    proc = await startRouterProcess([
      '--routes',
      dir.path,
      '--engine',
      'haproxy',
      '--haproxy-config-manager',
      '--reload-interval',
      '30s',
    ]);
    const p = proc;
    expect((await httpGet(p.httpPort, 'app.test', '/')).backend).toBe('a');
    await writeManifest(file, objects(b.port));
    await p.waitForMetric('switchyard_runtime_updates_total', 1, 20_000);
    expect(await pollBackend(p.httpPort, 'b')).toBe('b');
    // A second endpoint change right after the first is not held back by RELOAD_INTERVAL
    // (30 s here): it needs no reload, so it applies at once.
    await writeManifest(file, objects(a.port));
    await p.waitForMetric('switchyard_runtime_updates_total', 2, 10_000);
    expect(await pollBackend(p.httpPort, 'a')).toBe('a');
    expect(await p.metric('switchyard_reloads_total{result="ok"}')).toBeUndefined();
  });
});
