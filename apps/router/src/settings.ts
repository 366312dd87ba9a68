/**
 * Every setting of the `switchyard` CLI, declared once: its flag, its environment variables
 * (OpenShift's `ROUTER_*` names where OpenShift has the setting, `SWITCHYARD_*` otherwise), its
 * config-file key, its type, default and documentation. `--help` and docs/configuration.md are
 * generated from the same table, and every invalid value fails at start naming the setting.
 *
 * Precedence: command-line flag > environment variable > config file > default.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext, DEFAULT_CIPHERS } from 'node:tls';
import { CIPHER_PROFILES, SYSLOG_FACILITIES, SYSLOG_LEVELS } from '@switchyard/haproxy-renderer';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatDuration, parseDuration } from './duration.ts';
import { RouterError } from './errors.ts';

/** Engines that can serve the routing table. */
export type EngineName = 'native' | 'haproxy';
/** Load-balancing algorithms (OpenShift's `balance` values). */
export type BalanceName = 'roundrobin' | 'leastconn' | 'source' | 'random';
/** Forwarded-header policies (`ROUTER_SET_FORWARDED_HEADERS`). */
export type ForwardedHeadersName = 'append' | 'replace' | 'if-none' | 'never';
/** Log output format. `auto` is `pretty` on a terminal and `json` otherwise. */
export type LogFormat = 'auto' | 'json' | 'pretty';
/** Log levels (pino). */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
/** TLS protocol versions (`SSL_MIN_VERSION`, `SSL_MAX_VERSION`). */
export type TlsVersionName = 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
/** HAProxy map layout (see haproxy-renderer). */
export type HaproxyLayout = 'openshift' | 'indexed';

/** The router's settings after parsing and validation. Durations are milliseconds. */
export interface RouterSettings {
  /** `--routes`: a manifest file or a directory of `.yaml`/`.yml`/`.json` manifests, watched. */
  readonly routes: string | undefined;
  /** `--kubeconfig`: watch a cluster through this kubeconfig file. */
  readonly kubeconfig: string | undefined;
  /** `--in-cluster`: watch the cluster this pod runs in (service account). */
  readonly inCluster: boolean;
  /** `--namespace`: watch one namespace only. */
  readonly namespace: string | undefined;
  /** `--route-selector`: label selector on Routes (sharding). */
  readonly routeSelector: string | undefined;
  /** `--namespace-selector`: label selector on Namespaces (sharding). */
  readonly namespaceSelector: string | undefined;
  /** `--router-name`: this router's name in `status.ingress[]`. */
  readonly routerName: string;
  /** `--canonical-hostname`: written to `status.ingress[].routerCanonicalHostname`. */
  readonly canonicalHostname: string | undefined;
  /** `--update-status`: write route status to the cluster. */
  readonly updateStatus: boolean;
  /** `--engine`. */
  readonly engine: EngineName;
  /** `--haproxy-binary`. */
  readonly haproxyBinary: string;
  /** `--haproxy-layout`. */
  readonly haproxyLayout: HaproxyLayout;
  /** `--haproxy-config-manager`: render servers for runtime changes (dynamic cookies). */
  readonly haproxyConfigManager: boolean;
  /**
   * `--idle-close-on-response`: HAProxy `option idle-close-on-response`. On by default in
   * Switchyard (OpenShift: off), so keep-alive clients lose no request at a reload.
   */
  readonly idleCloseOnResponse: boolean;
  /** `--work-dir`: where the HAProxy engine writes its files. */
  readonly workDir: string | undefined;
  /** `--listen-address`: address of every listener. */
  readonly listenAddress: string;
  /** `--ip-mode`: ROUTER_IP_V4_V6_MODE. */
  readonly ipMode: 'v4' | 'v6' | 'v4v6';
  /** `--http-port`. */
  readonly httpPort: number;
  /** `--https-port`. */
  readonly httpsPort: number;
  /** `--stats-port`: `/healthz`, `/healthz/ready`, `/metrics`. */
  readonly statsPort: number;
  /** `--default-certificate`: PEM file with certificate (chain) and key. */
  readonly defaultCertificate: string | undefined;
  /** `--default-destination-ca`: PEM CA file for re-encrypt routes without a destination CA. */
  readonly defaultDestinationCa: string | undefined;
  /** `--router-domain`: domain for routes that set `spec.subdomain`. */
  readonly routerDomain: string | undefined;
  /** `--hostname-template`: ROUTER_SUBDOMAIN. */
  readonly hostnameTemplate: string | undefined;
  /** `--override-hostname`: ROUTER_OVERRIDE_HOSTNAME. */
  readonly overrideHostname: boolean;
  /** `--override-domains`: ROUTER_OVERRIDE_DOMAINS. */
  readonly overrideDomains: readonly string[];
  /** `--allowed-domains`. */
  readonly allowedDomains: readonly string[];
  /** `--denied-domains`. */
  readonly deniedDomains: readonly string[];
  /** `--allow-wildcard-routes`. */
  readonly allowWildcardRoutes: boolean;
  /** `--disable-namespace-ownership-check`. */
  readonly disableNamespaceOwnershipCheck: boolean;
  /** `--allow-loopback-endpoints`. */
  readonly allowLoopbackEndpoints: boolean | undefined;
  /** `--hard-stop-after`: HAProxy `hard-stop-after`, ms. */
  readonly hardStopAfter: number | undefined;
  /** `--reload-interval`. */
  readonly reloadInterval: number;
  /** `--proxy-protocol`. */
  readonly proxyProtocol: boolean;
  /** `--disable-http2`. */
  readonly disableHttp2: boolean;
  /** `--ciphers`: `modern`, `intermediate`, `old` or an OpenSSL cipher list (TLS 1.2 and below). */
  readonly ciphers: string;
  /** `--cipher-suites`: TLS 1.3 suites, colon-separated. */
  readonly cipherSuites: string | undefined;
  /** `--mutual-tls`: ROUTER_MUTUAL_TLS_AUTH. */
  readonly mutualTls: 'none' | 'required' | 'optional';
  /** `--mutual-tls-ca`: ROUTER_MUTUAL_TLS_AUTH_CA. */
  readonly mutualTlsCa: string | undefined;
  /** `--mutual-tls-crl`: ROUTER_MUTUAL_TLS_AUTH_CRL. */
  readonly mutualTlsCrl: string | undefined;
  /** `--mutual-tls-filter`: ROUTER_MUTUAL_TLS_AUTH_FILTER. */
  readonly mutualTlsFilter: string | undefined;
  /** `--strict-sni`. */
  readonly strictSni: boolean;
  /** `--curves`: ROUTER_CURVES. */
  readonly curves: string | undefined;
  /** `--tls-min-version`. */
  readonly tlsMinVersion: TlsVersionName;
  /** `--tls-max-version`. */
  readonly tlsMaxVersion: TlsVersionName | undefined;
  /** `--load-balance-algorithm`. */
  readonly loadBalanceAlgorithm: BalanceName;
  /** `--tcp-balance-scheme`. */
  readonly tcpBalanceScheme: BalanceName;
  /** `--set-forwarded-headers`. */
  readonly setForwardedHeaders: ForwardedHeadersName;
  /** `--cookie-name`. */
  readonly cookieName: string | undefined;
  /** `--error-file-503`: HAProxy errorfile sent for the router's own 503 answers. */
  readonly errorFile503: string | undefined;
  /** `--error-file-404`: HAProxy errorfile sent to requests that match no route. */
  readonly errorFile404: string | undefined;
  /** `--compression`: ROUTER_ENABLE_COMPRESSION. */
  readonly compression: boolean;
  /** `--compression-mime`: ROUTER_COMPRESSION_MIME. */
  readonly compressionMime: string;
  /** `--http-request-headers`: ROUTER_HTTP_REQUEST_HEADERS. */
  readonly httpRequestHeaders: string | undefined;
  /** `--http-response-headers`: ROUTER_HTTP_RESPONSE_HEADERS. */
  readonly httpResponseHeaders: string | undefined;
  /** `--h1-case-adjust`: ROUTER_H1_CASE_ADJUST (comma-separated names, case kept). */
  readonly h1CaseAdjust: string | undefined;
  /** `--max-connections`. */
  readonly maxConnections: number;
  /** `--buf-size`: HAProxy `tune.bufsize`. */
  readonly bufSize: number;
  /** `--max-rewrite-size`: HAProxy `tune.maxrewrite`. */
  readonly maxRewriteSize: number;
  /** `--threads`: HAProxy `nbthread`, native worker processes. */
  readonly threads: number;
  /** `--connect-timeout`. */
  readonly connectTimeout: number;
  /** `--client-timeout`. */
  readonly clientTimeout: number;
  /** `--client-fin-timeout`. */
  readonly clientFinTimeout: number;
  /** `--server-timeout`. */
  readonly serverTimeout: number;
  /** `--server-fin-timeout`. */
  readonly serverFinTimeout: number;
  /** `--tunnel-timeout`. */
  readonly tunnelTimeout: number;
  /** `--http-request-timeout`. */
  readonly httpRequestTimeout: number;
  /** `--http-keepalive-timeout`. */
  readonly httpKeepaliveTimeout: number;
  /** `--inspect-delay`. */
  readonly inspectDelay: number;
  /** `--graceful-shutdown-delay`. */
  readonly gracefulShutdownDelay: number;
  /** `--drain-timeout`. */
  readonly drainTimeout: number;
  /** `--log-level`. */
  readonly logLevel: LogLevel;
  /** `--log-format`. */
  readonly logFormat: LogFormat;
  /** `--access-log`. */
  readonly accessLog: boolean;
  /** `--stats-username`: STATS_USERNAME. */
  readonly statsUsername: string | undefined;
  /** `--stats-password`: STATS_PASSWORD. */
  readonly statsPassword: string | undefined;
  /** `--syslog-address`: ROUTER_SYSLOG_ADDRESS. */
  readonly syslogAddress: string | undefined;
  /** `--syslog-facility`: ROUTER_LOG_FACILITY. */
  readonly syslogFacility: string;
  /** `--syslog-level`: ROUTER_LOG_LEVEL. */
  readonly syslogLevel: string;
  /** `--syslog-max-length`: ROUTER_LOG_MAX_LENGTH. */
  readonly syslogMaxLength: number;
  /** `--syslog-format`: ROUTER_SYSLOG_FORMAT. */
  readonly syslogFormat: string | undefined;
  /** `--dont-log-null`: ROUTER_DONT_LOG_NULL. */
  readonly dontLogNull: boolean;
  /** `--http-ignore-probes`: ROUTER_HTTP_IGNORE_PROBES. */
  readonly httpIgnoreProbes: boolean;
  /** `--demo-backends`. */
  readonly demoBackends: boolean;
  /** `--config`: the config file the settings were read from, if any. */
  readonly config: string | undefined;
}

