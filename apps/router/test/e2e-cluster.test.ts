/**
 * End-to-end on the Kubernetes API test server: the real `switchyard` process watches the API
 * with a kubeconfig, serves routes created through the API, and writes their status.
 */
import { join } from 'node:path';
import {
  type EchoServer,
  httpGet,
  type K8sApiServer,
  makeTempDir,
  startHttpEcho,
  startK8sApiServer,
  type TempDir,
} from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route, serviceAt } from './helpers/objects.ts';
import { type RouterProcess, sleep, startRouterProcess } from './helpers/router-process.ts';

type Ingress = {
  routerName?: string;
  host?: string;
  routerCanonicalHostname?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
};

describe('switchyard on a cluster (Kubernetes API test server)', () => {
  let api: K8sApiServer;
  let dir: TempDir;
  let a: EchoServer;
  let b: EchoServer;
  let proc: RouterProcess;

  const ingressOf = (namespace: string, name: string): Ingress | undefined => {
    const object = api.get('route.openshift.io/v1', 'Route', namespace, name) as {
      status?: { ingress?: Ingress[] };
    };
    return object?.status?.ingress?.find((i) => i.routerName === 'sy-e2e');
  };
  const waitFor = async <T>(
    what: string,
    probe: () => Promise<T | undefined> | T | undefined,
  ): Promise<T> => {
    for (let i = 0; i < 600; i += 1) {
      const value = await probe();
      if (value !== undefined) return value;
      await sleep(25);
    }
    throw new Error(`timed out waiting for ${what}; router output:\n${proc.output().slice(-3000)}`);
  };

  beforeAll(async () => {
    a = await startHttpEcho({ name: 'a' });
    b = await startHttpEcho({ name: 'b' });
    api = await startK8sApiServer();
    dir = await makeTempDir('switchyard-cluster-');
    for (const object of [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } },
      ...serviceAt('demo', 'svc-a', a.port),
      ...serviceAt('demo', 'svc-b', b.port),
      ...serviceAt('other', 'svc-a', a.port),
      route('demo', 'first', 'first.test', 'svc-a', {
        metadata: { creationTimestamp: '2026-01-01T00:00:00Z' },
      }),
    ]) {
      api.create(object as never);
    }
    const kubeconfig = await api.writeKubeconfig(join(dir.path, 'kubeconfig'));
    proc = await startRouterProcess([
      '--kubeconfig',
      kubeconfig,
      '--router-name',
      'sy-e2e',
      '--canonical-hostname',
      'router.sy-e2e.test',
      '--allow-loopback-endpoints',
    ]);
  }, 90_000);

  afterAll(async () => {
    const code = await proc?.stop();
    await api?.close();
    await a?.close();
    await b?.close();
    await dir?.cleanup();
    expect(code).toBe(0);
  });

  it('serves a route that existed before start, and writes Admitted=True for this router', async () => {
    expect((await httpGet(proc.httpPort, 'first.test', '/')).backend).toBe('a');
    const ingress = await waitFor('status of demo/first', () =>
      ingressOf('demo', 'first')?.conditions?.length ? ingressOf('demo', 'first') : undefined,
    );
    expect(ingress).toMatchObject({
      routerName: 'sy-e2e',
      host: 'first.test',
      routerCanonicalHostname: 'router.sy-e2e.test',
      conditions: [{ type: 'Admitted', status: 'True' }],
    });
  });

  it('serves a route created through the API after start', async () => {
    api.create(route('demo', 'second', 'second.test', 'svc-b') as never);
    const answer = await waitFor('second.test to be served', async () => {
      const got = await httpGet(proc.httpPort, 'second.test', '/');
      return got.status === 200 ? got : undefined;
    });
    expect(answer.backend).toBe('b');
    const ingress = await waitFor('status of demo/second', () => ingressOf('demo', 'second'));
    expect(ingress.conditions).toMatchObject([{ type: 'Admitted', status: 'True' }]);
  });

  it('a newer route in another namespace for a claimed host shows HostAlreadyClaimed and is not served', async () => {
    api.create(
      route('other', 'copy', 'first.test', 'svc-a', {
        metadata: { creationTimestamp: '2026-06-01T00:00:00Z' },
      }) as never,
    );
    const ingress = await waitFor('status of other/copy', () => ingressOf('other', 'copy'));
    expect(ingress.conditions).toMatchObject([
      { type: 'Admitted', status: 'False', reason: 'HostAlreadyClaimed' },
    ]);
    const log = await proc.waitForLog((l) => l.route === 'other/copy' && l.level === 50);
    expect(log.msg).toMatch(/^route other\/copy rejected: HostAlreadyClaimed/);
    // The owner keeps the host.
    expect((await httpGet(proc.httpPort, 'first.test', '/')).backend).toBe('a');
    expect(ingressOf('demo', 'first')?.conditions).toMatchObject([{ type: 'Admitted', status: 'True' }]);
  });

  it('a route deleted through the API stops being served', async () => {
    api.remove('route.openshift.io/v1', 'Route', 'demo', 'second');
    await waitFor('second.test to be gone', async () =>
      (await httpGet(proc.httpPort, 'second.test', '/')).status === 503 ? true : undefined,
    );
  });
});

