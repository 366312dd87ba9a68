/**
 * Route annotations parsed into typed policies, with OpenShift's validation patterns. An invalid
 * value is ignored exactly as the HAProxy template ignores it (the environment or default
 * fallback applies), and is also reported as a diagnostic so users can see why.
 */
import { isIP } from 'node:net';
import type {
  BalanceAlgorithm,
  ForwardedHeadersPolicy,
  HeaderAction,
  RouteDiagnostic,
  RoutePolicies,
  RouteTermination,
} from './routing-table.ts';
import type { RouteHTTPHeader, RouteSpec } from './types.ts';
import { isTrue, parseBool } from './internal/util.ts';

/** Annotation names read by the router. */
export const ANNOTATIONS: {
  readonly balance: 'haproxy.router.openshift.io/balance';
  readonly timeout: 'haproxy.router.openshift.io/timeout';
  readonly timeoutTunnel: 'haproxy.router.openshift.io/timeout-tunnel';
  readonly ipAllowlist: 'haproxy.router.openshift.io/ip_allowlist';
  readonly ipWhitelist: 'haproxy.router.openshift.io/ip_whitelist';
  readonly disableCookies: 'haproxy.router.openshift.io/disable_cookies';
  readonly cookieName: 'router.openshift.io/cookie_name';
  readonly cookieSameSite: 'router.openshift.io/cookie-same-site';
  readonly hstsHeader: 'haproxy.router.openshift.io/hsts_header';
  readonly rateLimitConnections: 'haproxy.router.openshift.io/rate-limit-connections';
  readonly rateLimitConcurrentTcp: 'haproxy.router.openshift.io/rate-limit-connections.concurrent-tcp';
  readonly rateLimitRateTcp: 'haproxy.router.openshift.io/rate-limit-connections.rate-tcp';
  readonly rateLimitRateHttp: 'haproxy.router.openshift.io/rate-limit-connections.rate-http';
  readonly podConcurrentConnections: 'haproxy.router.openshift.io/pod-concurrent-connections';
  readonly rewriteTarget: 'haproxy.router.openshift.io/rewrite-target';
  readonly setForwardedHeaders: 'haproxy.router.openshift.io/set-forwarded-headers';
  readonly h1AdjustCase: 'haproxy.router.openshift.io/h1-adjust-case';
  readonly healthCheckInterval: 'router.openshift.io/haproxy.health.check.interval';
  readonly idledAt: 'idling.alpha.openshift.io/idled-at';
  readonly allowNonDnsCompliantHost: 'route.openshift.io/allow-non-dns-compliant-host';
} = {
  balance: 'haproxy.router.openshift.io/balance',
  timeout: 'haproxy.router.openshift.io/timeout',
  timeoutTunnel: 'haproxy.router.openshift.io/timeout-tunnel',
  ipAllowlist: 'haproxy.router.openshift.io/ip_allowlist',
  ipWhitelist: 'haproxy.router.openshift.io/ip_whitelist',
  disableCookies: 'haproxy.router.openshift.io/disable_cookies',
  cookieName: 'router.openshift.io/cookie_name',
  cookieSameSite: 'router.openshift.io/cookie-same-site',
  hstsHeader: 'haproxy.router.openshift.io/hsts_header',
  rateLimitConnections: 'haproxy.router.openshift.io/rate-limit-connections',
  rateLimitConcurrentTcp: 'haproxy.router.openshift.io/rate-limit-connections.concurrent-tcp',
  rateLimitRateTcp: 'haproxy.router.openshift.io/rate-limit-connections.rate-tcp',
  rateLimitRateHttp: 'haproxy.router.openshift.io/rate-limit-connections.rate-http',
  podConcurrentConnections: 'haproxy.router.openshift.io/pod-concurrent-connections',
  rewriteTarget: 'haproxy.router.openshift.io/rewrite-target',
  setForwardedHeaders: 'haproxy.router.openshift.io/set-forwarded-headers',
  h1AdjustCase: 'haproxy.router.openshift.io/h1-adjust-case',
  healthCheckInterval: 'router.openshift.io/haproxy.health.check.interval',
  idledAt: 'idling.alpha.openshift.io/idled-at',
  allowNonDnsCompliantHost: 'route.openshift.io/allow-non-dns-compliant-host',
};

/** The largest timeout HAProxy accepts, in ms (`2147483647ms`, about 24.8 days). */
export const HAPROXY_MAX_TIMEOUT_MS = 2147483647;

