/**
 * Render options. Each one is named after the OpenShift `ROUTER_*` setting it stands for (given
 * in its TSDoc), with OpenShift's default.
 */
import { isAbsolute } from 'node:path';
import type { BalanceAlgorithm, ForwardedHeadersPolicy, HeaderAction } from '@switchyard/route-model';
import { HaproxyRendererError } from './errors.ts';
import { isHaproxyTime } from './internal/validate.ts';

/** Map layout: OpenShift's `map_reg` maps, or tree-indexed maps with the same answers. */
export type MapLayout = 'openshift' | 'indexed';

/** Timeouts, as HAProxy time text (`5s`, `300ms`, `1h`). */
export interface RenderTimeouts {
  /** `ROUTER_DEFAULT_CONNECT_TIMEOUT`. @default '5s' */
  connect?: string;
  /** `ROUTER_DEFAULT_CLIENT_TIMEOUT`. @default '30s' */
  client?: string;
  /** `ROUTER_CLIENT_FIN_TIMEOUT`. @default '1s' */
  clientFin?: string;
  /** `ROUTER_DEFAULT_SERVER_TIMEOUT`. @default '30s' */
  server?: string;
  /** `ROUTER_DEFAULT_SERVER_FIN_TIMEOUT`. @default '1s' */
  serverFin?: string;
  /** `ROUTER_SLOWLORIS_TIMEOUT` (`timeout http-request`). @default '10s' */
  httpRequest?: string;
  /** `ROUTER_SLOWLORIS_HTTP_KEEPALIVE` (`timeout http-keep-alive`). @default '300s' */
  httpKeepAlive?: string;
  /** `ROUTER_DEFAULT_TUNNEL_TIMEOUT`. @default '1h' */
  tunnel?: string;
  /** `ROUTER_INSPECT_DELAY` (`tcp-request inspect-delay` on the TLS frontend). @default '5s' */
  inspectDelay?: string;
}

