/**
 * The Kubernetes API test server: an HTTPS server speaking the REST protocol the router's
 * Kubernetes source uses (discovery, list/watch, 410 Gone, label selectors, status
 * subresource with optimistic concurrency), with controls for restarts, dropped, expired and
 * stalled watches, and history compaction.
 */
export * from './k8s/label-selector.ts';
export * from './k8s/resources.ts';
export * from './k8s/server.ts';
export * from './k8s/store.ts';
export * from './k8s/tls.ts';