type Kind = 'string' | 'path' | 'boolean' | 'port' | 'integer' | 'duration' | 'list' | 'enum' | 'selector';

/** One declared setting. */
export interface SettingSpec {
  /** Key in {@link RouterSettings} and in the config file. */
  readonly key: keyof RouterSettings;
  /** Long flag without dashes. */
  readonly flag: string;
  /** Environment variables, first one wins. */
  readonly env: readonly string[];
  /** Value type. */
  readonly kind: Kind;
  /** Help section. */
  readonly group: string;
  /** Allowed values for `enum`. */
  readonly choices?: readonly string[];
  /** Inclusive bounds for `integer` and `duration` (ms). */
  readonly min?: number;
  readonly max?: number;
  /** Default value (already parsed); `undefined` means unset. */
  readonly default: unknown;
  /** The OpenShift counterpart, for the docs (`flag`/`env` name, or a note). */
  readonly openshift?: string;
  /** One-line description for `--help`. */
  readonly description: string;
}

const BALANCES = ['roundrobin', 'leastconn', 'source', 'random'] as const;
const TLS_VERSION_NAMES = ['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
/** Every setting, in help order. */
export const SETTINGS: readonly SettingSpec[] = [
  // Sources
  {
    key: 'routes',
    flag: 'routes',
    env: ['SWITCHYARD_ROUTES'],
    kind: 'path',
    group: 'Sources',
    default: undefined,
    description:
      'Serve the Routes, Services and EndpointSlices in this YAML/JSON file or directory; edits apply as they are saved',
  },
  {
    key: 'kubeconfig',
    flag: 'kubeconfig',
    // Not KUBECONFIG: a shell that has it set for kubectl must not turn `--routes` runs into
    // "two sources" errors.
    env: ['SWITCHYARD_KUBECONFIG'],
    kind: 'path',
    group: 'Sources',
    default: undefined,
    openshift: '--kubeconfig',
    description: 'Watch the cluster named by this kubeconfig file',
  },
  {
    key: 'inCluster',
    flag: 'in-cluster',
    env: ['SWITCHYARD_IN_CLUSTER'],
    kind: 'boolean',
    group: 'Sources',
    default: false,
    description: "Watch the cluster this pod runs in, with the pod's service account",
  },
  {
    key: 'namespace',
    flag: 'namespace',
    env: ['SWITCHYARD_NAMESPACE'],
    kind: 'string',
    group: 'Sources',
    default: undefined,
    openshift: '--namespace',
    description: 'Watch only this namespace (default: all namespaces)',
  },
  {
    key: 'routeSelector',
    flag: 'route-selector',
    env: ['ROUTE_LABELS'],
    kind: 'selector',
    group: 'Sources',
    default: undefined,
    openshift: 'ROUTE_LABELS',
    description: 'Label selector on Routes: serve only matching routes (sharding)',
  },
  {
    key: 'namespaceSelector',
    flag: 'namespace-selector',
    env: ['NAMESPACE_LABELS'],
    kind: 'selector',
    group: 'Sources',
    default: undefined,
    openshift: 'NAMESPACE_LABELS',
    description: 'Label selector on Namespaces: serve only routes in matching namespaces (sharding)',
  },
  {
    key: 'routerName',
    flag: 'router-name',
    env: ['ROUTER_SERVICE_NAME'],
    kind: 'string',
    group: 'Sources',
    default: 'default',
    openshift: 'ROUTER_SERVICE_NAME (--name)',
    description: "This router's name in route status (status.ingress[].routerName)",
  },
  {
    key: 'canonicalHostname',
    flag: 'canonical-hostname',
    env: ['ROUTER_CANONICAL_HOSTNAME'],
    kind: 'string',
    group: 'Sources',
    default: undefined,
    openshift: 'ROUTER_CANONICAL_HOSTNAME',
    description: 'Host name written to status.ingress[].routerCanonicalHostname (a DNS name, not an IP)',
  },
  {
    key: 'updateStatus',
    flag: 'update-status',
    env: ['ROUTER_UPDATE_STATUS'],
    kind: 'boolean',
    group: 'Sources',
    default: true,
    openshift: 'ROUTER_UPDATE_STATUS',
    description: 'Write Admitted conditions to route status (cluster sources only)',
  },
  // Engine
  {
    key: 'engine',
    flag: 'engine',
    env: ['SWITCHYARD_ENGINE'],
    kind: 'enum',
    choices: ['native', 'haproxy'],
    group: 'Engine',
    default: 'native',
    description:
      "Data plane: 'native' (in-process, needs nothing else) or 'haproxy' (runs an haproxy binary)",
  },
  {
    key: 'haproxyBinary',
    flag: 'haproxy-binary',
    env: ['SWITCHYARD_HAPROXY_BINARY'],
    kind: 'string',
    group: 'Engine',
    default: 'haproxy',
    description: 'HAProxy executable for --engine haproxy (a name looked up in PATH, or a path)',
  },
  {
    key: 'haproxyLayout',
    flag: 'haproxy-layout',
    env: ['SWITCHYARD_HAPROXY_LAYOUT'],
    kind: 'enum',
    choices: ['openshift', 'indexed'],
    group: 'Engine',
    default: 'openshift',
    description:
      "HAProxy map layout: 'openshift' (map_reg, as OpenShift) or 'indexed' (flat cost with many routes)",
  },
  {
    key: 'haproxyConfigManager',
    flag: 'haproxy-config-manager',
    env: ['ROUTER_HAPROXY_CONFIG_MANAGER'],
    kind: 'boolean',
    group: 'Engine',
    default: false,
    openshift: 'ROUTER_HAPROXY_CONFIG_MANAGER',
    description:
      'HAProxy engine: render servers with dynamic cookies so that added endpoints, too, apply through the runtime API without a reload (removed and re-weighted ones always do)',
  },
  {
    key: 'idleCloseOnResponse',
    flag: 'idle-close-on-response',
    env: ['ROUTER_IDLE_CLOSE_ON_RESPONSE'],
    kind: 'boolean',
    group: 'Engine',
    // OpenShift's default is false. Switchyard promises route changes without dropped
    // connections, and without this option an old worker closes idle keep-alive connections at a
    // reload while a client may be sending on them (measured: ~0.04% of keep-alive requests lost).
    default: true,
    openshift: 'ROUTER_IDLE_CLOSE_ON_RESPONSE (default false there)',
    description:
      'HAProxy engine: at a reload, old workers close idle keep-alive client connections only after one more response, so no request sent at that moment is lost (OpenShift defaults to false)',
  },
  {
    key: 'workDir',
    flag: 'work-dir',
    env: ['SWITCHYARD_WORK_DIR'],
    kind: 'path',
    group: 'Engine',
    default: undefined,
    description: 'Directory for HAProxy config, maps and certificates (default: a new temporary directory)',
  },
  {
    key: 'reloadInterval',
    flag: 'reload-interval',
    env: ['RELOAD_INTERVAL'],
    kind: 'duration',
    min: 1000,
    max: 120_000,
    group: 'Engine',
    default: 5000,
    openshift: 'RELOAD_INTERVAL',
    description:
      'HAProxy engine: minimum time between reload starts; the first change applies at once, later ones merge',
  },
  {
    key: 'hardStopAfter',
    flag: 'hard-stop-after',
    env: ['ROUTER_HARD_STOP_AFTER'],
    kind: 'duration',
    min: 1000,
    max: 30 * 86_400_000,
    group: 'Engine',
    default: undefined,
    openshift: 'ROUTER_HARD_STOP_AFTER',
    description:
      'HAProxy engine: after a reload, old HAProxy processes still serving long connections are stopped this long after the reload (hard-stop-after); unset, they stay until their connections end',
  },
  {
    key: 'threads',
    flag: 'threads',
    env: ['ROUTER_THREADS'],
    kind: 'integer',
    min: 1,
    max: 256,
    group: 'Engine',
    default: 1,
    openshift: 'ROUTER_THREADS',
    description: 'HAProxy nbthread; native: data-plane worker processes',
  },
  // Listeners
  {
    key: 'listenAddress',
    flag: 'listen-address',
    env: ['SWITCHYARD_LISTEN_ADDRESS'],
    kind: 'string',
    group: 'Listeners',
    default: '0.0.0.0',
    description: 'IP address the HTTP, HTTPS and stats listeners bind',
  },
  {
    key: 'ipMode',
    flag: 'ip-mode',
    env: ['ROUTER_IP_V4_V6_MODE'],
    kind: 'enum',
    choices: ['v4', 'v6', 'v4v6'],
    group: 'Listeners',
    default: 'v4',
    openshift: 'ROUTER_IP_V4_V6_MODE',
    description: "With the default --listen-address: 'v4' listens on IPv4, 'v6' on IPv6 only, 'v4v6' on both",
  },
  {
    key: 'httpPort',
    flag: 'http-port',
    env: ['ROUTER_SERVICE_HTTP_PORT'],
    kind: 'port',
    group: 'Listeners',
    default: 8080,
    openshift: 'ROUTER_SERVICE_HTTP_PORT (default 80)',
    description: 'Plain HTTP port',
  },
  {
    key: 'httpsPort',
    flag: 'https-port',
    env: ['ROUTER_SERVICE_HTTPS_PORT'],
    kind: 'port',
    group: 'Listeners',
    default: 8443,
    openshift: 'ROUTER_SERVICE_HTTPS_PORT (default 443)',
    description: 'TLS port (edge, re-encrypt and passthrough routes, chosen by SNI)',
  },
  {
    key: 'statsPort',
    flag: 'stats-port',
    env: ['STATS_PORT'],
    kind: 'port',
    group: 'Listeners',
    default: 1936,
    openshift: 'STATS_PORT',
    description: 'Port of /healthz, /healthz/ready and /metrics',
  },
  {
    key: 'proxyProtocol',
    flag: 'proxy-protocol',
    env: ['ROUTER_USE_PROXY_PROTOCOL'],
    kind: 'boolean',
    group: 'Listeners',
    default: false,
    openshift: 'ROUTER_USE_PROXY_PROTOCOL',
    description: 'Expect a PROXY protocol header on the HTTP and HTTPS listeners',
  },
  {
    key: 'disableHttp2',
    flag: 'disable-http2',
    env: ['ROUTER_DISABLE_HTTP2'],
    kind: 'boolean',
    group: 'Listeners',
    default: false,
    openshift: 'ROUTER_DISABLE_HTTP2',
    description: 'Never offer HTTP/2 (ALPN h2) to clients or re-encrypt backends',
  },
  {
    key: 'errorFile503',
    flag: 'error-file-503',
    env: ['ROUTER_ERRORFILE_503'],
    kind: 'path',
    group: 'Listeners',
    default: undefined,
    openshift: 'ROUTER_ERRORFILE_503',
    description:
      'File holding the whole HTTP response (status line, headers, empty line, body; HAProxy errorfile format) sent whenever the router answers 503 itself',
  },
  {
    key: 'errorFile404',
    flag: 'error-file-404',
    env: ['ROUTER_ERRORFILE_404'],
    kind: 'path',
    group: 'Listeners',
    default: undefined,
    openshift: 'ROUTER_ERRORFILE_404',
    description:
      'File holding the HTTP response (same format) sent to requests that match no route; without it they get the 503 answer',
  },
  {
    key: 'compression',
    flag: 'compression',
    env: ['ROUTER_ENABLE_COMPRESSION'],
    kind: 'boolean',
    group: 'Listeners',
    default: false,
    openshift: 'ROUTER_ENABLE_COMPRESSION',
    description:
      'gzip responses of the --compression-mime types for clients that accept it (HAProxy compression rules)',
  },
  {
    key: 'compressionMime',
    flag: 'compression-mime',
    env: ['ROUTER_COMPRESSION_MIME'],
    kind: 'string',
    group: 'Listeners',
    default: 'text/html text/plain text/css',
    openshift: 'ROUTER_COMPRESSION_MIME',
    description:
      'Space-separated MIME types that --compression gzips (a Content-Type starting with one matches)',
  },
  {
    key: 'httpRequestHeaders',
    flag: 'http-request-headers',
    env: ['ROUTER_HTTP_REQUEST_HEADERS'],
    kind: 'string',
    group: 'Listeners',
    default: undefined,
    openshift: 'ROUTER_HTTP_REQUEST_HEADERS',
    description:
      "Header actions on every request, before the route's own: comma-separated 'name:value:Set' or 'name:Delete', each part percent-encoded",
  },
  {
    key: 'httpResponseHeaders',
    flag: 'http-response-headers',
    env: ['ROUTER_HTTP_RESPONSE_HEADERS'],
    kind: 'string',
    group: 'Listeners',
    default: undefined,
    openshift: 'ROUTER_HTTP_RESPONSE_HEADERS',
    description: "Header actions on every proxied response, after the route's own (same format)",
  },
  {
    key: 'h1CaseAdjust',
    flag: 'h1-case-adjust',
    env: ['ROUTER_H1_CASE_ADJUST'],
    // A string, not a list: lists are domain names, lower-cased, and the case is the point here.
    kind: 'string',
    group: 'Listeners',
    default: undefined,
    openshift: 'ROUTER_H1_CASE_ADJUST',
    description:
      'Comma-separated header names sent over HTTP/1.1 with exactly this case: in responses, and to the servers of routes annotated haproxy.router.openshift.io/h1-adjust-case',
  },
  {
    key: 'maxConnections',
    flag: 'max-connections',
    env: ['ROUTER_MAX_CONNECTIONS'],
    kind: 'integer',
    min: 1,
    max: 10_000_000,
    group: 'Listeners',
    default: 50_000,
    openshift: 'ROUTER_MAX_CONNECTIONS',
    description: 'Maximum concurrent client connections',
  },
  {
    key: 'bufSize',
    flag: 'buf-size',
    env: ['ROUTER_BUF_SIZE'],
    kind: 'integer',
    min: 1024,
    max: 16_777_216,
    group: 'Listeners',
    default: 32_768,
    openshift: 'ROUTER_BUF_SIZE',
    description:
      'Buffer size in bytes (HAProxy tune.bufsize): a request head may take the buffer minus --max-rewrite-size, larger ones are refused',
  },
  {
    key: 'maxRewriteSize',
    flag: 'max-rewrite-size',
    env: ['ROUTER_MAX_REWRITE_SIZE'],
    kind: 'integer',
    min: 0,
    max: 8_388_608,
    group: 'Listeners',
    default: 8192,
    openshift: 'ROUTER_MAX_REWRITE_SIZE',
    description:
      'Bytes of the buffer kept for header rewrites (HAProxy tune.maxrewrite; at most half of --buf-size, as HAProxy caps it)',
  },
  // TLS
  {
    key: 'defaultCertificate',
    flag: 'default-certificate',
    env: ['DEFAULT_CERTIFICATE_PATH'],
    kind: 'path',
    group: 'TLS',
    default: undefined,
    openshift: 'DEFAULT_CERTIFICATE_PATH',
    description:
      'PEM file (certificate chain and private key) served when no route certificate matches the SNI',
  },
  {
    key: 'defaultDestinationCa',
    flag: 'default-destination-ca',
    env: ['DEFAULT_DESTINATION_CA_PATH'],
    kind: 'path',
    group: 'TLS',
    default: undefined,
    openshift: 'DEFAULT_DESTINATION_CA_PATH',
    description: 'PEM CA bundle that verifies re-encrypt backends of routes without destinationCACertificate',
  },
  {
    key: 'ciphers',
    flag: 'ciphers',
    env: ['ROUTER_CIPHERS'],
    kind: 'string',
    group: 'TLS',
    default: 'intermediate',
    openshift: 'ROUTER_CIPHERS',
    description:
      "Ciphers for TLS 1.2 and below on the HTTPS listener: 'modern', 'intermediate', 'old' (Mozilla's profiles) or an OpenSSL cipher list",
  },
  {
    key: 'cipherSuites',
    flag: 'cipher-suites',
    env: ['ROUTER_CIPHERSUITES'],
    kind: 'string',
    group: 'TLS',
    default: undefined,
    openshift: 'ROUTER_CIPHERSUITES',
    description: "TLS 1.3 cipher suites on the HTTPS listener, colon-separated (default: OpenSSL's)",
  },
  {
    key: 'mutualTls',
    flag: 'mutual-tls',
    env: ['ROUTER_MUTUAL_TLS_AUTH'],
    kind: 'enum',
    choices: ['none', 'required', 'optional'],
    group: 'TLS',
    default: 'none',
    openshift: 'ROUTER_MUTUAL_TLS_AUTH',
    description:
      "Client certificates on the HTTPS listener: 'required' refuses clients without a valid one, 'optional' admits them; requests carry HAProxy's X-SSL-* headers",
  },
  {
    key: 'mutualTlsCa',
    flag: 'mutual-tls-ca',
    env: ['ROUTER_MUTUAL_TLS_AUTH_CA'],
    kind: 'path',
    group: 'TLS',
    default: undefined,
    openshift: 'ROUTER_MUTUAL_TLS_AUTH_CA (OpenShift defaults to the system CA bundle)',
    description: 'PEM file of the CAs that sign client certificates (required with --mutual-tls)',
  },
  {
    key: 'mutualTlsCrl',
    flag: 'mutual-tls-crl',
    env: ['ROUTER_MUTUAL_TLS_AUTH_CRL'],
    kind: 'path',
    group: 'TLS',
    default: undefined,
    openshift: 'ROUTER_MUTUAL_TLS_AUTH_CRL',
    description: 'PEM file of certificate revocation lists for client certificates',
  },
  {
    key: 'mutualTlsFilter',
    flag: 'mutual-tls-filter',
    env: ['ROUTER_MUTUAL_TLS_AUTH_FILTER'],
    kind: 'string',
    group: 'TLS',
    default: undefined,
    openshift: 'ROUTER_MUTUAL_TLS_AUTH_FILTER',
    description: "A regular expression the client certificate's subject (/C=…/O=…/CN=…) must match, else 403",
  },
  {
    key: 'strictSni',
    flag: 'strict-sni',
    env: ['ROUTER_STRICT_SNI'],
    kind: 'boolean',
    group: 'TLS',
    default: false,
    openshift: 'ROUTER_STRICT_SNI',
    description:
      "Close TLS connections whose SNI names no certificate (a route's or one of the default certificate's names) instead of serving the default certificate; connections without SNI still get the default one, as in OpenShift",
  },
  {
    key: 'curves',
    flag: 'curves',
    env: ['ROUTER_CURVES'],
    kind: 'string',
    group: 'TLS',
    default: undefined,
    openshift: 'ROUTER_CURVES',
    description:
      "Key exchange groups the HTTPS listener accepts, colon-separated (X25519:P-256; default: OpenSSL's)",
  },
  {
    key: 'tlsMinVersion',
    flag: 'tls-min-version',
    env: ['SSL_MIN_VERSION'],
    kind: 'enum',
    choices: TLS_VERSION_NAMES,
    group: 'TLS',
    default: 'TLSv1.2',
    openshift: 'SSL_MIN_VERSION',
    description: 'Oldest TLS version the HTTPS listener accepts',
  },
  {
    key: 'tlsMaxVersion',
    flag: 'tls-max-version',
    env: ['SSL_MAX_VERSION'],
    kind: 'enum',
    choices: TLS_VERSION_NAMES,
    group: 'TLS',
    default: undefined,
    openshift: 'SSL_MAX_VERSION',
    description: 'Newest TLS version the HTTPS listener accepts (default: TLSv1.3)',
  },
  // Admission
  {
    key: 'routerDomain',
    flag: 'router-domain',
    env: ['ROUTER_DOMAIN'],
    kind: 'string',
    group: 'Admission',
    default: undefined,
    openshift: 'ROUTER_DOMAIN',
    description: 'Domain appended to spec.subdomain of routes that set it',
  },
  {
    key: 'hostnameTemplate',
    flag: 'hostname-template',
    env: ['ROUTER_SUBDOMAIN'],
    kind: 'string',
    group: 'Admission',
    default: undefined,
    openshift: 'ROUTER_SUBDOMAIN',
    description:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: OpenShift's template syntax, not JavaScript's
      'Host name template for routes without a host, with ${name} and ${namespace}, e.g. ${name}-${namespace}.apps.example.com',
  },
  {
    key: 'overrideHostname',
    flag: 'override-hostname',
    env: ['ROUTER_OVERRIDE_HOSTNAME'],
    kind: 'boolean',
    group: 'Admission',
    default: false,
    openshift: 'ROUTER_OVERRIDE_HOSTNAME',
    description: 'Apply --hostname-template to every route, replacing the host it sets',
  },
  {
    key: 'overrideDomains',
    flag: 'override-domains',
    env: ['ROUTER_OVERRIDE_DOMAINS'],
    kind: 'list',
    group: 'Admission',
    default: [],
    openshift: 'ROUTER_OVERRIDE_DOMAINS',
    description: 'Comma-separated domains whose hosts --hostname-template replaces',
  },
  {
    key: 'allowedDomains',
    flag: 'allowed-domains',
    env: ['ROUTER_ALLOWED_DOMAINS'],
    kind: 'list',
    group: 'Admission',
    default: [],
    openshift: 'ROUTER_ALLOWED_DOMAINS',
    description: 'Comma-separated domains: admit only routes whose host is in one of them',
  },
  {
    key: 'deniedDomains',
    flag: 'denied-domains',
    env: ['ROUTER_DENIED_DOMAINS'],
    kind: 'list',
    group: 'Admission',
    default: [],
    openshift: 'ROUTER_DENIED_DOMAINS',
    description: 'Comma-separated domains: reject routes whose host is in one of them (deny wins)',
  },
  {
    key: 'allowWildcardRoutes',
    flag: 'allow-wildcard-routes',
    env: ['ROUTER_ALLOW_WILDCARD_ROUTES'],
    kind: 'boolean',
    group: 'Admission',
    default: false,
    openshift: 'ROUTER_ALLOW_WILDCARD_ROUTES',
    description: 'Admit routes with wildcardPolicy: Subdomain',
  },
  {
    key: 'disableNamespaceOwnershipCheck',
    flag: 'disable-namespace-ownership-check',
    env: ['ROUTER_DISABLE_NAMESPACE_OWNERSHIP_CHECK'],
    kind: 'boolean',
    group: 'Admission',
    default: false,
    openshift: 'ROUTER_DISABLE_NAMESPACE_OWNERSHIP_CHECK',
    description: 'Let routes in different namespaces share a host by path (InterNamespaceAllowed)',
  },
  {
    key: 'allowLoopbackEndpoints',
    flag: 'allow-loopback-endpoints',
    env: ['SWITCHYARD_ALLOW_LOOPBACK_ENDPOINTS'],
    kind: 'boolean',
    group: 'Admission',
    default: undefined,
    description:
      'Accept endpoints on 127.0.0.0/8 and ::1 (default: true with --routes, false with a cluster, as OpenShift)',
  },
  // Balancing and headers
  {
    key: 'loadBalanceAlgorithm',
    flag: 'load-balance-algorithm',
    env: ['ROUTER_LOAD_BALANCE_ALGORITHM'],
    kind: 'enum',
    choices: BALANCES,
    group: 'Balancing',
    default: 'random',
    openshift: 'ROUTER_LOAD_BALANCE_ALGORITHM',
    description: 'Default balance of HTTP, edge and re-encrypt routes',
  },
  {
    key: 'tcpBalanceScheme',
    flag: 'tcp-balance-scheme',
    env: ['ROUTER_TCP_BALANCE_SCHEME'],
    kind: 'enum',
    choices: BALANCES,
    group: 'Balancing',
    default: 'source',
    openshift: 'ROUTER_TCP_BALANCE_SCHEME',
    description: 'Default balance of passthrough routes',
  },
  {
    key: 'cookieName',
    flag: 'cookie-name',
    env: ['ROUTER_COOKIE_NAME'],
    kind: 'string',
    group: 'Balancing',
    default: undefined,
    openshift: 'ROUTER_COOKIE_NAME',
    description: 'Sticky-session cookie name when the route does not set one (default: per route hash)',
  },
  {
    key: 'setForwardedHeaders',
    flag: 'set-forwarded-headers',
    env: ['ROUTER_SET_FORWARDED_HEADERS'],
    kind: 'enum',
    choices: ['append', 'replace', 'if-none', 'never'],
    group: 'Balancing',
    default: 'append',
    openshift: 'ROUTER_SET_FORWARDED_HEADERS',
    description: 'X-Forwarded-* and Forwarded header policy for routes without the annotation',
  },
  // Timeouts
  ...(
    [
      [
        'connectTimeout',
        'connect-timeout',
        'ROUTER_DEFAULT_CONNECT_TIMEOUT',
        5000,
        'Connecting to a backend server',
      ],
      ['clientTimeout', 'client-timeout', 'ROUTER_DEFAULT_CLIENT_TIMEOUT', 30_000, 'Client inactivity'],
      [
        'clientFinTimeout',
        'client-fin-timeout',
        'ROUTER_CLIENT_FIN_TIMEOUT',
        1000,
        'Client half-closed inactivity (HAProxy engine)',
      ],
      ['serverTimeout', 'server-timeout', 'ROUTER_DEFAULT_SERVER_TIMEOUT', 30_000, 'Backend inactivity'],
      [
        'serverFinTimeout',
        'server-fin-timeout',
        'ROUTER_DEFAULT_SERVER_FIN_TIMEOUT',
        1000,
        'Backend half-closed inactivity (HAProxy engine)',
      ],
      [
        'tunnelTimeout',
        'tunnel-timeout',
        'ROUTER_DEFAULT_TUNNEL_TIMEOUT',
        3_600_000,
        'WebSocket and passthrough inactivity',
      ],
      [
        'httpRequestTimeout',
        'http-request-timeout',
        'ROUTER_SLOWLORIS_TIMEOUT',
        10_000,
        'The whole request head must arrive within this',
      ],
      [
        'httpKeepaliveTimeout',
        'http-keepalive-timeout',
        'ROUTER_SLOWLORIS_HTTP_KEEPALIVE',
        300_000,
        'Idle time between requests on a client connection',
      ],
      [
        'inspectDelay',
        'inspect-delay',
        'ROUTER_INSPECT_DELAY',
        5000,
        'Waiting for the TLS ClientHello (SNI)',
      ],
    ] as const
  ).map(
    ([key, flag, env, dflt, description]): SettingSpec => ({
      key,
      flag,
      env: [env],
      kind: 'duration',
      min: 1,
      max: 2_147_483_647,
      group: 'Timeouts',
      default: dflt,
      openshift: env,
      description,
    }),
  ),
  // Operations
  {
    key: 'gracefulShutdownDelay',
    flag: 'graceful-shutdown-delay',
    env: ['ROUTER_GRACEFUL_SHUTDOWN_DELAY'],
    kind: 'duration',
    min: 0,
    max: 3_600_000,
    group: 'Operations',
    default: 0,
    openshift: 'ROUTER_GRACEFUL_SHUTDOWN_DELAY (default 45s)',
    description:
      'After SIGTERM: keep serving with readiness false for this long (load balancers drain), then stop listening',
  },
  {
    key: 'drainTimeout',
    flag: 'drain-timeout',
    env: ['ROUTER_MAX_SHUTDOWN_TIMEOUT'],
    kind: 'duration',
    min: 0,
    max: 3_600_000,
    group: 'Operations',
    default: 30_000,
    openshift: 'ROUTER_MAX_SHUTDOWN_TIMEOUT',
    description: 'After the listeners close: wait this long for in-flight requests, then close what is left',
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: ['SWITCHYARD_LOG_LEVEL'],
    kind: 'enum',
    choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    group: 'Operations',
    default: 'info',
    description: 'Log level',
  },
  {
    key: 'logFormat',
    flag: 'log-format',
    env: ['SWITCHYARD_LOG_FORMAT'],
    kind: 'enum',
    choices: ['auto', 'json', 'pretty'],
    group: 'Operations',
    default: 'auto',
    description: "Logs as JSON lines or human-readable; 'auto' is pretty on a terminal",
  },
  {
    key: 'accessLog',
    flag: 'access-log',
    env: ['SWITCHYARD_ACCESS_LOG'],
    kind: 'boolean',
    group: 'Operations',
    default: false,
    description: 'Log every request (native engine)',
  },
  {
    key: 'statsUsername',
    flag: 'stats-username',
    env: ['STATS_USERNAME'],
    kind: 'string',
    group: 'Operations',
    default: undefined,
    openshift: 'STATS_USERNAME',
    description:
      'With --stats-password: /metrics on the stats port asks for these credentials (HTTP Basic); /healthz stays open',
  },
  {
    key: 'statsPassword',
    flag: 'stats-password',
    env: ['STATS_PASSWORD'],
    kind: 'string',
    group: 'Operations',
    default: undefined,
    openshift: 'STATS_PASSWORD',
    description: 'Password for /metrics (see --stats-username)',
  },
  {
    key: 'syslogAddress',
    flag: 'syslog-address',
    env: ['ROUTER_SYSLOG_ADDRESS'],
    kind: 'string',
    group: 'Operations',
    default: undefined,
    openshift: 'ROUTER_SYSLOG_ADDRESS',
    description:
      'Send traffic logs to this syslog address (ip:port over UDP; the HAProxy engine also takes udp@/tcp@ forms and unix socket paths)',
  },
  {
    key: 'syslogFacility',
    flag: 'syslog-facility',
    env: ['ROUTER_LOG_FACILITY'],
    kind: 'enum',
    choices: SYSLOG_FACILITIES,
    group: 'Operations',
    default: 'local1',
    openshift: 'ROUTER_LOG_FACILITY',
    description: 'Syslog facility of those logs',
  },
  {
    key: 'syslogLevel',
    flag: 'syslog-level',
    env: ['ROUTER_LOG_LEVEL'],
    kind: 'enum',
    choices: SYSLOG_LEVELS,
    group: 'Operations',
    default: 'warning',
    openshift: 'ROUTER_LOG_LEVEL',
    description:
      "Most verbose syslog level sent; requests are logged at 'info', so the default sends none of them (as OpenShift)",
  },
  {
    key: 'syslogMaxLength',
    flag: 'syslog-max-length',
    env: ['ROUTER_LOG_MAX_LENGTH'],
    kind: 'integer',
    min: 80,
    max: 65_535,
    group: 'Operations',
    default: 1024,
    openshift: 'ROUTER_LOG_MAX_LENGTH',
    description: 'Longest syslog line sent; longer ones are truncated',
  },
  {
    key: 'syslogFormat',
    flag: 'syslog-format',
    env: ['ROUTER_SYSLOG_FORMAT'],
    kind: 'string',
    group: 'Operations',
    default: undefined,
    openshift: 'ROUTER_SYSLOG_FORMAT',
    description:
      "HAProxy engine: a HAProxy log-format string instead of 'option httplog' (the native engine always writes httplog-style lines)",
  },
  {
    key: 'dontLogNull',
    flag: 'dont-log-null',
    env: ['ROUTER_DONT_LOG_NULL'],
    kind: 'boolean',
    group: 'Operations',
    default: false,
    openshift: 'ROUTER_DONT_LOG_NULL',
    description: 'Do not log connections that carried no request (HAProxy option dontlognull)',
  },
  {
    key: 'httpIgnoreProbes',
    flag: 'http-ignore-probes',
    env: ['ROUTER_HTTP_IGNORE_PROBES'],
    kind: 'boolean',
    group: 'Operations',
    default: false,
    openshift: 'ROUTER_HTTP_IGNORE_PROBES',
    description:
      'HAProxy engine: do not log or count connections closed before a request (option http-ignore-probes)',
  },
  {
    key: 'demoBackends',
    flag: 'demo-backends',
    env: ['SWITCHYARD_DEMO_BACKENDS'],
    kind: 'boolean',
    group: 'Operations',
    default: false,
    description:
      'Start echo backends on the 127.0.0.1 endpoints of the manifests and print curl commands (local demo)',
  },
  {
    key: 'config',
    flag: 'config',
    env: ['SWITCHYARD_CONFIG'],
    kind: 'path',
    group: 'Operations',
    default: undefined,
    description: 'YAML or JSON file of settings, keyed by the camelCase names in docs/configuration.md',
  },
];

const BY_KEY: ReadonlyMap<string, SettingSpec> = new Map(SETTINGS.map((s) => [s.key, s]));
const BY_FLAG: ReadonlyMap<string, SettingSpec> = new Map(SETTINGS.map((s) => [s.flag, s]));

/** Where a value came from, for error messages. */
type Origin = { kind: 'flag' | 'env' | 'config'; name: string };

function describeOrigin(spec: SettingSpec, origin: Origin): string {
  if (origin.kind === 'flag') return `--${spec.flag}`;
  if (origin.kind === 'env') return `environment variable ${origin.name} (--${spec.flag})`;
  return `config file key "${spec.key}" in ${origin.name} (--${spec.flag})`;
}

function invalid(spec: SettingSpec, origin: Origin, value: unknown, expected: string): never {
  throw new RouterError(
    'ERR_ROUTER_INVALID_SETTING',
    `Invalid setting ${describeOrigin(spec, origin)}: expected ${expected}, got ${JSON.stringify(value)}`,
  );
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', 'yes', 'on']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', 'no', 'off']);

