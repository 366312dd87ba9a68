export { type InClusterOptions, type KubernetesAuthOptions, loadKubeConfig } from './client.ts';
export { isK8sWatcherError, K8sWatcherError, type K8sWatcherErrorCode } from './errors.ts';
export { consoleWarningLogger, type WatcherLogger } from './logger.ts';
export { assertLabelSelector } from './selector.ts';
export {
  type BackoffOptions,
  createRouteWatcher,
  type ReflectorStats,
  type RouteWatcher,
  type RouteWatcherOptions,
  type RouteWatcherSnapshot,
  type WatchedResource,
} from './watcher.ts';
export {
  createRouteStatusWriter,
  type RouteStatusWriter,
  type RouteStatusWriterOptions,
  type RouteStatusWriterStats,
} from './status-writer.ts';
