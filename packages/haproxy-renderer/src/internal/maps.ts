/**
 * Map files: OpenShift's `map_reg` maps (exact inclusion rules, line format and order, built with
 * map-matcher's key generation and sort), and the `indexed` layout derived from them.
 *
 * The indexed layout answers exactly what a first-match scan of the sorted `map_reg` map
 * answers. The argument, for a request key `base` (lower-cased Host + path):
 * - an exact-host key `^h\.?(:[0-9]+)?P…$` can only match when the part of `base` before its
 *   first `/` is `h` plus an optional `.` and `:digits` (h has no `/`), so stripping `:digits`
 *   then one `.` from that part gives `h` exactly;
 * - a wildcard key `^[^\.]*\.d…` can only match with `[^\.]*` spanning everything before the
 *   first `.` of `base` (even a `/`), so stripping through the first `.` and normalising the
 *   rest the same way gives `.d`;
 * - exact-host lines all sort before wildcard lines, and only one host (one domain) can match a
 *   given request, so the winner is the first matching line of one group;
 * - inside a group every line's condition on the path p is "p equals E" or "p starts with Q";
 *   the prefixes of p that are keys form a chain, so for the longest one (what `map_beg`
 *   returns) the first line in file order whose prefix key is on that chain is the answer,
 *   and it can be computed when rendering. Exact keys get the same treatment (`map_str`).
 * A group whose paths hold characters that cannot be map keys falls back, whole, to a
 * `map_reg` map of its own lines in OpenShift order, consulted between the exact and the
 * wildcard steps, which keeps the order of the original scan.
 */
import { domainForHost, formatMapFile, routeRegexp, sniRegexp, sortMapLines } from '@switchyard/map-matcher';
import type { RouteEntry } from '@switchyard/route-model';

/** A map line with the route it came from. */
interface Line {
  key: string;
  value: string;
  route: RouteEntry;
}

function toText(lines: readonly Line[]): string {
  return formatMapFile(lines.map((l) => ({ key: l.key, value: l.value })));
}

/** Sorts lines with OpenShift's `SortMapPaths` on `key value`, keeping the route attached. */
function sortLines(lines: Line[]): Line[] {
  const byText = new Map<string, Line>();
  for (const l of lines) byText.set(`${l.key} ${l.value}`, l);
  return sortMapLines([...byText.keys()]).map((t) => byText.get(t) as Line);
}

/** The OpenShift map lines of one purpose. */
export interface OpenshiftMaps {
  http: Line[];
  edge: Line[];
  redirect: Line[];
  tcp: Line[];
  sniPassthrough: Line[];
  wildcardDomain: Line[];
}

/** Builds the sorted OpenShift map lines (§3.4 inclusion rules). */
export function buildOpenshiftMaps(
  routes: readonly RouteEntry[],
  allowWildcardRoutes: boolean,
): OpenshiftMaps {
  const m: OpenshiftMaps = {
    http: [],
    edge: [],
    redirect: [],
    tcp: [],
    sniPassthrough: [],
    wildcardDomain: [],
  };
  for (const r of routes) {
    if (r.host === '') continue;
    const key = routeRegexp(r.host, r.path, r.wildcard);
    const tls = r.termination === 'edge' || r.termination === 'reencrypt';
    if (r.termination === 'none' || (tls && r.insecurePolicy === 'Allow')) {
      m.http.push({ key, value: r.backendName, route: r });
    }
    if (tls) m.edge.push({ key, value: r.backendName, route: r });
    m.redirect.push({ key, value: r.insecurePolicy === 'Redirect' ? '1' : '0', route: r });
    if (r.path === '' && (r.termination === 'passthrough' || r.termination === 'reencrypt')) {
      m.tcp.push({ key: routeRegexp(r.host, '', r.wildcard), value: r.backendName, route: r });
    }
    if (r.path === '' && r.termination === 'passthrough') {
      m.sniPassthrough.push({ key: sniRegexp(r.host, r.wildcard), value: '1', route: r });
    }
    if (allowWildcardRoutes && r.wildcard) {
      m.wildcardDomain.push({ key: routeRegexp(r.host, '', true), value: '1', route: r });
    }
  }
  return {
    http: sortLines(m.http),
    edge: sortLines(m.edge),
    redirect: sortLines(m.redirect),
    tcp: sortLines(m.tcp),
    sniPassthrough: sortLines(m.sniPassthrough),
    wildcardDomain: sortLines(m.wildcardDomain),
  };
}

