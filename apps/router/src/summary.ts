/**
 * The startup summary: listeners, admitted routes with their URLs, rejected routes with their
 * reasons, and (with demo backends) ready-to-paste curl commands, one per kind of route.
 */
import { relative } from 'node:path';
import type { RouteAdmissionStatus, RouteEntry, RouteStore } from '@switchyard/route-model';
import { type DemoBackends, findIssuingCa, servedCertificate } from './demo-backends.ts';
import { type EngineName, listenTarget, type RouterSettings } from './settings.ts';
import { reachableAddress } from './internal/probe.ts';

/** What the router serves, as logged and printed at start. */
export interface RouterSummary {
  readonly engine: EngineName;
  readonly listeners: { readonly http: string; readonly https: string; readonly stats: string };
  readonly admitted: readonly {
    readonly route: string;
    readonly urls: readonly string[];
    readonly backends: readonly string[];
  }[];
  readonly rejected: readonly {
    readonly route: string;
    readonly host: string;
    readonly reason: string;
    readonly message: string;
  }[];
  /** Manifest problems found by the first scan (files source). */
  readonly manifestProblems: number;
  /** Ready-to-paste curl commands (demo mode): `{ kind, command }`. */
  readonly curl: readonly { readonly kind: string; readonly route: string; readonly command: string }[];
}

/** Inputs of {@link summarize}. */
export interface SummaryInput {
  readonly settings: RouterSettings;
  readonly listeners: { readonly httpPort: number; readonly httpsPort: number; readonly statsPort: number };
  readonly store: RouteStore;
  /** Statuses to report (the store's, with the engine's own rejections applied). */
  readonly statuses: ReadonlyMap<string, RouteAdmissionStatus>;
  readonly engine: EngineName;
  readonly manifestProblems: number;
  readonly demo?: DemoBackends;
}

function displayKey(key: string): string {
  const colon = key.indexOf(':');
  return colon === -1 ? key : `${key.slice(0, colon)}/${key.slice(colon + 1)}`;
}

