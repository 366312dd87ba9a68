/**
 * The five OpenShift map files a data plane needs, built from a RoutingTable exactly as the
 * HAProxy engine builds them (openshift-router.md §3.4), and looked up with map-matcher's HAProxy
 * semantics. Because both engines consult the same entries in the same order, they route the
 * same request to the same backend by construction.
 */
import type { RouteEntry, RoutingTable } from '@switchyard/route-model';
import { createRegMap, type MutableRegMap, routeKey, sniKey, sortLines } from './map-backend.ts';

/** A compiled map: HAProxy `map_reg` lookup (first match in file order). */
export interface MapLookup {
  lookup(input: string): string | undefined;
}

/** One map line. */
export interface MapLine {
  readonly key: string;
  readonly value: string;
}

/** The map files the frontends consult. */
export interface RuntimeMaps {
  /** `os_http_be.map`: `public` (port 80) → backend. */
  readonly httpBe: MapLookup;
  /** `os_edge_reencrypt_be.map`: terminated TLS → backend. */
  readonly edgeReencryptBe: MapLookup;
  /** `os_route_http_redirect.map`: `1` redirects to https, `0` does not. */
  readonly httpRedirect: MapLookup;
  /** `os_sni_passthrough.map`: SNI → `1` for passthrough routes. */
  readonly sniPassthrough: MapLookup;
  /** `os_tcp_be.map`: SNI → `be_tcp:`/`be_secure:` backend. */
  readonly tcpBe: MapLookup;
}

/** The sorted map lines of a table (what the HAProxy engine writes to disk). */
export interface RuntimeMapLines {
  readonly httpBe: readonly MapLine[];
  readonly edgeReencryptBe: readonly MapLine[];
  readonly httpRedirect: readonly MapLine[];
  readonly sniPassthrough: readonly MapLine[];
  readonly tcpBe: readonly MapLine[];
}

function isTlsTerminated(r: RouteEntry): boolean {
  return r.termination === 'edge' || r.termination === 'reencrypt';
}

type MapName = keyof RuntimeMapLines;
const MAP_NAMES: readonly MapName[] = [
  'httpBe',
  'edgeReencryptBe',
  'httpRedirect',
  'sniPassthrough',
  'tcpBe',
];

/** The map lines one route contributes, per map (openshift-router.md §3.4). */
type RouteLines = Readonly<Record<MapName, readonly MapLine[]>>;

function routeLines(r: RouteEntry): RouteLines {
  const out: Record<MapName, MapLine[]> = {
    httpBe: [],
    edgeReencryptBe: [],
    httpRedirect: [],
    sniPassthrough: [],
    tcpBe: [],
  };
  if (r.host === '') return out;
  const key = routeKey(r.host, r.path, r.wildcard);
  if (r.termination === 'none' || (isTlsTerminated(r) && r.insecurePolicy === 'Allow')) {
    out.httpBe.push({ key, value: r.backendName });
  }
  if (isTlsTerminated(r)) out.edgeReencryptBe.push({ key, value: r.backendName });
  out.httpRedirect.push({ key, value: r.insecurePolicy === 'Redirect' ? '1' : '0' });
  if (r.path === '' && (r.termination === 'passthrough' || r.termination === 'reencrypt')) {
    out.tcpBe.push({ key: routeKey(r.host, '', r.wildcard), value: r.backendName });
  }
  if (r.path === '' && r.termination === 'passthrough') {
    out.sniPassthrough.push({ key: sniKey(r.host, r.wildcard), value: '1' });
  }
  return out;
}

// Route entries are immutable and keep their identity while unchanged, so their lines are
// computed once.
const linesCache = new WeakMap<RouteEntry, RouteLines>();
function cachedLines(r: RouteEntry): RouteLines {
  let l = linesCache.get(r);
  if (!l) {
    l = routeLines(r);
    linesCache.set(r, l);
  }
  return l;
}

