import type { RouteIngress } from '@switchyard/route-model';
import { type K8sApiServer, type K8sObject, startK8sApiServer } from '@switchyard/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createRouteStatusWriter,
  createRouteWatcher,
  type RouteStatusWriter,
  type RouteStatusWriterOptions,
  type RouteWatcher,
  type RouteWatcherOptions,
} from '../src/index.ts';
import { admitAll, captureLogger, type LogLine, kubeConfigFor, route, waitFor } from './helpers.ts';

interface Router {
  readonly watcher: RouteWatcher;
  readonly writer: RouteStatusWriter;
  readonly logs: LogLine[];
  /** Routes this router rejects (by `namespace:name`), with the reason. */
  readonly reject: Map<string, string>;
}

const open: { api?: K8sApiServer; routers: Router[] } = { routers: [] };

afterEach(async () => {
  for (const r of open.routers) {
    await r.writer.close();
    await r.watcher.stop();
  }
  open.routers = [];
  await open.api?.close();
  delete open.api;
});

async function server(): Promise<K8sApiServer> {
  const api = await startK8sApiServer({ bookmarkIntervalMs: 500 });
  open.api = api;
  return api;
}

/** A watcher + status writer pair fed by a stand-in for route-model (admits everything unless told). */
async function startRouter(
  api: K8sApiServer,
  routerName: string,
  watcherOptions: Partial<RouteWatcherOptions> = {},
  writerOptions: Partial<RouteStatusWriterOptions> = {},
): Promise<Router> {
  const { logger, lines } = captureLogger();
  const watcher = createRouteWatcher({
    kubeConfig: kubeConfigFor(api),
    logger,
    backoff: { initialMs: 50, maxMs: 500 },
    ...watcherOptions,
  });
  const writer = createRouteStatusWriter({ watcher, routerName, logger, ...writerOptions });
  const reject = new Map<string, string>();
  const feed = (): void =>
    writer.update(
      admitAll(watcher).map((s) => {
        const reason = reject.get(s.key);
        return reason
          ? {
              ...s,
              admitted: false,
              condition: { type: 'Admitted', status: 'False', reason, message: `no: ${reason}` },
            }
          : s;
      }),
    );
  watcher.subscribe(feed);
  const r: Router = { watcher, writer, logs: lines, reject };
  open.routers.push(r);
  await watcher.start();
  return r;
}

function entries(api: K8sApiServer, ns: string, name: string): RouteIngress[] {
  const o = api.get('route.openshift.io/v1', 'Route', ns, name) as K8sObject | undefined;
  return ((o?.status as { ingress?: RouteIngress[] } | undefined)?.ingress ?? []) as RouteIngress[];
}

function entry(api: K8sApiServer, ns: string, name: string, routerName: string): RouteIngress | undefined {
  return entries(api, ns, name).find((e) => e.routerName === routerName);
}

function statusPuts(api: K8sApiServer, name?: string): number {
  return api.requests.filter((r) => r.verb === 'update-status' && (name === undefined || r.name === name))
    .length;
}

