/**
 * Kubernetes API object shapes consumed by Switchyard. They mirror the JSON the API server
 * returns (and what `@kubernetes/client-node` hands out), so objects pass in unchanged from a
 * cluster or from YAML manifests. Only the fields Switchyard reads are typed; everything else is
 * preserved but ignored.
 */

/** `metadata` of any object. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** Kubernetes IntOrString. */
export type IntOrString = number | string;

/** `spec.to` and each entry of `spec.alternateBackends`. */
export interface RouteTargetReference {
  kind?: string;
  name: string;
  weight?: number | null;
}

/** `spec.port`. */
export interface RoutePort {
  targetPort: IntOrString;
}

/** TLS termination types of `spec.tls.termination`. */
export type TlsTermination = 'edge' | 'passthrough' | 'reencrypt';

/** `spec.tls.insecureEdgeTerminationPolicy`. */
export type InsecureEdgeTerminationPolicy = 'None' | 'Allow' | 'Redirect' | '';

/** `spec.tls`. */
export interface TLSConfig {
  termination: TlsTermination | string;
  certificate?: string;
  key?: string;
  caCertificate?: string;
  destinationCACertificate?: string;
  insecureEdgeTerminationPolicy?: InsecureEdgeTerminationPolicy | string;
  externalCertificate?: { name: string };
}

/** One header action under `spec.httpHeaders.actions`. */
export interface RouteHTTPHeader {
  name: string;
  action: {
    type: 'Set' | 'Delete' | string;
    set?: { value: string };
  };
}

/** `spec.httpHeaders`. */
export interface RouteHTTPHeaders {
  actions?: {
    request?: RouteHTTPHeader[];
    response?: RouteHTTPHeader[];
  };
}

/** `spec.wildcardPolicy`. */
export type WildcardPolicy = 'None' | 'Subdomain' | string;

/** `spec` of a Route. */
export interface RouteSpec {
  host?: string;
  subdomain?: string;
  path?: string;
  to: RouteTargetReference;
  alternateBackends?: RouteTargetReference[];
  port?: RoutePort;
  tls?: TLSConfig | null;
  wildcardPolicy?: WildcardPolicy;
  httpHeaders?: RouteHTTPHeaders;
}

/** A condition in `status.ingress[].conditions`. */
export interface RouteIngressCondition {
  type: 'Admitted' | 'UnservableInFutureVersions' | string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string | Date;
}

/** One router's entry in `status.ingress`. */
export interface RouteIngress {
  host?: string;
  routerName?: string;
  routerCanonicalHostname?: string;
  wildcardPolicy?: WildcardPolicy;
  conditions?: RouteIngressCondition[];
}

/** `status` of a Route. */
export interface RouteStatus {
  ingress?: RouteIngress[];
}

/** `route.openshift.io/v1` Route. */
export interface Route {
  apiVersion?: 'route.openshift.io/v1' | string;
  kind?: 'Route';
  metadata: ObjectMeta;
  spec: RouteSpec;
  status?: RouteStatus;
}

/** One port of a Service. */
export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: IntOrString;
  protocol?: 'TCP' | 'UDP' | 'SCTP' | string;
  appProtocol?: string;
}

/** `v1` Service. */
export interface Service {
  apiVersion?: 'v1' | string;
  kind?: 'Service';
  metadata: ObjectMeta;
  spec?: {
    clusterIP?: string;
    type?: string;
    ports?: ServicePort[];
    selector?: Record<string, string>;
  };
}

/** One endpoint of an EndpointSlice. */
export interface Endpoint {
  addresses: string[];
  conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind?: string; name?: string; namespace?: string; uid?: string };
}

/** One port of an EndpointSlice. */
export interface EndpointPort {
  name?: string;
  port?: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP' | string;
  appProtocol?: string;
}

/** `discovery.k8s.io/v1` EndpointSlice. */
export interface EndpointSlice {
  apiVersion?: 'discovery.k8s.io/v1' | string;
  kind?: 'EndpointSlice';
  metadata: ObjectMeta;
  addressType: 'IPv4' | 'IPv6' | 'FQDN' | string;
  endpoints?: Endpoint[] | null;
  ports?: EndpointPort[] | null;
}

/** `v1` Namespace. */
export interface Namespace {
  apiVersion?: 'v1' | string;
  kind?: 'Namespace';
  metadata: ObjectMeta;
}

/** `v1` Secret (`kubernetes.io/tls` for external certificates). Data values are base64. */
export interface Secret {
  apiVersion?: 'v1' | string;
  kind?: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** Every object kind the router consumes. */
export type RouterObject = Route | Service | EndpointSlice | Namespace | Secret;

/**
 * What sources (files, a cluster) feed into the route store. `synced` says every initial list
 * is in: statuses and the table are only meaningful after it.
 */
export type RouterEvent =
  | { type: 'upsert'; object: RouterObject }
  | { type: 'delete'; object: RouterObject }
  | { type: 'synced' };