/** A Kubernetes label selector: comma-separated requirements. */
const SELECTOR_TERM =
  /^\s*(!?[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?|[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?\s*(==?|!=)\s*[A-Za-z0-9_.-]*|[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?\s+(in|notin)\s+\([A-Za-z0-9_.,\s-]*\))\s*$/;

function splitSelector(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms;
}

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Converts one raw value (string from a flag or env, anything from the config file). */
function convert(spec: SettingSpec, raw: unknown, origin: Origin): unknown {
  const text = typeof raw === 'string' ? raw : undefined;
  switch (spec.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (text !== undefined && TRUE.has(text)) return true;
      if (text !== undefined && FALSE.has(text)) return false;
      return invalid(spec, origin, raw, 'true or false');
    }
    case 'port': {
      const n = typeof raw === 'number' ? raw : text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        return invalid(spec, origin, raw, 'a port number 0..65535');
      return n;
    }
    case 'integer': {
      const n =
        typeof raw === 'number' ? raw : text !== undefined && /^-?\d+$/.test(text) ? Number(text) : NaN;
      const min = spec.min ?? Number.MIN_SAFE_INTEGER;
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      if (!Number.isInteger(n) || n < min || n > max)
        return invalid(spec, origin, raw, `an integer ${min}..${max}`);
      return n;
    }
    case 'duration': {
      const ms = typeof raw === 'number' ? raw : text !== undefined ? parseDuration(text) : undefined;
      const min = spec.min ?? 0;
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      if (ms === undefined || !Number.isFinite(ms) || ms < min || ms > max)
        return invalid(
          spec,
          origin,
          raw,
          `a duration between ${formatDuration(min)} and ${formatDuration(max)} (e.g. 500ms, 5s, 1m30s)`,
        );
      return ms;
    }
    case 'list': {
      const items = Array.isArray(raw)
        ? raw.map(String)
        : text !== undefined
          ? text.split(',')
          : invalid(spec, origin, raw, 'a comma-separated list');
      const cleaned = items.map((item) => item.trim().toLowerCase()).filter((item) => item !== '');
      for (const item of cleaned) {
        if (!DNS_SUBDOMAIN.test(item.replace(/^\*\./, '')))
          invalid(spec, origin, raw, `DNS domain names (bad entry "${item}")`);
      }
      return cleaned;
    }
    case 'enum': {
      if (text === undefined || !(spec.choices ?? []).includes(text))
        return invalid(spec, origin, raw, `one of ${(spec.choices ?? []).join(', ')}`);
      return text;
    }
    case 'selector': {
      if (text === undefined)
        return invalid(spec, origin, raw, 'a label selector (e.g. "shard=a,env in (x,y)")');
      if (text.trim() === '') return undefined;
      for (const term of splitSelector(text)) {
        if (!SELECTOR_TERM.test(term))
          invalid(spec, origin, raw, `a label selector; "${term.trim()}" is not a requirement`);
      }
      return text.trim();
    }
    case 'string':
    case 'path': {
      if (text === undefined || text === '') return invalid(spec, origin, raw, 'a non-empty string');
      // Paths in a config file are relative to the file, not to where the router was started.
      if (spec.kind === 'path' && origin.kind === 'config') return resolve(dirname(origin.name), text);
      return text;
    }
  }
}

/** Input of {@link loadSettings}. */
export interface LoadSettingsInput {
  /** Command-line arguments after the program name. */
  readonly argv: readonly string[];
  /** Environment. @default {} */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads the config file. @default fs.readFileSync as UTF-8 */
  readonly readFile?: (path: string) => string;
}

/** What {@link loadSettings} found on the command line. */
export type LoadSettingsResult =
  | {
      readonly action: 'run';
      readonly settings: RouterSettings;
      /**
       * OpenShift router environment variables that are set but that Switchyard does not read
       * (see {@link OPENSHIFT_ENV_NOT_READ}); the CLI logs them as a warning.
       */
      readonly ignoredEnv: readonly string[];
    }
  | { readonly action: 'help' }
  | { readonly action: 'version' };

function parseArgv(argv: readonly string[]): {
  values: Map<SettingSpec, string>;
  help: boolean;
  version: boolean;
} {
  const values = new Map<SettingSpec, string>();
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (arg === '-v' || arg === '--version') {
      version = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      throw new RouterError(
        'ERR_ROUTER_INVALID_SETTING',
        `Unexpected argument "${arg}": settings are flags such as --routes <dir> (see switchyard --help)`,
      );
    }
    const eq = arg.indexOf('=');
    let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    let spec = BY_FLAG.get(name);
    if (spec === undefined && name.startsWith('no-')) {
      const positive = BY_FLAG.get(name.slice(3));
      if (positive?.kind === 'boolean' && value === undefined) {
        spec = positive;
        name = positive.flag;
        value = 'false';
      }
    }
    if (spec === undefined) {
      throw new RouterError(
        'ERR_ROUTER_INVALID_SETTING',
        `Unknown flag --${name} (see switchyard --help for every setting)`,
      );
    }
    if (value === undefined) {
      if (spec.kind === 'boolean') {
        const next = argv[i + 1];
        if (next !== undefined && (TRUE.has(next) || FALSE.has(next))) {
          value = next;
          i += 1;
        } else value = 'true';
      } else {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) {
          throw new RouterError('ERR_ROUTER_INVALID_SETTING', `Flag --${spec.flag} needs a value`);
        }
        value = next;
        i += 1;
      }
    }
    values.set(spec, value);
  }
  return { values, help, version };
}