/** Options of `renderHaproxyConfig`. */
export interface RenderOptions {
  /**
   * Absolute directory the files will be written to; every path inside the configuration and
   * the crt-list points there. Unix sockets live in `<workingDir>/run`, so keep it short
   * (a socket path is limited to 107 bytes).
   */
  workingDir: string;
  /** Map layout. @default 'openshift' */
  layout?: MapLayout;
  /** Address the public frontends bind to (`ROUTER_LISTEN_ADDR`-like; "" = every IPv4 address). @default '' */
  bindAddress?: string;
  /** `ROUTER_IP_V4_V6_MODE`: `v4` binds `:P`, `v6` binds `:::P v6only`, `v4v6` both. Ignored with `bindAddress`. @default 'v4' */
  ipMode?: 'v4' | 'v6' | 'v4v6';
  /** `ROUTER_SERVICE_HTTP_PORT`. @default 80 */
  httpPort?: number;
  /** `ROUTER_SERVICE_HTTPS_PORT`. @default 443 */
  httpsPort?: number;
  /** `STATS_PORT`: a `listen stats` section with `monitor-uri /healthz`; omitted when undefined. @default undefined */
  statsPort?: number;
  /** `ROUTER_MAX_CONNECTIONS`: a number, or `auto` (the line is omitted). @default 50000 */
  maxConnections?: number | 'auto';
  /** `ROUTER_THREADS` (`nbthread`); omitted when undefined. @default undefined */
  threads?: number;
  /** `ROUTER_BUF_SIZE` (`tune.bufsize`). @default 32768 */
  bufSize?: number;
  /** `ROUTER_MAX_REWRITE_SIZE` (`tune.maxrewrite`). @default 8192 */
  maxRewriteSize?: number;
  /** Timeouts (`ROUTER_DEFAULT_*_TIMEOUT`, ...). */
  timeouts?: RenderTimeouts;
  /** `ROUTER_HARD_STOP_AFTER` (`hard-stop-after`); omitted when undefined. @default undefined */
  hardStopAfter?: string;
  /** `ROUTER_CIPHERS`: `modern`, `intermediate`, `old` or a literal OpenSSL cipher list. @default 'intermediate' */
  ciphers?: string;
  /** `ROUTER_CIPHERSUITES` (TLS 1.3 suites); omitted when undefined. @default undefined */
  cipherSuites?: string;
  /** `ROUTER_CURVES`: `ssl-default-bind-curves`, the key exchange groups offered (`X25519:P-256`). @default OpenSSL's */
  curves?: string;
  /** `SSL_MIN_VERSION`. @default 'TLSv1.2' */
  tlsMinVersion?: TlsVersion;
  /** `SSL_MAX_VERSION`; omitted when undefined. @default undefined */
  tlsMaxVersion?: TlsVersion;
  /** `ROUTER_STRICT_SNI` (`strict-sni` on `fe_sni`). @default false */
  strictSni?: boolean;
  /** `ROUTER_DISABLE_HTTP2`: no `alpn h2,http/1.1` in the crt-list nor on re-encrypt servers. @default false */
  disableHttp2?: boolean;
  /** `ROUTER_USE_PROXY_PROTOCOL` (`accept-proxy` on the public binds). @default false */
  useProxyProtocol?: boolean;
  /**
   * `ROUTER_IDLE_CLOSE_ON_RESPONSE` (`option idle-close-on-response` in `defaults`): at a reload the
   * old worker keeps idle keep-alive client connections until they carry one more answer, instead
   * of closing them at once, so a request sent at that moment is not lost. @default false
   */
  idleCloseOnResponse?: boolean;
  /** `ROUTER_LOAD_BALANCE_ALGORITHM`: default balance of HTTP backends. @default 'random' */
  loadBalanceAlgorithm?: BalanceAlgorithm;
  /** `ROUTER_TCP_BALANCE_SCHEME`: default balance of passthrough backends (then the LB algorithm if set, then `source`). @default undefined */
  tcpBalanceScheme?: BalanceAlgorithm;
  /** `ROUTER_BACKEND_CHECK_INTERVAL` (`check inter`). @default '5000ms' */
  backendCheckInterval?: string;
  /** `ROUTER_COOKIE_NAME`: cookie name when a route has no `cookie_name` annotation. @default undefined */
  cookieName?: string;
  /** `ROUTER_SET_FORWARDED_HEADERS`. @default 'append' */
  setForwardedHeaders?: ForwardedHeadersPolicy;
  /** `ROUTER_HTTP_REQUEST_HEADERS`, parsed: header actions in the public frontends. @default [] */
  requestHeaders?: readonly HeaderAction[];
  /** `ROUTER_HTTP_RESPONSE_HEADERS`, parsed. @default [] */
  responseHeaders?: readonly HeaderAction[];
  /**
   * `DEFAULT_CERTIFICATE`: PEM text (private key and certificate) served when no route
   * certificate matches; written to `certs/default.pem`. Exactly one of this and
   * `defaultCertificatePath` is required.
   */
  defaultCertificate?: string;
  /** `DEFAULT_CERTIFICATE_PATH`: an existing PEM file, used as is. @default undefined */
  defaultCertificatePath?: string;
  /** `DEFAULT_DESTINATION_CA_PATH`: CA file for re-encrypt routes without a destination CA. @default undefined */
  defaultDestinationCAPath?: string;
  /** `ROUTER_ERRORFILE_503`: a file holding a raw HTTP response. @default the built-in `error-page-503.http` */
  errorFile503?: string;
  /** `ROUTER_ERRORFILE_404`: a raw HTTP response file; also makes `openshift_default` deny with 404. @default undefined */
  errorFile404?: string;
  /** `ROUTER_ALLOW_WILDCARD_ROUTES`: fills `os_wildcard_domain.map`. @default false */
  allowWildcardRoutes?: boolean;
  /**
   * `ROUTER_HAPROXY_CONFIG_MANAGER`: servers are written so that they can be added at runtime
   * (dynamic cookies with `dynamic-cookie-key` instead of a `cookie <hash>` per server, as
   * OpenShift's dynamic configuration manager does). @default false
   */
  dynamicServers?: boolean;
  /** `ROUTER_H1_CASE_ADJUST`: header names whose case HAProxy restores for `h1-adjust-case` routes. @default [] */
  h1CaseAdjust?: readonly string[];
  /**
   * `ROUTER_SYSLOG_ADDRESS` and its companions: HAProxy sends its logs to this syslog target
   * (`log` in `global`, `log global` with `option httplog` or `log-format` in `defaults`,
   * `option tcplog` on `public_ssl`). Traffic is logged at level `info`, so the default level
   * `warning` (OpenShift's) sends only warnings and errors.
   * @default undefined (no logging)
   */
  syslog?: SyslogOptions;
  /** `ROUTER_DONT_LOG_NULL`: `option dontlognull`. @default false */
  dontLogNull?: boolean;
  /** `ROUTER_HTTP_IGNORE_PROBES`: `option http-ignore-probes`. @default false */
  httpIgnoreProbes?: boolean;
  /**
   * `ROUTER_ENABLE_COMPRESSION` with `ROUTER_COMPRESSION_MIME`: `compression algo gzip` and
   * `compression type` with these MIME types, in `defaults`.
   * @default undefined (no compression)
   */
  compressionMimeTypes?: readonly string[];
  /**
   * `ROUTER_MUTUAL_TLS_AUTH` (`required` or `optional`) with `ROUTER_MUTUAL_TLS_AUTH_CA`,
   * `…_CRL` and `…_FILTER`: client certificates on `fe_sni` and `fe_no_sni` (`verify`,
   * `ca-file`, `crl-file`), a 403 for a subject DN the filter regex does not match, and the
   * `X-SSL-*` headers that pass the certificate to the backend.
   * @default undefined (no client certificates)
   */
  mutualTls?: MutualTlsOptions;
}