const TIME_RE = /^([1-9][0-9]*)(us|ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses an HAProxy time value with OpenShift's grammar `^([1-9][0-9]*)(us|ms|s|m|h|d)?$` (no unit
 * means milliseconds).
 *
 * @param value - annotation or environment text
 * @returns the duration in milliseconds, `Infinity` on int64 overflow, or undefined if invalid
 */
export function parseHaproxyTimeout(value: string): number | undefined {
  const m = TIME_RE.exec(value);
  if (!m) return undefined;
  const digits = m[1]!;
  const unit = m[2] ?? 'ms';
  // Go parses into int64 nanoseconds; anything that overflows is clipped to the maximum.
  const n = BigInt(digits);
  const nanos: Record<string, bigint> = {
    us: 1000n,
    ms: 1_000_000n,
    s: 1_000_000_000n,
    m: 60_000_000_000n,
    h: 3_600_000_000_000n,
    d: 86_400_000_000_000n,
  };
  if (n * nanos[unit]! > 9223372036854775807n) return Number.POSITIVE_INFINITY;
  return Number(digits) * UNIT_MS[unit]!;
}

/**
 * OpenShift's `clipHAProxyTimeoutValue`: "" for an empty or invalid value, `2147483647ms` for one
 * above HAProxy's maximum, otherwise the input unchanged (`24d` stays `24d`).
 *
 * @param value - annotation or environment text
 * @returns HAProxy time text, or "" (the line is omitted and the default applies)
 */
export function clipHaproxyTimeoutValue(value: string): string {
  if (value === '') return '';
  const ms = parseHaproxyTimeout(value);
  if (ms === undefined) return '';
  if (ms > HAPROXY_MAX_TIMEOUT_MS) return `${HAPROXY_MAX_TIMEOUT_MS}ms`;
  return value;
}

function isCidr(token: string): boolean {
  const slash = token.indexOf('/');
  if (slash < 0) return false;
  const ip = token.slice(0, slash);
  const bits = token.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0 || !/^[0-9]{1,3}$/.test(bits)) return false;
  const n = Number(bits);
  return family === 4 ? n <= 32 : n <= 128;
}

/**
 * OpenShift's `parseIPList`: the allowlist annotation split on whitespace, invalid tokens dropped.
 * A value with leading or trailing whitespace is ignored as a whole.
 *
 * @param value - `ip_allowlist` / `ip_whitelist` annotation text
 * @returns the valid addresses and CIDRs (possibly empty) and the dropped tokens, or undefined
 *   when the whole value is ignored
 */
export function parseIpAllowlist(value: string): { entries: string[]; invalid: string[] } | undefined {
  if (value === '' || value.trim() !== value) return undefined;
  const entries: string[] = [];
  const invalid: string[] = [];
  for (const token of value.split(/\s+/)) {
    if (token === '') continue;
    if (isIP(token) !== 0 || isCidr(token)) entries.push(token);
    else invalid.push(token);
  }
  return { entries, invalid };
}

/**
 * OpenShift's `firstMatch`/`matchPattern`: is `value` matched by `pattern` anchored at both ends?
 *
 * @param pattern - a JavaScript regular expression source (Go RE2 patterns translated)
 * @param value - the text
 * @param flags - regular expression flags (`i` for Go's `(?i)`)
 * @returns true if the whole value matches
 */
export function matchPattern(pattern: string, value: string, flags = ''): boolean {
  return new RegExp(`^(?:${pattern})$`, flags).test(value);
}

const BALANCE_RE = /^(?:roundrobin|leastconn|source|random)$/;
const COOKIE_NAME_RE = /^(?:[a-zA-Z0-9_-]+)$/;
const SAME_SITE_RE = /^(?:Lax|Strict|None)$/;
const FORWARDED_RE = /^(?:append|replace|if-none|never)$/;
const REWRITE_RE = /^(?:\/.*)$/;
const INTEGER_RE = /^[+-]?[0-9]+$/;
// Go's \s is [\t\n\f\r ]; (?i) becomes the i flag.
const HSTS_RE =
  /^(?:(?:(?:includeSubDomains|preload)[\t\n\f\r ]*[;][\t\n\f\r ]*)*max-age[\t\n\f\r ]*=[\t\n\f\r ]*(?:\d+|"\d+")(?:[\t\n\f\r ]*[;][\t\n\f\r ]*(?:includeSubDomains|preload))*)$/i;

