/**
 * The Kubernetes API test server: an HTTPS server speaking the REST protocol the router's
 * Kubernetes source uses (discovery, list/watch, 410 Gone, label selectors, status
 * subresource with optimistic concurrency), with controls for restarts, dropped, expired and
 * stalled watches, and history compaction. Design and known gaps: docs/k8s-watcher.md.
 *
 * @example
 * ```ts
 * const api = await startK8sApiServer();
 * api.create({ apiVersion: 'route.openshift.io/v1', kind: 'Route',
 *   metadata: { name: 'web', namespace: 'default' }, spec: { host: 'web.example.com', to: { kind: 'Service', name: 'web' } } });
 * const kubeconfig = await api.writeKubeconfig(join(tmp, 'kubeconfig')); // KUBECONFIG for a child process
 * await api.restart({ downMs: 500 }); // same port, same objects
 * api.expireWatches(); // every open watch gets ERROR 410 and must relist
 * await api.close();
 * ```
 */
export * from './k8s/label-selector.ts';
export * from './k8s/resources.ts';
export * from './k8s/server.ts';
export * from './k8s/store.ts';
export * from './k8s/tls.ts';
