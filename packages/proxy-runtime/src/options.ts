/**
 * Options of the native data plane. Names follow OpenShift's `ROUTER_*` settings where a
 * counterpart exists; defaults are the OpenShift defaults (`haproxy-config.template` and the
 * cluster-ingress-operator).
 */
import { createSecureContext, DEFAULT_CIPHERS } from 'node:tls';
import type {
  BalanceAlgorithm,
  ForwardedHeadersPolicy,
  HeaderAction,
  RoutingTable,
} from '@switchyard/route-model';
import type { AccessLogEntry } from './access-log.ts';
import { ProxyRuntimeError } from './errors.ts';

/** Timeouts in milliseconds. Each maps to one HAProxy `timeout` setting. */
export interface ProxyRuntimeTimeouts {
  /** `timeout connect`: opening a connection to a backend server. @default 5000 */
  readonly connect?: number;
  /** `timeout client`: client inactivity while a request or response is in flight. @default 30000 */
  readonly client?: number;
  /** `timeout server`: backend inactivity (waiting for headers or body). Per route: `timeout` annotation. @default 30000 */
  readonly server?: number;
  /** `timeout http-request`: the whole request head must arrive within this (slowloris). @default 10000 */
  readonly httpRequest?: number;
  /** `timeout http-keep-alive`: idle time between requests on a client connection. @default 300000 */
  readonly httpKeepAlive?: number;
  /** `timeout tunnel`: inactivity of an upgraded (WebSocket) or passthrough connection. Per route: `timeout-tunnel`. @default 3600000 */
  readonly tunnel?: number;
  /** `tcp-request inspect-delay`: waiting for the TLS ClientHello (and the PROXY header). @default 5000 */
  readonly inspectDelay?: number;
  /** `timeout queue`: waiting for a free slot when every server is at its `maxconn`. @default 30000 */
  readonly queue?: number;
}

