import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type K8sApiServer, startK8sApiServer } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertLabelSelector,
  createRouteStatusWriter,
  createRouteWatcher,
  isK8sWatcherError,
  K8sWatcherError,
  loadKubeConfig,
  type RouteWatcherOptions,
} from '../src/index.ts';
import { captureLogger, kubeConfigFor, route } from './helpers.ts';

let api: K8sApiServer;
let dir: string;

beforeAll(async () => {
  api = await startK8sApiServer();
  api.create(route({ name: 'r' }));
  dir = await mkdtemp(join(tmpdir(), 'k8s-watcher-auth-'));
});

afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

describe('authentication', () => {
  it.each([
    ['kubeconfig file', async () => ({ kubeconfigPath: await api.writeKubeconfig(join(dir, 'kubeconfig')) })],
    [
      'in-cluster service account',
      async () => {
        const sa = join(dir, 'sa');
        await api.writeServiceAccount(sa, 'default');
        return { inCluster: { serviceAccountDir: sa, server: api.url } };
      },
    ],
  ] as const)('syncs with credentials from a %s', async (_name, make) => {
    const auth = await make();
    const w = createRouteWatcher({ ...auth, logger: captureLogger().logger } as RouteWatcherOptions);
    try {
      await w.start();
      expect([...w.snapshot().routes.keys()]).toEqual(['default/r']);
    } finally {
      await w.stop();
    }
  });

  it('a wrong token keeps the watcher retrying with a logged 401, never syncing', async () => {
    const path = await api.writeKubeconfig(join(dir, 'bad'), { token: 'nope' });
    const { logger, lines } = captureLogger();
    const w = createRouteWatcher({ kubeconfigPath: path, logger, backoff: { initialMs: 10, maxMs: 50 } });
    const started = w.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(w.synced).toBe(false);
    await w.stop();
    await expect(started).rejects.toMatchObject({ code: 'ERR_K8S_WATCHER_STOPPED' });
    expect(lines.some((l) => l.level === 'warn' && String(l.fields?.error).includes('HTTP 401'))).toBe(true);
  });

  it.each([
    ['a missing kubeconfig file', { kubeconfigPath: '/nonexistent/kubeconfig' }],
    [
      'in-cluster without a token file',
      { inCluster: { serviceAccountDir: '/nonexistent', server: 'https://127.0.0.1:1' } },
    ],
  ])('fails with ERR_K8S_WATCHER_AUTH for %s', (_name, auth) => {
    expect(() => loadKubeConfig(auth)).toThrow(expect.objectContaining({ code: 'ERR_K8S_WATCHER_AUTH' }));
  });
});

describe('option validation', () => {
  it.each([
    ['route selector', { routeLabelSelector: 'shard in a' }, 'routeLabelSelector'],
    ['namespace selector', { namespaceLabelSelector: 'a=b,,=c' }, 'namespaceLabelSelector'],
    ['page size', { listPageSize: -1 }, 'listPageSize'],
    ['watchdog', { watchdogMs: 1.5 }, 'watchdogMs'],
    ['namespace', { namespace: 'Not_A_Namespace' }, 'namespace'],
  ])('rejects a bad %s, naming the option', (_name, bad, field) => {
    let err: unknown;
    try {
      createRouteWatcher({ kubeConfig: kubeConfigFor(api), ...bad } as RouteWatcherOptions);
    } catch (e) {
      err = e;
    }
    expect(isK8sWatcherError(err)).toBe(true);
    expect(err).toBeInstanceOf(K8sWatcherError);
    expect((err as K8sWatcherError).code).toBe('ERR_K8S_WATCHER_OPTIONS');
    expect((err as Error).message).toContain(`options.${field}`);
  });

  it.each(['a=b', 'a==b', 'a!=b', 'a in (x, y)', 'a notin (x)', 'a', '!a', 'app.kubernetes.io/name=x,b', ''])(
    'accepts the selector %j',
    (s) => {
      expect(() => assertLabelSelector(s, 'x')).not.toThrow();
    },
  );

  it('requires a router name for the status writer', () => {
    const w = createRouteWatcher({ kubeConfig: kubeConfigFor(api) });
    expect(() => createRouteStatusWriter({ watcher: w, routerName: '' })).toThrow(/options\.routerName/);
  });

  it('isK8sWatcherError is false for other errors', () => {
    expect(isK8sWatcherError(new Error('x'))).toBe(false);
    expect(isK8sWatcherError({ code: 'ERR_K8S_WATCHER_HTTP' })).toBe(false);
  });
});