describe('sharding: two switchyard processes with route selectors on one cluster', () => {
  let api: K8sApiServer;
  let dir: TempDir;
  let a: EchoServer;
  let shardA: RouterProcess;
  let shardB: RouterProcess;

  const entries = (): string[] => {
    const object = api.get('route.openshift.io/v1', 'Route', 'demo', 'moving') as {
      status?: { ingress?: Ingress[] };
    };
    return (object?.status?.ingress ?? [])
      .map((i) => `${i.routerName}:${i.conditions?.[0]?.status ?? '?'}`)
      .sort();
  };
  const until = async (what: string, check: () => Promise<boolean> | boolean): Promise<void> => {
    for (let i = 0; i < 600; i += 1) {
      if (await check()) return;
      await sleep(25);
    }
    throw new Error(`timed out waiting for ${what}; entries ${JSON.stringify(entries())}`);
  };
  const served = async (p: RouterProcess): Promise<boolean> =>
    (await httpGet(p.httpPort, 'moving.test', '/')).status === 200;

  beforeAll(async () => {
    a = await startHttpEcho({ name: 'a' });
    api = await startK8sApiServer();
    dir = await makeTempDir('switchyard-shards-');
    for (const object of [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } },
      ...serviceAt('demo', 'svc-a', a.port),
      route('demo', 'moving', 'moving.test', 'svc-a', { metadata: { labels: { shard: 'a' } } }),
    ]) {
      api.create(object as never);
    }
    const kubeconfig = await api.writeKubeconfig(join(dir.path, 'kubeconfig'));
    const common = ['--kubeconfig', kubeconfig, '--allow-loopback-endpoints'];
    shardA = await startRouterProcess([...common, '--router-name', 'shard-a', '--route-selector', 'shard=a']);
    shardB = await startRouterProcess([
      ...common,
      '--router-name',
      'shard-b',
      '--route-selector',
      'shard in (b,c)',
    ]);
  }, 90_000);

  afterAll(async () => {
    const codes = [await shardA?.stop(), await shardB?.stop()];
    await api?.close();
    await a?.close();
    await dir?.cleanup();
    expect(codes).toEqual([0, 0]);
  });

  it('each shard serves only its routes and writes only its own status entry; a relabelled route moves', async () => {
    await until('shard-a status', () => entries().join() === 'shard-a:True');
    expect(await served(shardA)).toBe(true);
    expect(await served(shardB)).toBe(false);

    const current = api.get('route.openshift.io/v1', 'Route', 'demo', 'moving') as {
      metadata: { labels?: Record<string, string> };
    };
    api.apply({ ...current, metadata: { ...current.metadata, labels: { shard: 'b' } } } as never);

    await until(
      'the route to move to shard-b',
      async () => (await served(shardB)) && !(await served(shardA)),
    );
    await until(
      'shard-a to clear its entry and shard-b to write its own',
      () => entries().join() === 'shard-b:True',
    );
  });
});