function urlsOf(route: RouteEntry, httpPort: number, httpsPort: number): string[] {
  const path = route.path === '' ? '/' : route.path;
  const host = route.wildcard ? `*.${route.host.split('.').slice(1).join('.')}` : route.host;
  const http = `http://${host}:${httpPort}${path}`;
  const https = `https://${host}:${httpsPort}${path}`;
  if (route.termination === 'none') return [http];
  if (route.insecurePolicy === 'Allow') return [https, http];
  if (route.insecurePolicy === 'Redirect') return [`${https} (http redirects)`];
  return [https];
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@=-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

const CURL_KINDS: readonly [RouteEntry['termination'], string][] = [
  ['none', 'HTTP'],
  ['edge', 'edge'],
  ['passthrough', 'passthrough'],
  ['reencrypt', 're-encrypt'],
];

function curlCommands(input: SummaryInput): { kind: string; route: string; command: string }[] {
  const demo = input.demo;
  if (demo === undefined) return [];
  const served = new Set(demo.backends.map((b) => b.port));
  const reach = reachableAddress(listenTarget(input.settings).host);
  const connect = reach.includes(':') ? `[${reach}]` : reach;
  // Paths are printed relative to where the user ran the command (pnpm sets INIT_CWD).
  const base = process.env.INIT_CWD ?? process.cwd();
  const routes = [...input.store.table.routes.values()].filter(
    (r) =>
      !r.wildcard &&
      r.activeEndpoints > 0 &&
      r.serviceUnits.every((u) => u.servers.every((s) => served.has(s.port))),
  );
  const out: { kind: string; route: string; command: string }[] = [];
  for (const [termination, kind] of CURL_KINDS) {
    const candidates = routes.filter((r) => r.termination === termination);
    // The plainest example of each kind: no path, one service.
    const route = [...candidates].sort(
      (a, b) =>
        Number(a.path !== '') - Number(b.path !== '') || a.serviceUnits.length - b.serviceUnits.length,
    )[0];
    if (route === undefined) continue;
    const path = route.path === '' ? '/' : route.path;
    const port = termination === 'none' ? input.listeners.httpPort : input.listeners.httpsPort;
    const scheme = termination === 'none' ? 'http' : 'https';
    const parts = ['curl', '--resolve', `${route.host}:${port}:${connect}`];
    if (termination !== 'none') {
      const ca = findIssuingCa(demo.tlsDir, servedCertificate(route, demo.tlsDir));
      if (ca === undefined) parts.push('-k');
      else parts.push('--cacert', relative(base, ca) || ca);
    }
    parts.push(`${scheme}://${route.host}:${port}${path}`);
    out.push({ kind, route: displayKey(route.key), command: parts.map(shellQuote).join(' ') });
  }
  return out;
}

/**
 * Builds the startup summary.
 * @param input - settings, bound ports, the store, and the demo backends if any
 * @returns the summary
 */
export function summarize(input: SummaryInput): RouterSummary {
  const { httpPort, httpsPort, statsPort } = input.listeners;
  const address = input.settings.listenAddress;
  const admitted = [...input.store.table.routes.values()]
    .filter((route) => input.statuses.get(route.key)?.admitted !== false)
    .map((route) => ({
      route: displayKey(route.key),
      urls: urlsOf(route, httpPort, httpsPort),
      backends: route.serviceUnits.map(
        (u) =>
          `${u.namespace}/${u.name} (${u.servers.length} server${u.servers.length === 1 ? '' : 's'}, weight ${u.weight})`,
      ),
    }));
  const rejected = [...input.statuses.values()]
    .filter((s) => !s.admitted)
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map((s) => ({
      route: displayKey(s.key),
      host: s.host,
      reason: s.condition.reason ?? 'Rejected',
      message: s.condition.message ?? '',
    }));
  return {
    engine: input.engine,
    listeners: {
      http: `http://${address}:${httpPort}`,
      https: `https://${address}:${httpsPort}`,
      stats: `http://${address}:${statsPort} (/healthz, /healthz/ready, /metrics)`,
    },
    admitted,
    rejected,
    manifestProblems: input.manifestProblems,
    curl: curlCommands(input),
  };
}

/**
 * Formats the summary for a terminal.
 * @param summary - from {@link summarize}
 * @param version - the router version
 * @returns text ending with a newline
 */
export function formatSummary(summary: RouterSummary, version: string): string {
  const lines = [
    '',
    `switchyard ${version} is serving with the ${summary.engine} engine`,
    `  HTTP   ${summary.listeners.http}`,
    `  HTTPS  ${summary.listeners.https}`,
    `  stats  ${summary.listeners.stats}`,
    '',
    `Admitted routes (${summary.admitted.length}):`,
  ];
  for (const route of summary.admitted) {
    lines.push(`  ✓ ${route.route.padEnd(28)} ${route.urls.join('  ')}`);
    lines.push(`      → ${route.backends.join(', ')}`);
  }
  if (summary.rejected.length > 0) {
    lines.push('', `Rejected routes (${summary.rejected.length}):`);
    for (const route of summary.rejected)
      lines.push(`  ✗ ${route.route.padEnd(28)} ${route.host}: ${route.reason}: ${route.message}`);
  }
  if (summary.manifestProblems > 0)
    lines.push('', `${summary.manifestProblems} problem(s) in manifest files: see the errors logged above.`);
  if (summary.curl.length > 0) {
    lines.push('', 'Try it (demo backends are running):');
    for (const c of summary.curl) lines.push(`  # ${c.kind} (${c.route})`, `  ${c.command}`);
  }
  lines.push('', 'Edit the manifests and save: routing changes as you save. Ctrl-C stops.', '');
  return lines.join('\n');
}
