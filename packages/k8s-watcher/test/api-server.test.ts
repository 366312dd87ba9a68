import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubernetesObjectApi,
  makeInformer,
  Watch,
} from '@kubernetes/client-node';
import {
  type K8sApiServer,
  type K8sObject,
  parseLabelSelector,
  matchesLabelSelector,
  startK8sApiServer,
} from '@switchyard/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouteWatcher } from '../src/index.ts';
import { canonical, captureLogger, kubeConfigFor, namespace, route, slice, waitFor } from './helpers.ts';

let api: K8sApiServer;
let dir: string;

beforeAll(async () => {
  api = await startK8sApiServer({ bookmarkIntervalMs: 100 });
  dir = await mkdtemp(join(tmpdir(), 'k8s-api-test-'));
  api.create(namespace('team-a', { env: 'prod', tier: 'web' }));
  api.create(namespace('team-b', { env: 'dev' }));
  api.create(namespace('team-c'));
  for (let i = 0; i < 12; i++) {
    api.create(
      route({
        namespace: i % 2 ? 'team-a' : 'team-b',
        name: `r${i}`,
        labels: { shard: i % 3 === 0 ? 'x' : 'y' },
      }),
    );
  }
  api.create(slice('team-a', 'web-abc', 'web', ['10.0.0.1', '10.0.0.2']));
  api.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'team-a' },
    spec: { ports: [{ port: 80 }] },
  });
  api.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'tls', namespace: 'team-a' },
    type: 'kubernetes.io/tls',
  });
});

afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('test API server with the real @kubernetes/client-node', () => {
  it('serves discovery that KubernetesObjectApi resolves, and lists every resource type', async () => {
    const client = KubernetesObjectApi.makeApiClient(kubeConfigFor(api));
    const cases = [
      ['route.openshift.io/v1', 'Route', 12],
      ['v1', 'Service', 1],
      ['discovery.k8s.io/v1', 'EndpointSlice', 1],
      ['v1', 'Namespace', 3],
      ['v1', 'Secret', 1],
    ] as const;
    for (const [apiVersion, kind, count] of cases) {
      const list = await client.list(apiVersion, kind);
      expect(list.items, `${kind}`).toHaveLength(count);
    }
  });

  it('chunks lists with limit/continue at one resourceVersion, and answers 410 for a compacted continue', async () => {
    const co = kubeConfigFor(api).makeApiClient(CustomObjectsApi);
    const names: string[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    let pages = 0;
    do {
      const page = (await co.listClusterCustomObject({
        group: 'route.openshift.io',
        version: 'v1',
        plural: 'routes',
        limit: 5,
        ...(cont ? { _continue: cont } : {}),
      })) as { items: K8sObject[]; metadata: { continue?: string; resourceVersion: string } };
      pages++;
      names.push(...page.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
      rv ??= page.metadata.resourceVersion;
      expect(page.metadata.resourceVersion).toBe(rv);
      cont = page.metadata.continue;
      // A write between pages does not leak into the snapshot.
      if (pages === 1) api.create(route({ namespace: 'team-c', name: 'late' }));
    } while (cont);
    expect(pages).toBe(3);
    expect(names).toHaveLength(12);
    expect(new Set(names).size).toBe(12);
    const first = (await co.listClusterCustomObject({
      group: 'route.openshift.io',
      version: 'v1',
      plural: 'routes',
      limit: 5,
    })) as {
      metadata: { continue: string };
    };
    api.create(route({ namespace: 'team-c', name: 'late-2' }));
    api.compact();
    const err = await co
      .listClusterCustomObject({
        group: 'route.openshift.io',
        version: 'v1',
        plural: 'routes',
        limit: 5,
        _continue: first.metadata.continue,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<string>).code).toBe(410);
    expect(JSON.parse(String((err as ApiException<string>).body))).toMatchObject({
      kind: 'Status',
      code: 410,
      reason: 'Expired',
    });
    api.remove('route.openshift.io/v1', 'Route', 'team-c', 'late');
    api.remove('route.openshift.io/v1', 'Route', 'team-c', 'late-2');
  });

  it.each([
    ['equality', 'env=prod', ['team-a']],
    ['double equals', 'env==dev', ['team-b']],
    ['inequality (matches missing keys)', 'env!=prod', ['team-b', 'team-c']],
    ['in', 'env in (prod, dev)', ['team-a', 'team-b']],
    ['notin', 'env notin (prod)', ['team-b', 'team-c']],
    ['exists', 'env', ['team-a', 'team-b']],
    ['does not exist', '!env', ['team-c']],
    ['conjunction', 'env=prod,tier=web', ['team-a']],
    ['set and equality', 'env in (prod,dev),tier', ['team-a']],
  ])('label selector: %s (%s)', async (_name, selector, expected) => {
    const core = kubeConfigFor(api).makeApiClient(CoreV1Api);
    const list = await core.listNamespace({ labelSelector: selector });
    expect(list.items.map((n) => n.metadata?.name)).toEqual(expected);
  });

  it('rejects a malformed label selector with 400', async () => {
    const core = kubeConfigFor(api).makeApiClient(CoreV1Api);
    const err = await core.listNamespace({ labelSelector: 'env in prod' }).catch((e: unknown) => e);
    expect((err as ApiException<unknown>).code).toBe(400);
  });

  it('label selector matching agrees with a direct reading of the rules (property)', () => {
    const key = fc.constantFrom<string>('a', 'b', 'c');
    const val = fc.constantFrom<string>('1', '2', '3');
    fc.assert(
      fc.property(
        fc.dictionary(key, val),
        key,
        fc.array(val, { minLength: 1, maxLength: 3 }),
        (labels, k, vs) => {
          const has = k in labels;
          expect(matchesLabelSelector(parseLabelSelector(`${k} in (${vs.join(',')})`), labels)).toBe(
            has && vs.includes(labels[k] as string),
          );
          expect(matchesLabelSelector(parseLabelSelector(`${k} notin (${vs.join(',')})`), labels)).toBe(
            !has || !vs.includes(labels[k] as string),
          );
          expect(matchesLabelSelector(parseLabelSelector(`${k}!=${vs[0]}`), labels)).toBe(
            labels[k] !== vs[0],
          );
          expect(matchesLabelSelector(parseLabelSelector(`!${k}`), labels)).toBe(!has);
        },
      ),
    );
  });

  it('streams ADDED/MODIFIED/DELETED/BOOKMARK, turns a label change into ADDED/DELETED for a selector watch', async () => {
    const kc = kubeConfigFor(api);
    const events: string[] = [];
    let bookmarks = 0;
    const start = api.store.resourceVersion;
    const ctl = await new Watch(kc).watch(
      '/apis/route.openshift.io/v1/namespaces/team-c/routes',
      { resourceVersion: String(start), allowWatchBookmarks: true, labelSelector: 'shard=x' },
      (type, obj: K8sObject) => {
        if (type === 'BOOKMARK') bookmarks++;
        else events.push(`${type} ${obj.metadata.name} ${obj.metadata.labels?.shard ?? '-'}`);
      },
      () => {},
    );
    const r = api.create(route({ namespace: 'team-c', name: 'w', labels: { shard: 'x' } }));
    r.metadata.annotations = { a: '1' };
    const r2 = api.update(r);
    r2.metadata.labels = { shard: 'y' };
    const r3 = api.update(r2);
    r3.metadata.labels = { shard: 'x' };
    api.update(r3);
    api.remove('route.openshift.io/v1', 'Route', 'team-c', 'w');
    await waitFor(() => events.length >= 5 && bookmarks >= 1);
    ctl.abort();
    expect(events).toEqual(['ADDED w x', 'MODIFIED w x', 'DELETED w y', 'ADDED w x', 'DELETED w x']);
  });

  it('sends a 410 Expired ERROR event to a watch from a compacted resourceVersion', async () => {
    const kc = kubeConfigFor(api);
    const old = api.store.resourceVersion;
    api.create(route({ namespace: 'team-c', name: 'bump' }));
    api.compact();
    const got: { type: string; obj: unknown }[] = [];
    let done = false;
    await new Watch(kc).watch(
      '/apis/route.openshift.io/v1/routes',
      { resourceVersion: String(old) },
      (type, obj) => got.push({ type, obj }),
      () => {
        done = true;
      },
    );
    await waitFor(() => done);
    expect(got).toEqual([
      { type: 'ERROR', obj: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) },
    ]);
    api.remove('route.openshift.io/v1', 'Route', 'team-c', 'bump');
  });

  it('status subresource: PUT keeps spec, 409 Conflict on a stale resourceVersion; PUT of the object keeps status', async () => {
    const co = kubeConfigFor(api).makeApiClient(CustomObjectsApi);
    const ref = {
      group: 'route.openshift.io',
      version: 'v1',
      namespace: 'team-a',
      plural: 'routes',
      name: 'r1',
    };
    const cur = (await co.getNamespacedCustomObject(ref)) as K8sObject;
    const withStatus = {
      ...cur,
      spec: { ...(cur.spec as object), host: 'ignored.example.com' },
      status: { ingress: [{ routerName: 'default', host: 'r1' }] },
    };
    const out = (await co.replaceNamespacedCustomObjectStatus({ ...ref, body: withStatus })) as K8sObject;
    expect(out.status).toEqual(withStatus.status);
    expect((out.spec as { host: string }).host).toBe((cur.spec as { host: string }).host);
    expect(Number(out.metadata.resourceVersion)).toBeGreaterThan(Number(cur.metadata.resourceVersion));
    const stale = await co
      .replaceNamespacedCustomObjectStatus({ ...ref, body: withStatus })
      .catch((e: unknown) => e);
    expect((stale as ApiException<unknown>).code).toBe(409);
    // Writing the same status again at the current version is a no-op: no new resourceVersion.
    const same = (await co.replaceNamespacedCustomObjectStatus({
      ...ref,
      body: { ...withStatus, metadata: out.metadata },
    })) as K8sObject;
    expect(same.metadata.resourceVersion).toBe(out.metadata.resourceVersion);
    const replaced = (await co.replaceNamespacedCustomObject({
      ...ref,
      body: { ...out, status: {}, metadata: { ...out.metadata, labels: { changed: 'yes' } } },
    })) as K8sObject;
    expect(replaced.status).toEqual(withStatus.status);
    expect(replaced.metadata.labels).toEqual({ changed: 'yes' });
  });

  it('create, get, delete and 404/409 through the typed clients', async () => {
    const kc = kubeConfigFor(api);
    const disc = kc.makeApiClient(DiscoveryV1Api);
    const created = await disc.createNamespacedEndpointSlice({
      namespace: 'team-b',
      body: {
        metadata: { name: 'api-1', labels: { 'kubernetes.io/service-name': 'api' } },
        addressType: 'IPv4',
        endpoints: [],
      },
    });
    expect(created.metadata?.uid).toBeTruthy();
    const dup = await disc
      .createNamespacedEndpointSlice({
        namespace: 'team-b',
        body: { metadata: { name: 'api-1' }, addressType: 'IPv4', endpoints: [] },
      })
      .catch((e: unknown) => e);
    expect((dup as ApiException<unknown>).code).toBe(409);
    await disc.deleteNamespacedEndpointSlice({ namespace: 'team-b', name: 'api-1' });
    const gone = await disc
      .readNamespacedEndpointSlice({ namespace: 'team-b', name: 'api-1' })
      .catch((e: unknown) => e);
    expect((gone as ApiException<unknown>).code).toBe(404);
  });

  it('drives client-node makeInformer through a server restart', async () => {
    const kc = kubeConfigFor(api);
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer(kc, '/api/v1/namespaces/team-a/secrets', () =>
      core.listNamespacedSecret({ namespace: 'team-a' }),
    );
    const errors: unknown[] = [];
    informer.on('error', (e) => {
      errors.push(e);
      // client-node leaves restarting to the caller.
      setTimeout(() => void informer.start().catch(() => {}), 300);
    });
    await informer.start();
    expect(informer.list().map((s) => s.metadata?.name)).toEqual(['tls']);
    await api.restart({ downMs: 100 });
    api.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'after', namespace: 'team-a' } });
    await waitFor(() => informer.list().some((s) => s.metadata?.name === 'after'));
    await informer.stop();
    expect(errors.length).toBeGreaterThanOrEqual(1);
  });

  it('a watch replay from any resourceVersion reproduces the list (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('create', 'update', 'delete'), fc.integer({ min: 0, max: 4 })), {
          maxLength: 25,
        }),
        async (ops) => {
          const ns = `prop-${api.store.resourceVersion}`;
          const from = api.store.resourceVersion;
          for (const [op, i] of ops) {
            const cur = api.get('route.openshift.io/v1', 'Route', ns, `p${i}`);
            if (op === 'create' && !cur) api.create(route({ namespace: ns, name: `p${i}` }));
            else if (op === 'update' && cur)
              api.update({ ...cur, metadata: { ...cur.metadata, annotations: { n: String(from) } } });
            else if (op === 'delete' && cur) api.remove('route.openshift.io/v1', 'Route', ns, `p${i}`);
          }
          const changes = api.store.changesSince(api.store.typeOf(route({ name: 'x' })), from);
          if (changes === 'expired') throw new Error('unexpected expiry');
          const state = new Map<string, K8sObject>();
          for (const c of changes) {
            if (c.object.metadata.namespace !== ns) continue;
            if (c.type === 'DELETED') state.delete(String(c.object.metadata.name));
            else state.set(String(c.object.metadata.name), c.object);
          }
          const listed = api.list('route.openshift.io/v1', 'Route', ns);
          expect(
            canonical(
              [...state.values()].sort((a, b) =>
                String(a.metadata.name).localeCompare(String(b.metadata.name)),
              ),
            ),
          ).toBe(canonical(listed));
        },
      ),
      { numRuns: 30 },
    );
  });
});