function isGoInteger(v: string): boolean {
  if (!INTEGER_RE.test(v)) return false;
  const n = BigInt(v);
  return n >= -9223372036854775808n && n <= 9223372036854775807n;
}

function annField(name: string): string {
  return `metadata.annotations["${name}"]`;
}

/**
 * Sanitises `spec.httpHeaders` actions as the router does: a `Set` needs a name and a non-empty
 * value, a `Delete` needs a name; other entries are skipped.
 *
 * @param actions - request or response header actions
 * @returns the usable actions, in order
 */
export function sanitizeHeaderActions(actions: readonly RouteHTTPHeader[] | undefined): HeaderAction[] {
  const out: HeaderAction[] = [];
  for (const a of actions ?? []) {
    if (!a || typeof a.name !== 'string' || a.name === '') continue;
    if (a.action?.type === 'Set') {
      const value = a.action.set?.value;
      if (typeof value === 'string' && value !== '') out.push({ type: 'Set', name: a.name, value });
    } else if (a.action?.type === 'Delete') {
      out.push({ type: 'Delete', name: a.name });
    }
  }
  return out;
}

/**
 * Parses the route annotations (and `spec.httpHeaders`) into {@link RoutePolicies}.
 *
 * @param annotations - `metadata.annotations` (may be undefined)
 * @param termination - the route termination; `hsts_header` applies to edge and reencrypt only
 * @param spec - the route spec, for header actions
 * @returns the policies and one diagnostic per ignored value
 */
