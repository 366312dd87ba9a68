/**
 * The HAProxy engine in the real `switchyard` process: edits are applied by reloads that follow
 * OpenShift's coalescing (first change at once, later ones within RELOAD_INTERVAL merged into
 * one reload), with no failed request meanwhile.
 */
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server } from 'node:net';
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
    // A long interval, and every step below waits for what the router observed rather than for
    // wall-clock time: the three later edits land well inside the window however loaded the
    // machine is (a 2 s window with 100 ms sleeps could be split by scheduling noise into a
    // third reload). The trailing reload then comes RELOAD_INTERVAL after the first started.
    proc = await startRouterProcess([
      '--routes',
      dir.path,
      '--engine',
      'haproxy',
      '--reload-interval',
      '10s',
    ]);
    const p = proc;
    expect((await httpGet(p.httpPort, 'app.test', '/')).backend).toBe('a');

    // A new connection per request: this test is about the limiter; keep-alive clients across
    // reloads are the next test's subject.
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
      // First edit: applied at once (idle limiter).
      await writeManifest(file, objects('b', 1));
      await p.waitForMetric('switchyard_reloads_total{result="ok"}', 1, 20_000);
      expect(await p.metric('switchyard_routes_served')).toBe(2);
      // Three more edits, each one seen by the router (its "admitted" log for the route the
      // edit adds, logged just before the table goes to the engine) before the next is written:
      // three separate changes for the limiter, all within the interval.
      for (let i = 2; i <= 4; i += 1) {
        await writeManifest(file, objects(i % 2 === 0 ? 'a' : 'b', i));
        await p.waitForLog((l) => l.route === `demo/extra-${i - 1}` && / admitted/.test(l.msg), 20_000);
      }
      // Held back, not applied one by one: still one reload, still the first edit's table.
      expect(await p.metric('switchyard_reloads_total{result="ok"}')).toBe(1);
      expect(await p.metric('switchyard_routes_served')).toBe(2);
      // Then exactly one trailing reload applies the last edit.
      await p.waitForMetric('switchyard_routes_served', 5, 30_000);
      expect(await p.metric('switchyard_reloads_total{result="ok"}')).toBe(2);
      expect((await httpGet(p.httpPort, 'app.test', '/')).backend).toBe('a');
      expect((await httpGet(p.httpPort, 'extra-3.test', '/')).backend).toBe('a');
      // A few more requests after the reload, counted rather than timed.
      const after = statuses.length + failures.length + 10;
      for (let i = 0; i < 2000 && statuses.length + failures.length < after; i += 1) await sleep(10);
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
  }, 90_000);

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

/** One GET through a keep-alive agent; whether the request went out on a reused connection. */
function keepAliveGet(
  agent: Agent,
  port: number,
  host: string,
): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('switchyard --engine haproxy with keep-alive clients while routes change', () => {
  let a: EchoServer;
  let dir: TempDir;
  let work: TempDir;
  let proc: RouterProcess | undefined;

  beforeAll(async () => {
    a = await startHttpEcho({ name: 'a' });
    dir = await makeTempDir('switchyard-keepalive-');
    work = await makeTempDir('switchyard-keepalive-work-');
  });
  afterAll(async () => {
    const code = await proc?.stop();
    await a.close();
    await dir.cleanup();
    await work.cleanup();
    expect(code).toBe(0);
  });

  it('reloads lose no request on reused connections (idle-close-on-response is on by default)', async () => {
    const file = join(dir.path, 'app.yaml');
    const objects = (extra: number): object[] => [
      ...serviceAt('demo', 'svc', a.port),
      route('demo', 'app', 'app.test', 'svc'),
      ...Array.from({ length: extra }, (_, i) => route('demo', `extra-${i}`, `extra-${i}.test`, 'svc')),
    ];
    await writeManifest(file, objects(0));
    proc = await startRouterProcess([
      '--routes',
      dir.path,
      '--engine',
      'haproxy',
      '--work-dir',
      work.path,
      '--reload-interval',
      '1s',
    ]);
    const p = proc;
    // The default turns the option on; this is what keeps idle keep-alive connections alive
    // through a reload until they carry one more response.
    expect(await readFile(join(work.path, 'haproxy.config'), 'utf8')).toMatch(
      /^\s*option idle-close-on-response$/m,
    );

    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const failures: string[] = [];
    let ok = 0;
    let reused = 0;
    let running = true;
    const client = async (): Promise<void> => {
      while (running) {
        await keepAliveGet(agent, p.httpPort, 'app.test').then(
          (answer) => {
            if (answer.status === 200) ok += 1;
            else failures.push(`status ${answer.status}`);
            if (answer.reused) reused += 1;
          },
          (error: Error) => failures.push(error.message),
        );
      }
    };
    const clients = Array.from({ length: 4 }, () => client());
    const reloads = 4;
    try {
      // Each edit adds a route (a reload); the next is written once that reload is done, so the
      // run is bounded by reloads, not by a clock (about 4-5 s with a 1 s interval).
      for (let i = 1; i <= reloads; i += 1) {
        await writeManifest(file, objects(i));
        await p.waitForMetric('switchyard_reloads_total{result="ok"}', i, 30_000);
      }
      await p.waitForMetric('switchyard_routes_served', reloads + 1, 10_000);
      // A few more requests after the last reload, counted rather than timed.
      const after = ok + failures.length + 20;
      for (let i = 0; i < 2000 && ok + failures.length < after; i += 1) await sleep(10);
    } finally {
      running = false;
      await Promise.all(clients);
      agent.destroy();
    }
    expect(failures).toEqual([]);
    expect(await p.metric('template_router_reload_failure')).toBe(0);
    // The clients really kept their connections across requests (and so across reloads).
    expect(reused).toBeGreaterThan(reloads * 10);
    expect(ok).toBeGreaterThan(reloads * 10);
  }, 90_000);
});