/** Client certificate authentication (`ROUTER_MUTUAL_TLS_AUTH*`). */
export interface MutualTlsOptions {
  /** `ROUTER_MUTUAL_TLS_AUTH`: `required` refuses handshakes without a valid certificate. */
  verify: 'required' | 'optional';
  /** `ROUTER_MUTUAL_TLS_AUTH_CA`: PEM file of the CAs that sign client certificates. */
  caFile: string;
  /** `ROUTER_MUTUAL_TLS_AUTH_CRL`: PEM file of revocation lists. @default undefined */
  crlFile?: string;
  /** `ROUTER_MUTUAL_TLS_AUTH_FILTER`: a regex the subject DN (`/C=…/CN=…`) must match. @default undefined */
  subjectFilter?: string;
}

/** Where and how HAProxy logs (`ROUTER_SYSLOG_ADDRESS`, `ROUTER_LOG_*`, `ROUTER_SYSLOG_FORMAT`). */
export interface SyslogOptions {
  /** `ROUTER_SYSLOG_ADDRESS`: `ip:port` (UDP), `udp@`/`tcp@` forms, or a unix socket path. */
  address: string;
  /** `ROUTER_LOG_FACILITY`. @default 'local1' */
  facility?: string;
  /** `ROUTER_LOG_LEVEL`: the most verbose level sent. @default 'warning' */
  level?: string;
  /** `ROUTER_LOG_MAX_LENGTH`: longest line sent (`len`). @default 1024 */
  maxLength?: number;
  /** `ROUTER_SYSLOG_FORMAT`: a HAProxy `log-format` string instead of `option httplog`. @default undefined */
  format?: string;
}

/** TLS protocol versions HAProxy accepts in `ssl-min-ver` / `ssl-max-ver`. */
export type TlsVersion = 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** Options with every default applied. */
export interface ResolvedOptions {
  workingDir: string;
  layout: MapLayout;
  bindAddress: string;
  ipMode: 'v4' | 'v6' | 'v4v6';
  httpPort: number;
  httpsPort: number;
  statsPort: number | undefined;
  maxConnections: number | 'auto';
  threads: number | undefined;
  bufSize: number;
  maxRewriteSize: number;
  timeouts: Required<RenderTimeouts>;
  hardStopAfter: string | undefined;
  ciphers: string;
  cipherSuites: string | undefined;
  curves: string | undefined;
  tlsMinVersion: TlsVersion;
  tlsMaxVersion: TlsVersion | undefined;
  strictSni: boolean;
  disableHttp2: boolean;
  useProxyProtocol: boolean;
  idleCloseOnResponse: boolean;
  loadBalanceAlgorithm: BalanceAlgorithm;
  loadBalanceAlgorithmSet: boolean;
  tcpBalanceScheme: BalanceAlgorithm | undefined;
  backendCheckInterval: string;
  cookieName: string | undefined;
  setForwardedHeaders: ForwardedHeadersPolicy;
  requestHeaders: readonly HeaderAction[];
  responseHeaders: readonly HeaderAction[];
  defaultCertificate: string | undefined;
  defaultCertificatePath: string | undefined;
  defaultDestinationCAPath: string | undefined;
  errorFile503: string | undefined;
  errorFile404: string | undefined;
  allowWildcardRoutes: boolean;
  dynamicServers: boolean;
  h1CaseAdjust: readonly string[];
  syslog: (Required<Omit<SyslogOptions, 'format'>> & { format: string | undefined }) | undefined;
  dontLogNull: boolean;
  httpIgnoreProbes: boolean;
  compressionMimeTypes: readonly string[] | undefined;
  mutualTls: MutualTlsOptions | undefined;
}

