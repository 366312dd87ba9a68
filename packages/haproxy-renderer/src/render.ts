/**
 * `renderHaproxyConfig`: a RoutingTable and options in, every file HAProxy needs out (by path
 * relative to `options.workingDir`), with OpenShift's topology and per-route backend lines.
 */
import { createHash } from 'node:crypto';
import { domainForHost } from '@switchyard/map-matcher';
import type {
  HeaderAction,
  RouteEntry,
  RouteIngressCondition,
  RoutingTable,
  ServerEntry,
} from '@switchyard/route-model';
import { HaproxyRendererError } from './errors.ts';
import {
  buildIndexedMaps,
  buildIndexedSniMaps,
  buildOpenshiftMaps,
  type OpenshiftMaps,
  openshiftMapFiles,
} from './internal/maps.ts';
import {
  checkCertificates,
  checkHeaderValue,
  checkPath,
  escapeRegex,
  isHaproxyTime,
  isHeaderName,
  isHstsValue,
  isIpOrCidr,
  isObjectName,
  isRouteHost,
  quote,
  sanitizeRewriteTarget,
} from './internal/validate.ts';
import {
  type MapLayout,
  type MutualTlsOptions,
  type RenderOptions,
  type ResolvedOptions,
  resolveOptions,
} from './options.ts';

/** A route left out of the configuration because a value could not be rendered safely. */
export interface RejectedRoute {
  /** `<namespace>:<name>`. */
  readonly key: string;
  /** The offending field, e.g. `spec.path` or `metadata.annotations["haproxy.router.openshift.io/timeout"]`. */
  readonly field: string;
  /** What is wrong with it. */
  readonly message: string;
  /** The condition a router writes to `status.ingress[].conditions` for this route. */
  readonly condition: RouteIngressCondition & {
    type: 'Admitted';
    status: 'False';
    reason: string;
    message: string;
  };
}

/** One server line, for runtime updates. */
export interface RenderedServer {
  /** Server name (OpenShift's endpoint ID). */
  readonly name: string;
  /** `ip:port` (IPv6 bracketed). */
  readonly address: string;
  readonly weight: number;
  /** The arguments after the address except `weight` and `cookie`, as `add server` takes them. */
  readonly runtimeArgs: readonly string[];
  /** Whether the line carries a static `cookie <hash>` (`add server` cannot set one). */
  readonly staticCookie: boolean;
  /** Whether the line has `check`. */
  readonly check: boolean;
}

/** One route backend, for runtime updates. */
export interface RenderedBackend {
  /** Backend name, e.g. `be_edge_http:ns:name`. */
  readonly name: string;
  /** Route key `<namespace>:<name>`. */
  readonly routeKey: string;
  readonly mode: 'http' | 'tcp';
  /** The backend's lines other than servers; a change here needs a reload. */
  readonly settings: string;
  readonly servers: readonly RenderedServer[];
}

/** Everything `renderHaproxyConfig` produces. */
export interface RenderResult {
  /** File contents by path relative to `workingDir` (`haproxy.config`, `*.map`, `certs/…`), sorted by path. */
  readonly files: Readonly<Record<string, string>>;
  /** Paths (relative) of files holding private keys: write them with mode 0600. */
  readonly privateFiles: readonly string[];
  /** Map files the configuration reads (relative paths): these can be replaced at runtime. */
  readonly mapFiles: readonly string[];
  /** Route backends in configuration order. */
  readonly backends: readonly RenderedBackend[];
  /** Routes left out, with the reason (sorted by key). */
  readonly rejected: readonly RejectedRoute[];
  /** The layout rendered. */
  readonly layout: MapLayout;
  /** The working directory the paths point into. */
  readonly workingDir: string;
}

class Reject extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const ANN = 'metadata.annotations';
const A = {
  timeout: `${ANN}["haproxy.router.openshift.io/timeout"]`,
  timeoutTunnel: `${ANN}["haproxy.router.openshift.io/timeout-tunnel"]`,
  allowlist: `${ANN}["haproxy.router.openshift.io/ip_allowlist"]`,
  cookieName: `${ANN}["router.openshift.io/cookie_name"]`,
  hsts: `${ANN}["haproxy.router.openshift.io/hsts_header"]`,
  rate: `${ANN}["haproxy.router.openshift.io/rate-limit-connections"]`,
  podConn: `${ANN}["haproxy.router.openshift.io/pod-concurrent-connections"]`,
  rewrite: `${ANN}["haproxy.router.openshift.io/rewrite-target"]`,
  check: `${ANN}["router.openshift.io/haproxy.health.check.interval"]`,
};

/** Route data after validation, with its TLS files. */
interface Prepared {
  route: RouteEntry;
  certFile?: string;
  certPem?: string;
  caFile?: string;
  caPem?: string;
}

function fail(field: string, message: string): never {
  throw new Reject(field, message);
}