describe('switchyard --engine haproxy --hard-stop-after', () => {
  let dir: TempDir;
  let work: TempDir;
  let silent: Server;
  let proc: RouterProcess | undefined;

  beforeAll(async () => {
    // A backend that reads requests and never answers: the request stays on the worker that took it.
    silent = createNetServer((socket) => {
      // Cut by the old HAProxy process at hard-stop-after: a reset is expected.
      socket.on('error', () => undefined);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    dir = await makeTempDir('switchyard-hardstop-');
    work = await makeTempDir('sy-hs-');
  });
  afterAll(async () => {
    const code = await proc?.stop();
    await new Promise((resolve) => silent.close(resolve));
    await dir.cleanup();
    await work.cleanup();
    expect(code).toBe(0);
  });

  it('ROUTER_HARD_STOP_AFTER ends a request left on the old HAProxy process that long after a reload', async () => {
    const port = (silent.address() as AddressInfo).port;
    const file = join(dir.path, 'app.yaml');
    const objects = (extra: number): object[] => [
      ...serviceAt('demo', 'svc', port),
      route('demo', 'app', 'app.test', 'svc'),
      ...Array.from({ length: extra }, (_, i) => route('demo', `extra-${i}`, `extra-${i}.test`, 'svc')),
    ];
    await writeManifest(file, objects(0));
    proc = await startRouterProcess(['--routes', dir.path, '--engine', 'haproxy', '--work-dir', work.path], {
      env: { ROUTER_HARD_STOP_AFTER: '2s', RELOAD_INTERVAL: '1s' },
    });
    const p = proc;
    expect(await readFile(join(work.path, 'haproxy.config'), 'utf8')).toMatch(/^\s*hard-stop-after 2000ms$/m);
    // A request the backend never answers (the server timeout is 30 s).
    const ended = new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port: p.httpPort, path: '/', headers: { host: 'app.test' } });
      req.on('response', (res) => {
        res.resume();
        res.on('close', () => resolve(Date.now()));
      });
      req.on('error', () => resolve(Date.now()));
      req.end();
    });
    await sleep(300);
    // A new route: a reload; the old process keeps the pending request until hard-stop-after.
    await writeManifest(file, objects(1));
    await p.waitForMetric('switchyard_reloads_total{result="ok"}', 1, 20_000);
    const reloaded = Date.now();
    const end = await Promise.race([ended, sleep(15_000).then(() => Number.POSITIVE_INFINITY)]);
    // Cut about 2 s after the reload, far sooner than the 30 s server timeout.
    expect(end - reloaded).toBeLessThan(8_000);
    expect(end - reloaded).toBeGreaterThan(1_000);
  });
});
