/**
 * The five OpenShift map files a data plane needs, built from a RoutingTable exactly as the
 * HAProxy engine builds them (openshift-router.md §3.4), and looked up with map-matcher's HAProxy
 * semantics. Because both engines consult the same entries in the same order, they route the
 * same request to the same backend by construction.
 */
import type { RouteEntry, RoutingTable } from '@switchyard/route-model';
import { compileRegMap, routeKey, sniKey, sortLines } from './map-backend.ts';

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

/**
 * Generates the map lines of a table per openshift-router.md §3.4, sorted "most specific first".
 * @internal
 */
export function generateMapLines(table: RoutingTable): RuntimeMapLines {
  const httpBe: MapLine[] = [];
  const edge: MapLine[] = [];
  const redirect: MapLine[] = [];
  const sni: MapLine[] = [];
  const tcp: MapLine[] = [];
  for (const r of table.routes.values()) {
    if (r.host === '') continue;
    const key = routeKey(r.host, r.path, r.wildcard);
    if (r.termination === 'none' || (isTlsTerminated(r) && r.insecurePolicy === 'Allow')) {
      httpBe.push({ key, value: r.backendName });
    }
    if (isTlsTerminated(r)) edge.push({ key, value: r.backendName });
    redirect.push({ key, value: r.insecurePolicy === 'Redirect' ? '1' : '0' });
    if (r.path === '' && (r.termination === 'passthrough' || r.termination === 'reencrypt')) {
      tcp.push({ key: routeKey(r.host, '', r.wildcard), value: r.backendName });
    }
    if (r.path === '' && r.termination === 'passthrough') {
      sni.push({ key: sniKey(r.host, r.wildcard), value: '1' });
    }
  }
  return {
    httpBe: sortLines(httpBe),
    edgeReencryptBe: sortLines(edge),
    httpRedirect: sortLines(redirect),
    sniPassthrough: sortLines(sni),
    tcpBe: sortLines(tcp),
  };
}

/**
 * Compiles the maps of a table.
 * @internal
 */
export function compileRuntimeMaps(table: RoutingTable): RuntimeMaps {
  const lines = generateMapLines(table);
  return {
    httpBe: compileRegMap(lines.httpBe),
    edgeReencryptBe: compileRegMap(lines.edgeReencryptBe),
    httpRedirect: compileRegMap(lines.httpRedirect),
    sniPassthrough: compileRegMap(lines.sniPassthrough),
    tcpBe: compileRegMap(lines.tcpBe),
  };
}