/** A PEM certificate (chain) and its private key. */
export interface CertificateKeyPair {
  /** PEM certificate, optionally followed by its chain. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

/** Options of {@link createProxyRuntime}. */
export interface ProxyRuntimeOptions {
  /** Address both listeners bind. @default '0.0.0.0' */
  readonly host?: string;
  /**
   * With `host` `::`: accept IPv6 connections only (`ROUTER_IP_V4_V6_MODE=v6`); without it `::`
   * takes IPv4 too (`v4v6`). @default false
   */
  readonly ipv6Only?: boolean;
  /** Plain HTTP port (`frontend public`); 0 picks a free port; `false` disables it. @default 80 */
  readonly httpPort?: number | false;
  /** TLS port (`frontend public_ssl`); 0 picks a free port; `false` disables it. @default 443 */
  readonly httpsPort?: number | false;
  /** The routing table served from the start. @default an empty table */
  readonly table?: RoutingTable;
  /**
   * Certificate served when no route certificate matches the SNI (`DEFAULT_CERTIFICATE`). Without
   * it such TLS connections are closed after the ClientHello.
   * @default undefined
   */
  readonly defaultCertificate?: CertificateKeyPair;
  /** `DEFAULT_DESTINATION_CA_PATH` contents: CA for re-encrypt routes without a destination CA (then the service host name is verified). @default undefined */
  readonly defaultDestinationCA?: string;
  /** `ROUTER_DISABLE_HTTP2`: never offer ALPN h2. @default false */
  readonly disableHttp2?: boolean;
  /**
   * `ROUTER_CIPHERS` as an OpenSSL cipher list (HAProxy's `ssl-default-bind-ciphers`): the
   * ciphers offered for TLS 1.2 and below on the TLS listener. Profile names are not resolved
   * here; `@switchyard/haproxy-renderer` exports `CIPHER_PROFILES`.
   * @default Node's default list
   */
  readonly ciphers?: string;
  /**
   * `ROUTER_CIPHERSUITES` (HAProxy's `ssl-default-bind-ciphersuites`): the TLS 1.3 suites,
   * colon-separated.
   * @default OpenSSL's default TLS 1.3 suites
   */
  readonly cipherSuites?: string;
  /**
   * `ROUTER_STRICT_SNI`: a TLS connection whose SNI names no route certificate and none of the
   * default certificate's names is closed instead of getting the default certificate.
   * Connections without SNI still get the default certificate (OpenShift's `fe_no_sni`).
   * @default false
   */
  readonly strictSni?: boolean;
  /**
   * `ROUTER_MUTUAL_TLS_AUTH` and its companions: ask TLS clients for a certificate signed by
   * `ca` (PEM), checked against `crl` (PEM) when given. `required` refuses handshakes without a
   * valid one; `optional` lets clients without one in (a client that sends an invalid one is cut,
   * as HAProxy aborts its handshake). A `subjectFilter` regex must match the subject DN
   * (`/C=…/O=…/CN=…`), else 403. Every request on the TLS listener then carries HAProxy's
   * `X-SSL-*` headers. @default undefined
   */
  readonly mutualTls?: MutualTlsOptions;
  /**
   * `ROUTER_ENABLE_COMPRESSION` with `ROUTER_COMPRESSION_MIME`: gzip responses whose Content-Type
   * starts with one of these types, under HAProxy's conditions (the client accepts gzip; status
   * 200 to 203; a length or chunked framing; no Content-Encoding, `no-transform`, multipart or
   * bad ETag; not an old `Mozilla/4` browser; not HEAD), with HAProxy's header changes.
   * @default undefined (no compression)
   */
  readonly compressionMimeTypes?: readonly string[];
  /**
   * `ROUTER_HTTP_REQUEST_HEADERS`: header actions on every HTTP request, applied to the client's
   * headers before forwarded headers and the route's own actions (HAProxy frontend rules).
   * Values are literal (`%[...]` is not evaluated). @default []
   */
  readonly requestHeaders?: readonly HeaderAction[];
  /**
   * `ROUTER_HTTP_RESPONSE_HEADERS`: header actions on every proxied response, after the route's
   * own actions (frontend `http-response` rules run after the backend's). @default []
   */
  readonly responseHeaders?: readonly HeaderAction[];
  /**
   * `ROUTER_CURVES`: the key exchange groups the TLS listener accepts, colon-separated
   * (`X25519:P-256`), as Node's `ecdhCurve`. @default Node's
   */
  readonly curves?: string;
  /**
   * `ROUTER_H1_CASE_ADJUST`: header names sent over HTTP/1.1 with exactly this case, as
   * HAProxy's `h1-case-adjust` does: in every response to clients (`option
   * h1-case-adjust-bogus-client`), and in requests to the servers of routes annotated
   * `haproxy.router.openshift.io/h1-adjust-case: "true"` (`h1-case-adjust-bogus-server`).
   * @default []
   */
  readonly h1CaseAdjust?: readonly string[];
  /** `SSL_MIN_VERSION`: oldest TLS version accepted on the TLS listener. @default 'TLSv1.2' */
  readonly tlsMinVersion?: TlsVersion;
  /** `SSL_MAX_VERSION`: newest TLS version accepted on the TLS listener. @default 'TLSv1.3' */
  readonly tlsMaxVersion?: TlsVersion;
  /** Monitor URI answered 200 on the HTTP listener (HAProxy `monitor-uri`). @default '/_______internal_router_healthz' */
  readonly monitorUri?: string;
  /** Timeouts in ms. */
  readonly timeouts?: ProxyRuntimeTimeouts;
  /**
   * Largest accepted request head in bytes; larger heads get 431. The default is what fits in
   * OpenShift's HAProxy buffer (`tune.bufsize` 32768 minus `tune.maxrewrite` 8192).
   * @default 24576
   */
  readonly maxHeaderSize?: number;
  /** `ROUTER_USE_PROXY_PROTOCOL`: expect a PROXY v1 or v2 header on both listeners. @default false */
  readonly proxyProtocol?: boolean;
  /** `ROUTER_LOAD_BALANCE_ALGORITHM`: balance of HTTP routes with one active service. @default 'random' */
  readonly loadBalanceAlgorithm?: BalanceAlgorithm;
  /** `ROUTER_TCP_BALANCE_SCHEME`: balance of passthrough routes with one active service. @default 'source' */
  readonly tcpBalanceScheme?: BalanceAlgorithm;
  /** `ROUTER_SET_FORWARDED_HEADERS`: default forwarded-header policy. @default 'append' */
  readonly forwardedHeaders?: ForwardedHeadersPolicy;
  /** `ROUTER_COOKIE_NAME`: sticky cookie name when the route does not name one. @default the route's routingKeyName */
  readonly cookieName?: string;
  /** `ROUTER_MAX_CONNECTIONS`: client connections per process; more are closed on accept. @default 50000 */
  readonly maxConnections?: number;
  /** Body of the 503 page, sent with the built-in headers. @default a short HTML page (OpenShift's) */
  readonly errorPage503?: string;
  /**
   * `ROUTER_ERRORFILE_503`: a whole HTTP response in HAProxy's `errorfile` format (status line,
   * headers, blank line, body), sent whenever the runtime answers 503 itself; wins over
   * `errorPage503`. One char per byte: read the file as `latin1`. As HAProxy, refuses a file
   * whose Content-Length differs from its body or whose payload is chunk-encoded.
   * @default undefined
   */
  readonly errorFile503?: string;
  /**
   * `ROUTER_ERRORFILE_404`: a response in the same format, sent to requests that match no route
   * (OpenShift then denies in `openshift_default` with 404); without it they get the 503 answer.
   * @default undefined
   */
  readonly errorFile404?: string;
  /**
   * Data-plane processes sharing the listening sockets. 1 serves in this process; n > 1 forks n
   * child processes and keeps only the control plane (update, metrics, logs) here.
   * @default 1
   */
  readonly workers?: number;
  /** Called once per finished request or TCP session. Must not throw. @default undefined */
  readonly onAccessLog?: (entry: AccessLogEntry) => void;
}

/** Client certificate authentication on the TLS listener. */
export interface MutualTlsOptions {
  readonly verify: 'required' | 'optional';
  /** PEM CA certificates that sign client certificates. */
  readonly ca: string;
  /** PEM certificate revocation lists. */
  readonly crl?: string;
  /** A regular expression the subject DN must match. */
  readonly subjectFilter?: string;
}

/** TLS protocol versions, as OpenShift's `SSL_MIN_VERSION` and `SSL_MAX_VERSION` name them. */
export type TlsVersion = 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** Protocol and cipher settings of the TLS listener, as Node's `tls` options. @internal */
export interface ResolvedTlsSettings {
  readonly minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** Node's `ciphers`: the TLS 1.2 list and the TLS 1.3 suites in one string; undefined for Node's default. */
  readonly ciphers: string | undefined;
  /** Node's `ecdhCurve` (`ROUTER_CURVES`); undefined for Node's default. */
  readonly ecdhCurve?: string;
  /** Client certificate CAs and CRLs (mutual TLS), for every context. */
  readonly ca?: string;
  readonly crl?: string;
}

/** An answer the runtime makes itself (503, 404): HAProxy's `errorfile` contents, parsed. */
export interface ErrorResponse {
  readonly status: number;
  readonly reason: string;
  /** Header lines in file order, without Content-Length and Transfer-Encoding (recomputed). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** The headers of OpenShift's built-in `error-page-503.http`. */
const DEFAULT_503_HEADERS: readonly (readonly [string, string])[] = [
  ['Pragma', 'no-cache'],
  ['Cache-Control', 'private, max-age=0, no-cache, no-store'],
  ['Connection', 'close'],
  ['Content-Type', 'text/html'],
];

/**
 * Parses a whole HTTP response in HAProxy's `errorfile` format (status line, headers, an empty
 * line, body; lines end in CRLF or LF), as `errorFile503` and `errorFile404` take it. Use it to
 * check a file before handing it over.
 *
 * @param text - the file's contents, one char per byte (read it as `latin1`)
 * @param what - how error messages name the file
 * @returns status, reason, headers (without Content-Length and Transfer-Encoding) and body bytes
 * @throws ProxyRuntimeError `ERR_PROXY_RUNTIME_INVALID_OPTION` naming `what` and the line
 * @example
 * ```ts
 * const page = parseErrorFile(readFileSync('/etc/router/503.http', 'latin1'), '503.http');
 * page.status; // 503
 * ```
 */
export function parseErrorFile(text: string, what = 'error file'): ErrorResponse {
  const fail = (expected: string, got: unknown): never => {
    throw new ProxyRuntimeError(
      'ERR_PROXY_RUNTIME_INVALID_OPTION',
      `${what}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}`,
    );
  };
  if (typeof text !== 'string') fail('the text of an HTTP response', typeof text);
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  const [headEnd, sepLen] =
    crlf !== -1 && (lf === -1 || crlf < lf) ? [crlf, 4] : lf !== -1 ? [lf, 2] : [-1, 0];
  if (headEnd === -1)
    fail('an HTTP response whose headers end with an empty line', `${text.slice(0, 40)}...`);
  const lines = text.slice(0, headEnd).split(/\r?\n/);
  const m = /^HTTP\/1\.[01] ([1-5][0-9]{2})(?: ([^\r\n]*))?$/.exec(lines[0] ?? '');
  if (!m) return fail('a status line such as "HTTP/1.1 503 Service Unavailable" on line 1', lines[0]);
  const headers: [string, string][] = [];
  const body = Buffer.from(text.slice(headEnd + sepLen), 'latin1');
  for (let i = 1; i < lines.length; i++) {
    const h = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(lines[i] as string);
    if (!h) return fail(`a header line "Name: value" on line ${i + 1}`, lines[i]);
    const name = h[1] as string;
    const value = h[2] as string;
    const lower = name.toLowerCase();
    // HAProxy refuses these files at start, so both engines do.
    if (lower === 'transfer-encoding')
      return fail(
        `a payload that is not chunk-encoded (line ${i + 1}: HAProxy does not support it)`,
        lines[i],
      );
    if (lower === 'content-length') {
      if (value !== String(body.length))
        return fail(
          `Content-Length equal to the ${body.length} bytes after the empty line (line ${i + 1})`,
          value,
        );
      continue; // sent again, computed
    }
    headers.push([name, value]);
  }
  return { status: Number(m[1]), reason: m[2] ?? '', headers, body };
}

/** Options after defaulting. */
export interface ResolvedOptions {
  readonly host: string;
  readonly ipv6Only: boolean;
  readonly httpPort: number | false;
  readonly httpsPort: number | false;
  readonly defaultCertificate: CertificateKeyPair | undefined;
  readonly defaultDestinationCA: string | undefined;
  readonly disableHttp2: boolean;
  readonly tls: ResolvedTlsSettings;
  readonly strictSni: boolean;
  readonly mutualTls:
    | { readonly verify: 'required' | 'optional'; readonly filter: RegExp | undefined }
    | undefined;
  readonly compressionMimeTypes: readonly string[] | undefined;
  readonly requestHeaders: readonly HeaderAction[];
  readonly responseHeaders: readonly HeaderAction[];
  /** Lower-cased name → the case to send (`h1CaseAdjust`). */
  readonly h1Case: ReadonlyMap<string, string>;
  readonly monitorUri: string;
  readonly timeouts: Required<ProxyRuntimeTimeouts>;
  readonly maxHeaderSize: number;
  readonly proxyProtocol: boolean;
  readonly loadBalanceAlgorithm: BalanceAlgorithm;
  readonly tcpBalanceScheme: BalanceAlgorithm;
  readonly forwardedHeaders: ForwardedHeadersPolicy;
  readonly cookieName: string | undefined;
  readonly maxConnections: number;
  readonly error503: ErrorResponse;
  readonly error404: ErrorResponse | undefined;
  readonly workers: number;
}

/** HAProxy's (and OpenShift's) default timeouts, in ms. */
export const DEFAULT_TIMEOUTS: Required<ProxyRuntimeTimeouts> = Object.freeze({
  connect: 5_000,
  client: 30_000,
  server: 30_000,
  httpRequest: 10_000,
  httpKeepAlive: 300_000,
  tunnel: 3_600_000,
  inspectDelay: 5_000,
  queue: 30_000,
});

const DEFAULT_503 =
  '<html><head><title>Application is not available</title></head><body><h1>503 Service Unavailable</h1><p>The application is currently not serving requests at this endpoint. It may not have been started or is still starting.</p></body></html>\n';

const BALANCES: readonly string[] = ['roundrobin', 'leastconn', 'source', 'random'];
const FORWARDED: readonly string[] = ['append', 'replace', 'if-none', 'never'];

function bad(field: string, expected: string, value: unknown): never {
  throw new ProxyRuntimeError(
    'ERR_PROXY_RUNTIME_INVALID_OPTION',
    `ProxyRuntimeOptions.${field}: expected ${expected}, got ${JSON.stringify(value) ?? String(value)}`,
  );
}

function port(field: string, v: unknown, dflt: number): number | false {
  if (v === undefined) return dflt;
  if (v === false) return false;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535)
    bad(field, 'an integer port 0..65535 or false', v);
  return v;
}

function positive(field: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) bad(field, 'a positive number', v);
  return v;
}