function readConfigFile(path: string, readFile: (path: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = readFile(path);
  } catch (cause) {
    throw new RouterError(
      'ERR_ROUTER_CONFIG_FILE',
      `Cannot read config file ${path}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (cause) {
    throw new RouterError(
      'ERR_ROUTER_CONFIG_FILE',
      `Config file ${path} is not valid YAML or JSON: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new RouterError(
      'ERR_ROUTER_CONFIG_FILE',
      `Config file ${path} must hold a mapping of setting names to values`,
    );
  }
  for (const key of Object.keys(data)) {
    if (!BY_KEY.has(key) || key === 'config') {
      throw new RouterError(
        'ERR_ROUTER_CONFIG_FILE',
        `Config file ${path}: unknown setting "${key}" (keys are the camelCase names in docs/configuration.md, e.g. httpPort)`,
      );
    }
  }
  return data as Record<string, unknown>;
}

/**
 * Reads the settings from the command line, the environment and the config file, validates
 * every value and applies defaults.
 * @param input - argv, env and a file reader
 * @returns `{ action: 'run', settings }`, or `help`/`version` when asked for
 * @throws RouterError `ERR_ROUTER_INVALID_SETTING` naming the flag, variable or key;
 *   `ERR_ROUTER_CONFIG_FILE` when the config file cannot be read or has unknown keys
 * @example
 * ```ts
 * const r = loadSettings({ argv: ['--routes', 'examples'], env: process.env });
 * if (r.action === 'run') console.log(r.settings.httpPort); // 8080
 * ```
 */
export function loadSettings(input: LoadSettingsInput): LoadSettingsResult {
  const env = input.env ?? {};
  const readFile = input.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const { values: flagValues, help, version } = parseArgv(input.argv);
  if (help) return { action: 'help' };
  if (version) return { action: 'version' };

  const configSpec = BY_KEY.get('config') as SettingSpec;
  const configPath = flagValues.get(configSpec) ?? env.SWITCHYARD_CONFIG;
  const fileValues =
    configPath !== undefined && configPath !== '' ? readConfigFile(configPath, readFile) : {};

  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const flag = flagValues.get(spec);
    if (flag !== undefined) {
      out[spec.key] = convert(spec, flag, { kind: 'flag', name: spec.flag });
      continue;
    }
    const envName = spec.env.find((name) => env[name] !== undefined && env[name] !== '');
    if (envName !== undefined) {
      out[spec.key] = convert(spec, env[envName], { kind: 'env', name: envName });
      continue;
    }
    if (Object.hasOwn(fileValues, spec.key) && configPath !== undefined) {
      out[spec.key] = convert(spec, fileValues[spec.key], { kind: 'config', name: configPath });
      continue;
    }
    out[spec.key] = spec.default;
  }
  const settings = out as unknown as RouterSettings;
  checkCombinations(settings);
  const ignoredEnv = OPENSHIFT_ENV_NOT_READ.filter((name) => env[name] !== undefined && env[name] !== '');
  return { action: 'run', settings, ignoredEnv };
}