/** Mozilla's TLS 1.2 cipher lists for the `ROUTER_CIPHERS` profiles. */
export const CIPHER_PROFILES: Readonly<Record<'modern' | 'intermediate' | 'old', string>> = {
  modern:
    'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305',
  intermediate:
    'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384',
  old: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA:DES-CBC3-SHA',
};

const BALANCE = new Set<string>(['roundrobin', 'leastconn', 'source', 'random']);
const FORWARDED = new Set<string>(['append', 'replace', 'if-none', 'never']);
const TLS_VERSIONS = new Set<string>(['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
/** A socket path must fit `sun_path` (108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

function bad(option: string, expected: string, value: unknown): HaproxyRendererError {
  return new HaproxyRendererError(
    'ERR_HAPROXY_RENDERER_INVALID_OPTION',
    `renderHaproxyConfig options.${option}: expected ${expected}, got ${JSON.stringify(value)}`,
  );
}

function port(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)
    throw bad(name, 'a port 1..65535', v);
  return v;
}

function posInt(name: string, v: unknown, dflt: number, max = 2 ** 31 - 1): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
    throw bad(name, `an integer 1..${max}`, v);
  return v;
}

function time(name: string, v: unknown, dflt: string): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !isHaproxyTime(v)) throw bad(name, 'a HAProxy time such as 5s or 300ms', v);
  return v;
}

/** A file path that is safe to put unquoted on a config line. */
export function isSafePath(p: string): boolean {
  return isAbsolute(p) && /^[A-Za-z0-9_./:@+-]+$/.test(p) && p.length <= 1024;
}

function path(name: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !isSafePath(v)) {
    throw bad(name, 'an absolute path of letters, digits and _ . / : @ + -', v);
  }
  return v;
}

function bool(name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw bad(name, 'a boolean', v);
  return v;
}

function oneOf<T extends string>(name: string, v: unknown, set: Set<string>, dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !set.has(v)) throw bad(name, `one of ${[...set].join(', ')}`, v);
  return v as T;
}

/**
 * Applies defaults and validates every option (throws on an invalid one: options come from the
 * operator, so a bad value is a broken contract, not route data).
 * @param options - the caller's options
 * @returns the resolved options
 * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_INVALID_OPTION`
 */