/**
 * The map lines the runtime evaluates for a table (OpenShift's `os_http_be`,
 * `os_edge_reencrypt_be`, `os_route_http_redirect`, `os_sni_passthrough` and `os_tcp_be`),
 * each sorted "most specific first": the same lines the HAProxy engine writes to its map files.
 * Useful to inspect or diff what a table routes.
 *
 * @param table - a RoutingTable
 * @returns the sorted lines of each map
 * @example
 * ```ts
 * for (const l of generateMapLines(store.table).httpBe) console.log(l.key, l.value);
 * ```
 */
export function generateMapLines(table: RoutingTable): RuntimeMapLines {
  const all: Record<MapName, MapLine[]> = {
    httpBe: [],
    edgeReencryptBe: [],
    httpRedirect: [],
    sniPassthrough: [],
    tcpBe: [],
  };
  for (const r of table.routes.values()) {
    const l = cachedLines(r);
    for (const m of MAP_NAMES) for (const line of l[m]) all[m].push(line);
  }
  return {
    httpBe: sortLines(all.httpBe),
    edgeReencryptBe: sortLines(all.edgeReencryptBe),
    httpRedirect: sortLines(all.httpRedirect),
    sniPassthrough: sortLines(all.sniPassthrough),
    tcpBe: sortLines(all.tcpBe),
  };
}

/**
 * The five maps, kept up to date incrementally: an update adds and removes only the lines that
 * changed (compiled maps in OpenShift order place an added line where the sorted file would
 * have it). Mutation happens inside the synchronous `update`, so no lookup sees half of it.
 * @internal
 */
export class IncrementalMaps implements RuntimeMaps {
  readonly httpBe: MutableRegMap = createRegMap();
  readonly edgeReencryptBe: MutableRegMap = createRegMap();
  readonly httpRedirect: MutableRegMap = createRegMap();
  readonly sniPassthrough: MutableRegMap = createRegMap();
  readonly tcpBe: MutableRegMap = createRegMap();
  #routes = new Map<string, RouteLines>();
  /** How many routes contribute each line (`map\u0000key\u0000value`). */
  #counts = new Map<string, number>();
  #redirectLines = 0;

  /**
   * Whether `os_route_http_redirect` holds any line with value `1`. When it holds none, its
   * lookup cannot answer `1`, so the plain-HTTP path skips it (exact, not a heuristic).
   */
  get anyRedirect(): boolean {
    return this.#redirectLines > 0;
  }

  #add(m: MapName, l: MapLine): void {
    const id = `${m}\u0000${l.key}\u0000${l.value}`;
    const n = this.#counts.get(id) ?? 0;
    this.#counts.set(id, n + 1);
    if (n === 0) {
      this[m].add(l);
      if (m === 'httpRedirect' && l.value === '1') this.#redirectLines++;
    }
  }

  #remove(m: MapName, l: MapLine): void {
    const id = `${m}\u0000${l.key}\u0000${l.value}`;
    const n = this.#counts.get(id) ?? 0;
    if (n <= 1) {
      // Only lines that are present: an unknown line is not counted down.
      if (n === 1 && m === 'httpRedirect' && l.value === '1') this.#redirectLines--;
      this.#counts.delete(id);
      this[m].remove(l.key, l.value);
    } else this.#counts.set(id, n - 1);
  }

  /** Brings the maps to `table`; cost in proportion to the routes whose entry changed. */
  sync(table: RoutingTable): void {
    const next = new Map<string, RouteLines>();
    for (const [key, r] of table.routes) next.set(key, cachedLines(r));
    for (const [key, old] of this.#routes) {
      const now = next.get(key);
      if (now === old) continue;
      for (const m of MAP_NAMES) for (const l of old[m]) this.#remove(m, l);
    }
    for (const [key, now] of next) {
      const old = this.#routes.get(key);
      if (old === now) continue;
      for (const m of MAP_NAMES) for (const l of now[m]) this.#add(m, l);
    }
    this.#routes = next;
  }
}
