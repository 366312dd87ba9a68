import type {
  RouteAdmissionStatus,
  RouteIngress,
  RouteIngressCondition,
  RouterEvent,
} from '@switchyard/route-model';
import { requestJson } from './client.ts';
import { K8sWatcherError } from './errors.ts';
import type { RawObject } from './internal/reflector.ts';
import { consoleWarningLogger, type WatcherLogger } from './logger.ts';
import type { RouteWatcher } from './watcher.ts';

/** Options of {@link createRouteStatusWriter}. */
export interface RouteStatusWriterOptions {
  /** The watcher whose routes this writer reports on (it provides credentials and route updates). */
  readonly watcher: RouteWatcher;
  /** This router's name (`status.ingress[].routerName`); only that entry is ever written. */
  readonly routerName: string;
  /**
   * `routerCanonicalHostname` to report (OpenShift `ROUTER_CANONICAL_HOSTNAME`).
   * @default undefined (not written)
   */
  readonly canonicalHostname?: string;
  /**
   * How long a successful write makes this process the writer for its router name; other
   * replicas hold their work back until it lapses (OpenShift `writerlease.New(1m, ...)`).
   * @default 60000
   */
  readonly leaseDurationMs?: number;
  /**
   * First back-off after a conflict; multiplied by 4 per further conflict, 5 steps, capped at
   * the lease duration (OpenShift: 20 ms × 4^n).
   * @default 20
   */
  readonly conflictBackoffMs?: number;
  /**
   * Contention window: another writer changing this router's entry to a different value twice
   * within it marks the route contended (no more writes to it until the window flushes).
   * @default 180000 (OpenShift: resync interval / 10)
   */
  readonly contentionWindowMs?: number;
  /**
   * Above this many contended routes the writer stops writing entirely until the next flush.
   * @default 5
   */
  readonly maxContentions?: number;
  /** @default warnings and errors on the console */
  readonly logger?: WatcherLogger;
}

/** Counters of a status writer. */
export interface RouteStatusWriterStats {
  /** Successful status PUTs (including clears). */
  writes: number;
  /** PUTs answered 409 Conflict. */
  conflicts: number;
  /** Other failed requests. */
  errors: number;
  /** Work dropped because the status already had the desired value. */
  skipped: number;
  /** Entries removed from routes that left the shard. */
  cleared: number;
}

/** The status writer of one router process. */
export interface RouteStatusWriter {
  /**
   * Sets the desired admission results, keyed `namespace:name` (route-model's
   * `store.statuses`, or any iterable of `RouteAdmissionStatus`). Only what changed is queued.
   */
  update(statuses: ReadonlyMap<string, RouteAdmissionStatus> | Iterable<RouteAdmissionStatus>): void;
  /** Resolves once no work is running or due before the lease lapses (tests). */
  idle(): Promise<void>;
  /** Cancels queued work and waits for requests in flight. */
  close(): Promise<void>;
  readonly stats: Readonly<RouteStatusWriterStats>;
  /** Routes this writer stopped writing because another process keeps changing their entry. */
  readonly contended: ReadonlySet<string>;
  /** `leader` after a successful write until the lease lapses; `follower` after a conflict or while another replica holds it. */
  readonly leaseState: 'leader' | 'follower';
}

type Cond = RouteIngressCondition;

function norm(v: string | undefined | null): string {
  return v ?? '';
}

function sameCondition(a: Cond | undefined, b: Cond | undefined): boolean {
  if (!a || !b) return a === b;
  return a.status === b.status && norm(a.reason) === norm(b.reason) && norm(a.message) === norm(b.message);
}

function admitted(e: RouteIngress | undefined): Cond | undefined {
  return e?.conditions?.find((c) => c.type === 'Admitted');
}

/** Whether two entries agree on everything but timestamps. */
function sameEntry(a: RouteIngress | undefined, b: RouteIngress | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    norm(a.host) === norm(b.host) &&
    norm(a.wildcardPolicy) === norm(b.wildcardPolicy) &&
    norm(a.routerCanonicalHostname) === norm(b.routerCanonicalHostname) &&
    sameCondition(admitted(a), admitted(b))
  );
}

function isExternalCertificateReason(e: RouteIngress | undefined): boolean {
  return (admitted(e)?.reason ?? '').startsWith('ExternalCertificate');
}

function nowRfc3339(): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function routeKey(o: RawObject): string {
  return `${o.metadata.namespace}:${o.metadata.name}`;
}

function ingressOf(o: RawObject | undefined): RouteIngress[] {
  return ((o?.status as { ingress?: RouteIngress[] } | undefined)?.ingress ?? []) as RouteIngress[];
}