const TLS_VERSIONS: readonly TlsVersion[] = ['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** Node spells TLS 1.0 `TLSv1`. */
const NODE_TLS_VERSION = {
  'TLSv1.0': 'TLSv1',
  'TLSv1.1': 'TLSv1.1',
  'TLSv1.2': 'TLSv1.2',
  'TLSv1.3': 'TLSv1.3',
} as const;

function tlsVersion(field: string, v: unknown, dflt: TlsVersion): TlsVersion {
  if (v === undefined) return dflt;
  if (!TLS_VERSIONS.includes(v as TlsVersion)) bad(field, TLS_VERSIONS.join('|'), v);
  return v as TlsVersion;
}

/**
 * Node takes one `ciphers` string for both lists and, given one without any `TLS_` suite,
 * turns TLS 1.3 off. HAProxy keeps OpenSSL's TLS 1.3 suites when only the TLS 1.2 list is set,
 * so the default suites are added back here.
 */
function resolveTls(o: ProxyRuntimeOptions): ResolvedTlsSettings {
  const minVersion = tlsVersion('tlsMinVersion', o.tlsMinVersion, 'TLSv1.2');
  const maxVersion = tlsVersion('tlsMaxVersion', o.tlsMaxVersion, 'TLSv1.3');
  if (TLS_VERSIONS.indexOf(minVersion) > TLS_VERSIONS.indexOf(maxVersion))
    bad('tlsMaxVersion', `a version not older than tlsMinVersion (${minVersion})`, maxVersion);
  if (
    o.ciphers !== undefined &&
    (typeof o.ciphers !== 'string' || !/^[A-Za-z0-9_:+!@.=-]{1,4096}$/.test(o.ciphers))
  )
    bad('ciphers', 'an OpenSSL cipher list', o.ciphers);
  if (o.ciphers?.split(':').some((c) => c.startsWith('TLS_')))
    bad('ciphers', 'TLS 1.2 ciphers only (TLS 1.3 suites go in cipherSuites)', o.ciphers);
  if (
    o.cipherSuites !== undefined &&
    (typeof o.cipherSuites !== 'string' || !/^TLS_[A-Z0-9_]+(:TLS_[A-Z0-9_]+)*$/.test(o.cipherSuites))
  )
    bad('cipherSuites', 'TLS 1.3 suites such as TLS_AES_128_GCM_SHA256, colon-separated', o.cipherSuites);
  let ciphers: string | undefined;
  if (o.ciphers !== undefined || o.cipherSuites !== undefined) {
    const defaults = DEFAULT_CIPHERS.split(':');
    const defaultSuites = defaults.filter((c) => c.startsWith('TLS_')).join(':');
    const defaultList = defaults.filter((c) => !c.startsWith('TLS_')).join(':');
    // OpenSSL knows which names exist: a list that selects nothing fails here, naming the option.
    const check = (field: string, value: string | undefined, text: string): void => {
      if (value === undefined) return;
      try {
        createSecureContext({ ciphers: text });
      } catch {
        bad(field, 'names OpenSSL knows that select at least one cipher', value);
      }
    };
    check('ciphers', o.ciphers, `${defaultSuites}:${o.ciphers}`);
    check('cipherSuites', o.cipherSuites, `${o.cipherSuites}:${defaultList}`);
    ciphers = `${o.cipherSuites ?? defaultSuites}:${o.ciphers ?? defaultList}`;
  }
  const curves = o.curves;
  if (curves !== undefined) {
    let ok = typeof curves === 'string' && /^[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)*$/.test(curves);
    if (ok) {
      try {
        createSecureContext({ ecdhCurve: curves });
      } catch {
        ok = false;
      }
    }
    if (!ok) bad('curves', 'group names OpenSSL knows, colon-separated (X25519:P-256)', curves);
  }
  return {
    minVersion: NODE_TLS_VERSION[minVersion],
    maxVersion: NODE_TLS_VERSION[maxVersion],
    ciphers,
    ...(curves === undefined ? {} : { ecdhCurve: curves }),
  };
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Global header actions, checked as Node will send them; values go out as their UTF-8 bytes. */
function headerActions(field: string, v: unknown): readonly HeaderAction[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) bad(field, 'a list of { type, name, value } actions', v);
  return (v as unknown[]).map((a, i): HeaderAction => {
    const x = a as { type?: unknown; name?: unknown; value?: unknown };
    if (typeof x?.name !== 'string' || !TOKEN.test(x.name))
      bad(`${field}[${i}].name`, 'a header name', x?.name);
    if (x.type === 'Delete') return { type: 'Delete', name: x.name as string };
    if (x.type !== 'Set') bad(`${field}[${i}].type`, 'Set or Delete', x.type);
    if (typeof x.value !== 'string' || x.value === '' || /[\r\n\0]/.test(x.value))
      bad(`${field}[${i}].value`, 'a non-empty one-line value', x.value);
    const value = x.value as string;
    return {
      type: 'Set',
      name: x.name as string,
      value: /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value,
    };
  });
}

function mutualTlsMaterial(m: MutualTlsOptions | undefined): { ca?: string; crl?: string } {
  if (m === undefined) return {};
  if (typeof m !== 'object' || m === null) bad('mutualTls', 'an object', m);
  if (typeof m.ca !== 'string' || !m.ca.includes('-----BEGIN CERTIFICATE-----'))
    bad('mutualTls.ca', 'PEM CA certificates', typeof m.ca);
  if (m.crl !== undefined && (typeof m.crl !== 'string' || !m.crl.includes('-----BEGIN X509 CRL-----')))
    bad('mutualTls.crl', 'PEM revocation lists', typeof m.crl);
  try {
    createSecureContext({ ca: m.ca, ...(m.crl === undefined ? {} : { crl: m.crl }) });
  } catch (e) {
    bad('mutualTls.ca', `CA certificates and CRLs OpenSSL can load (${(e as Error).message})`, '[PEM]');
  }
  return { ca: m.ca, ...(m.crl === undefined ? {} : { crl: m.crl }) };
}

function resolveMutualTls(m: MutualTlsOptions | undefined): ResolvedOptions['mutualTls'] {
  if (m === undefined) return undefined;
  if (m.verify !== 'required' && m.verify !== 'optional')
    bad('mutualTls.verify', 'required or optional', m.verify);
  let filter: RegExp | undefined;
  if (m.subjectFilter !== undefined) {
    try {
      filter = new RegExp(m.subjectFilter);
    } catch {
      bad('mutualTls.subjectFilter', 'a regular expression', m.subjectFilter);
    }
  }
  return { verify: m.verify, filter };
}

function h1CaseMap(v: unknown): ReadonlyMap<string, string> {
  const m = new Map<string, string>();
  if (v === undefined) return m;
  if (!Array.isArray(v)) bad('h1CaseAdjust', 'a list of header names', v);
  (v as unknown[]).forEach((h, i) => {
    if (typeof h !== 'string' || !TOKEN.test(h)) bad(`h1CaseAdjust[${i}]`, 'a header name', h);
    m.set((h as string).toLowerCase(), h as string);
  });
  return m;
}

function mimeTypes(v: unknown): readonly string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0) bad('compressionMimeTypes', 'a non-empty list of MIME types', v);
  v.forEach((t, i) => {
    if (typeof t !== 'string' || !/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+*-]+$/.test(t))
      bad(`compressionMimeTypes[${i}]`, 'a MIME type such as text/html', t);
  });
  return [...(v as string[])];
}

