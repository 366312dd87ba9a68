/**
 * Backends as HAProxy sees them: one per route, with its server lines, balance algorithm,
 * cookie settings and per-route policies resolved once per table, so the request path only
 * reads fields.
 */
import { BlockList, isIPv6 } from 'node:net';
import type {
  BalanceAlgorithm,
  ForwardedHeadersPolicy,
  HeaderAction,
  RouteEntry,
} from '@switchyard/route-model';
import type { Pool } from 'undici';
import { parseHaproxyTime, type ResolvedOptions } from '../options.ts';
import type { CounterSet } from './metrics.ts';
import { type RateLimits, SourceTable } from './rate-limit.ts';

/** Live state of one server line. Objects survive table updates while the server stays. */
export interface ServerState {
  readonly id: string;
  readonly idHash: string;
  readonly ip: string;
  readonly port: number;
  /** HAProxy weight (0 = reachable only through its sticky cookie). */
  weight: number;
  /** `maxconn` (pod-concurrent-connections); 0 = unlimited. */
  maxconn: number;
  /** Requests or sessions in flight. */
  active: number;
  /** Smooth weighted round-robin accumulator. */
  current: number;
  /** Removed from the table: finishes what it has, takes nothing new. */
  draining: boolean;
  /** Upstream origin key for the connection pool (`http://ip:port` plus TLS settings). */
  poolKey: string;
  /** The backend this server line belongs to (server lines are per backend, as in HAProxy). */
  readonly backend: string;
  /** This server line's metrics counters, looked up once. */
  counters: CounterSet | undefined;
  /** `check inter <ms>` when the line is health-checked (OpenShift: more than one active endpoint), else 0. */
  checkInterval: number;
  /** Health state: a checked server that failed `fall` checks in a row is down until `rise` pass. */
  up: boolean;
  /** The `Set-Cookie` value inserted for this server line, built once per backend build. */
  setCookie: string | undefined;
  /** The connection pool of `poolKey`, remembered by the pool manager (no keyed lookup per request). */
  pool?: Pool;
}

/** Upstream TLS settings (re-encrypt). */
export interface UpstreamTls {
  /** CA bundle to verify the server with (`verify required ca-file`); undefined = `verify none`. */
  readonly ca: string | undefined;
  /** SNI sent to the server. */
  readonly servername: string;
  /** Also check the certificate names against `servername` (`verifyhost`). */
  readonly verifyHost: boolean;
  /** Offer ALPN h2 (we still speak HTTP/1.1 upstream, so only http/1.1 is offered). */
}

/** Sticky cookie settings (`cookie <name> insert indirect nocache httponly [secure attr SameSite=v]`). */
export interface CookieSettings {
  readonly name: string;
  readonly secure: boolean;
  readonly sameSite: string | undefined;
}

/** A backend (one route). */
export interface BackendState {
  readonly name: string;
  readonly route: RouteEntry;
  readonly mode: 'http' | 'tcp';
  /** Every server line, in HAProxy order (weight-0 included for HTTP, for cookies). */
  readonly servers: readonly ServerState[];
  /** Servers with weight > 0 (the balancing set). */
  readonly eligible: readonly ServerState[];
  readonly byCookie: ReadonlyMap<string, ServerState>;
  readonly balance: BalanceAlgorithm;
  readonly cookie: CookieSettings | undefined;
  readonly forwarded: ForwardedHeadersPolicy;
  readonly allowlist: BlockList | undefined;
  /** `timeout server` in ms. */
  readonly serverTimeout: number;
  /** `timeout tunnel` in ms. */
  readonly tunnelTimeout: number;
  readonly upstreamTls: UpstreamTls | undefined;
  readonly requestHeaders: readonly HeaderAction[];
  /** `haproxy.router.openshift.io/h1-adjust-case`: header names to the server get `h1CaseAdjust`'s case. */
  readonly h1AdjustCase: boolean;
  readonly responseHeaders: readonly HeaderAction[];
  readonly hsts: string | undefined;
  readonly rewrite: { readonly re: RegExp; readonly replacement: string } | undefined;
  /** `rate-limit-connections.*` limits, with the stick table kept across rebuilds. */
  readonly rateLimits: RateLimits | undefined;
  readonly sources: SourceTable | undefined;
  /** Requests waiting because every server is at its maxconn. */
  readonly queue: Array<() => void>;
  /** Cumulative weight table for `source` hashing. */
  readonly cumulative: readonly number[];
  readonly totalWeight: number;
  /** This backend's metrics counters, looked up once (see `MetricsRegistry.backendOf`). */
  counters: CounterSet | undefined;
}

