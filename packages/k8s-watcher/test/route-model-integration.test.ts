import type { RouteIngress } from '@switchyard/route-model';
import { createRouteStore } from '@switchyard/route-model';
import { type K8sApiServer, type K8sObject, startK8sApiServer } from '@switchyard/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouteStatusWriter, createRouteWatcher } from '../src/index.ts';
import { captureLogger, kubeConfigFor, route, slice, waitFor } from './helpers.ts';

let api: K8sApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

function ingress(s: K8sApiServer, name: string): RouteIngress[] {
  const o = s.get('route.openshift.io/v1', 'Route', 'default', name) as K8sObject;
  return ((o.status as { ingress?: RouteIngress[] } | undefined)?.ingress ?? []) as RouteIngress[];
}

describe('with route-model', () => {
  it('feeds createRouteStore and writes its admission results back (one route wins a contested host)', async () => {
    const s = await startK8sApiServer();
    api = s;
    s.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { ports: [{ port: 8080 }] },
    });
    s.create(slice('default', 'web-1', 'web', ['10.0.0.5']));
    s.create(route({ name: 'first', host: 'shop.example.com' }));
    s.create(route({ name: 'second', host: 'shop.example.com' }));
    const { logger } = captureLogger();
    const store = createRouteStore({});
    const watcher = createRouteWatcher({ kubeConfig: kubeConfigFor(s), logger });
    const writer = createRouteStatusWriter({ watcher, routerName: 'default', logger });
    watcher.subscribe((events) => {
      store.apply(events);
      writer.update(store.statuses);
    });
    try {
      await watcher.start();
      // Equal creation seconds: OpenShift breaks the tie by UID, so find the winner first.
      const winner = [...store.table.routes.keys()];
      expect(winner).toHaveLength(1);
      const [won, lost] = winner[0] === 'default:first' ? ['first', 'second'] : ['second', 'first'];
      await waitFor(() => ingress(s, 'first').length === 1 && ingress(s, 'second').length === 1);
      expect(ingress(s, won)[0]?.conditions?.[0]).toMatchObject({ type: 'Admitted', status: 'True' });
      expect(ingress(s, lost)[0]?.conditions?.[0]).toMatchObject({
        type: 'Admitted',
        status: 'False',
        reason: 'HostAlreadyClaimed',
      });
      // Deleting the winner admits the other route, and the status follows.
      s.remove('route.openshift.io/v1', 'Route', 'default', won);
      await waitFor(() => ingress(s, lost)[0]?.conditions?.[0]?.status === 'True');
      expect([...store.table.routes.keys()]).toEqual([`default:${lost}`]);
    } finally {
      await writer.close();
      await watcher.stop();
    }
  });
});