/**
 * Environment variables of OpenShift's router (its deployment, `openshift-router` and the
 * HAProxy template, as listed in the reference), whether Switchyard reads them or not.
 */
const OPENSHIFT_ENV: readonly string[] = [
  'DEFAULT_CERTIFICATE',
  'DEFAULT_CERTIFICATE_DIR',
  'DEFAULT_CERTIFICATE_PATH',
  'DEFAULT_DESTINATION_CA_PATH',
  'NAMESPACE_LABELS',
  'PROJECT_LABELS',
  'RELOAD_INTERVAL',
  'RELOAD_SCRIPT',
  'ROUTE_FIELDS',
  'ROUTE_LABELS',
  'ROUTER_ABORT_ON_CLOSE',
  'ROUTER_ALLOWED_DOMAINS',
  'ROUTER_ALLOW_WILDCARD_ROUTES',
  'ROUTER_BACKEND_CHECK_INTERVAL',
  'ROUTER_BACKEND_PROCESS_ENDPOINTS',
  'ROUTER_BIND_PORTS_AFTER_SYNC',
  'ROUTER_BIND_PORTS_BEFORE_SYNC',
  'ROUTER_BLUEPRINT_ROUTE_LABELS',
  'ROUTER_BLUEPRINT_ROUTE_NAMESPACE',
  'ROUTER_BLUEPRINT_ROUTE_POOL_SIZE',
  'ROUTER_BUF_SIZE',
  'ROUTER_CANONICAL_HOSTNAME',
  'ROUTER_CAPTURE_HTTP_COOKIE',
  'ROUTER_CAPTURE_HTTP_REQUEST_HEADERS',
  'ROUTER_CAPTURE_HTTP_RESPONSE_HEADERS',
  'ROUTER_CIPHERS',
  'ROUTER_CIPHERSUITES',
  'ROUTER_CLIENT_FIN_TIMEOUT',
  'ROUTER_COMPRESSION_MIME',
  'ROUTER_COOKIE_NAME',
  'ROUTER_CURVES',
  'ROUTER_DEFAULT_CLIENT_TIMEOUT',
  'ROUTER_DEFAULT_CONNECT_TIMEOUT',
  'ROUTER_DEFAULT_SERVER_FIN_TIMEOUT',
  'ROUTER_DEFAULT_SERVER_TIMEOUT',
  'ROUTER_DEFAULT_TUNNEL_TIMEOUT',
  'ROUTER_DENIED_DOMAINS',
  'ROUTER_DISABLE_HTTP2',
  'ROUTER_DISABLE_NAMESPACE_OWNERSHIP_CHECK',
  'ROUTER_DOMAIN',
  'ROUTER_DONT_LOG_NULL',
  'ROUTER_ENABLE_COMPRESSION',
  'ROUTER_ENABLE_EXTERNAL_CERTIFICATE',
  'ROUTER_ERRORFILE_404',
  'ROUTER_ERRORFILE_503',
  'ROUTER_GRACEFUL_SHUTDOWN_DELAY',
  'ROUTER_H1_CASE_ADJUST',
  'ROUTER_HAPROXY_ADMIN_UNIX_SOCKET',
  'ROUTER_HAPROXY_CONFIG_MANAGER',
  'ROUTER_HAPROXY_CONTSTATS',
  'ROUTER_HARD_STOP_AFTER',
  'ROUTER_HTTP_IGNORE_PROBES',
  'ROUTER_HTTP_REQUEST_HEADERS',
  'ROUTER_HTTP_RESPONSE_HEADERS',
  'ROUTER_IDLE_CLOSE_ON_RESPONSE',
  'ROUTER_INSPECT_DELAY',
  'ROUTER_IP_V4_V6_MODE',
  'ROUTER_LISTEN_ADDR',
  'ROUTER_LOAD_BALANCE_ALGORITHM',
  'ROUTER_LOG_FACILITY',
  'ROUTER_LOG_LEVEL',
  'ROUTER_LOG_MAX_LENGTH',
  'ROUTER_MAX_CONNECTIONS',
  'ROUTER_MAX_DYNAMIC_SERVERS',
  'ROUTER_MAX_REWRITE_SIZE',
  'ROUTER_MAX_SHUTDOWN_TIMEOUT',
  'ROUTER_METRICS_HAPROXY_EXPORTED',
  'ROUTER_METRICS_HAPROXY_SERVER_THRESHOLD',
  'ROUTER_METRICS_READY_HTTP_URL',
  'ROUTER_METRICS_TYPE',
  'ROUTER_MUTUAL_TLS_AUTH',
  'ROUTER_MUTUAL_TLS_AUTH_CA',
  'ROUTER_MUTUAL_TLS_AUTH_CRL',
  'ROUTER_MUTUAL_TLS_AUTH_FILTER',
  'ROUTER_MUTUAL_TLS_HEADER_FILTER',
  'ROUTER_OVERRIDE_DOMAINS',
  'ROUTER_OVERRIDE_HOSTNAME',
  'ROUTER_SERVICE_HTTPS_PORT',
  'ROUTER_SERVICE_HTTP_PORT',
  'ROUTER_SERVICE_NAME',
  'ROUTER_SERVICE_NAMESPACE',
  'ROUTER_SET_FORWARDED_HEADERS',
  'ROUTER_SHUTDOWN',
  'ROUTER_SLOWLORIS_HTTP_KEEPALIVE',
  'ROUTER_SLOWLORIS_TIMEOUT',
  'ROUTER_STRICT_SNI',
  'ROUTER_SUBDOMAIN',
  'ROUTER_SYSLOG_ADDRESS',
  'ROUTER_SYSLOG_FORMAT',
  'ROUTER_TCP_BALANCE_SCHEME',
  'ROUTER_THREADS',
  'ROUTER_UNIQUE_ID_FORMAT',
  'ROUTER_UNIQUE_ID_HEADER_NAME',
  'ROUTER_UPDATE_STATUS',
  'ROUTER_USE_PROXY_PROTOCOL',
  'ROUTER_WATCH_ENDPOINTS',
  'SSL_MAX_VERSION',
  'SSL_MIN_VERSION',
  'STATS_PASSWORD',
  'STATS_PORT',
  'STATS_USERNAME',
  'TEMPLATE_FILE',
];