function kubectl(kubeconfig: string, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) =>
    execFile(
      'kubectl',
      args,
      { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir }, timeout: 20_000, encoding: 'utf8' },
      (e, out, err) => resolve({ ok: !e, out: e ? err : out }),
    ),
  );
}

// kubectl is a Debian package the CI installs; a developer machine without it skips these
// (CI=true never skips, so a missing kubectl fails there).
const noKubectl = spawnSync('sh', ['-c', 'command -v kubectl'], { stdio: 'ignore' }).status !== 0;

describe.skipIf(noKubectl && process.env.CI !== 'true')('test API server with kubectl', () => {
  it.each([
    ['get all routes', ['get', 'routes', '-A', '-o', 'name'], /route.route.openshift.io\/r0/],
    ['label selector', ['get', 'namespaces', '-l', 'env in (prod)', '-o', 'name'], /^namespace\/team-a\n$/],
    ['api-resources', ['api-resources', '--no-headers'], /endpointslices.*discovery\.k8s\.io\/v1/],
    [
      'jsonpath on one object',
      ['get', 'route', 'r1', '-n', 'team-a', '-o', 'jsonpath={.spec.to.name}'],
      /^web$/,
    ],
    ['label a route (merge patch)', ['label', 'route', 'r3', '-n', 'team-a', 'checked=yes'], /labeled/],
  ])('%s', async (_name, args, expected) => {
    const kc = await api.writeKubeconfig(join(dir, 'kubeconfig'));
    const res = await kubectl(kc, ...args);
    expect(res.ok, res.out).toBe(true);
    expect(res.out).toMatch(expected);
  });

  it('kubectl apply (JSON, client-side) creates every kind, is idempotent, and the watcher sees it', async () => {
    const kc = await api.writeKubeconfig(join(dir, 'kubeconfig'));
    const manifest = join(import.meta.dirname, 'fixtures', 'all-kinds.yaml');
    const w = createRouteWatcher({ kubeConfig: kubeConfigFor(api), logger: captureLogger().logger });
    try {
      await w.start();
      // The test server serves no OpenAPI documents, so client-side validation is off.
      const first = await kubectl(kc, 'apply', '--validate=false', '-f', manifest);
      expect(first.ok, first.out).toBe(true);
      expect(first.out.match(/ created/g)).toHaveLength(4);
      const second = await kubectl(kc, 'apply', '--validate=false', '-f', manifest);
      expect(second.out.match(/ unchanged/g)).toHaveLength(4);
      expect(api.get('discovery.k8s.io/v1', 'EndpointSlice', 'applied', 'web-1')).toMatchObject({
        endpoints: [{ addresses: ['10.0.0.1'] }],
      });
      await waitFor(
        () => w.snapshot().routes.has('applied/web') && w.snapshot().endpointslices.has('applied/web-1'),
      );
      const del = await kubectl(kc, 'delete', '-f', manifest);
      expect(del.out.match(/ deleted/g)).toHaveLength(4);
      await waitFor(() => !w.snapshot().routes.has('applied/web'));
    } finally {
      await w.stop();
    }
  });

  it('rejects a wrong token with 401', async () => {
    const kc = await api.writeKubeconfig(join(dir, 'bad-kubeconfig'), { token: 'wrong' });
    const res = await kubectl(kc, 'get', 'routes', '-A');
    expect(res.ok).toBe(false);
    expect(res.out).toMatch(/Unauthorized|must be logged in/);
  });
});
