import { type KubeConfig, Watch } from '@kubernetes/client-node';
import { requestJson } from '../client.ts';
import { K8sWatcherError } from '../errors.ts';
import type { WatcherLogger } from '../logger.ts';

/** A Kubernetes object as JSON, as far as the reflector cares. */
export interface RawObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** One watched resource type. */
export interface ResourceDef {
  readonly name: 'routes' | 'services' | 'endpointslices' | 'namespaces' | 'secrets';
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** Reconnect back-off: `initialMs × 2^attempt`, capped, with ±jitter. */
export interface BackoffOptions {
  /** @default 250 */
  readonly initialMs?: number;
  /** @default 30000 */
  readonly maxMs?: number;
  /** Fraction of the delay randomised (0.5 = ±50 %). @default 0.5 */
  readonly jitter?: number;
}

/** Counters exposed for tests and metrics. */
export interface ReflectorStats {
  lists: number;
  watches: number;
  expired: number;
  watchdogRestarts: number;
  errors: number;
  bookmarks: number;
  events: number;
}

export interface ReflectorOptions {
  readonly kc: KubeConfig;
  readonly resource: ResourceDef;
  readonly namespace: string | undefined;
  readonly labelSelector: string | undefined;
  readonly pageSize: number;
  readonly watchdogMs: number;
  readonly backoff: Required<BackoffOptions>;
  readonly logger: WatcherLogger;
  /** A full list arrived (initial or after 410): replace everything with `items`. */
  readonly onList: (items: RawObject[]) => void;
  readonly onEvent: (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: RawObject) => void;
}

type WatchEnd = 'expired' | 'closed' | 'error' | 'watchdog' | 'stopped';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function isStatus410(o: unknown): boolean {
  return typeof o === 'object' && o !== null && (o as { code?: unknown }).code === 410;
}

/**
 * List then watch one resource type, forever: paginated list, watch from the list's
 * resourceVersion with bookmarks, relist on 410 Gone, reconnect with jittered exponential
 * back-off, and a watchdog that restarts a watch that has been silent for `watchdogMs`.
 * Written on client-node's `Watch` rather than its informer because the informer neither
 * restarts quiet watches nor backs off (landscape §7).
 */
export class Reflector {
  readonly stats: ReflectorStats = {
    lists: 0,
    watches: 0,
    expired: 0,
    watchdogRestarts: 0,
    errors: 0,
    bookmarks: 0,
    events: 0,
  };
  readonly #o: ReflectorOptions;
  readonly #stop = new AbortController();
  #lastRv = '';
  #running: Promise<void> | undefined;
  #abortWatch: (() => void) | undefined;

  constructor(options: ReflectorOptions) {
    this.#o = options;
  }

  /** The last resourceVersion seen (list, event or bookmark). */
  get resourceVersion(): string {
    return this.#lastRv;
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  /** Aborts the watch in progress so the loop restarts it (tests, and the watchdog). */
  restartWatch(): void {
    this.#abortWatch?.();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#abortWatch?.();
    await this.#running;
  }

  #delay(attempt: number): number {
    const { initialMs, maxMs, jitter } = this.#o.backoff;
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
    return Math.max(0, base * (1 - jitter + 2 * jitter * Math.random()));
  }