export function resolveOptions(options: RenderOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw bad('', 'an object', options);
  const workingDir = options.workingDir;
  if (typeof workingDir !== 'string' || !isSafePath(workingDir) || workingDir.endsWith('/')) {
    throw bad('workingDir', 'an absolute directory path without a trailing slash', workingDir);
  }
  if (`${workingDir}/run/haproxy-no-sni.sock`.length > MAX_SOCKET_PATH) {
    throw bad(
      'workingDir',
      `a path short enough for unix sockets (at most ${MAX_SOCKET_PATH - 26} characters)`,
      workingDir,
    );
  }
  const t = options.timeouts ?? {};
  const ciphers = options.ciphers ?? 'intermediate';
  let cipherList: string;
  if (ciphers === 'modern' || ciphers === 'intermediate' || ciphers === 'old')
    cipherList = CIPHER_PROFILES[ciphers];
  else if (typeof ciphers === 'string' && /^[A-Za-z0-9_:+!@.=-]{1,4096}$/.test(ciphers)) cipherList = ciphers;
  else throw bad('ciphers', 'modern, intermediate, old or an OpenSSL cipher list', ciphers);
  if (options.cipherSuites !== undefined && !/^[A-Za-z0-9_:]{1,1024}$/.test(options.cipherSuites)) {
    throw bad('cipherSuites', 'a TLS 1.3 cipher suite list', options.cipherSuites);
  }
  const maxConnections = options.maxConnections ?? 50000;
  if (maxConnections !== 'auto' && (!Number.isInteger(maxConnections) || (maxConnections as number) < 1)) {
    throw bad('maxConnections', 'a positive integer or "auto"', maxConnections);
  }
  const bindAddress = options.bindAddress ?? '';
  if (typeof bindAddress !== 'string' || !/^[0-9a-fA-F.:]*$/.test(bindAddress)) {
    throw bad('bindAddress', 'an IP address or ""', bindAddress);
  }
  if (options.defaultCertificate === undefined && options.defaultCertificatePath === undefined) {
    throw bad('defaultCertificate', 'PEM text (or defaultCertificatePath)', undefined);
  }
  if (options.defaultCertificate !== undefined && typeof options.defaultCertificate !== 'string') {
    throw bad('defaultCertificate', 'PEM text', typeof options.defaultCertificate);
  }
  const cookieName = options.cookieName;
  if (cookieName !== undefined && !/^[a-zA-Z0-9_-]{1,256}$/.test(cookieName)) {
    throw bad('cookieName', 'letters, digits, _ and -', cookieName);
  }
  const h1 = options.h1CaseAdjust ?? [];
  for (const [i, h] of h1.entries()) {
    if (typeof h !== 'string' || !/^[A-Za-z0-9-]{1,256}$/.test(h))
      throw bad(`h1CaseAdjust[${i}]`, 'a header name', h);
  }
  return {
    workingDir,
    layout: oneOf('layout', options.layout, new Set(['openshift', 'indexed']), 'openshift'),
    bindAddress,
    ipMode: oneOf('ipMode', options.ipMode, new Set(['v4', 'v6', 'v4v6']), 'v4'),
    httpPort: port('httpPort', options.httpPort, 80),
    httpsPort: port('httpsPort', options.httpsPort, 443),
    statsPort: options.statsPort === undefined ? undefined : port('statsPort', options.statsPort, 1936),
    maxConnections,
    threads: options.threads === undefined ? undefined : posInt('threads', options.threads, 1, 64),
    bufSize: posInt('bufSize', options.bufSize, 32768),
    maxRewriteSize: posInt('maxRewriteSize', options.maxRewriteSize, 8192),
    timeouts: {
      connect: time('timeouts.connect', t.connect, '5s'),
      client: time('timeouts.client', t.client, '30s'),
      clientFin: time('timeouts.clientFin', t.clientFin, '1s'),
      server: time('timeouts.server', t.server, '30s'),
      serverFin: time('timeouts.serverFin', t.serverFin, '1s'),
      httpRequest: time('timeouts.httpRequest', t.httpRequest, '10s'),
      httpKeepAlive: time('timeouts.httpKeepAlive', t.httpKeepAlive, '300s'),
      tunnel: time('timeouts.tunnel', t.tunnel, '1h'),
      inspectDelay: time('timeouts.inspectDelay', t.inspectDelay, '5s'),
    },
    hardStopAfter:
      options.hardStopAfter === undefined ? undefined : time('hardStopAfter', options.hardStopAfter, ''),
    ciphers: cipherList,
    cipherSuites: options.cipherSuites,
    curves: curveList(options.curves),
    tlsMinVersion: oneOf('tlsMinVersion', options.tlsMinVersion, TLS_VERSIONS, 'TLSv1.2'),
    tlsMaxVersion:
      options.tlsMaxVersion === undefined
        ? undefined
        : oneOf('tlsMaxVersion', options.tlsMaxVersion, TLS_VERSIONS, 'TLSv1.3'),
    strictSni: bool('strictSni', options.strictSni),
    disableHttp2: bool('disableHttp2', options.disableHttp2),
    useProxyProtocol: bool('useProxyProtocol', options.useProxyProtocol),
    idleCloseOnResponse: bool('idleCloseOnResponse', options.idleCloseOnResponse),
    loadBalanceAlgorithm: oneOf('loadBalanceAlgorithm', options.loadBalanceAlgorithm, BALANCE, 'random'),
    loadBalanceAlgorithmSet: options.loadBalanceAlgorithm !== undefined,
    tcpBalanceScheme:
      options.tcpBalanceScheme === undefined
        ? undefined
        : oneOf('tcpBalanceScheme', options.tcpBalanceScheme, BALANCE, 'source'),
    backendCheckInterval: time('backendCheckInterval', options.backendCheckInterval, '5000ms'),
    cookieName,
    setForwardedHeaders: oneOf('setForwardedHeaders', options.setForwardedHeaders, FORWARDED, 'append'),
    requestHeaders: options.requestHeaders ?? [],
    responseHeaders: options.responseHeaders ?? [],
    defaultCertificate: options.defaultCertificate,
    defaultCertificatePath: path('defaultCertificatePath', options.defaultCertificatePath),
    defaultDestinationCAPath: path('defaultDestinationCAPath', options.defaultDestinationCAPath),
    errorFile503: path('errorFile503', options.errorFile503),
    errorFile404: path('errorFile404', options.errorFile404),
    allowWildcardRoutes: bool('allowWildcardRoutes', options.allowWildcardRoutes),
    dynamicServers: bool('dynamicServers', options.dynamicServers),
    h1CaseAdjust: h1,
    syslog: resolveSyslog(options.syslog),
    dontLogNull: bool('dontLogNull', options.dontLogNull),
    httpIgnoreProbes: bool('httpIgnoreProbes', options.httpIgnoreProbes),
    compressionMimeTypes: resolveMimeTypes(options.compressionMimeTypes),
    mutualTls: resolveMutualTls(options.mutualTls),
  };
}

