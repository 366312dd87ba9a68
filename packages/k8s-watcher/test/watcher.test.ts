import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { RouterEvent } from '@switchyard/route-model';
import { type K8sApiServer, type K8sObject, pick, prng, startK8sApiServer } from '@switchyard/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouteWatcher, type RouteWatcher, type RouteWatcherOptions } from '../src/index.ts';
import { captureLogger, diffState, kubeConfigFor, namespace, route, slice, waitFor } from './helpers.ts';

const open: { api?: K8sApiServer; watchers: RouteWatcher[] } = { watchers: [] };

afterEach(async () => {
  await Promise.all(open.watchers.map((w) => w.stop()));
  open.watchers = [];
  await open.api?.close();
  delete open.api;
});

async function server(opts: Parameters<typeof startK8sApiServer>[0] = {}): Promise<K8sApiServer> {
  const api = await startK8sApiServer({ bookmarkIntervalMs: 200, ...opts });
  open.api = api;
  return api;
}

function watch(
  api: K8sApiServer,
  opts: Partial<RouteWatcherOptions> = {},
): { w: RouteWatcher; events: RouterEvent[] } {
  const events: RouterEvent[] = [];
  const w = createRouteWatcher({
    kubeConfig: kubeConfigFor(api),
    backoff: { initialMs: 50, maxMs: 500 },
    logger: captureLogger().logger,
    onEvents: (e) => events.push(...e),
    ...opts,
  });
  open.watchers.push(w);
  return { w, events };
}

/** Checks the event stream is level-triggered: no upsert repeats a resourceVersion, no delete of an unknown key. */
function assertNoDuplicates(events: readonly RouterEvent[]): void {
  const seen = new Map<string, string>();
  for (const e of events) {
    if (e.type === 'synced') continue;
    const m = e.object.metadata;
    const key = `${e.object.kind}/${m.namespace}/${m.name}`;
    if (e.type === 'upsert') {
      expect(seen.get(key), `duplicate upsert of ${key}`).not.toBe(m.resourceVersion);
      seen.set(key, String(m.resourceVersion));
    } else {
      expect(seen.has(key), `delete of ${key} never upserted`).toBe(true);
      seen.delete(key);
    }
  }
}

describe('initial sync', () => {
  it('emits 1 000 routes oldest first, then synced, after every list is in (chunked lists)', async () => {
    const api = await server();
    api.create(slice('ns0', 'web-1', 'web', ['10.0.0.1']));
    for (let i = 0; i < 1000; i++)
      api.create(route({ namespace: `ns${i % 7}`, name: `r${String(i).padStart(4, '0')}` }));
    const { w, events } = watch(api, { listPageSize: 128 });
    await w.start();
    expect(w.synced).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'synced' });
    expect(events.filter((e) => e.type === 'synced')).toHaveLength(1);
    const routes = events.filter((e) => e.type === 'upsert' && e.object.kind === 'Route');
    expect(routes).toHaveLength(1000);
    // The EndpointSlice comes before every Route (OpenShift's start-up order).
    expect(events.findIndex((e) => e.type === 'upsert' && e.object.kind === 'EndpointSlice')).toBe(0);
    expect(diffState(api.list('route.openshift.io/v1', 'Route'), w.snapshot().routes)).toEqual([]);
    // Oldest first: creation order = resourceVersion order here.
    const rvs = routes.map((e) => Number(e.type === 'upsert' ? e.object.metadata.resourceVersion : 0));
    const times = routes.map((e) => String(e.type === 'upsert' ? e.object.metadata.creationTimestamp : ''));
    expect([...times].sort()).toEqual(times);
    expect(rvs.length).toBe(1000);
    const lists = api.requests.filter((r) => r.verb === 'list' && r.resource === 'routes');
    expect(lists.length).toBe(Math.ceil(1000 / 128));
  });
});

