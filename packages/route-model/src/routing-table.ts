/**
 * The RoutingTable: what every data plane consumes. It is derived by the route store from the
 * Kubernetes objects and holds only admitted routes, with everything resolved (host after
 * rewriting, servers after port matching, weights after OpenShift's scaling, policies parsed
 * from annotations). Tables are immutable; unchanged routes keep object identity between tables.
 */
import type { RouteIngressCondition } from './types.ts';

/** How a route is terminated. `none` is plain HTTP (OpenShift's empty termination). */
export type RouteTermination = 'none' | 'edge' | 'reencrypt' | 'passthrough';

/** Insecure (port 80) policy after defaulting; `None` for plain HTTP routes. */
export type InsecurePolicy = 'None' | 'Allow' | 'Redirect';

/** Load-balancing algorithms accepted by the `balance` annotation. */
export type BalanceAlgorithm = 'roundrobin' | 'leastconn' | 'source' | 'random';

/** `set-forwarded-headers` policy. */
export type ForwardedHeadersPolicy = 'append' | 'replace' | 'if-none' | 'never';

/** A sanitised header action from `spec.httpHeaders`. */
export type HeaderAction = { type: 'Set'; name: string; value: string } | { type: 'Delete'; name: string };

/** One server (an endpoint address and port) of a service unit. */
export interface ServerEntry {
  /** OpenShift's server ID: `pod:<pod>:<svc>:<portName>:<ip>:<port>` or `ept:<svc>:<portName>:<ip>:<port>`. */
  readonly id: string;
  /** `hex(md5(id))`: the sticky cookie value. */
  readonly idHash: string;
  /** The address as in the EndpointSlice (IPv6 not bracketed). */
  readonly ip: string;
  /** The port number. */
  readonly port: number;
  /** The endpoint port name (the Service port name), or "". */
  readonly portName: string;
  /** `appProtocol` of the port, if any (`h2c`, `kubernetes.io/h2c`, ...). */
  readonly appProtocol?: string;
  /** Synthesised for an idled service (ClusterIP): no health check. */
  readonly noHealthCheck: boolean;
}

/** One service behind a route (`to` or an alternate backend). */
export interface ServiceUnitEntry {
  /** `<namespace>/<service>`. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** The route's weight for this service after defaulting (nil → 1) and clamping to 0..256. */
  readonly weight: number;
  /**
   * The weight carried by every server line of this service, from OpenShift's float32
   * `calculateServiceWeights`. Absent when the service has no matching endpoint.
   */
  readonly serverWeight?: number;
  /** Port-matching servers, in OpenShift's endpoint order. */
  readonly servers: readonly ServerEntry[];
}

/** Typed policies parsed from route annotations. An invalid value is left out (and reported). */
export interface RoutePolicies {
  readonly balance?: BalanceAlgorithm;
  /** `timeout` annotation after clipping, as HAProxy time text (`30s`, `2147483647ms`). */
  readonly timeout?: string;
  readonly timeoutTunnel?: string;
  /** Allowed source addresses and CIDRs. */
  readonly ipAllowlist?: readonly string[];
  readonly disableCookies: boolean;
  readonly cookieName?: string;
  readonly cookieSameSite?: 'Lax' | 'Strict' | 'None';
  /** `Strict-Transport-Security` value, as given (edge and reencrypt only). */
  readonly hstsHeader?: string;
  readonly rateLimit?: {
    readonly concurrentTcp?: number;
    readonly rateTcp?: number;
    readonly rateHttp?: number;
  };
  readonly podConcurrentConnections?: number;
  readonly rewriteTarget?: string;
  readonly forwardedHeaders?: ForwardedHeadersPolicy;
  readonly h1AdjustCase: boolean;
  readonly healthCheckInterval?: string;
  readonly requestHeaders: readonly HeaderAction[];
  readonly responseHeaders: readonly HeaderAction[];
}

/** TLS material of a route (absent for passthrough and plain HTTP). PEM text, sanitised. */
export interface RouteTls {
  readonly certificate?: string;
  readonly key?: string;
  readonly caCertificate?: string;
  readonly destinationCACertificate?: string;
}

/** An admitted route, ready for a data plane. */
export interface RouteEntry {
  /** `<namespace>:<name>`. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly creationTimestamp: string;
  /** The host after rewriting (lower case). */
  readonly host: string;
  /** `spec.path` or "". */
  readonly path: string;
  /** `wildcardPolicy: Subdomain` and wildcard routes allowed. */
  readonly wildcard: boolean;
  readonly termination: RouteTermination;
  readonly insecurePolicy: InsecurePolicy;
  /** `be_http|be_edge_http|be_secure|be_tcp:<ns>:<name>`. */
  readonly backendName: string;
  /** `hex(md5(" " + key))`: the default cookie name. */
  readonly routingKeyName: string;
  /** `spec.port.targetPort` as a string, or "". */
  readonly preferPort: string;
  /** Service units sorted by key (`ns/svc`). */
  readonly serviceUnits: readonly ServiceUnitEntry[];
  /** Services with weight > 0. */
  readonly activeServiceUnits: number;
  /** Port-matching endpoints over services with weight > 0. */
  readonly activeEndpoints: number;
  readonly tls?: RouteTls;
  /** reencrypt without a destination CA and a default destination CA configured. */
  readonly verifyServiceHostname: boolean;
  readonly policies: RoutePolicies;
  readonly annotations: Readonly<Record<string, string>>;
}

/** The admitted routes, keyed `<namespace>:<name>`, iterated in ascending key order. */
export interface RoutingTable {
  readonly routes: ReadonlyMap<string, RouteEntry>;
}

/** A problem found in a route that did not prevent admission (an ignored annotation value, ...). */
export interface RouteDiagnostic {
  /** The field, e.g. `metadata.annotations["haproxy.router.openshift.io/timeout"]`. */
  readonly field: string;
  readonly message: string;
}

/** Admission result of one route (admitted or not). */
export interface RouteAdmissionStatus {
  readonly key: string;
  readonly admitted: boolean;
  /** The host the route was judged with (after rewriting). */
  readonly host: string;
  readonly wildcardPolicy: string;
  /** The `Admitted` condition as the router writes it. */
  readonly condition: RouteIngressCondition & { type: 'Admitted' };
  readonly diagnostics: readonly RouteDiagnostic[];
}

/** What changed between two tables (keys `<namespace>:<name>`, each sorted). */
export interface RoutingTableDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Changed in anything other than servers and server weights. */
  readonly changed: readonly string[];
  /** Changed only in servers or server weights: a data plane can apply these without a reload. */
  readonly serversOnly: readonly string[];
}