function posInt(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) {
    fail(field, `expected a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function checkHeaderActions(actions: readonly HeaderAction[], field: string): void {
  for (const [i, a] of actions.entries()) {
    const f = `${field}[${i}]`;
    if (!isHeaderName(a.name)) fail(`${f}.name`, 'expected an HTTP header name (token characters)');
    if (a.type === 'Set') {
      const problem = checkHeaderValue(a.value);
      if (problem !== undefined) fail(`${f}.action.set.value`, problem);
    } else if (a.type !== 'Delete') {
      fail(`${f}.action.type`, 'expected Set or Delete');
    }
  }
}

function checkServer(s: ServerEntry, field: string): void {
  if (typeof s.id !== 'string' || !/^[A-Za-z0-9._:%[\]-]{1,512}$/.test(s.id)) {
    fail(`${field}.id`, 'expected letters, digits and . _ : % [ ] -');
  }
  if (!isIpOrCidr(s.ip) || s.ip.includes('/'))
    fail(`${field}.ip`, `expected an IP address, got ${JSON.stringify(s.ip)}`);
  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535)
    fail(`${field}.port`, 'expected a port 1..65535');
  if (!/^[0-9a-f]{32}$/.test(s.idHash)) fail(`${field}.idHash`, 'expected an md5 hex digest');
}

/** Validates one route; throws Reject. Returns the PEM files to write. */
function prepare(r: RouteEntry): Prepared {
  if (!isObjectName(r.namespace)) fail('metadata.namespace', 'expected a DNS-1123 name');
  if (!isObjectName(r.name)) fail('metadata.name', 'expected a DNS-1123 name');
  if (r.key !== `${r.namespace}:${r.name}`) fail('key', 'expected <namespace>:<name>');
  if (typeof r.host !== 'string' || !isRouteHost(r.host))
    fail('spec.host', 'expected a lower-case DNS host name');
  if (typeof r.path !== 'string') fail('spec.path', 'expected a string');
  const pathProblem = checkPath(r.path);
  if (pathProblem !== undefined) fail('spec.path', pathProblem);
  if (!['none', 'edge', 'reencrypt', 'passthrough'].includes(r.termination))
    fail('spec.tls.termination', 'unknown termination');
  if (!['None', 'Allow', 'Redirect'].includes(r.insecurePolicy))
    fail('spec.tls.insecureEdgeTerminationPolicy', 'unknown policy');
  if (r.termination === 'passthrough' && r.path !== '')
    fail('spec.path', 'passthrough routes cannot have a path');
  if (r.backendName !== backendName(r)) fail('backendName', `expected ${backendName(r)}`);
  if (!/^[0-9a-f]{32}$/.test(r.routingKeyName)) fail('routingKeyName', 'expected an md5 hex digest');
  for (const [i, su] of r.serviceUnits.entries()) {
    const f = `serviceUnits[${i}]`;
    if (!isObjectName(su.namespace) || !isObjectName(su.name)) fail(`${f}.name`, 'expected DNS-1123 names');
    if (
      su.serverWeight !== undefined &&
      (!Number.isInteger(su.serverWeight) || su.serverWeight < 0 || su.serverWeight > 256)
    ) {
      fail(`${f}.serverWeight`, 'expected an integer 0..256');
    }
    for (const [j, s] of su.servers.entries()) checkServer(s, `${f}.servers[${j}]`);
  }
  const p = r.policies;
  if (p.timeout !== undefined && !isHaproxyTime(p.timeout)) fail(A.timeout, 'expected a HAProxy time');
  if (p.timeoutTunnel !== undefined && !isHaproxyTime(p.timeoutTunnel))
    fail(A.timeoutTunnel, 'expected a HAProxy time');
  if (p.healthCheckInterval !== undefined && !isHaproxyTime(p.healthCheckInterval))
    fail(A.check, 'expected a HAProxy time');
  if (p.ipAllowlist !== undefined) {
    for (const ip of p.ipAllowlist)
      if (!isIpOrCidr(ip)) fail(A.allowlist, `${JSON.stringify(ip)} is not an IP address or CIDR`);
  }
  if (p.cookieName !== undefined && !/^[a-zA-Z0-9_-]{1,256}$/.test(p.cookieName))
    fail(A.cookieName, 'expected [a-zA-Z0-9_-]+');
  if (p.cookieSameSite !== undefined && !['Lax', 'Strict', 'None'].includes(p.cookieSameSite)) {
    fail(`${ANN}["router.openshift.io/cookie-same-site"]`, 'expected Lax, Strict or None');
  }
  if (p.hstsHeader !== undefined && !isHstsValue(p.hstsHeader))
    fail(A.hsts, 'expected max-age=N[;includeSubDomains][;preload]');
  if (p.rateLimit !== undefined) {
    for (const k of ['concurrentTcp', 'rateTcp', 'rateHttp'] as const) {
      if (p.rateLimit[k] !== undefined) posInt(p.rateLimit[k], `${A.rate.slice(0, -2)}.${k}"]`);
    }
  }
  if (p.podConcurrentConnections !== undefined) posInt(p.podConcurrentConnections, A.podConn);
  if (p.rewriteTarget !== undefined) {
    const t = p.rewriteTarget;
    if (!t.startsWith('/') || t.length > 4096 || /[\x00-\x1f\x7f]/.test(t))
      fail(A.rewrite, 'expected /… without control characters');
  }
  if (p.balance !== undefined && !['roundrobin', 'leastconn', 'source', 'random'].includes(p.balance)) {
    fail(`${ANN}["haproxy.router.openshift.io/balance"]`, 'unknown algorithm');
  }
  checkHeaderActions(p.requestHeaders, 'spec.httpHeaders.actions.request');
  checkHeaderActions(p.responseHeaders, 'spec.httpHeaders.actions.response');

  const out: Prepared = { route: r };
  if (r.termination === 'edge' || r.termination === 'reencrypt') {
    const tls = r.tls ?? {};
    if (tls.certificate !== undefined && tls.certificate.trim() !== '') {
      const c = checkCertificates(tls.certificate, tls.key, true);
      if (!c.ok) fail('spec.tls.certificate', c.message);
      let pem = `${c.key}\n${c.certs.join('')}`;
      if (tls.caCertificate !== undefined && tls.caCertificate.trim() !== '') {
        const ca = checkCertificates(tls.caCertificate, undefined, false);
        if (!ca.ok) fail('spec.tls.caCertificate', ca.message);
        pem += `\n${ca.certs.join('')}`;
      }
      out.certFile = `certs/${r.key}.pem`;
      out.certPem = pem;
    }
    if (
      r.termination === 'reencrypt' &&
      tls.destinationCACertificate !== undefined &&
      tls.destinationCACertificate.trim() !== ''
    ) {
      const ca = checkCertificates(tls.destinationCACertificate, undefined, false);
      if (!ca.ok) fail('spec.tls.destinationCACertificate', ca.message);
      out.caFile = `cacerts/${r.key}.pem`;
      out.caPem = ca.certs.join('');
    }
  }
  return out;
}