/**
 * The OpenShift router environment variables that no Switchyard setting reads. Set, they have
 * no effect, so the CLI warns about each one instead of ignoring it silently.
 */
export const OPENSHIFT_ENV_NOT_READ: readonly string[] = OPENSHIFT_ENV.filter(
  (name) => !SETTINGS.some((spec) => spec.env.includes(name)),
);

function fail(message: string): never {
  throw new RouterError('ERR_ROUTER_INVALID_SETTING', message);
}

/** Rules that involve more than one setting. */
function checkCombinations(s: RouterSettings): void {
  const sources = [s.routes !== undefined, s.kubeconfig !== undefined || s.inCluster].filter(Boolean).length;
  if (sources === 0)
    fail(
      'No source of routes: pass --routes <file|dir> for manifests, or --kubeconfig <file> / --in-cluster for a cluster',
    );
  if (sources > 1)
    fail('Choose one source of routes: --routes cannot be combined with --kubeconfig or --in-cluster');
  if (s.routes === undefined) {
    if (s.demoBackends)
      fail('--demo-backends works only with --routes (it starts the backends named in the manifests)');
  } else {
    for (const [flag, value] of [
      ['--namespace', s.namespace],
      ['--route-selector', s.routeSelector],
      ['--namespace-selector', s.namespaceSelector],
    ] as const) {
      if (value !== undefined)
        fail(`${flag} applies to cluster sources only (--kubeconfig or --in-cluster), not to --routes`);
    }
  }
  if (s.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s.namespace))
    fail(
      `Invalid setting --namespace: expected a namespace name (DNS label), got ${JSON.stringify(s.namespace)}`,
    );
  if (!/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(s.routerName))
    fail(
      `Invalid setting --router-name: expected a name of letters, digits, '-', '_', '.', got ${JSON.stringify(s.routerName)}`,
    );
  if (s.canonicalHostname !== undefined) {
    if (isIP(s.canonicalHostname) !== 0 || !DNS_SUBDOMAIN.test(s.canonicalHostname))
      fail(
        `Invalid setting --canonical-hostname (ROUTER_CANONICAL_HOSTNAME): expected a DNS-1123 subdomain that is not an IP address, got ${JSON.stringify(s.canonicalHostname)}`,
      );
  }
  if (s.routerDomain !== undefined && !DNS_SUBDOMAIN.test(s.routerDomain))
    fail(
      `Invalid setting --router-domain (ROUTER_DOMAIN): expected a DNS domain, got ${JSON.stringify(s.routerDomain)}`,
    );
  if (isIP(s.listenAddress) === 0)
    fail(
      `Invalid setting --listen-address: expected an IP address such as 0.0.0.0 or 127.0.0.1, got ${JSON.stringify(s.listenAddress)}`,
    );
  if (s.cookieName !== undefined && !/^[a-zA-Z0-9_-]+$/.test(s.cookieName))
    fail(
      `Invalid setting --cookie-name (ROUTER_COOKIE_NAME): expected [a-zA-Z0-9_-]+, got ${JSON.stringify(s.cookieName)}`,
    );
  if (
    s.tlsMaxVersion !== undefined &&
    TLS_VERSION_NAMES.indexOf(s.tlsMinVersion) > TLS_VERSION_NAMES.indexOf(s.tlsMaxVersion)
  )
    fail(
      `Invalid settings --tls-min-version (SSL_MIN_VERSION) and --tls-max-version (SSL_MAX_VERSION): the minimum ${s.tlsMinVersion} is newer than the maximum ${s.tlsMaxVersion}`,
    );
  checkCiphers(s);
  if ((s.statsUsername === undefined) !== (s.statsPassword === undefined))
    fail(
      'Invalid settings --stats-username (STATS_USERNAME) and --stats-password (STATS_PASSWORD): set both, or neither',
    );
  if (s.statsUsername?.includes(':'))
    fail('Invalid setting --stats-username (STATS_USERNAME): a user name cannot contain ":" (HTTP Basic)');
  if (s.mutualTls !== 'none' && s.mutualTlsCa === undefined)
    fail(
      `Invalid settings --mutual-tls (ROUTER_MUTUAL_TLS_AUTH) ${s.mutualTls}: --mutual-tls-ca (ROUTER_MUTUAL_TLS_AUTH_CA) must name the PEM file of the CAs that sign client certificates`,
    );
  if (s.mutualTlsFilter !== undefined) {
    try {
      new RegExp(s.mutualTlsFilter);
    } catch {
      fail(
        `Invalid setting --mutual-tls-filter (ROUTER_MUTUAL_TLS_AUTH_FILTER): expected a regular expression, got ${JSON.stringify(s.mutualTlsFilter)}`,
      );
    }
  }
  compressionMimeTypes(s);
  const badName = h1CaseNames(s).find((h) => !HEADER_NAME.test(h));
  if (badName !== undefined)
    fail(
      `Invalid setting --h1-case-adjust (ROUTER_H1_CASE_ADJUST): expected header names, got ${JSON.stringify(badName)}`,
    );
  if (s.syslogFormat !== undefined && /[\r\n\0]/.test(s.syslogFormat))
    fail('Invalid setting --syslog-format (ROUTER_SYSLOG_FORMAT): expected one line');
  if (
    s.syslogAddress !== undefined &&
    !/^(?:(?:udp|tcp|udp4|udp6|tcp4|tcp6|ipv4|ipv6)@)?[A-Za-z0-9_.:[\]/-]{1,256}$/.test(s.syslogAddress)
  )
    fail(
      `Invalid setting --syslog-address (ROUTER_SYSLOG_ADDRESS): expected ip:port, udp@ip:port or a unix socket path, got ${JSON.stringify(s.syslogAddress)}`,
    );
  const ports: [string, number][] = [
    ['--http-port', s.httpPort],
    ['--https-port', s.httpsPort],
    ['--stats-port', s.statsPort],
  ];
  for (let i = 0; i < ports.length; i += 1) {
    for (let j = i + 1; j < ports.length; j += 1) {
      const [a, pa] = ports[i] as [string, number];
      const [b, pb] = ports[j] as [string, number];
      if (pa !== 0 && pa === pb)
        fail(`Invalid settings ${a} and ${b}: both are ${pa}; each listener needs its own port`);
    }
  }
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The HTTPS listener settings both engines take under the same names (the cipher list and
 * mutual TLS differ in form and are passed by each engine).
 */