  #path(): string {
    const { resource, namespace } = this.#o;
    const prefix = resource.apiVersion.includes('/')
      ? `/apis/${resource.apiVersion}`
      : `/api/${resource.apiVersion}`;
    return resource.namespaced && namespace
      ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${resource.name}`
      : `${prefix}/${resource.name}`;
  }

  async #loop(): Promise<void> {
    const signal = this.#stop.signal;
    let needList = true;
    let attempt = 0;
    while (!signal.aborted) {
      if (needList) {
        try {
          await this.#list();
          needList = false;
        } catch (e) {
          if (signal.aborted) break;
          this.stats.errors++;
          const delay = this.#delay(attempt++);
          this.#o.logger.warn('list failed; retrying', {
            resource: this.#o.resource.name,
            error: String(e),
            retryInMs: Math.round(delay),
          });
          await sleep(delay, signal);
          continue;
        }
      }
      const started = Date.now();
      const { end, delivered } = await this.#watchOnce();
      if (signal.aborted || end === 'stopped') break;
      if (end === 'expired') {
        this.stats.expired++;
        this.#o.logger.info('watch expired (410); relisting', { resource: this.#o.resource.name });
        needList = true;
        attempt = 0;
        continue;
      }
      if (end === 'watchdog') {
        this.stats.watchdogRestarts++;
        this.#o.logger.warn('watch silent too long; restarting it', {
          resource: this.#o.resource.name,
          watchdogMs: this.#o.watchdogMs,
        });
        continue;
      }
      // A watch that delivered something or lived a while was healthy: reconnect promptly.
      // One that died at once (server down, refused) backs off exponentially with jitter,
      // so a fleet of routers does not hammer a restarting API server in lockstep.
      if (delivered || Date.now() - started > 5000) attempt = 0;
      if (end === 'error') this.stats.errors++;
      await sleep(this.#delay(attempt++), signal);
    }
  }

  async #list(): Promise<void> {
    const { kc, labelSelector, pageSize, resource } = this.#o;
    let items: RawObject[] = [];
    let cont: string | undefined;
    let rv = '';
    for (;;) {
      const q = new URLSearchParams();
      if (pageSize > 0) q.set('limit', String(pageSize));
      if (cont) q.set('continue', cont);
      if (labelSelector) q.set('labelSelector', labelSelector);
      const res = await requestJson(kc, 'GET', `${this.#path()}?${q}`, undefined, 60_000, this.#stop.signal);
      if (res.statusCode === 410 && cont) {
        // The snapshot behind the continue token was compacted: start the list again.
        items = [];
        cont = undefined;
        continue;
      }
      if (res.statusCode !== 200) {
        throw new K8sWatcherError(
          'ERR_K8S_WATCHER_HTTP',
          `list ${resource.name}: HTTP ${res.statusCode} ${JSON.stringify(res.body).slice(0, 300)}`,
          { statusCode: res.statusCode },
        );
      }
      const body = res.body as {
        items?: RawObject[];
        metadata?: { resourceVersion?: string; continue?: string };
      };
      for (const it of body.items ?? []) {
        // List items of built-in types come without apiVersion/kind; consumers dispatch on kind.
        it.apiVersion = resource.apiVersion;
        it.kind = resource.kind;
        items.push(it);
      }
      rv = body.metadata?.resourceVersion ?? rv;
      cont = body.metadata?.continue || undefined;
      if (!cont) break;
    }
    this.stats.lists++;
    this.#lastRv = rv;
    this.#o.onList(items);
  }

  #watchOnce(): Promise<{ end: WatchEnd; delivered: boolean }> {
    const { kc, labelSelector, watchdogMs, resource } = this.#o;
    const signal = this.#stop.signal;
    return new Promise((resolve) => {
      let settled = false;
      let delivered = false;
      let controller: AbortController | undefined;
      let abortRequested = false;
      let watchdog: NodeJS.Timeout | undefined;
      const finish = (end: WatchEnd): void => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        this.#abortWatch = undefined;
        abortRequested = true;
        controller?.abort();
        resolve({ end, delivered });
      };
      const arm = (): void => {
        clearTimeout(watchdog);
        if (watchdogMs > 0) watchdog = setTimeout(() => finish('watchdog'), watchdogMs);
      };
      this.#abortWatch = () => finish(signal.aborted ? 'stopped' : 'closed');
      if (signal.aborted) return finish('stopped');
      arm();
      this.stats.watches++;
      const params: Record<string, string | boolean> = {
        allowWatchBookmarks: true,
        resourceVersion: this.#lastRv,
      };
      if (labelSelector) params.labelSelector = labelSelector;
      new Watch(kc)
        .watch(
          this.#path(),
          params,
          (type: string, obj: unknown) => {
            if (settled) return;
            arm();
            if (type === 'ERROR') {
              if (isStatus410(obj)) finish('expired');
              else {
                this.#o.logger.warn('watch error event', { resource: resource.name, status: obj });
                finish('error');
              }
              return;
            }
            const o = obj as RawObject;
            const rv = o?.metadata?.resourceVersion;
            if (type === 'BOOKMARK') {
              this.stats.bookmarks++;
              if (rv) this.#lastRv = rv;
              return;
            }
            if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
            delivered = true;
            this.stats.events++;
            if (rv) this.#lastRv = rv;
            o.apiVersion ??= resource.apiVersion;
            o.kind ??= resource.kind;
            this.#o.onEvent(type, o);
          },
          (err: unknown) => {
            if (settled) return;
            const code = (err as { statusCode?: number } | null)?.statusCode;
            if (code === 410) return finish('expired');
            if (err && !abortRequested) {
              this.#o.logger.debug('watch ended with error', { resource: resource.name, error: String(err) });
              return finish('error');
            }
            finish('closed');
          },
        )
        .then(
          (c) => {
            controller = c;
            if (abortRequested) c.abort();
          },
          (err: unknown) => {
            this.#o.logger.warn('watch could not start', { resource: resource.name, error: String(err) });
            finish('error');
          },
        );
    });
  }
}