function curveList(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)*$/.test(v) || v.length > 512)
    throw bad('curves', 'colon-separated group names such as X25519:P-256', v);
  return v;
}

function resolveMutualTls(m: MutualTlsOptions | undefined): MutualTlsOptions | undefined {
  if (m === undefined) return undefined;
  if (typeof m !== 'object' || m === null) throw bad('mutualTls', 'an object', m);
  if (m.verify !== 'required' && m.verify !== 'optional')
    throw bad('mutualTls.verify', 'required or optional', m.verify);
  const caFile = path('mutualTls.caFile', m.caFile);
  if (caFile === undefined) throw bad('mutualTls.caFile', 'a CA file path', undefined);
  const filter = m.subjectFilter;
  if (filter !== undefined && (typeof filter !== 'string' || filter === '' || /[\r\n\0]/.test(filter)))
    throw bad('mutualTls.subjectFilter', 'a one-line regular expression', filter);
  const crlFile = path('mutualTls.crlFile', m.crlFile);
  return {
    verify: m.verify,
    caFile,
    ...(crlFile === undefined ? {} : { crlFile }),
    ...(filter === undefined ? {} : { subjectFilter: filter }),
  };
}

/** The syslog facilities HAProxy's `log` line takes (`ROUTER_LOG_FACILITY`). */
export const SYSLOG_FACILITIES: readonly string[] = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'auth2',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'cron2',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
];
/** The syslog levels, most severe first (`ROUTER_LOG_LEVEL`). */
export const SYSLOG_LEVELS: readonly string[] = [
  'emerg',
  'alert',
  'crit',
  'err',
  'warning',
  'notice',
  'info',
  'debug',
];
const FACILITY_SET = new Set(SYSLOG_FACILITIES);
const LEVEL_SET = new Set(SYSLOG_LEVELS);

function resolveSyslog(s: SyslogOptions | undefined): ResolvedOptions['syslog'] {
  if (s === undefined) return undefined;
  if (typeof s !== 'object' || s === null) throw bad('syslog', 'an object with an address', s);
  // ip:port, [ipv6]:port, udp@/tcp@/ipv4@/ipv6@ prefixes, or an absolute unix socket path.
  if (
    typeof s.address !== 'string' ||
    !/^(?:(?:udp|tcp|udp4|udp6|tcp4|tcp6|ipv4|ipv6)@)?[A-Za-z0-9_.:[\]/-]{1,256}$/.test(s.address)
  )
    throw bad('syslog.address', 'a syslog target such as 127.0.0.1:514 or /dev/log', s.address);
  const format = s.format;
  if (format !== undefined && (typeof format !== 'string' || format === '' || /[\r\n\0]/.test(format)))
    throw bad('syslog.format', 'a one-line HAProxy log-format string', format);
  return {
    address: s.address,
    facility: oneOf('syslog.facility', s.facility, FACILITY_SET, 'local1'),
    level: oneOf('syslog.level', s.level, LEVEL_SET, 'warning'),
    maxLength: posInt('syslog.maxLength', s.maxLength, 1024, 65535),
    format,
  };
}

function resolveMimeTypes(v: readonly string[] | undefined): readonly string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0)
    throw bad('compressionMimeTypes', 'a non-empty list of MIME types', v);
  v.forEach((t, i) => {
    if (typeof t !== 'string' || !/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+*-]+$/.test(t))
      throw bad(`compressionMimeTypes[${i}]`, 'a MIME type such as text/html', t);
  });
  return [...v];
}
