import type { KubeConfig } from '@kubernetes/client-node';
import type { RouterEvent, RouterObject } from '@switchyard/route-model';
import { type KubernetesAuthOptions, loadKubeConfig } from './client.ts';
import { K8sWatcherError } from './errors.ts';
import {
  type BackoffOptions,
  type RawObject,
  Reflector,
  type ReflectorStats,
  type ResourceDef,
} from './internal/reflector.ts';
import { consoleWarningLogger, type WatcherLogger } from './logger.ts';
import { assertLabelSelector } from './selector.ts';

export type { BackoffOptions, ReflectorStats } from './internal/reflector.ts';

/** The resource types the watcher follows, by their plural names. */
export type WatchedResource = 'routes' | 'services' | 'endpointslices' | 'namespaces' | 'secrets';

/** Options of {@link createRouteWatcher}. */
export interface RouteWatcherOptions extends KubernetesAuthOptions {
  /**
   * Watch a single namespace (`--namespace`); all namespaces when unset.
   * @default undefined
   */
  readonly namespace?: string;
  /**
   * Route label selector for sharding (OpenShift `ROUTE_LABELS`): routes that do not match are
   * not seen, and a route that stops matching is removed.
   * @default undefined (every route)
   */
  readonly routeLabelSelector?: string;
  /**
   * Namespace label selector for sharding (OpenShift `NAMESPACE_LABELS`): objects in other
   * namespaces are ignored (not rejected); when a namespace stops matching, its objects are
   * removed. Setting it also makes the watcher emit the matching Namespace objects.
   * @default undefined (every namespace, and no Namespace watch)
   */
  readonly namespaceLabelSelector?: string;
  /**
   * Watch Services (OpenShift uses them for idling).
   * @default true
   */
  readonly watchServices?: boolean;
  /**
   * Watch Secrets and emit those referenced by a route's `spec.tls.externalCertificate`
   * (only those: other Secrets stay inside the watcher).
   * @default true
   */
  readonly watchSecrets?: boolean;
  /**
   * Page size of list requests (`limit`; `continue` fetches the rest).
   * @default 500
   */
  readonly listPageSize?: number;
  /**
   * Restart a watch that has delivered neither an event nor a bookmark for this long
   * (client-node watches can go quiet without an error); 0 disables the watchdog.
   * @default 300000 (5 minutes)
   */
  readonly watchdogMs?: number;
  /** Reconnect back-off. @default { initialMs: 250, maxMs: 30000, jitter: 0.5 } */
  readonly backoff?: BackoffOptions;
  /** @default warnings and errors on the console */
  readonly logger?: WatcherLogger;
  /** Called with each batch of events (the same as {@link RouteWatcher.subscribe}). */
  readonly onEvents?: (events: readonly RouterEvent[]) => void;
}

/** What the watcher has emitted and not deleted, per resource type, keyed `namespace/name` (namespaces: `name`). */
export type RouteWatcherSnapshot = Readonly<Record<WatchedResource, ReadonlyMap<string, RouterObject>>>;

/** A running watcher. */
export interface RouteWatcher {
  /** The KubeConfig in use (the status writer shares it). */
  readonly kubeConfig: KubeConfig;
  /** True once `synced` has been emitted. */
  readonly synced: boolean;
  /** Starts watching; resolves once every initial list is in and `synced` was emitted. */
  start(): Promise<void>;
  /** Stops every watch; a pending `start()` rejects with `ERR_K8S_WATCHER_STOPPED`. */
  stop(): Promise<void>;
  /**
   * Receives every later batch of events (upserts and deletes in order, `synced` once).
   * Returns the unsubscribe function.
   */
  subscribe(listener: (events: readonly RouterEvent[]) => void): () => void;
  /** The objects emitted so far and not deleted: what a consumer's state should hold. */
  snapshot(): RouteWatcherSnapshot;
  /** Per-resource counters (lists, watches, 410s, watchdog restarts, errors, bookmarks, events). */
  stats(): Readonly<Partial<Record<WatchedResource, ReflectorStats>>>;
  /** Aborts every open watch so it reconnects (as a dropped connection would). */
  restartWatches(): void;
}