describe('status writer', () => {
  it('two router names each maintain only their own entry', async () => {
    const api = await server();
    for (let i = 0; i < 5; i++) api.create(route({ name: `r${i}` }));
    const a = await startRouter(api, 'router-a', {}, { canonicalHostname: 'router-a.apps.example.com' });
    const b = await startRouter(api, 'router-b');
    await waitFor(
      () => [0, 1, 2, 3, 4].every((i) => entries(api, 'default', `r${i}`).length === 2),
      20_000,
      'both entries',
    );
    const e = entry(api, 'default', 'r0', 'router-a');
    expect(e).toMatchObject({
      routerName: 'router-a',
      host: 'r0.default.apps.example.com',
      wildcardPolicy: 'None',
      routerCanonicalHostname: 'router-a.apps.example.com',
      conditions: [{ type: 'Admitted', status: 'True' }],
    });
    expect(e?.conditions?.[0]?.lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // router-b rejects r0: only router-b's entry changes.
    const before = entry(api, 'default', 'r0', 'router-a');
    b.reject.set('default:r0', 'HostAlreadyClaimed');
    b.writer.update(
      admitAll(b.watcher).map((s) =>
        s.key === 'default:r0'
          ? {
              ...s,
              admitted: false,
              condition: { type: 'Admitted', status: 'False', reason: 'HostAlreadyClaimed' },
            }
          : s,
      ),
    );
    await waitFor(() => entry(api, 'default', 'r0', 'router-b')?.conditions?.[0]?.status === 'False');
    expect(entry(api, 'default', 'r0', 'router-a')).toEqual(before);
    expect(entries(api, 'default', 'r0').map((x) => x.routerName)).toEqual(['router-a', 'router-b']);
    expect(a.writer.contended.size + b.writer.contended.size).toBe(0);
  });

  it('sets lastTransitionTime only when the condition changes', async () => {
    const api = await server();
    api.create(route({ name: 'r' }));
    const r = await startRouter(api, 'default');
    await waitFor(() => entry(api, 'default', 'r', 'default') !== undefined);
    // Backdate the timestamp (same condition: the writer must not treat it as a change).
    const o = api.get('route.openshift.io/v1', 'Route', 'default', 'r') as K8sObject;
    const st = o.status as { ingress: RouteIngress[] };
    (st.ingress[0]?.conditions?.[0] as { lastTransitionTime: string }).lastTransitionTime =
      '2020-01-01T00:00:00Z';
    api.updateStatus(o);
    // Host changes, condition does not: host rewritten, timestamp kept.
    const moved = api.get('route.openshift.io/v1', 'Route', 'default', 'r') as K8sObject;
    (moved.spec as { host: string }).host = 'new.example.com';
    api.update(moved);
    await waitFor(() => entry(api, 'default', 'r', 'default')?.host === 'new.example.com');
    expect(entry(api, 'default', 'r', 'default')?.conditions?.[0]?.lastTransitionTime).toBe(
      '2020-01-01T00:00:00Z',
    );
    // Condition changes: new timestamp.
    r.reject.set('default:r', 'InvalidHost');
    const touch = api.get('route.openshift.io/v1', 'Route', 'default', 'r') as K8sObject;
    touch.metadata.annotations = { poke: '1' };
    api.update(touch);
    await waitFor(() => entry(api, 'default', 'r', 'default')?.conditions?.[0]?.status === 'False');
    const c = entry(api, 'default', 'r', 'default')?.conditions?.[0];
    expect(c).toMatchObject({ type: 'Admitted', status: 'False', reason: 'InvalidHost' });
    expect(c?.lastTransitionTime).not.toBe('2020-01-01T00:00:00Z');
  });

  it('three replicas of one router name converge with fewer than 10 status writes per route change', async () => {
    const api = await server();
    const replicas = await Promise.all(
      [1, 2, 3].map(() => startRouter(api, 'default', {}, { leaseDurationMs: 2000, conflictBackoffMs: 20 })),
    );
    const names = Array.from({ length: 20 }, (_, i) => `r${i}`);
    // Change 1: creation.
    for (const n of names) api.create(route({ name: n }));
    await waitFor(() =>
      names.every((n) => entry(api, 'default', n, 'default')?.host === `${n}.default.apps.example.com`),
    );
    await Promise.all(replicas.map((r) => r.writer.idle()));
    const afterCreate = new Map(names.map((n) => [n, statusPuts(api, n)]));
    // Change 2: new host on every route.
    for (const n of names) {
      const o = api.get('route.openshift.io/v1', 'Route', 'default', n) as K8sObject;
      (o.spec as { host: string }).host = `${n}.moved.example.com`;
      api.update(o);
    }
    await waitFor(() =>
      names.every((n) => entry(api, 'default', n, 'default')?.host === `${n}.moved.example.com`),
    );
    await Promise.all(replicas.map((r) => r.writer.idle()));
    for (const n of names) {
      const first = afterCreate.get(n) ?? 0;
      const second = statusPuts(api, n) - first;
      expect(first, `${n}: writes for creation`).toBeLessThan(10);
      expect(second, `${n}: writes for host change`).toBeLessThan(10);
      expect(entries(api, 'default', n)).toHaveLength(1);
    }
    const total = statusPuts(api);
    const successful = replicas.reduce((s, r) => s + r.writer.stats.writes, 0);
    expect(successful).toBe(2 * names.length);
    expect(total / (2 * names.length)).toBeLessThan(10);
    console.info(`status PUTs: ${total} for ${2 * names.length} route changes (${successful} successful)`);
    expect(replicas.every((r) => r.writer.contended.size === 0)).toBe(true);
  });

  it('a conflicting writer of the same router name triggers contention: logged, writes stopped', async () => {
    const api = await server();
    api.create(route({ name: 'r' }));
    const a = await startRouter(
      api,
      'default',
      {},
      { canonicalHostname: 'a.example.com', leaseDurationMs: 100 },
    );
    const b = await startRouter(
      api,
      'default',
      {},
      { canonicalHostname: 'b.example.com', leaseDurationMs: 100 },
    );
    await waitFor(() => a.writer.contended.size + b.writer.contended.size > 0, 20_000, 'contention');
    await Promise.all([a.writer.idle(), b.writer.idle()]);
    const writes = statusPuts(api, 'r');
    expect(writes).toBeLessThan(20);
    console.info(`contention: ${writes} status PUTs before the writers stopped`);
    const logged = [...a.logs, ...b.logs].filter((l) =>
      l.message.includes('another process is writing conflicting updates to route status with name "r"'),
    );
    expect(logged.length).toBeGreaterThanOrEqual(1);
    // A later change of the route does not restart the war while contended.
    const o = api.get('route.openshift.io/v1', 'Route', 'default', 'r') as K8sObject;
    o.metadata.annotations = { poke: '1' };
    api.update(o);
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all([a.writer.idle(), b.writer.idle()]);
    expect(statusPuts(api, 'r')).toBe(writes);
  });

  it('moving a route between shards moves it and clears the old shard entry', async () => {
    const api = await server();
    api.create(route({ name: 'mover', labels: { shard: 'a' } }));
    api.create(route({ name: 'stay', labels: { shard: 'b' } }));
    const a = await startRouter(api, 'shard-a', { routeLabelSelector: 'shard=a' });
    const b = await startRouter(api, 'shard-b', { routeLabelSelector: 'shard=b' });
    await waitFor(
      () =>
        entry(api, 'default', 'mover', 'shard-a') !== undefined &&
        entry(api, 'default', 'stay', 'shard-b') !== undefined,
    );
    expect(entry(api, 'default', 'mover', 'shard-b')).toBeUndefined();
    const o = api.get('route.openshift.io/v1', 'Route', 'default', 'mover') as K8sObject;
    o.metadata.labels = { shard: 'b' };
    api.update(o);
    await waitFor(
      () =>
        entries(api, 'default', 'mover')
          .map((e) => e.routerName)
          .join(',') === 'shard-b',
      20_000,
      'only shard-b entry',
    );
    expect(a.watcher.snapshot().routes.has('default/mover')).toBe(false);
    expect(b.watcher.snapshot().routes.has('default/mover')).toBe(true);
    await waitFor(() => a.writer.stats.cleared === 1, 20_000, 'clear acknowledged');
    expect(entries(api, 'default', 'stay').map((e) => e.routerName)).toEqual(['shard-b']);
  });
});