function rvNum(o: RawObject | undefined): number {
  return Number(o?.metadata.resourceVersion ?? 0);
}

/**
 * Writes this router's entry in `route.status.ingress[]` from route-model's admission results,
 * the way OpenShift's StatusAdmitter does: only its own entry (appended when missing), a new
 * `lastTransitionTime` only when the condition changes, optimistic concurrency (PUT of the
 * status subresource with the resourceVersion, re-read on 409), a writer lease so that of
 * several replicas of one router name usually only one writes, contention detection against
 * another process writing different values, and clearing of its entry from routes that left
 * the shard (which OpenShift's router leaves to an operator).
 *
 * @param options - see {@link RouteStatusWriterOptions}
 * @returns the writer; feed it with `update(store.statuses)` after each `store.apply`
 * @throws K8sWatcherError `ERR_K8S_WATCHER_OPTIONS` for an empty router name or bad durations
 * @example
 * ```ts
 * const writer = createRouteStatusWriter({ watcher, routerName: 'default' });
 * watcher.subscribe((events) => { store.apply(events); writer.update(store.statuses); });
 * ```
 */
export function createRouteStatusWriter(options: RouteStatusWriterOptions): RouteStatusWriter {
  if (!options.routerName) {
    throw new K8sWatcherError(
      'ERR_K8S_WATCHER_OPTIONS',
      'options.routerName: a non-empty router name is required',
    );
  }
  for (const [name, v] of [
    ['leaseDurationMs', options.leaseDurationMs],
    ['conflictBackoffMs', options.conflictBackoffMs],
    ['contentionWindowMs', options.contentionWindowMs],
    ['maxContentions', options.maxContentions],
  ] as const) {
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) {
      throw new K8sWatcherError(
        'ERR_K8S_WATCHER_OPTIONS',
        `options.${name}: expected a non-negative number, got ${v}`,
      );
    }
  }
  const { watcher, routerName } = options;
  const kc = watcher.kubeConfig;
  const logger = options.logger ?? consoleWarningLogger;
  const leaseMs = options.leaseDurationMs ?? 60_000;
  const backoffMs = options.conflictBackoffMs ?? 20;
  const windowMs = options.contentionWindowMs ?? 180_000;
  const maxContentions = options.maxContentions ?? 5;

  const stats: RouteStatusWriterStats = { writes: 0, conflicts: 0, errors: 0, skipped: 0, cleared: 0 };
  const routes = new Map<string, RawObject>();
  const desired = new Map<string, RouteIngress>();
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const lastWrittenRv = new Map<string, string>();
  // Routes whose entry for this router name was last changed by another process (a replica).
  const changedByOther = new Set<string>();
  const contentions = new Map<string, { count: number; since: number }>();
  const contended = new Set<string>();
  let stoppedAll = false;
  let state: 'leader' | 'follower' = 'follower';
  let expires = 0; // before this instant a follower holds work back
  let conflictStep = 0;
  let closed = false;

  const flushTimer = setInterval(() => {
    if (contended.size > 0 || stoppedAll)
      logger.info('contention window flushed; writing again', { routerName });
    contended.clear();
    contentions.clear();
    stoppedAll = false;
  }, windowMs);
  flushTimer.unref();

  function desiredEntry(s: RouteAdmissionStatus): RouteIngress {
    const c: Cond = { type: 'Admitted', status: s.condition.status };
    if (s.condition.reason) c.reason = s.condition.reason;
    if (s.condition.message) c.message = s.condition.message;
    return {
      host: s.host,
      routerName,
      wildcardPolicy: s.wildcardPolicy,
      ...(options.canonicalHostname ? { routerCanonicalHostname: options.canonicalHostname } : {}),
      conditions: [c],
    };
  }

  function ourEntry(o: RawObject | undefined): RouteIngress | undefined {
    return ingressOf(o).find((e) => e.routerName === routerName);
  }

  function schedule(key: string, atLeastMs = 0): void {
    if (closed || timers.has(key) || contended.has(key) || stoppedAll) return;
    const hold = state === 'follower' ? Math.max(0, expires - Date.now()) : 0;
    const delay = Math.max(atLeastMs, hold);
    const t = setTimeout(() => {
      timers.delete(key);
      track(work(key));
    }, delay);
    timers.set(key, t);
  }

  function track(p: Promise<void>): void {
    running.add(p);
    void p.finally(() => running.delete(p));
  }

  function observe(o: RawObject): void {
    const key = routeKey(o);
    const prev = routes.get(key);
    // Already seen, or older than a copy re-read after a conflict.
    if (prev && rvNum(prev) >= rvNum(o)) return;
    routes.set(key, o);
    const before = ourEntry(prev);
    const after = ourEntry(o);
    const want = desired.get(key);
    if (prev && !sameEntry(before, after) && o.metadata.resourceVersion !== lastWrittenRv.get(key)) {
      changedByOther.add(key);
      // Someone else changed our entry. The same value is a fellow replica doing the work;
      // a different one is a write war in the making.
      if (
        want &&
        !sameEntry(after, want) &&
        !isExternalCertificateReason(after) &&
        !isExternalCertificateReason(want)
      ) {
        noteContention(key, o);
        return;
      }
    }
    if (want && !sameEntry(after, want)) schedule(key);
  }

  function noteContention(key: string, o: RawObject): void {
    const now = Date.now();
    let c = contentions.get(key);
    if (!c || now - c.since > windowMs) {
      c = { count: 0, since: now };
      contentions.set(key, c);
    }
    c.count++;
    if (c.count < 2) {
      schedule(key);
      return;
    }
    if (!contended.has(key)) {
      contended.add(key);
      const t = timers.get(key);
      if (t) clearTimeout(t);
      timers.delete(key);
      logger.warn(
        `The router detected another process is writing conflicting updates to route status with name "${o.metadata.name}" in namespace "${o.metadata.namespace}"; this router will stop writing it until the contention window (${windowMs} ms) passes. Check that routers sharing the name "${routerName}" have the same configuration.`,
        { route: key, routerName, theirs: ourEntry(o) },
      );
    }
    if (contended.size > maxContentions && !stoppedAll) {
      stoppedAll = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      logger.warn(
        `The router detected another process is writing conflicting updates to route status for more than ${maxContentions} routes; it stops writing route status until the contention window passes.`,
        { routerName, contended: [...contended] },
      );
    }
  }

  function statusPath(o: RawObject): string {
    return `/apis/route.openshift.io/v1/namespaces/${encodeURIComponent(String(o.metadata.namespace))}/routes/${encodeURIComponent(String(o.metadata.name))}/status`;
  }

  function routePath(key: string): string {
    const i = key.indexOf(':');
    return `/apis/route.openshift.io/v1/namespaces/${encodeURIComponent(key.slice(0, i))}/routes/${encodeURIComponent(key.slice(i + 1))}`;
  }

  async function refetch(key: string): Promise<RawObject | undefined> {
    const res = await requestJson(kc, 'GET', routePath(key));
    if (res.statusCode === 404) return undefined;
    if (res.statusCode !== 200) throw new Error(`GET route ${key}: HTTP ${res.statusCode}`);
    const fresh = res.body as RawObject;
    // Through observe(), so a change seen first by this re-read still counts for contention.
    if (routes.has(key)) observe(fresh);
    return fresh;
  }

  function onConflict(): void {
    stats.conflicts++;
    state = 'follower';
    const step = Math.min(conflictStep++, 5);
    const base = Math.min(leaseMs, backoffMs * 4 ** step);
    expires = Date.now() + base * (0.5 + Math.random());
  }

  async function work(key: string): Promise<void> {
    if (closed || contended.has(key) || stoppedAll) return;
    const want = desired.get(key);
    const route = routes.get(key);
    if (!want || !route) return;
    const cur = ourEntry(route);
    if (sameEntry(cur, want)) {
      stats.skipped++;
      // Another replica did the work: it holds the lease, so hold back for a lease period.
      // (Not when the value is our own earlier write: a conflict with a different router name
      // must not park this one.)
      if (state === 'follower' && changedByOther.has(key)) expires = Date.now() + leaseMs;
      return;
    }
    const ingress = ingressOf(route).map((e) => e);
    const prevCond = admitted(cur);
    const wantCond = admitted(want) as Cond;
    const cond: Cond = {
      ...wantCond,
      lastTransitionTime:
        prevCond && sameCondition(prevCond, wantCond) && prevCond.lastTransitionTime !== undefined
          ? prevCond.lastTransitionTime
          : nowRfc3339(),
    };
    const entry: RouteIngress = {
      ...(cur ?? {}),
      ...want,
      conditions: [...(cur?.conditions ?? []).filter((c) => c.type !== 'Admitted'), cond],
    };
    const i = ingress.findIndex((e) => e.routerName === routerName);
    if (i >= 0) ingress[i] = entry;
    else ingress.push(entry);
    const body = { ...route, status: { ...((route.status as object) ?? {}), ingress } };
    try {
      const res = await requestJson(kc, 'PUT', statusPath(route), body);
      if (res.statusCode === 200) {
        stats.writes++;
        state = 'leader';
        conflictStep = 0;
        expires = Date.now() + leaseMs;
        const out = res.body as RawObject;
        if (out.metadata.resourceVersion) lastWrittenRv.set(key, out.metadata.resourceVersion);
        changedByOther.delete(key);
        if (routes.has(key) && rvNum(out) > rvNum(routes.get(key))) routes.set(key, out);
        return;
      }
      if (res.statusCode === 409) {
        onConflict();
        await refetch(key);
        schedule(key);
        return;
      }
      if (res.statusCode === 404) return;
      stats.errors++;
      logger.warn('route status write failed', { route: key, status: res.statusCode, body: res.body });
      schedule(key, 1000);
    } catch (e) {
      stats.errors++;
      logger.warn('route status write failed', { route: key, error: String(e) });
      schedule(key, 1000);
    }
  }

  /** The route left this watcher's view: remove our entry if the route still exists. */
  async function clear(key: string, last: RawObject): Promise<void> {
    if (!ourEntry(last)) return;
    for (let attempt = 0; attempt < 8 && !closed; attempt++) {
      try {
        const fresh = await refetch(key);
        if (!fresh || !ourEntry(fresh)) return;
        if (routes.has(key)) return; // it came back into the shard meanwhile
        const ingress = ingressOf(fresh).filter((e) => e.routerName !== routerName);
        const res = await requestJson(kc, 'PUT', statusPath(fresh), {
          ...fresh,
          status: { ...((fresh.status as object) ?? {}), ingress },
        });
        if (res.statusCode === 200) {
          stats.writes++;
          stats.cleared++;
          return;
        }
        if (res.statusCode === 409) {
          stats.conflicts++;
          await new Promise((r) =>
            setTimeout(r, backoffMs * 4 ** Math.min(attempt, 5) * (0.5 + Math.random())),
          );
          continue;
        }
        if (res.statusCode === 404) return;
        stats.errors++;
        return;
      } catch (e) {
        stats.errors++;
        logger.warn('clearing route status failed', { route: key, error: String(e) });
        return;
      }
    }
  }

  function onEvents(events: readonly RouterEvent[]): void {
    for (const e of events) {
      if (e.type === 'synced' || e.object.kind !== 'Route') continue;
      const o = e.object as unknown as RawObject;
      const key = routeKey(o);
      if (e.type === 'upsert') observe(o);
      else {
        const last = routes.get(key) ?? o;
        routes.delete(key);
        desired.delete(key);
        changedByOther.delete(key);
        lastWrittenRv.delete(key);
        const t = timers.get(key);
        if (t) clearTimeout(t);
        timers.delete(key);
        track(clear(key, last));
      }
    }
  }

  for (const o of watcher.snapshot().routes.values())
    routes.set(routeKey(o as unknown as RawObject), o as unknown as RawObject);
  const unsubscribe = watcher.subscribe(onEvents);

  return {
    update(statuses) {
      // Any map-like (route-model's store keeps a persistent map, not a `Map`).
      const mapLike = statuses as Partial<ReadonlyMap<string, RouteAdmissionStatus>>;
      const list: Iterable<RouteAdmissionStatus> =
        typeof mapLike.get === 'function' && typeof mapLike.values === 'function'
          ? (mapLike.values as () => Iterable<RouteAdmissionStatus>).call(statuses)
          : (statuses as Iterable<RouteAdmissionStatus>);
      const seen = new Set<string>();
      for (const s of list as Iterable<RouteAdmissionStatus>) {
        seen.add(s.key);
        const entry = desiredEntry(s);
        const prev = desired.get(s.key);
        if (prev && sameEntry(prev, entry)) continue;
        desired.set(s.key, entry);
        if (!sameEntry(ourEntry(routes.get(s.key)), entry)) schedule(s.key);
      }
      for (const k of [...desired.keys()]) if (!seen.has(k)) desired.delete(k);
    },
    async idle() {
      for (let i = 0; i < 10_000; i++) {
        const due = [...timers.keys()].length > 0 && (state === 'leader' || expires - Date.now() < 50);
        if (running.size === 0 && !due) return;
        await Promise.all([...running]);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      closed = true;
      unsubscribe();
      clearInterval(flushTimer);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...running]);
    },
    get stats() {
      return stats;
    },
    contended,
    get leaseState() {
      return state === 'leader' && Date.now() < expires ? 'leader' : 'follower';
    },
  };
}