describe('resilience', () => {
  it('ends equal to the server, object by object, after 1 000 random changes with drops, 410s and a restart', async () => {
    const api = await server();
    const rand = prng(7);
    for (let i = 0; i < 200; i++) api.create(route({ namespace: `ns${i % 5}`, name: `seed-${i}` }));
    for (let i = 0; i < 50; i++) api.create(slice(`ns${i % 5}`, `web-${i}`, 'web', [`10.1.0.${i}`]));
    const { w, events } = watch(api);
    await w.start();
    const ops = 1000;
    let n = 0;
    for (let i = 0; i < ops; i++) {
      const ns = `ns${Math.floor(rand() * 5)}`;
      const isRoute = rand() < 0.6;
      const kind = isRoute ? 'Route' : 'EndpointSlice';
      const apiVersion = isRoute ? 'route.openshift.io/v1' : 'discovery.k8s.io/v1';
      const existing = api.list(apiVersion, kind, ns);
      const r = rand();
      if (existing.length > 0 && r < 0.25) {
        const victim = pick(rand, existing);
        api.remove(apiVersion, kind, ns, String(victim.metadata.name));
      } else if (existing.length > 0 && r < 0.65) {
        const victim = pick(rand, existing);
        if (isRoute) {
          (victim.spec as { host: string }).host = `h${i}.example.com`;
        } else {
          victim.endpoints = [
            { addresses: [`10.2.${i % 250}.${(i * 7) % 250}`], conditions: { ready: rand() < 0.8 } },
          ];
        }
        api.update(victim);
      } else {
        n++;
        api.create(
          isRoute
            ? route({ namespace: ns, name: `c-${n}` })
            : slice(ns, `s-${n}`, `svc${n % 9}`, [`10.3.0.${n % 250}`]),
        );
      }
      // Interleave with the watcher and inject failures at fixed points.
      if (i % 10 === 0) await new Promise((res) => setTimeout(res, 2));
      // Each fault hits connected watches (four resource types), so each one really happens.
      if ([150, 300, 450, 600, 700, 850].includes(i)) {
        await waitFor(() => api.openWatches === 4, 20_000, `open watches before fault ${i}`);
      }
      if (i === 150 || i === 700) api.dropWatches();
      if (i === 300) api.dropWatches({ mode: 'end' });
      if (i === 450) api.expireWatches();
      if (i === 600) {
        // Watchers reconnect from a resourceVersion that compaction has just forgotten: 410, relist.
        api.dropWatches();
        api.create(route({ namespace: 'ns0', name: `compact-${i}` }));
        api.compact();
      }
      if (i === 850) await api.restart({ downMs: 300 });
    }
    await waitFor(
      () => {
        const d = [
          ...diffState(api.list('route.openshift.io/v1', 'Route'), w.snapshot().routes),
          ...diffState(api.list('discovery.k8s.io/v1', 'EndpointSlice'), w.snapshot().endpointslices),
        ];
        return d.length === 0 || d.slice(0, 5).join(', ');
      },
      30_000,
      'watcher state to equal server state',
    );
    assertNoDuplicates(events);
    const stats = w.stats();
    // One 410 from expireWatches, one from the compaction behind the drop at 600.
    expect(stats.routes?.expired).toBe(2);
    expect(stats.routes?.lists).toBe(3);
  });

  it('restarts a watch that went quiet (watchdog) and catches up from its resourceVersion', async () => {
    const api = await server({ bookmarkIntervalMs: 100 });
    const { w } = watch(api, { watchdogMs: 800 });
    await w.start();
    await waitFor(() => api.openWatches === 4, 20_000, 'four open watches');
    expect(api.stallWatches()).toBe(4);
    api.create(route({ name: 'after-stall' }));
    await waitFor(() => w.snapshot().routes.has('default/after-stall'), 20_000, 'route after stall');
    expect(w.stats().routes?.watchdogRestarts).toBeGreaterThanOrEqual(1);
    expect(w.stats().routes?.lists).toBe(1);
  });

  it('resumes from a bookmark: no 410 after compaction when bookmarks carried the watch forward', async () => {
    const api = await server({ bookmarkIntervalMs: 100 });
    api.create(route({ name: 'r1' }));
    const { w } = watch(api);
    await w.start();
    // Changes to other resource types move the global resourceVersion; only bookmarks tell the route watch.
    for (let i = 0; i < 20; i++) api.create(slice('default', `s${i}`, 'web', ['10.0.0.1']));
    const marks = w.stats().routes?.bookmarks ?? 0;
    await waitFor(() => (w.stats().routes?.bookmarks ?? 0) >= marks + 2, 20_000, 'bookmarks');
    api.compact();
    api.dropWatches();
    api.create(route({ name: 'r2' }));
    await waitFor(() => w.snapshot().routes.has('default/r2'), 20_000, 'r2');
    expect(w.stats().routes?.expired).toBe(0);
    expect(w.stats().routes?.lists).toBe(1);
  });

  it('backs off while the API server is down and resyncs when it is back', async () => {
    const api = await server();
    api.create(route({ name: 'before' }));
    const { w, events } = watch(api);
    await w.start();
    await api.restart({ downMs: 1500 });
    api.create(route({ name: 'while-restarting' }));
    api.remove('route.openshift.io/v1', 'Route', 'default', 'before');
    await waitFor(
      () => w.snapshot().routes.has('default/while-restarting') && !w.snapshot().routes.has('default/before'),
    );
    assertNoDuplicates(events);
    const failed = api.requests.filter((r) => r.verb === 'watch' && r.resource === 'routes').length;
    // Bounded reconnects: a few per second at most, not a flood (landscape §7, client-node #1933).
    expect(failed).toBeLessThan(40);
  });
});