export function tlsListenerSettings(s: RouterSettings): {
  cipherSuites?: string;
  curves?: string;
  tlsMinVersion: TlsVersionName;
  tlsMaxVersion?: TlsVersionName;
  strictSni: boolean;
} {
  return {
    ...(s.cipherSuites === undefined ? {} : { cipherSuites: s.cipherSuites }),
    ...(s.curves === undefined ? {} : { curves: s.curves }),
    tlsMinVersion: s.tlsMinVersion,
    ...(s.tlsMaxVersion === undefined ? {} : { tlsMaxVersion: s.tlsMaxVersion }),
    strictSni: s.strictSni,
  };
}

/** One global header action, as route-model and both engines take it. */
export type GlobalHeaderAction =
  | { type: 'Set'; name: string; value: string }
  | { type: 'Delete'; name: string };

/** Go's `url.QueryUnescape`: `+` is a space, `%XX` a byte (UTF-8 text); undefined if malformed. */
function queryUnescape(s: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return undefined;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Parses `ROUTER_HTTP_REQUEST_HEADERS` / `ROUTER_HTTP_RESPONSE_HEADERS` as OpenShift does:
 * comma-separated `name:value:Set` or `name:Delete`, each part percent-decoded. As in OpenShift,
 * an entry that does not parse, or a Set without a value, is skipped; the skipped entries are
 * returned so the caller can say so.
 */
export function parseGlobalHeaderActions(text: string | undefined): {
  actions: GlobalHeaderAction[];
  skipped: string[];
} {
  const actions: GlobalHeaderAction[] = [];
  const skipped: string[] = [];
  for (const entry of (text ?? '').split(',')) {
    if (entry.trim() === '') continue;
    const parts = entry.split(':').map(queryUnescape);
    const [name, second, third] = parts;
    const valid = name !== undefined && HEADER_NAME.test(name);
    if (valid && parts.length === 2 && second === 'Delete') actions.push({ type: 'Delete', name });
    else if (
      valid &&
      parts.length === 3 &&
      third === 'Set' &&
      second !== undefined &&
      second !== '' &&
      !/[\r\n\0]/.test(second)
    )
      actions.push({ type: 'Set', name, value: second });
    else skipped.push(entry);
  }
  return { actions, skipped };
}

/** The `--h1-case-adjust` names, case kept. */
export function h1CaseNames(s: Pick<RouterSettings, 'h1CaseAdjust'>): string[] {
  return (s.h1CaseAdjust ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
}

/** The `--compression` MIME types as a list; undefined when compression is off. */
export function compressionMimeTypes(
  s: Pick<RouterSettings, 'compression' | 'compressionMime'>,
): string[] | undefined {
  if (!s.compression) return undefined;
  const types = s.compressionMime.split(/[\s,]+/).filter((t) => t !== '');
  const bad = types.find((t) => !/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+*-]+$/.test(t));
  if (types.length === 0 || bad !== undefined)
    fail(
      `Invalid setting --compression-mime (ROUTER_COMPRESSION_MIME): expected space-separated MIME types such as "text/html text/plain", got ${JSON.stringify(s.compressionMime)}`,
    );
  return types;
}

/**
 * Where the listeners bind: `--listen-address`, or with its default (all IPv4 interfaces) and an
 * `--ip-mode` other than v4, all IPv6 interfaces (`::`), IPv6 only for `v6`.
 */
export function listenTarget(s: Pick<RouterSettings, 'listenAddress' | 'ipMode'>): {
  host: string;
  ipv6Only: boolean;
} {
  if (s.listenAddress !== '0.0.0.0' || s.ipMode === 'v4') return { host: s.listenAddress, ipv6Only: false };
  return { host: '::', ipv6Only: s.ipMode === 'v6' };
}

/**
 * The largest request head, in bytes, that fits the buffer: `tune.bufsize` minus
 * `tune.maxrewrite`, with the reserve capped at half the buffer as HAProxy caps it.
 */
export function maxRequestHeadSize(s: Pick<RouterSettings, 'bufSize' | 'maxRewriteSize'>): number {
  return s.bufSize - Math.min(s.maxRewriteSize, Math.floor(s.bufSize / 2));
}

/**
 * The OpenSSL cipher list that `--ciphers` names: one of Mozilla's profiles (as OpenShift's
 * template expands them) or the literal list.
 */
export function resolveCipherList(ciphers: string): string {
  return ciphers === 'modern' || ciphers === 'intermediate' || ciphers === 'old'
    ? CIPHER_PROFILES[ciphers]
    : ciphers;
}

/**
 * Both engines get the same lists, so they are checked once here against the OpenSSL this
 * process links (HAProxy's `haproxy -c` would find an unknown name only at the first render).
 */
function checkCiphers(s: RouterSettings): void {
  const list = resolveCipherList(s.ciphers);
  const defaults = DEFAULT_CIPHERS.split(':');
  const tryOptions = (options: { ciphers?: string; ecdhCurve?: string }): boolean => {
    try {
      createSecureContext(options);
      return true;
    } catch {
      return false;
    }
  };
  const tryContext = (ciphers: string): boolean => tryOptions({ ciphers });
  if (
    !/^[A-Za-z0-9_:+!@.=-]{1,4096}$/.test(list) ||
    list.split(':').some((c) => c.startsWith('TLS_')) ||
    !tryContext(`${defaults.filter((c) => c.startsWith('TLS_')).join(':')}:${list}`)
  )
    fail(
      `Invalid setting --ciphers (ROUTER_CIPHERS): expected modern, intermediate, old or an OpenSSL cipher list for TLS 1.2 and below that selects at least one cipher, got ${JSON.stringify(s.ciphers)}`,
    );
  if (s.curves !== undefined) {
    let ok = /^[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)*$/.test(s.curves);
    if (ok) ok = tryOptions({ ecdhCurve: s.curves });
    if (!ok)
      fail(
        `Invalid setting --curves (ROUTER_CURVES): expected group names OpenSSL knows, colon-separated (X25519:P-256), got ${JSON.stringify(s.curves)}`,
      );
  }
  const suites = s.cipherSuites;
  if (
    suites !== undefined &&
    (!/^TLS_[A-Z0-9_]+(:TLS_[A-Z0-9_]+)*$/.test(suites) ||
      !tryContext(`${suites}:${defaults.filter((c) => !c.startsWith('TLS_')).join(':')}`))
  )
    fail(
      `Invalid setting --cipher-suites (ROUTER_CIPHERSUITES): expected TLS 1.3 suites such as TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256, got ${JSON.stringify(suites)}`,
    );
}

function formatDefault(spec: SettingSpec): string {
  const d = spec.default;
  if (d === undefined) return '';
  if (spec.kind === 'duration') return formatDuration(d as number);
  if (Array.isArray(d)) return d.length === 0 ? '' : d.join(',');
  return String(d);
}

/**
 * The `switchyard --help` text, generated from {@link SETTINGS}.
 * @returns help text ending with a newline
 */
export function formatHelp(): string {
  const lines: string[] = [
    'Usage: switchyard [--routes <file|dir> | --kubeconfig <file> | --in-cluster] [options]',
    '',
    'Switchyard: the OpenShift router, re-implemented. Serves Route objects from manifest files or a',
    'Kubernetes cluster through a native Node.js data plane or HAProxy.',
    '',
    'Examples:',
    '  switchyard --routes ./examples --demo-backends     # local demo, prints curl commands',
    '  switchyard --routes ./routes --engine haproxy      # serve manifests through HAProxy',
    '  switchyard --in-cluster --route-selector shard=a   # in a pod: one shard of the cluster',
    '',
    'Every flag can also be set with the environment variable shown (OpenShift ROUTER_* names where',
    'OpenShift has the setting) or with its camelCase key in a --config file. Precedence: flag >',
    'environment > config file > default. Durations: 500ms, 5s, 1m30s (a bare number is milliseconds).',
  ];
  let group = '';
  for (const spec of SETTINGS) {
    if (spec.group !== group) {
      group = spec.group;
      lines.push('', `${group}:`);
    }
    const placeholder =
      spec.kind === 'boolean'
        ? ''
        : spec.kind === 'enum'
          ? ` <${(spec.choices ?? []).join('|')}>`
          : ` <${spec.kind}>`;
    const dflt = formatDefault(spec);
    lines.push(`  --${spec.flag}${placeholder}`);
    lines.push(`      ${spec.description}.`);
    lines.push(
      `      env ${spec.env.join(', ')}; config key ${spec.key}${dflt === '' ? '' : `; default ${dflt}`}`,
    );
  }
  lines.push(
    '',
    'Other:',
    '  -h, --help       Show this help',
    '  -v, --version    Show the version',
    '',
    'Exit codes: 0 clean shutdown, 1 unexpected error, 2 invalid settings or unreadable files,',
    '3 the haproxy engine cannot run (no haproxy binary, or too old), 4 a listener or engine failed to start.',
    '',
  );
  return lines.join('\n');
}