/** The OpenShift map files by name. */
export function openshiftMapFiles(m: OpenshiftMaps): Record<string, string> {
  return {
    'os_http_be.map': toText(m.http),
    'os_edge_reencrypt_be.map': toText(m.edge),
    'os_route_http_redirect.map': toText(m.redirect),
    'os_tcp_be.map': toText(m.tcp),
    'os_sni_passthrough.map': toText(m.sniPassthrough),
    'os_wildcard_domain.map': toText(m.wildcardDomain),
  };
}

/** The index group of a route: its host, or `.<domain>` for a wildcard route. */
export function groupKey(r: RouteEntry): string {
  if (r.wildcard) {
    const d = domainForHost(r.host);
    if (d !== '') return `.${d}`;
  }
  return r.host;
}

type Cond = { kind: 'all' } | { kind: 'prefix'; p: string } | { kind: 'segment'; p: string };

function condition(path: string): Cond {
  if (/^\/*$/.test(path)) return { kind: 'all' };
  if (path.endsWith('/')) return { kind: 'prefix', p: path };
  return { kind: 'segment', p: path };
}

/** Characters a path may hold for its group to be indexed: printable ASCII without space. */
function indexable(path: string): boolean {
  return /^[\x21-\x7e]*$/.test(path);
}

/** Whether line condition `c` holds for a request path equal to `p`. */
function holdsExact(c: Cond, p: string): boolean {
  if (c.kind === 'all') return true;
  if (c.kind === 'prefix') return p.startsWith(c.p);
  return p === c.p || p.startsWith(`${c.p}/`);
}

/** Whether the prefix part of `c` holds for every path whose longest key prefix is `q`. */
function holdsPrefix(c: Cond, q: string): boolean {
  if (c.kind === 'all') return true;
  if (c.kind === 'prefix') return q.startsWith(c.p);
  return q.startsWith(`${c.p}/`);
}

/** Indexed maps of one purpose. */
export interface IndexedMaps {
  exact: string;
  prefix: string;
  reg: string;
}

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Derives the indexed maps of one purpose from its sorted OpenShift lines. */
export function buildIndexedMaps(sorted: readonly Line[]): IndexedMaps {
  const groups = new Map<string, Line[]>();
  for (const l of sorted) {
    const g = groupKey(l.route);
    let list = groups.get(g);
    if (list === undefined) {
      list = [];
      groups.set(g, list);
    }
    list.push(l);
  }
  const exact: { key: string; value: string }[] = [];
  const prefix: { key: string; value: string }[] = [];
  const fallbackGroups = new Set<string>();
  for (const [g, lines] of groups) {
    if (!lines.every((l) => indexable(l.route.path))) {
      fallbackGroups.add(g);
      continue;
    }
    const conds = lines.map((l) => condition(l.route.path));
    const exactKeys = new Set<string>();
    const prefixKeys = new Set<string>();
    for (const c of conds) {
      if (c.kind === 'all') {
        exactKeys.add('');
        prefixKeys.add('/');
      } else if (c.kind === 'prefix') {
        prefixKeys.add(c.p);
      } else {
        exactKeys.add(c.p);
        prefixKeys.add(`${c.p}/`);
      }
    }
    for (const e of exactKeys) {
      const i = conds.findIndex((c) => holdsExact(c, e));
      if (i !== -1) exact.push({ key: g + e, value: (lines[i] as Line).value });
    }
    for (const q of prefixKeys) {
      const i = conds.findIndex((c) => holdsPrefix(c, q));
      if (i !== -1) prefix.push({ key: g + q, value: (lines[i] as Line).value });
    }
  }
  exact.sort(byKey);
  prefix.sort(byKey);
  const reg = sorted.filter((l) => fallbackGroups.has(groupKey(l.route)));
  return { exact: formatMapFile(exact), prefix: formatMapFile(prefix), reg: toText(reg) };
}

/** Indexed SNI maps: passthrough hosts and the TCP backend per host or `.domain`. */
export function buildIndexedSniMaps(m: OpenshiftMaps): { passthrough: string; tcp: string } {
  const pass = new Map<string, string>();
  for (const l of m.sniPassthrough) pass.set(groupKey(l.route), '1');
  const tcp = new Map<string, string>();
  // First line in OpenShift order wins for each host or domain.
  for (const l of m.tcp) {
    const g = groupKey(l.route);
    if (!tcp.has(g)) tcp.set(g, l.value);
  }
  const entries = (mm: Map<string, string>) => [...mm].map(([key, value]) => ({ key, value })).sort(byKey);
  return { passthrough: formatMapFile(entries(pass)), tcp: formatMapFile(entries(tcp)) };
}