/**
 * Validates and defaults the options.
 * @internal
 * @throws ProxyRuntimeError `ERR_PROXY_RUNTIME_INVALID_OPTION` naming the field
 */
export function resolveOptions(o: ProxyRuntimeOptions = {}): ResolvedOptions {
  if (typeof o !== 'object' || o === null) bad('', 'an object', o);
  const t = o.timeouts ?? {};
  const timeouts = {} as Record<keyof ProxyRuntimeTimeouts, number>;
  for (const k of Object.keys(DEFAULT_TIMEOUTS) as (keyof ProxyRuntimeTimeouts)[]) {
    timeouts[k] = positive(`timeouts.${k}`, t[k], DEFAULT_TIMEOUTS[k]);
  }
  const lb = o.loadBalanceAlgorithm ?? 'random';
  if (!BALANCES.includes(lb)) bad('loadBalanceAlgorithm', BALANCES.join('|'), lb);
  const tcp = o.tcpBalanceScheme ?? 'source';
  if (!BALANCES.includes(tcp)) bad('tcpBalanceScheme', BALANCES.join('|'), tcp);
  const fwd = o.forwardedHeaders ?? 'append';
  if (!FORWARDED.includes(fwd)) bad('forwardedHeaders', FORWARDED.join('|'), fwd);
  if (o.cookieName !== undefined && !/^[a-zA-Z0-9_-]+$/.test(o.cookieName))
    bad('cookieName', 'a token of [a-zA-Z0-9_-]', o.cookieName);
  const workers = o.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 256)
    bad('workers', 'an integer 1..256', workers);
  const monitorUri = o.monitorUri ?? '/_______internal_router_healthz';
  if (typeof monitorUri !== 'string' || !monitorUri.startsWith('/'))
    bad('monitorUri', 'a path starting with /', monitorUri);
  if (o.defaultCertificate !== undefined) {
    if (typeof o.defaultCertificate.cert !== 'string' || typeof o.defaultCertificate.key !== 'string')
      bad('defaultCertificate', '{ cert: string, key: string } (PEM)', '[object]');
  }
  return {
    host: o.host ?? '0.0.0.0',
    ipv6Only: o.ipv6Only ?? false,
    httpPort: port('httpPort', o.httpPort, 80),
    httpsPort: port('httpsPort', o.httpsPort, 443),
    defaultCertificate: o.defaultCertificate,
    defaultDestinationCA: o.defaultDestinationCA,
    disableHttp2: o.disableHttp2 ?? false,
    tls: { ...resolveTls(o), ...mutualTlsMaterial(o.mutualTls) },
    mutualTls: resolveMutualTls(o.mutualTls),
    strictSni: o.strictSni ?? false,
    compressionMimeTypes: mimeTypes(o.compressionMimeTypes),
    requestHeaders: headerActions('requestHeaders', o.requestHeaders),
    responseHeaders: headerActions('responseHeaders', o.responseHeaders),
    h1Case: h1CaseMap(o.h1CaseAdjust),
    monitorUri,
    timeouts,
    maxHeaderSize: Math.floor(positive('maxHeaderSize', o.maxHeaderSize, 24_576)),
    proxyProtocol: o.proxyProtocol ?? false,
    loadBalanceAlgorithm: lb,
    tcpBalanceScheme: tcp,
    forwardedHeaders: fwd,
    cookieName: o.cookieName,
    maxConnections: Math.floor(positive('maxConnections', o.maxConnections, 50_000)),
    error503:
      o.errorFile503 !== undefined
        ? parseErrorFile(o.errorFile503, 'ProxyRuntimeOptions.errorFile503')
        : {
            status: 503,
            reason: 'Service Unavailable',
            headers: DEFAULT_503_HEADERS,
            body: Buffer.from(o.errorPage503 ?? DEFAULT_503, 'utf8'),
          },
    error404:
      o.errorFile404 === undefined
        ? undefined
        : parseErrorFile(o.errorFile404, 'ProxyRuntimeOptions.errorFile404'),
    workers,
  };
}

/**
 * Parses HAProxy time text (`30s`, `2147483647ms`, `5m`; no unit = ms) into milliseconds, or
 * `undefined` when it does not parse (the default then applies, as in OpenShift).
 * @param text - the time text
 * @returns milliseconds, or undefined
 */
export function parseHaproxyTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^([1-9][0-9]*)(us|ms|s|m|h|d)?$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const mult: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const ms = n * (mult[m[2] ?? 'ms'] ?? 1);
  // setTimeout caps at 2^31-1 ms; HAProxy clips to the same value.
  return Math.max(1, Math.min(ms, 2_147_483_647));
}