const DEFS: Record<WatchedResource, ResourceDef> = {
  routes: { name: 'routes', apiVersion: 'route.openshift.io/v1', kind: 'Route', namespaced: true },
  services: { name: 'services', apiVersion: 'v1', kind: 'Service', namespaced: true },
  endpointslices: {
    name: 'endpointslices',
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    namespaced: true,
  },
  namespaces: { name: 'namespaces', apiVersion: 'v1', kind: 'Namespace', namespaced: false },
  secrets: { name: 'secrets', apiVersion: 'v1', kind: 'Secret', namespaced: true },
};

/** Emission order at the initial sync (OpenShift: namespaces, endpoints, then routes oldest first). */
const SYNC_ORDER: readonly WatchedResource[] = [
  'namespaces',
  'services',
  'endpointslices',
  'secrets',
  'routes',
];

function keyOf(o: RawObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : String(o.metadata.name);
}

function secretRefOf(route: RawObject | undefined): string | undefined {
  const name = (route?.spec as { tls?: { externalCertificate?: { name?: string } } } | undefined)?.tls
    ?.externalCertificate?.name;
  return name && route ? `${route.metadata.namespace}/${name}` : undefined;
}

function creationOf(o: RawObject): string {
  const t = o.metadata.creationTimestamp;
  return t instanceof Date ? t.toISOString() : String(t ?? '');
}

function validateOptions(o: RouteWatcherOptions): void {
  if (o.routeLabelSelector !== undefined) assertLabelSelector(o.routeLabelSelector, 'routeLabelSelector');
  if (o.namespaceLabelSelector !== undefined)
    assertLabelSelector(o.namespaceLabelSelector, 'namespaceLabelSelector');
  for (const [name, v] of [
    ['listPageSize', o.listPageSize],
    ['watchdogMs', o.watchdogMs],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
      throw new K8sWatcherError(
        'ERR_K8S_WATCHER_OPTIONS',
        `options.${name}: expected a non-negative integer, got ${v}`,
      );
    }
  }
  if (o.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.namespace)) {
    throw new K8sWatcherError(
      'ERR_K8S_WATCHER_OPTIONS',
      `options.namespace: "${o.namespace}" is not a namespace name`,
    );
  }
}

/**
 * Watches Routes, Services, EndpointSlices, Secrets (and Namespaces with a namespace selector)
 * and turns them into `RouterEvent`s for route-model: nothing is emitted until every initial
 * list is in, then everything in OpenShift's start-up order followed by `synced`; after that,
 * each change as it arrives. Events are level-triggered: a relist after 410 Gone or a
 * reconnect emits only real differences, never duplicates.
 *
 * @param options - see {@link RouteWatcherOptions}
 * @returns the watcher (call `start()`)
 * @throws K8sWatcherError `ERR_K8S_WATCHER_OPTIONS` for invalid options, `ERR_K8S_WATCHER_AUTH` for unusable credentials
 * @example
 * ```ts
 * const store = createRouteStore({});
 * const watcher = createRouteWatcher({ kubeconfigPath: '/etc/kube/config', onEvents: (e) => store.apply(e) });
 * await watcher.start();
 * ```
 */