/**
 * A route-controlled header value as Node must be given it to put HAProxy's bytes on the wire.
 * HAProxy sends the UTF-8 bytes of the configured text; Node's `setHeader`/`writeHead` and undici
 * write header strings as latin1 and throw on any character above U+00FF. The latin1 string
 * of the UTF-8 bytes therefore goes out as exactly those bytes. Pure ASCII (the common case) is
 * returned unchanged, without a copy.
 * @internal
 */
export function wireString(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

function wireAction(a: HeaderAction): HeaderAction {
  return a.type === 'Set' ? { type: 'Set', name: a.name, value: wireString(a.value) } : a;
}

function backendMode(r: RouteEntry): 'http' | 'tcp' {
  return r.termination === 'passthrough' ? 'tcp' : 'http';
}

function defaultBalance(r: RouteEntry, o: ResolvedOptions): BalanceAlgorithm {
  if (r.policies.balance) return r.policies.balance;
  if (r.activeServiceUnits > 1) return 'roundrobin';
  return r.termination === 'passthrough' ? o.tcpBalanceScheme : o.loadBalanceAlgorithm;
}

function buildAllowlist(list: readonly string[] | undefined): BlockList | undefined {
  if (!list || list.length === 0) return undefined;
  const bl = new BlockList();
  for (const item of list) {
    const [addr, prefix] = item.split('/');
    if (!addr) continue;
    const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
    try {
      if (prefix === undefined) bl.addAddress(addr, type);
      else bl.addSubnet(addr, Number(prefix), type);
    } catch {
      // route-model already dropped invalid tokens; ignore anything else defensively
    }
  }
  return bl;
}

/**
 * Checks a client address against an allowlist (IPv4-mapped IPv6 addresses count as IPv4).
 * @internal
 */
export function isAllowed(bl: BlockList | undefined, address: string): boolean {
  if (!bl) return true;
  if (address.startsWith('::ffff:') && address.includes('.')) {
    const v4 = address.slice(7);
    return bl.check(v4, 'ipv4') || bl.check(address, 'ipv6');
  }
  return bl.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
}

function upstreamTls(r: RouteEntry, o: ResolvedOptions): UpstreamTls | undefined {
  if (r.termination !== 'reencrypt') return undefined;
  const unit = r.serviceUnits.find((u) => u.weight > 0) ?? r.serviceUnits[0];
  const servername = unit ? `${unit.name}.${unit.namespace}.svc` : r.host;
  const dest = r.tls?.destinationCACertificate;
  if (dest && dest.trim() !== '') return { ca: dest, servername, verifyHost: false };
  if (o.defaultDestinationCA) return { ca: o.defaultDestinationCA, servername, verifyHost: true };
  return { ca: undefined, servername, verifyHost: false };
}

function rewriteOf(r: RouteEntry): BackendState['rewrite'] {
  const annotated = r.policies.rewriteTarget;
  if (annotated === undefined || r.termination === 'passthrough') return undefined;
  // The request target Node hands over is latin1 (one char per byte) and undici writes the path
  // as latin1: the route's text joins it as its UTF-8 bytes, the bytes HAProxy matches and sends.
  const target = wireString(annotated);
  const path = wireString(r.path.replaceAll('\r', '').replaceAll('\n', ''));
  try {
    // The route path is used as a regex, unescaped, exactly as OpenShift's replace-path does.
    if (target === '/') return { re: new RegExp(`^${path}/?(.*)$`), replacement: '/$1' };
    return { re: new RegExp(`^${path}(.*)$`), replacement: `${target.replaceAll('$', '$$')}$1` };
  } catch {
    return undefined;
  }
}

/**
 * Builds a backend from a route, reusing server state objects from `previous` (keyed by
 * backend name + server id + address) so in-flight counts and balancing state carry over.
 * @internal
 */
export function buildBackend(
  r: RouteEntry,
  o: ResolvedOptions,
  previous: ReadonlyMap<string, ServerState> | undefined,
  previousBackend?: BackendState,
): BackendState {
  const mode = backendMode(r);
  const tls = upstreamTls(r, o);
  const tlsKey = tls ? `|tls|${tls.servername}|${tls.verifyHost}|${tls.ca ?? ''}` : '';
  const servers: ServerState[] = [];
  const maxconn = r.policies.podConcurrentConnections ?? 0;
  const interval = parseHaproxyTime(r.policies.healthCheckInterval) ?? 5_000;
  for (const unit of r.serviceUnits) {
    if (unit.serverWeight === undefined) continue;
    // Passthrough backends omit weight-0 services; HTTP backends keep them for cookies.
    if (mode === 'tcp' && unit.serverWeight === 0) continue;
    for (const s of unit.servers) {
      const host = isIPv6(s.ip) ? `[${s.ip}]` : s.ip;
      // `proto h2` (OpenShift: edge and plain routes whose port says appProtocol h2c): HTTP/2
      // without TLS, with prior knowledge.
      const h2c =
        !tls && mode === 'http' && (s.appProtocol === 'h2c' || s.appProtocol === 'kubernetes.io/h2c');
      const poolKey = `${tls ? 'https' : h2c ? 'h2c' : 'http'}://${host}:${s.port}${tlsKey}`;
      const prevKey = `${r.backendName}|${s.id}|${s.ip}|${s.port}|${poolKey}`;
      const prev = previous?.get(prevKey);
      // `check inter` only when the route has more than one active endpoint (and not idled).
      const checkInterval = r.activeEndpoints > 1 && !s.noHealthCheck ? interval : 0;
      if (prev && !prev.draining) {
        prev.weight = unit.serverWeight;
        prev.maxconn = maxconn;
        prev.checkInterval = checkInterval;
        // The cookie settings may have changed with the route.
        prev.setCookie = undefined;
        if (checkInterval === 0) prev.up = true;
        servers.push(prev);
      } else {
        servers.push({
          id: s.id,
          idHash: s.idHash,
          ip: s.ip,
          port: s.port,
          weight: unit.serverWeight,
          maxconn,
          active: 0,
          current: 0,
          draining: false,
          poolKey,
          backend: r.backendName,
          counters: undefined,
          checkInterval,
          up: true,
          setCookie: undefined,
        });
      }
    }
  }
  const eligible = servers.filter((s) => s.weight > 0);
  const cumulative: number[] = [];
  let total = 0;
  for (const s of eligible) {
    total += s.weight;
    cumulative.push(total);
  }
  const byCookie = new Map<string, ServerState>();
  for (const s of servers) if (!byCookie.has(s.idHash)) byCookie.set(s.idHash, s);
  const p = r.policies;
  const cookie: CookieSettings | undefined =
    mode === 'http' && !p.disableCookies
      ? {
          name: p.cookieName ?? o.cookieName ?? r.routingKeyName,
          secure: (r.termination === 'edge' || r.termination === 'reencrypt') && r.insecurePolicy !== 'Allow',
          sameSite: p.cookieSameSite ?? 'None',
        }
      : undefined;
  const serverTimeout = parseHaproxyTime(p.timeout) ?? o.timeouts.server;
  const tunnelTimeout =
    mode === 'tcp'
      ? (parseHaproxyTime(p.timeoutTunnel) ?? parseHaproxyTime(p.timeout) ?? o.timeouts.tunnel)
      : (parseHaproxyTime(p.timeoutTunnel) ?? o.timeouts.tunnel);
  return {
    name: r.backendName,
    route: r,
    mode,
    servers,
    eligible,
    byCookie,
    balance: defaultBalance(r, o),
    cookie,
    forwarded: p.forwardedHeaders ?? o.forwardedHeaders,
    allowlist: buildAllowlist(p.ipAllowlist),
    serverTimeout,
    tunnelTimeout,
    upstreamTls: tls,
    requestHeaders: mode === 'http' ? p.requestHeaders.map(wireAction) : [],
    h1AdjustCase: mode === 'http' && p.h1AdjustCase === true,
    responseHeaders: mode === 'http' ? p.responseHeaders.map(wireAction) : [],
    hsts:
      (r.termination === 'edge' || r.termination === 'reencrypt') && p.hstsHeader !== undefined
        ? wireString(p.hstsHeader)
        : undefined,
    rewrite: rewriteOf(r),
    rateLimits: rateLimitsOf(r, mode),
    sources: rateLimitsOf(r, mode) ? (previousBackend?.sources ?? new SourceTable()) : undefined,
    queue: [],
    cumulative,
    totalWeight: total,
    counters: undefined,
  };
}

function rateLimitsOf(r: RouteEntry, mode: 'http' | 'tcp'): RateLimits | undefined {
  const l = r.policies.rateLimit;
  if (!l) return undefined;
  const out: { concurrentTcp?: number; rateTcp?: number; rateHttp?: number } = {};
  if (l.concurrentTcp !== undefined) out.concurrentTcp = l.concurrentTcp;
  if (l.rateTcp !== undefined) out.rateTcp = l.rateTcp;
  // OpenShift emits no HTTP rate rule for passthrough.
  if (l.rateHttp !== undefined && mode === 'http') out.rateHttp = l.rateHttp;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The key under which a server's state is remembered across updates. @internal */
export function serverStateKey(s: ServerState): string {
  return `${s.backend}|${s.id}|${s.ip}|${s.port}|${s.poolKey}`;
}

function hashString(s: string): number {
  // FNV-1a, 32 bit: cheap and well spread for IP text.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function hasRoom(s: ServerState): boolean {
  return s.up && !s.draining && (s.maxconn === 0 || s.active < s.maxconn);
}

/**
 * Picks a server by the backend's algorithm among eligible servers with room, skipping
 * `exclude` (the server that just refused, for redispatch). Returns undefined when none has room.
 * @internal
 */
export function pickServer(
  b: BackendState,
  clientIp: string,
  exclude?: ServerState,
): ServerState | undefined {
  const list = b.eligible;
  if (list.length === 0) return undefined;
  if (list.length === 1) {
    const only = list[0] as ServerState;
    return only !== exclude && hasRoom(only) ? only : undefined;
  }
  switch (b.balance) {
    case 'source': {
      const h = hashString(clientIp) % b.totalWeight;
      let lo = 0;
      let hi = b.cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((b.cumulative[mid] as number) > h) hi = mid;
        else lo = mid + 1;
      }
      for (let i = 0; i < list.length; i++) {
        const s = list[(lo + i) % list.length] as ServerState;
        if (s !== exclude && hasRoom(s)) return s;
      }
      return undefined;
    }
    case 'leastconn': {
      let best: ServerState | undefined;
      let bestScore = Number.POSITIVE_INFINITY;
      for (const s of list) {
        if (s === exclude || !hasRoom(s)) continue;
        const score = (s.active + 1) / s.weight;
        if (score < bestScore) {
          best = s;
          bestScore = score;
        }
      }
      return best;
    }
    case 'random': {
      // HAProxy's `random` draws twice (power of two choices) and keeps the less loaded.
      const a = weightedRandom(b, exclude);
      const c = weightedRandom(b, exclude);
      if (!a) return c;
      if (!c) return a;
      return c.active < a.active ? c : a;
    }
    default: {
      // Smooth weighted round-robin: same long-run split as HAProxy's roundrobin.
      let best: ServerState | undefined;
      let total = 0;
      for (const s of list) {
        if (s === exclude || !hasRoom(s)) continue;
        s.current += s.weight;
        total += s.weight;
        if (!best || s.current > best.current) best = s;
      }
      if (best) best.current -= total;
      return best;
    }
  }
}

function weightedRandom(b: BackendState, exclude: ServerState | undefined): ServerState | undefined {
  const list = b.eligible;
  for (let attempt = 0; attempt < 4; attempt++) {
    const r = Math.random() * b.totalWeight;
    let lo = 0;
    let hi = b.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((b.cumulative[mid] as number) > r) hi = mid;
      else lo = mid + 1;
    }
    const s = list[lo] as ServerState;
    if (s !== exclude && hasRoom(s)) return s;
  }
  for (const s of list) if (s !== exclude && hasRoom(s)) return s;
  return undefined;
}