/** OpenShift's `GenerateBackendNamePrefix` + `:<ns>:<name>`. */
export function backendName(r: Pick<RouteEntry, 'termination' | 'namespace' | 'name'>): string {
  const prefix =
    r.termination === 'edge'
      ? 'be_edge_http'
      : r.termination === 'reencrypt'
        ? 'be_secure'
        : r.termination === 'passthrough'
          ? 'be_tcp'
          : 'be_http';
  return `${prefix}:${r.namespace}:${r.name}`;
}

/** OpenShift's `GenCertificateHostName`: `*.<domain>` for wildcard routes, else the host. */
export function certificateHostName(host: string, wildcard: boolean): string {
  if (wildcard) {
    const d = domainForHost(host);
    if (d !== '') return `*.${d}`;
  }
  return host;
}

function bracket(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

function headerActionLines(
  kind: 'http-request' | 'http-response',
  actions: readonly HeaderAction[],
): string[] {
  return actions.map((a) =>
    a.type === 'Set'
      ? `  ${kind} set-header ${quote(a.name)} ${quote(a.value)}`
      : `  ${kind} del-header ${quote(a.name)}`,
  );
}

function forwardedLines(policy: string): string[] {
  const v4 = '{ src -m ip 0.0.0.0/0 }';
  switch (policy) {
    case 'append':
      return [
        '  http-request add-header X-Forwarded-Host %[req.hdr(host)]',
        '  http-request add-header X-Forwarded-Port %[dst_port]',
        '  http-request add-header X-Forwarded-Proto http if !{ ssl_fc }',
        '  http-request add-header X-Forwarded-Proto https if { ssl_fc }',
        '  http-request add-header X-Forwarded-Proto-Version h2 if { ssl_fc_alpn -i h2 }',
        `  http-request add-header Forwarded for=%[src];host=%[req.hdr(host)];proto=%[req.hdr(X-Forwarded-Proto)] if ${v4}`,
        `  http-request add-header Forwarded for=\\"[%[src]]\\";host=%[req.hdr(host)];proto=%[req.hdr(X-Forwarded-Proto)] unless ${v4}`,
      ];
    case 'replace':
      return [
        '  http-request set-header X-Forwarded-For %[src]',
        '  http-request set-header X-Forwarded-Host %[req.hdr(host)]',
        '  http-request set-header X-Forwarded-Port %[dst_port]',
        '  http-request set-header X-Forwarded-Proto http if !{ ssl_fc }',
        '  http-request set-header X-Forwarded-Proto https if { ssl_fc }',
        '  http-request set-header X-Forwarded-Proto-Version h2 if { ssl_fc_alpn -i h2 }',
        '  http-request del-header X-Forwarded-Proto-Version unless { ssl_fc_alpn -i h2 }',
        `  http-request set-header Forwarded for=%[src];host=%[req.hdr(host)];proto=%[req.hdr(X-Forwarded-Proto)] if ${v4}`,
        `  http-request set-header Forwarded for=\\"[%[src]]\\";host=%[req.hdr(host)];proto=%[req.hdr(X-Forwarded-Proto)] unless ${v4}`,
      ];
    case 'if-none':
      return [
        '  http-request set-header X-Forwarded-Host %[req.hdr(host)] unless { req.hdr(X-Forwarded-Host) -m found }',
        '  http-request set-header X-Forwarded-Port %[dst_port] unless { req.hdr(X-Forwarded-Port) -m found }',
        '  http-request set-header X-Forwarded-Proto http if !{ ssl_fc } !{ req.hdr(X-Forwarded-Proto) -m found }',
        '  http-request set-header X-Forwarded-Proto https if { ssl_fc } !{ req.hdr(X-Forwarded-Proto) -m found }',
        '  http-request set-header X-Forwarded-Proto-Version h2 if { ssl_fc_alpn -i h2 } !{ req.hdr(X-Forwarded-Proto-Version) -m found }',
        `  http-request set-header Forwarded for=%[src];host=%[req.hdr(host)];proto=%[req.hdr(X-Forwarded-Proto)] if ${v4} !{ req.hdr(Forwarded) -m found }`,
        `  http-request set-header Forwarded for=\\"[%[src]]\\";host=%[req.hdr(host)];proto=%[req.hdr(X-Forwarded-Proto)] if !${v4} !{ req.hdr(Forwarded) -m found }`,
      ];
    default:
      return [];
  }
}

function allowlistLines(p: Prepared, o: ResolvedOptions, files: Record<string, string>): string[] {
  const list = p.route.policies.ipAllowlist;
  if (list === undefined || list.length === 0) return [];
  // 61 = HAProxy's 64 arguments per line minus `acl allowlist src`.
  if (list.length <= 61)
    return [`  acl allowlist src ${list.join(' ')}`, '  tcp-request content reject if !allowlist'];
  const rel = `allowlists/${p.route.key}.txt`;
  files[rel] = `${list.join('\n')}\n`;
  return [`  acl allowlist src -f ${o.workingDir}/${rel}`, '  tcp-request content reject if !allowlist'];
}

function rateLimitLines(r: RouteEntry, http: boolean): string[] {
  const rl = r.policies.rateLimit;
  if (rl === undefined) return [];
  const out = [
    `  stick-table type ip size 100k expire 30s store conn_cur,conn_rate(3s)${http ? ',http_req_rate(10s)' : ''}`,
    '  tcp-request content track-sc2 src',
  ];
  if (rl.concurrentTcp !== undefined)
    out.push(`  tcp-request content reject if { src_conn_cur ge ${rl.concurrentTcp} }`);
  if (rl.rateTcp !== undefined)
    out.push(`  tcp-request content reject if { src_conn_rate ge ${rl.rateTcp} }`);
  if (http && rl.rateHttp !== undefined)
    out.push(`  tcp-request content reject if { src_http_req_rate ge ${rl.rateHttp} }`);
  return out;
}

function rewriteLines(r: RouteEntry): string[] {
  const t = r.policies.rewriteTarget;
  if (t === undefined) return [];
  // Deliberate fix of OCPBUGS-27741: the path is regex-escaped, so a path holding regex
  // metacharacters can neither break the configuration nor match more than itself.
  const path = escapeRegex(r.path);
  if (t === '/') return [`  http-request replace-path ${quote(`^${path}/?(.*)$`)} ${quote('/\\1')}`];
  // sanitizeRewriteTarget already spells a kept quote as '\'' for the quoted form.
  return [`  http-request replace-path ${quote(`^${path}(.*)$`)} '${sanitizeRewriteTarget(t)}'`];
}

interface BackendOut {
  text: string;
  backend: RenderedBackend;
}

function httpBackend(p: Prepared, o: ResolvedOptions, files: Record<string, string>): BackendOut {
  const r = p.route;
  const pol = r.policies;
  const settings: string[] = ['  mode http', '  option redispatch'];
  const fwd = pol.forwardedHeaders ?? o.setForwardedHeaders;
  // The template's order: the forwardfor option comes second, the headers later.
  if (fwd === 'append') settings.push('  option forwardfor');
  else if (fwd === 'if-none') settings.push('  option forwardfor if-none');
  if (pol.h1AdjustCase && o.h1CaseAdjust.length > 0) settings.push('  option h1-case-adjust-bogus-server');
  const balance = pol.balance ?? (r.activeServiceUnits > 1 ? 'roundrobin' : o.loadBalanceAlgorithm);
  settings.push(`  balance ${balance}`);
  settings.push(...allowlistLines(p, o, files));
  if (pol.timeout !== undefined) settings.push(`  timeout server ${pol.timeout}`);
  if (pol.timeoutTunnel !== undefined) settings.push(`  timeout tunnel ${pol.timeoutTunnel}`);
  settings.push(...rateLimitLines(r, true));
  settings.push('  timeout check 5000ms');
  settings.push(...forwardedLines(fwd));
  settings.push(...rewriteLines(r));
  if (!pol.disableCookies) {
    const name = pol.cookieName ?? o.cookieName ?? r.routingKeyName;
    let line = `  cookie ${name} insert indirect nocache httponly`;
    if ((r.termination === 'edge' || r.termination === 'reencrypt') && r.insecurePolicy !== 'Allow') {
      line += ` secure attr SameSite=${pol.cookieSameSite ?? 'None'}`;
    }
    if (o.dynamicServers) line += ' dynamic';
    settings.push(line);
  }
  if (pol.hstsHeader !== undefined && (r.termination === 'edge' || r.termination === 'reencrypt')) {
    settings.push(`  http-response set-header Strict-Transport-Security ${quote(pol.hstsHeader)}`);
  }
  settings.push(...headerActionLines('http-request', pol.requestHeaders));
  settings.push(...headerActionLines('http-response', pol.responseHeaders));
  if (o.dynamicServers && !pol.disableCookies) settings.push(`  dynamic-cookie-key ${r.routingKeyName}`);

  const servers: RenderedServer[] = [];
  const lines: string[] = [];
  const check = pol.healthCheckInterval ?? o.backendCheckInterval;
  for (const su of r.serviceUnits) {
    if (su.serverWeight === undefined) continue;
    for (const s of su.servers) {
      const args: string[] = [];
      if (r.termination === 'reencrypt') {
        args.push('ssl');
        if (!o.disableHttp2) args.push('alpn', 'h2,http/1.1');
        if (p.caFile !== undefined) args.push('verify', 'required', 'ca-file', `${o.workingDir}/${p.caFile}`);
        else if (r.verifyServiceHostname && o.defaultDestinationCAPath !== undefined) {
          args.push(
            'verifyhost',
            `${su.name}.${su.namespace}.svc`,
            'verify',
            'required',
            'ca-file',
            o.defaultDestinationCAPath,
          );
        } else args.push('verify', 'none');
      } else if (s.appProtocol === 'h2c' || s.appProtocol === 'kubernetes.io/h2c') {
        args.push('proto', 'h2');
      }
      const withCheck = r.activeEndpoints > 1 && !s.noHealthCheck;
      if (withCheck) args.push('check', 'inter', check);
      if (pol.podConcurrentConnections !== undefined)
        args.push('maxconn', String(pol.podConcurrentConnections));
      const staticCookie = !pol.disableCookies && !o.dynamicServers;
      const address = `${bracket(s.ip)}:${s.port}`;
      const cookie = staticCookie ? ` cookie ${s.idHash}` : '';
      lines.push(
        `  server ${s.id} ${address}${cookie} weight ${su.serverWeight}${args.length > 0 ? ` ${args.join(' ')}` : ''}`,
      );
      servers.push({
        name: s.id,
        address,
        weight: su.serverWeight,
        runtimeArgs: args,
        staticCookie,
        check: withCheck,
      });
    }
  }
  const text = `backend ${r.backendName}\n${settings.join('\n')}\n${lines.map((l) => `${l}\n`).join('')}`;
  return {
    text,
    backend: { name: r.backendName, routeKey: r.key, mode: 'http', settings: settings.join('\n'), servers },
  };
}

function tcpBackend(p: Prepared, o: ResolvedOptions, files: Record<string, string>): BackendOut {
  const r = p.route;
  const pol = r.policies;
  const settings: string[] = [];
  const dflt = o.tcpBalanceScheme ?? (o.loadBalanceAlgorithmSet ? o.loadBalanceAlgorithm : 'source');
  settings.push(`  balance ${pol.balance ?? (r.activeServiceUnits > 1 ? 'roundrobin' : dflt)}`);
  settings.push(...allowlistLines(p, o, files));
  const tunnel = pol.timeoutTunnel ?? pol.timeout;
  if (tunnel !== undefined) settings.push(`  timeout tunnel ${tunnel}`);
  settings.push(...rateLimitLines(r, false));
  settings.push('  hash-type consistent', '  timeout check 5000ms');
  const servers: RenderedServer[] = [];
  const lines: string[] = [];
  const check = pol.healthCheckInterval ?? o.backendCheckInterval;
  for (const su of r.serviceUnits) {
    // Passthrough omits weight-0 services (they carry no cookies to keep working).
    if (su.serverWeight === undefined || su.weight === 0) continue;
    for (const s of su.servers) {
      const args: string[] = [];
      const withCheck = r.activeEndpoints > 1 && !s.noHealthCheck;
      if (withCheck) args.push('check', 'inter', check);
      if (pol.podConcurrentConnections !== undefined)
        args.push('maxconn', String(pol.podConcurrentConnections));
      const address = `${bracket(s.ip)}:${s.port}`;
      lines.push(
        `  server ${s.id} ${address} weight ${su.serverWeight}${args.length > 0 ? ` ${args.join(' ')}` : ''}`,
      );
      servers.push({
        name: s.id,
        address,
        weight: su.serverWeight,
        runtimeArgs: args,
        staticCookie: false,
        check: withCheck,
      });
    }
  }
  const text = `backend ${r.backendName}\n${settings.join('\n')}\n${lines.map((l) => `${l}\n`).join('')}`;
  return {
    text,
    backend: { name: r.backendName, routeKey: r.key, mode: 'tcp', settings: settings.join('\n'), servers },
  };
}

function binds(o: ResolvedOptions, port: number): string[] {
  const proxy = o.useProxyProtocol ? ' accept-proxy' : '';
  if (o.bindAddress !== '') {
    const a = o.bindAddress.includes(':') ? `[${o.bindAddress}]` : o.bindAddress;
    return [`  bind ${a}:${port}${proxy}`];
  }
  const out: string[] = [];
  if (o.ipMode !== 'v6') out.push(`  bind :${port}${proxy}`);
  if (o.ipMode !== 'v4') out.push(`  bind :::${port} v6only${proxy}`);
  return out;
}

function hygiene(): string[] {
  return [
    '  http-request deny if { req.fhdr(content-length) -m len 0 }',
    '  http-request del-header Proxy',
    '  http-request del-header X-SSL -m beg',
    '  http-request set-header Host %[req.hdr(Host),lower]',
  ];
}

/** The lookups that set `txn.sy_key` (exact host + path) and `txn.sy_wkey` (domain + path). */
function indexedKeyLines(): string[] {
  return [
    '  http-request set-var(txn.sy_path) base,regsub(^[^/]*,)',
    '  http-request set-var(txn.sy_key) base,field(1,/),regsub(:[0-9]+$,),regsub([.]$,),concat(,txn.sy_path,)',
    '  http-request set-var(txn.sy_rest) base,regsub(^[^.]*,)',
    '  http-request set-var(txn.sy_rpath) var(txn.sy_rest),regsub(^[^/]*,)',
    '  http-request set-var(txn.sy_wkey) var(txn.sy_rest),field(1,/),regsub(:[0-9]+$,),regsub([.]$,),concat(,txn.sy_rpath,)',
  ];
}

function indexedLookup(v: string, base: string, wd: string): string[] {
  const unset = `if !{ var(txn.${v}) -m found }`;
  return [
    `  http-request set-var(txn.${v}) var(txn.sy_key),map_str(${wd}/${base}_exact.map)`,
    `  http-request set-var(txn.${v}) var(txn.sy_key),map_beg(${wd}/${base}_prefix.map) ${unset}`,
    `  http-request set-var(txn.${v}) base,map_reg(${wd}/${base}_reg.map) ${unset}`,
    `  http-request set-var(txn.${v}) var(txn.sy_wkey),map_str(${wd}/${base}_exact.map) ${unset}`,
    `  http-request set-var(txn.${v}) var(txn.sy_wkey),map_beg(${wd}/${base}_prefix.map) ${unset}`,
  ];
}

const REDIRECT = 'http-request redirect location https://%[req.hdr(host),regsub(:[0-9]+$,,)]%[url] code 302';

function publicFrontend(o: ResolvedOptions): string {
  const wd = o.workingDir;
  const l = ['frontend public', ...binds(o, o.httpPort), '  mode http', '  tcp-request inspect-delay 5s'];
  l.push(
    '  tcp-request content accept if HTTP',
    '  monitor-uri /_______internal_router_healthz',
    ...hygiene(),
  );
  l.push(
    ...headerActionLines('http-request', o.requestHeaders),
    ...headerActionLines('http-response', o.responseHeaders),
  );
  if (o.layout === 'openshift') {
    l.push(`  acl secure_redirect base,map_reg_int(${wd}/os_route_http_redirect.map) -m bool`);
    l.push(`  ${REDIRECT} if secure_redirect`);
    l.push(`  use_backend %[base,map_reg(${wd}/os_http_be.map)]`);
  } else {
    l.push(...indexedKeyLines(), ...indexedLookup('sy_redirect', 'idx_redirect', wd));
    l.push(`  ${REDIRECT} if { var(txn.sy_redirect) -m str 1 }`);
    l.push(...indexedLookup('sy_backend', 'idx_http_be', wd));
    l.push('  use_backend %[var(txn.sy_backend)] if { var(txn.sy_backend) -m found }');
  }
  l.push('  default_backend openshift_default');
  return `${l.join('\n')}\n`;
}

function tlsFrontend(o: ResolvedOptions, name: 'fe_sni' | 'fe_no_sni', defaultCert: string): string {
  const wd = o.workingDir;
  const sock = `${wd}/run/haproxy-${name === 'fe_sni' ? 'sni' : 'no-sni'}.sock`;
  let bind = `  bind unix@${sock} ssl crt ${defaultCert}`;
  if (name === 'fe_sni') bind += `${o.strictSni ? ' strict-sni' : ''} crt-list ${wd}/cert_config.map`;
  bind += ' accept-proxy';
  const m = o.mutualTls;
  if (m !== undefined)
    bind += ` verify ${m.verify} ca-file ${m.caFile}${m.crlFile ? ` crl-file ${m.crlFile}` : ''}`;
  const l = [`frontend ${name}`, bind, '  mode http', ...hygiene()];
  if (m !== undefined) l.push(...mutualTlsLines(m));
  l.push(
    ...headerActionLines('http-request', o.requestHeaders),
    ...headerActionLines('http-response', o.responseHeaders),
  );
  if (o.layout === 'openshift') {
    l.push(`  use_backend %[base,map_reg(${wd}/os_edge_reencrypt_be.map)]`);
  } else {
    l.push(...indexedKeyLines(), ...indexedLookup('sy_backend', 'idx_edge_reencrypt_be', wd));
    l.push('  use_backend %[var(txn.sy_backend)] if { var(txn.sy_backend) -m found }');
  }
  l.push('  default_backend openshift_default');
  return `${l.join('\n')}\n`;
}

/** OpenShift's client-certificate rules of `fe_sni` and `fe_no_sni`: the subject filter, then the X-SSL headers. */
function mutualTlsLines(m: MutualTlsOptions): string[] {
  const l: string[] = [];
  if (m.subjectFilter !== undefined)
    l.push(
      `  acl cert_cn_matches ssl_c_s_dn -m reg ${quote(m.subjectFilter)}`,
      '  http-request deny unless cert_cn_matches',
    );
  l.push(
    '  http-request set-header X-SSL %[ssl_fc]',
    '  http-request set-header X-SSL-Client-Verify %[ssl_c_verify]',
    '  http-request set-header X-SSL-Client-Serial %{+Q}[ssl_c_serial,hex]',
    '  http-request set-header X-SSL-Client-Version %{+Q}[ssl_c_version]',
    '  http-request set-header X-SSL-Client-SHA1 %{+Q}[ssl_c_sha1,hex]',
    '  http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]',
    '  http-request set-header X-SSL-Client-CN %{+Q}[ssl_c_s_dn(cn)]',
    '  http-request set-header X-SSL-Issuer %{+Q}[ssl_c_i_dn]',
    '  http-request set-header X-SSL-Client-NotBefore %{+Q}[ssl_c_notbefore]',
    '  http-request set-header X-SSL-Client-NotAfter %{+Q}[ssl_c_notafter]',
    '  http-request set-header X-SSL-Client-DER %{+Q}[ssl_c_der,base64]',
  );
  return l;
}

function publicSslFrontend(o: ResolvedOptions): string {
  const wd = o.workingDir;
  const l = [
    'frontend public_ssl',
    ...(o.syslog !== undefined ? ['  option tcplog'] : []),
    ...binds(o, o.httpsPort),
    '  mode tcp',
    `  tcp-request inspect-delay ${o.timeouts.inspectDelay}`,
  ];
  l.push('  tcp-request content accept if { req_ssl_hello_type 1 }', '  acl sni req.ssl_sni -m found');
  if (o.layout === 'openshift') {
    l.push(`  acl sni_passthrough req.ssl_sni,lower,map_reg(${wd}/os_sni_passthrough.map) -m found`);
    l.push(`  use_backend %[req.ssl_sni,lower,map_reg(${wd}/os_tcp_be.map)] if sni sni_passthrough`);
  } else {
    const pass = `${wd}/idx_sni_passthrough.map`;
    const tcp = `${wd}/idx_tcp_be.map`;
    // Host-name characters only: then the tree lookups are exact; anything else takes
    // OpenShift's regex maps, so odd SNI values get OpenShift's answer too.
    l.push('  acl sy_sni_plain req.ssl_sni,lower -m reg ^[a-z0-9._-]*$');
    l.push(`  acl sni_passthrough req.ssl_sni,lower,map_str(${pass}) -m found`);
    l.push(`  acl sni_passthrough req.ssl_sni,lower,regsub(^[^.]*,),map_str(${pass}) -m found`);
    l.push(`  acl sy_tcp_exact req.ssl_sni,lower,map_str(${tcp}) -m found`);
    l.push(`  acl sy_sni_passthrough_reg req.ssl_sni,lower,map_reg(${wd}/os_sni_passthrough.map) -m found`);
    l.push(
      `  use_backend %[req.ssl_sni,lower,map_str(${tcp})] if sni sy_sni_plain sni_passthrough sy_tcp_exact`,
    );
    l.push(
      `  use_backend %[req.ssl_sni,lower,regsub(^[^.]*,),map_str(${tcp})] if sni sy_sni_plain sni_passthrough`,
    );
    l.push(
      `  use_backend %[req.ssl_sni,lower,map_reg(${wd}/os_tcp_be.map)] if sni !sy_sni_plain sy_sni_passthrough_reg`,
    );
  }
  l.push('  use_backend be_sni if sni', '  default_backend be_no_sni');
  return `${l.join('\n')}\n`;
}

function globalSection(o: ResolvedOptions): string {
  const l = ['global', '  no strict-limits'];
  if (o.maxConnections !== 'auto') l.push(`  maxconn ${o.maxConnections}`);
  if (o.threads !== undefined) l.push(`  nbthread ${o.threads}`);
  l.push(
    `  stats socket ${o.workingDir}/run/haproxy.sock mode 600 level admin expose-fd listeners`,
    '  stats timeout 2m',
  );
  l.push(`  tune.maxrewrite ${o.maxRewriteSize}`, `  tune.bufsize ${o.bufSize}`);
  l.push(
    `  ssl-default-bind-options ssl-min-ver ${o.tlsMinVersion}${o.tlsMaxVersion ? ` ssl-max-ver ${o.tlsMaxVersion}` : ''}`,
  );
  l.push(`  ssl-default-bind-ciphers ${o.ciphers}`);
  if (o.cipherSuites !== undefined) l.push(`  ssl-default-bind-ciphersuites ${o.cipherSuites}`);
  if (o.curves !== undefined) l.push(`  ssl-default-bind-curves ${o.curves}`);
  if (o.hardStopAfter !== undefined) l.push(`  hard-stop-after ${o.hardStopAfter}`);
  if (o.syslog !== undefined) {
    const g = o.syslog;
    l.push(`  log ${g.address} len ${g.maxLength} ${g.facility} ${g.level}`, '  log-send-hostname');
  }
  for (const h of o.h1CaseAdjust) l.push(`  h1-case-adjust ${h.toLowerCase()} ${h}`);
  return `${l.join('\n')}\n`;
}

function defaultsSection(o: ResolvedOptions, errorFile503: string): string {
  const t = o.timeouts;
  const l = ['defaults'];
  if (o.maxConnections !== 'auto') l.push(`  maxconn ${o.maxConnections}`);
  l.push(
    `  timeout connect ${t.connect}`,
    `  timeout client ${t.client}`,
    `  timeout client-fin ${t.clientFin}`,
  );
  l.push(
    `  timeout server ${t.server}`,
    `  timeout server-fin ${t.serverFin}`,
    `  timeout http-request ${t.httpRequest}`,
  );
  l.push(`  timeout http-keep-alive ${t.httpKeepAlive}`, `  timeout tunnel ${t.tunnel}`);
  if (o.idleCloseOnResponse) l.push('  option idle-close-on-response');
  if (o.syslog !== undefined) {
    // Quoted, so a format with spaces stays one argument.
    if (o.syslog.format !== undefined) l.push(`  log-format "${o.syslog.format.replace(/["\\]/g, '\\$&')}"`);
    else l.push('  option httplog');
    l.push('  log global');
  }
  if (o.dontLogNull) l.push('  option dontlognull');
  // OpenShift's template: responses to clients get the listed case whenever names are listed.
  if (o.h1CaseAdjust.length > 0) l.push('  option h1-case-adjust-bogus-client');
  if (o.httpIgnoreProbes) l.push('  option http-ignore-probes');
  if (o.compressionMimeTypes !== undefined)
    l.push('  compression algo gzip', `  compression type ${o.compressionMimeTypes.join(' ')}`);
  l.push(`  errorfile 503 ${errorFile503}`);
  if (o.errorFile404 !== undefined) l.push(`  errorfile 404 ${o.errorFile404}`);
  return `${l.join('\n')}\n`;
}

const ERROR_503_BODY =
  '<html><head><title>Application is not available</title></head>\r\n' +
  '<body><h1>Application is not available</h1><p>No route serves this host and path, or its service has no ready endpoint.</p></body></html>\r\n';

// HTTP/1.1 with a length (not OpenShift's HTTP/1.0 + Connection: close), so a client keeps its
// connection, and with it its TLS session, after a 503.
const ERROR_503 = [
  'HTTP/1.1 503 Service Unavailable',
  'Pragma: no-cache',
  'Cache-Control: private, max-age=0, no-cache, no-store',
  'Content-Type: text/html',
  `Content-Length: ${Buffer.byteLength(ERROR_503_BODY)}`,
  '',
  ERROR_503_BODY,
].join('\r\n');

function rejection(key: string, field: string, message: string): RejectedRoute {
  return {
    key,
    field,
    message,
    condition: {
      type: 'Admitted',
      status: 'False',
      reason: 'UnrenderableRoute',
      message: `${field}: ${message}`,
    },
  };
}

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/**
 * Renders the HAProxy configuration, map files and certificate files for a routing table.
 *
 * Routes whose values cannot be rendered safely are left out and listed in `rejected` (with the
 * status condition to write); every other route renders. Output is deterministic: the same
 * table and options give the same bytes.
 *
 * @param table - the admitted routes (`RoutingTable` from route-model)
 * @param options - working directory, layout and `ROUTER_*` settings
 * @returns the files by relative path, the backends (for runtime updates) and the rejected routes
 * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_INVALID_OPTION` for a bad option,
 *   `ERR_HAPROXY_RENDERER_INVALID_TABLE` if `table.routes` is not a Map
 * @example
 * ```ts
 * const { files, rejected } = renderHaproxyConfig(store.table, { workingDir: '/var/lib/sy', defaultCertificate: pem })
 * ```
 */
export function renderHaproxyConfig(table: RoutingTable, options: RenderOptions): RenderResult {
  const o = resolveOptions(options);
  if (table === null || typeof table !== 'object' || !(table.routes instanceof Map)) {
    throw new HaproxyRendererError(
      'ERR_HAPROXY_RENDERER_INVALID_TABLE',
      'renderHaproxyConfig table.routes: expected a Map',
    );
  }
  const files: Record<string, string> = {};
  const privateFiles: string[] = [];
  const rejected: RejectedRoute[] = [];
  const prepared: Prepared[] = [];
  const keys = [...table.routes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const key of keys) {
    const r = table.routes.get(key) as RouteEntry;
    try {
      prepared.push(prepare(r));
    } catch (e) {
      if (e instanceof Reject) rejected.push(rejection(key, e.field, e.message));
      else rejected.push(rejection(key, 'route', `cannot be rendered: ${(e as Error).message}`));
    }
  }

  // Default certificate.
  let defaultCert: string;
  let defaultCertPem: string | undefined;
  if (o.defaultCertificate !== undefined) {
    const c = checkCertificates(o.defaultCertificate, o.defaultCertificate, true);
    if (!c.ok) {
      throw new HaproxyRendererError(
        'ERR_HAPROXY_RENDERER_INVALID_OPTION',
        `renderHaproxyConfig options.defaultCertificate: ${c.message}`,
      );
    }
    defaultCertPem = c.certs[0] as string;
    files['certs/default.pem'] = `${c.key}\n${c.certs.join('')}`;
    privateFiles.push('certs/default.pem');
    defaultCert = `${o.workingDir}/certs/default.pem`;
  } else {
    defaultCert = o.defaultCertificatePath as string;
  }

  // Certificate files and the crt-list.
  const certUse = new Map<string, number>();
  for (const p of prepared) {
    if (p.certPem !== undefined && p.route.host !== '') {
      const leaf = certLeaf(p.certPem);
      certUse.set(leaf, (certUse.get(leaf) ?? 0) + 1);
    }
  }
  const crtList: string[] = [];
  const defaultLeaf = defaultCertPem === undefined ? undefined : certLeaf(defaultCertPem);
  for (const p of prepared) {
    if (p.certFile !== undefined && p.certPem !== undefined) {
      files[p.certFile] = p.certPem;
      privateFiles.push(p.certFile);
      if (p.route.host !== '') {
        const leaf = certLeaf(p.certPem);
        const unique = !o.disableHttp2 && certUse.get(leaf) === 1 && leaf !== defaultLeaf;
        const host = certificateHostName(p.route.host, p.route.wildcard);
        crtList.push(`${o.workingDir}/${p.certFile}${unique ? ' [alpn h2,http/1.1]' : ''} ${host}`);
      }
    }
    if (p.caFile !== undefined && p.caPem !== undefined) files[p.caFile] = p.caPem;
  }
  // OpenShift sorts the crt-list in plain descending order.
  crtList.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  files['cert_config.map'] = crtList.map((l) => `${l}\n`).join('');

  // Maps.
  const routes = prepared.map((p) => p.route);
  const maps: OpenshiftMaps = buildOpenshiftMaps(routes, o.allowWildcardRoutes);
  Object.assign(files, openshiftMapFiles(maps));
  if (o.layout === 'indexed') {
    for (const [name, lines] of [
      ['idx_http_be', maps.http],
      ['idx_edge_reencrypt_be', maps.edge],
      ['idx_redirect', maps.redirect],
    ] as const) {
      // With no Redirect route every lookup answers "no redirect" (`0` or not found), so the `0`
      // lines would only cost two tree lookups per request (measured: the prefix and exact tree
      // lookups are most of what grows with 10 000 routes): leave the redirect maps empty then.
      const idx = buildIndexedMaps(
        name === 'idx_redirect' && !lines.some((l) => l.value === '1') ? [] : lines,
      );
      files[`${name}_exact.map`] = idx.exact;
      files[`${name}_prefix.map`] = idx.prefix;
      files[`${name}_reg.map`] = idx.reg;
    }
    const sni = buildIndexedSniMaps(maps);
    files['idx_sni_passthrough.map'] = sni.passthrough;
    files['idx_tcp_be.map'] = sni.tcp;
  }

  // haproxy.config.
  let errorFile503 = o.errorFile503;
  if (errorFile503 === undefined) {
    files['error-page-503.http'] = ERROR_503;
    errorFile503 = `${o.workingDir}/error-page-503.http`;
  }
  const sections: string[] = [globalSection(o), defaultsSection(o, errorFile503)];
  if (o.statsPort !== undefined) {
    const addr =
      o.bindAddress === '' ? '' : o.bindAddress.includes(':') ? `[${o.bindAddress}]` : o.bindAddress;
    sections.push(
      [
        'listen stats',
        `  bind ${addr}:${o.statsPort}`,
        '  mode http',
        '  stats enable',
        '  stats uri /',
        '  monitor-uri /healthz',
        '',
      ].join('\n'),
    );
  }
  sections.push(publicFrontend(o), publicSslFrontend(o));
  sections.push(
    `backend be_sni\n  server fe_sni unix@${o.workingDir}/run/haproxy-sni.sock weight 1 send-proxy\n`,
  );
  sections.push(tlsFrontend(o, 'fe_sni', defaultCert));
  sections.push(
    `backend be_no_sni\n  server fe_no_sni unix@${o.workingDir}/run/haproxy-no-sni.sock weight 1 send-proxy\n`,
  );
  sections.push(tlsFrontend(o, 'fe_no_sni', defaultCert));
  sections.push(
    `backend openshift_default\n  mode http\n  option forwardfor\n${o.errorFile404 !== undefined ? '  http-request deny deny_status 404\n' : ''}`,
  );
  const backends: RenderedBackend[] = [];
  for (const p of prepared) {
    const b = p.route.termination === 'passthrough' ? tcpBackend(p, o, files) : httpBackend(p, o, files);
    sections.push(b.text);
    backends.push(b.backend);
  }
  const config = sections.join('\n');
  files['haproxy.config'] = config;

  const sorted: Record<string, string> = {};
  for (const k of Object.keys(files).sort()) sorted[k] = files[k] as string;
  return {
    files: sorted,
    privateFiles: privateFiles.sort(),
    // Only maps the configuration reads can be swapped at runtime; the others (os_wildcard_domain.map,
    // and in the indexed layout the unread OpenShift maps) are written for tools and compatibility.
    mapFiles: Object.keys(sorted).filter(
      (k) => k.endsWith('.map') && k !== 'cert_config.map' && config.includes(`${o.workingDir}/${k})`),
    ),
    backends,
    rejected,
    layout: o.layout,
    workingDir: o.workingDir,
  };
}

/** Identity of a route certificate for the duplicate-certificate rule: its leaf certificate. */
function certLeaf(pem: string): string {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pem);
  return sha(m === null ? pem : m[0]);
}