export function createRouteWatcher(options: RouteWatcherOptions = {}): RouteWatcher {
  validateOptions(options);
  const kc = loadKubeConfig(options);
  const logger = options.logger ?? consoleWarningLogger;
  const nsSelector = options.namespaceLabelSelector?.trim() || undefined;
  const backoff = {
    initialMs: options.backoff?.initialMs ?? 250,
    maxMs: options.backoff?.maxMs ?? 30_000,
    jitter: options.backoff?.jitter ?? 0.5,
  };
  const listeners = new Set<(events: readonly RouterEvent[]) => void>();
  if (options.onEvents) listeners.add(options.onEvents);

  const resources: WatchedResource[] = ['routes', 'endpointslices'];
  if (options.watchServices ?? true) resources.push('services');
  if (options.watchSecrets ?? true) resources.push('secrets');
  if (nsSelector) resources.push('namespaces');

  // What the API server told us (per resource, unfiltered by namespace scope) ...
  const caches = new Map<WatchedResource, Map<string, RawObject>>(resources.map((r) => [r, new Map()]));
  // ... and what we have told the consumers.
  const emitted = new Map<WatchedResource, Map<string, RawObject>>(resources.map((r) => [r, new Map()]));
  // Secrets referenced by emitted routes: `ns/secret` -> route keys.
  const secretRefs = new Map<string, Set<string>>();
  const listed = new Set<WatchedResource>();
  let pending: RouterEvent[] = [];
  let synced = false;
  let stopped = false;
  let startPromise: Promise<void> | undefined;
  let resolveStart: (() => void) | undefined;
  let rejectStart: ((e: unknown) => void) | undefined;
  const reflectors = new Map<WatchedResource, Reflector>();

  function inScope(r: WatchedResource, o: RawObject): boolean {
    if (r === 'namespaces') return true;
    if (nsSelector) {
      const ns = o.metadata.namespace;
      if (!ns || !caches.get('namespaces')?.has(ns)) return false;
    }
    if (r === 'secrets') return secretRefs.has(keyOf(o));
    return true;
  }

  function setRef(secretKey: string | undefined, routeKey: string, add: boolean): void {
    if (!secretKey) return;
    let set = secretRefs.get(secretKey);
    if (add) {
      if (!set) secretRefs.set(secretKey, (set = new Set()));
      set.add(routeKey);
    } else if (set) {
      set.delete(routeKey);
      if (set.size === 0) secretRefs.delete(secretKey);
    }
  }

  /** Brings what was emitted for one key in line with the cache (the single place that emits). */
  function reconcile(r: WatchedResource, key: string): void {
    const cur = caches.get(r)?.get(key);
    const want = cur && inScope(r, cur) ? cur : undefined;
    const out = emitted.get(r) as Map<string, RawObject>;
    const had = out.get(key);
    if (want === had) return;
    if (want && had && want.metadata.resourceVersion === had.metadata.resourceVersion) {
      out.set(key, want);
      return;
    }
    if (want) {
      out.set(key, want);
      pending.push({ type: 'upsert', object: want as unknown as RouterObject });
    } else if (had) {
      out.delete(key);
      pending.push({ type: 'delete', object: had as unknown as RouterObject });
    }
    if (r === 'routes' && caches.has('secrets')) {
      const before = secretRefOf(had);
      const after = secretRefOf(want);
      if (before !== after) {
        setRef(before, key, false);
        setRef(after, key, true);
        if (before) reconcile('secrets', before);
        if (after) reconcile('secrets', after);
      }
    }
    if (r === 'namespaces') reconcileNamespace(key);
  }

  /** A namespace entered or left the shard: everything in it follows. */
  function reconcileNamespace(ns: string): void {
    for (const r of ['services', 'endpointslices', 'routes', 'secrets'] as const) {
      const cache = caches.get(r);
      if (!cache) continue;
      const keys = new Set<string>();
      for (const [k, o] of cache) if (o.metadata.namespace === ns) keys.add(k);
      for (const [k, o] of emitted.get(r) as Map<string, RawObject>)
        if (o.metadata.namespace === ns) keys.add(k);
      for (const k of keys) reconcile(r, k);
    }
  }

  function flush(): void {
    if (!synced || pending.length === 0) return;
    const batch = pending;
    pending = [];
    for (const l of listeners) {
      try {
        l(batch);
      } catch (e) {
        logger.error('event listener threw', { error: String(e) });
      }
    }
  }

  function onList(r: WatchedResource, items: RawObject[]): void {
    const cache = caches.get(r) as Map<string, RawObject>;
    const fresh = new Map(items.map((o) => [keyOf(o), o]));
    const touched: string[] = [];
    for (const k of cache.keys()) if (!fresh.has(k)) touched.push(k);
    for (const [k, o] of fresh)
      if (cache.get(k)?.metadata.resourceVersion !== o.metadata.resourceVersion) touched.push(k);
    caches.set(r, fresh);
    listed.add(r);
    if (!synced) {
      maybeSync();
      return;
    }
    for (const k of touched) reconcile(r, k);
    flush();
  }

  function onEvent(r: WatchedResource, type: 'ADDED' | 'MODIFIED' | 'DELETED', o: RawObject): void {
    const cache = caches.get(r) as Map<string, RawObject>;
    const key = keyOf(o);
    if (type === 'DELETED') cache.delete(key);
    else cache.set(key, o);
    if (!synced) return;
    reconcile(r, key);
    flush();
  }

  function maybeSync(): void {
    if (synced || stopped || listed.size < resources.length) return;
    for (const r of SYNC_ORDER) {
      const cache = caches.get(r);
      if (!cache) continue;
      let keys = [...cache.keys()];
      if (r === 'routes') {
        // Oldest first, as OpenShift's controller does, so "oldest wins" is decided in order.
        keys = keys.sort((a, b) => {
          const ta = creationOf(cache.get(a) as RawObject);
          const tb = creationOf(cache.get(b) as RawObject);
          return ta < tb ? -1 : ta > tb ? 1 : a < b ? -1 : a > b ? 1 : 0;
        });
      }
      for (const k of keys) reconcile(r, k);
    }
    pending.push({ type: 'synced' });
    synced = true;
    flush();
    resolveStart?.();
  }

  const watcher: RouteWatcher = {
    kubeConfig: kc,
    get synced() {
      return synced;
    },
    start() {
      if (stopped)
        return Promise.reject(new K8sWatcherError('ERR_K8S_WATCHER_STOPPED', 'watcher was stopped'));
      startPromise ??= new Promise<void>((resolve, reject) => {
        resolveStart = resolve;
        rejectStart = reject;
        for (const r of resources) {
          const reflector = new Reflector({
            kc,
            resource: DEFS[r],
            namespace: r === 'namespaces' ? undefined : options.namespace,
            labelSelector:
              r === 'routes'
                ? options.routeLabelSelector?.trim() || undefined
                : r === 'namespaces'
                  ? nsSelector
                  : undefined,
            pageSize: options.listPageSize ?? 500,
            watchdogMs: options.watchdogMs ?? 300_000,
            backoff,
            logger,
            onList: (items) => onList(r, items),
            onEvent: (type, o) => onEvent(r, type, o),
          });
          reflectors.set(r, reflector);
          reflector.start();
        }
      });
      return startPromise;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([...reflectors.values()].map((x) => x.stop()));
      if (!synced)
        rejectStart?.(new K8sWatcherError('ERR_K8S_WATCHER_STOPPED', 'watcher stopped before it synced'));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot() {
      const get = (r: WatchedResource): ReadonlyMap<string, RouterObject> =>
        new Map(emitted.get(r) as unknown as Map<string, RouterObject> | undefined);
      return {
        routes: get('routes'),
        services: get('services'),
        endpointslices: get('endpointslices'),
        namespaces: get('namespaces'),
        secrets: get('secrets'),
      };
    },
    stats() {
      const out: Partial<Record<WatchedResource, ReflectorStats>> = {};
      for (const [r, x] of reflectors) out[r] = { ...x.stats };
      return out;
    },
    restartWatches() {
      for (const x of reflectors.values()) x.restartWatch();
    },
  };
  return watcher;
}