describe('sharding', () => {
  it('two route-selector shards each see exactly their routes; a relabelled route moves', async () => {
    const api = await server();
    for (let i = 0; i < 40; i++)
      api.create(route({ name: `r${i}`, labels: { shard: i % 2 === 0 ? 'a' : 'b' } }));
    api.create(route({ name: 'unlabelled' }));
    const a = watch(api, { routeLabelSelector: 'shard=a' });
    const b = watch(api, { routeLabelSelector: 'shard in (b)' });
    await Promise.all([a.w.start(), b.w.start()]);
    const expectShard = (value: string) =>
      api.list('route.openshift.io/v1', 'Route').filter((o) => o.metadata.labels?.shard === value);
    expect(diffState(expectShard('a'), a.w.snapshot().routes)).toEqual([]);
    expect(diffState(expectShard('b'), b.w.snapshot().routes)).toEqual([]);
    const moving = api.get('route.openshift.io/v1', 'Route', 'default', 'r0') as K8sObject;
    moving.metadata.labels = { shard: 'b' };
    api.update(moving);
    await waitFor(() => !a.w.snapshot().routes.has('default/r0') && b.w.snapshot().routes.has('default/r0'));
    expect(a.events.at(-1)).toMatchObject({ type: 'delete', object: { metadata: { name: 'r0' } } });
    expect(diffState(expectShard('a'), a.w.snapshot().routes)).toEqual([]);
    expect(diffState(expectShard('b'), b.w.snapshot().routes)).toEqual([]);
  });

  it('a namespace selector ignores other namespaces and follows namespaces entering and leaving', async () => {
    const api = await server();
    api.create(namespace('in', { router: 'x' }));
    api.create(namespace('out'));
    for (const ns of ['in', 'out']) {
      api.create(route({ namespace: ns, name: 'r', externalCertificate: 'cert' }));
      api.create(slice(ns, 'web-1', 'web', ['10.0.0.9']));
      api.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'cert', namespace: ns },
        type: 'kubernetes.io/tls',
      });
      api.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'unrelated', namespace: ns },
        type: 'Opaque',
      });
    }
    const { w, events } = watch(api, { namespaceLabelSelector: 'router=x' });
    await w.start();
    const snap = () => w.snapshot();
    expect([...snap().routes.keys()]).toEqual(['in/r']);
    expect([...snap().endpointslices.keys()]).toEqual(['in/web-1']);
    expect([...snap().namespaces.keys()]).toEqual(['in']);
    // Only the Secret a route references leaves the watcher.
    expect([...snap().secrets.keys()]).toEqual(['in/cert']);
    const out = api.get('v1', 'Namespace', undefined, 'out') as K8sObject;
    out.metadata.labels = { router: 'x' };
    api.update(out);
    await waitFor(
      () =>
        snap().routes.has('out/r') &&
        snap().secrets.has('out/cert') &&
        snap().endpointslices.has('out/web-1'),
    );
    const inNs = api.get('v1', 'Namespace', undefined, 'in') as K8sObject;
    inNs.metadata.labels = {};
    api.update(inNs);
    await waitFor(
      () =>
        !snap().routes.has('in/r') &&
        !snap().endpointslices.has('in/web-1') &&
        !snap().secrets.has('in/cert'),
    );
    expect([...snap().namespaces.keys()]).toEqual(['out']);
    // The route stops referencing its Secret: the Secret is withdrawn.
    const r = api.get('route.openshift.io/v1', 'Route', 'out', 'r') as K8sObject;
    delete (r.spec as { tls?: unknown }).tls;
    api.update(r);
    await waitFor(() => !snap().secrets.has('out/cert'));
    assertNoDuplicates(events);
  });

  it('watches a single namespace when asked', async () => {
    const api = await server();
    api.create(route({ namespace: 'a', name: 'r' }));
    api.create(route({ namespace: 'b', name: 'r' }));
    const { w } = watch(api, { namespace: 'b' });
    await w.start();
    expect([...w.snapshot().routes.keys()]).toEqual(['b/r']);
    await waitFor(() =>
      api.requests.some(
        (x) => x.verb === 'watch' && x.path === '/apis/route.openshift.io/v1/namespaces/b/routes',
      ),
    );
  });
});

describe('lifecycle', () => {
  it('stop() is not held up by a list request to an API server that never answers', async () => {
    // Accepts TCP connections and says nothing (not even the TLS handshake).
    const held = new Set<Socket>();
    const silent = createNetServer((sock) => held.add(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const w = createRouteWatcher({ kubeConfig: kc, logger: captureLogger().logger });
    const started = w.start();
    await waitFor(() => held.size >= 1, 20_000, 'a connection');
    await w.stop();
    await expect(started).rejects.toMatchObject({ code: 'ERR_K8S_WATCHER_STOPPED' });
    for (const s of held) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('rejects a pending start when stopped before sync', async () => {
    const api = await server();
    const port = api.port;
    await api.close();
    delete open.api;
    const w = createRouteWatcher({
      kubeConfig: kubeConfigFor({ ...api, kubeconfig: api.kubeconfig } as K8sApiServer),
      logger: captureLogger().logger,
      backoff: { initialMs: 20, maxMs: 50 },
    });
    const started = w.start();
    await w.stop();
    await expect(started).rejects.toMatchObject({ code: 'ERR_K8S_WATCHER_STOPPED' });
    expect(port).toBeGreaterThan(0);
  });
});