export function parseRoutePolicies(
  annotations: Readonly<Record<string, string>> | undefined,
  termination: RouteTermination,
  spec?: Pick<RouteSpec, 'httpHeaders'>,
): { policies: RoutePolicies; diagnostics: RouteDiagnostic[] } {
  const ann = annotations ?? {};
  const diagnostics: RouteDiagnostic[] = [];
  const get = (k: string): string | undefined => {
    const v = ann[k];
    return typeof v === 'string' ? v : v === undefined || v === null ? undefined : String(v);
  };
  const bad = (k: string, v: string, expected: string): void => {
    diagnostics.push({
      field: annField(k),
      message: `invalid value ${JSON.stringify(v)}: ${expected}; ignored`,
    });
  };
  const policies: {
    -readonly [K in keyof RoutePolicies]: RoutePolicies[K];
  } = {
    disableCookies: false,
    h1AdjustCase: false,
    requestHeaders: sanitizeHeaderActions(spec?.httpHeaders?.actions?.request),
    responseHeaders: sanitizeHeaderActions(spec?.httpHeaders?.actions?.response),
  };

  const balance = get(ANNOTATIONS.balance);
  if (balance !== undefined && balance !== '') {
    if (BALANCE_RE.test(balance)) policies.balance = balance as BalanceAlgorithm;
    else bad(ANNOTATIONS.balance, balance, 'expected roundrobin, leastconn, source or random');
  }

  const time = (k: string): string | undefined => {
    const v = get(k);
    if (v === undefined || v === '') return undefined;
    const clipped = clipHaproxyTimeoutValue(v);
    if (clipped === '') {
      bad(k, v, 'expected a time such as 30s (a positive integer with unit us, ms, s, m, h or d)');
      return undefined;
    }
    if (clipped !== v) {
      diagnostics.push({
        field: annField(k),
        message: `value ${JSON.stringify(v)} exceeds HAProxy's maximum; clipped to ${clipped}`,
      });
    }
    return clipped;
  };
  const timeout = time(ANNOTATIONS.timeout);
  if (timeout !== undefined) policies.timeout = timeout;
  const tunnel = time(ANNOTATIONS.timeoutTunnel);
  if (tunnel !== undefined) policies.timeoutTunnel = tunnel;
  const interval = time(ANNOTATIONS.healthCheckInterval);
  if (interval !== undefined) policies.healthCheckInterval = interval;

  // `ip_allowlist` wins over the legacy `ip_whitelist` whenever it is non-empty.
  const allowKey = get(ANNOTATIONS.ipAllowlist) ? ANNOTATIONS.ipAllowlist : ANNOTATIONS.ipWhitelist;
  const allow = get(allowKey);
  if (allow !== undefined && allow !== '') {
    const parsed = parseIpAllowlist(allow);
    if (parsed === undefined) {
      bad(allowKey, allow, 'leading or trailing whitespace makes the router ignore the whole list');
    } else {
      if (parsed.invalid.length > 0) {
        diagnostics.push({
          field: annField(allowKey),
          message: `invalid entries dropped: ${parsed.invalid.map((t) => JSON.stringify(t)).join(', ')}`,
        });
      }
      if (parsed.entries.length > 0) policies.ipAllowlist = parsed.entries;
      else bad(allowKey, allow, 'no valid IP address or CIDR');
    }
  }

  const disable = get(ANNOTATIONS.disableCookies);
  if (disable !== undefined && disable !== '') {
    policies.disableCookies = isTrue(disable);
    if (parseBool(disable) === undefined)
      bad(ANNOTATIONS.disableCookies, disable, 'expected a boolean (true or false)');
  }

  const cookieName = get(ANNOTATIONS.cookieName);
  if (cookieName !== undefined && cookieName !== '') {
    if (COOKIE_NAME_RE.test(cookieName)) policies.cookieName = cookieName;
    else bad(ANNOTATIONS.cookieName, cookieName, 'expected letters, digits, "_" or "-"');
  }

  const sameSite = get(ANNOTATIONS.cookieSameSite);
  if (sameSite !== undefined && sameSite !== '') {
    if (SAME_SITE_RE.test(sameSite)) policies.cookieSameSite = sameSite as 'Lax' | 'Strict' | 'None';
    else bad(ANNOTATIONS.cookieSameSite, sameSite, 'expected Lax, Strict or None');
  }

  const hsts = get(ANNOTATIONS.hstsHeader);
  if (hsts !== undefined && hsts !== '') {
    if (!HSTS_RE.test(hsts)) {
      bad(
        ANNOTATIONS.hstsHeader,
        hsts,
        'expected max-age=<seconds> with optional includeSubDomains and preload',
      );
    } else if (termination === 'edge' || termination === 'reencrypt') {
      policies.hstsHeader = hsts;
    } else {
      diagnostics.push({
        field: annField(ANNOTATIONS.hstsHeader),
        message: 'applies to edge and reencrypt routes only; ignored',
      });
    }
  }

  const rate = get(ANNOTATIONS.rateLimitConnections);
  if (rate !== undefined && rate !== '' && parseBool(rate) === undefined) {
    bad(ANNOTATIONS.rateLimitConnections, rate, 'expected a boolean (true or false)');
  }
  if (isTrue(rate)) {
    const limits: { concurrentTcp?: number; rateTcp?: number; rateHttp?: number } = {};
    const int = (k: string): number | undefined => {
      const v = get(k);
      if (v === undefined || v === '') return undefined;
      if (isGoInteger(v)) return Number(v);
      bad(k, v, 'expected an integer');
      return undefined;
    };
    const c = int(ANNOTATIONS.rateLimitConcurrentTcp);
    if (c !== undefined) limits.concurrentTcp = c;
    const t = int(ANNOTATIONS.rateLimitRateTcp);
    if (t !== undefined) limits.rateTcp = t;
    const h = int(ANNOTATIONS.rateLimitRateHttp);
    if (h !== undefined) limits.rateHttp = h;
    policies.rateLimit = limits;
  }

  const podConn = get(ANNOTATIONS.podConcurrentConnections);
  if (podConn !== undefined && podConn !== '') {
    if (isGoInteger(podConn)) policies.podConcurrentConnections = Number(podConn);
    else bad(ANNOTATIONS.podConcurrentConnections, podConn, 'expected an integer');
  }

  const rewrite = get(ANNOTATIONS.rewriteTarget);
  if (rewrite !== undefined && rewrite !== '') {
    if (REWRITE_RE.test(rewrite)) policies.rewriteTarget = rewrite;
    else bad(ANNOTATIONS.rewriteTarget, rewrite, 'expected a path starting with "/"');
  }

  const fwd = get(ANNOTATIONS.setForwardedHeaders);
  if (fwd !== undefined && fwd !== '') {
    if (FORWARDED_RE.test(fwd)) policies.forwardedHeaders = fwd as ForwardedHeadersPolicy;
    else bad(ANNOTATIONS.setForwardedHeaders, fwd, 'expected append, replace, if-none or never');
  }

  const h1 = get(ANNOTATIONS.h1AdjustCase);
  if (h1 !== undefined && h1 !== '') {
    policies.h1AdjustCase = isTrue(h1);
    if (parseBool(h1) === undefined) bad(ANNOTATIONS.h1AdjustCase, h1, 'expected a boolean (true or false)');
  }

  return { policies, diagnostics };
}
