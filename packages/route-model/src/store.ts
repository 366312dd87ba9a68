/**
 * The route store: folds RouterEvents into state and derives the RoutingTable and the admission
 * statuses, recomputing only what a change touches.
 */
import { freeze, produce } from 'immer';
import { match } from 'ts-pattern';
import { parseRoutePolicies } from './annotations.ts';
import {
  type AdmissionCandidate,
  type AdmissionDecision,
  type NamespaceOwnership,
  admitGroupWithClaims,
  compareRouteAge,
  checkAdmissionFunction,
  rewriteRouteHost,
} from './admission.ts';
import { classifyEntryChange } from './diff.ts';
import {
  SERVICE_NAME_LABEL,
  endpointSliceShapeProblem,
  filterServersByPort,
  resolveServiceEndpoints,
  serviceShapeProblem,
} from './endpoints.ts';
import { RouteModelError } from './errors.ts';
import { aggregate } from './internal/field-errors.ts';
import { deepEqual, domainForHost, timestampMillis, timestampText } from './internal/util.ts';
import { type LabelSelector, parseLabelSelector } from './label-selector.ts';
import { backendName, routeKey, routingKeyName } from './naming.ts';
import { PersistentMap } from './persistent-map.ts';
import type {
  InsecurePolicy,
  RouteAdmissionStatus,
  RouteDiagnostic,
  RouteEntry,
  RoutePolicies,
  RouteTermination,
  RouteTls,
  RoutingTable,
  RoutingTableDiff,
  ServerEntry,
  ServiceUnitEntry,
} from './routing-table.ts';
import type { EndpointSlice, Namespace, Route, RouterEvent, RouterObject, Secret, Service } from './types.ts';
import { routeShapeErrors, validateRoute } from './validation.ts';
import { calculateServiceWeights, serviceUnitWeight } from './weights.ts';

/** Options of {@link createRouteStore}, named after OpenShift's settings. */
export interface RouteStoreOptions {
  /**
   * Host ownership across namespaces (IngressController `namespaceOwnership`): `Strict` is
   * OpenShift's default SameNamespace policy (the namespace of the oldest route owns a host);
   * `InterNamespaceAllowed` is OldestFirst (`ROUTER_DISABLE_NAMESPACE_OWNERSHIP_CHECK=true`).
   * @default 'Strict'
   */
  readonly namespaceOwnership?: NamespaceOwnership;
  /**
   * Admit `wildcardPolicy: Subdomain` routes and track wildcard ownership (`ROUTER_ALLOW_WILDCARD_ROUTES`).
   * @default false
   */
  readonly allowWildcardRoutes?: boolean;
  /**
   * `ROUTER_DOMAIN`: routes with `spec.subdomain` and no host get `<subdomain>.<routerDomain>`.
   * @default undefined
   */
  readonly routerDomain?: string;
  /**
   * `ROUTER_SUBDOMAIN`: hostname template (`${name}-${namespace}.apps.example.com`) for routes
   * without a host (or all routes with `overrideHostname`).
   * @default undefined
   */
  readonly hostnameTemplate?: string;
  /**
   * `ROUTER_OVERRIDE_HOSTNAME`: apply `hostnameTemplate` to every route.
   * @default false
   */
  readonly overrideHostname?: boolean;
  /**
   * `ROUTER_OVERRIDE_DOMAINS`: apply `hostnameTemplate` to hosts in these domains.
   * @default []
   */
  readonly overrideDomains?: readonly string[];
  /**
   * `ROUTER_ALLOWED_DOMAINS`: when non-empty, only hosts in these domains are admitted.
   * @default []
   */
  readonly allowedDomains?: readonly string[];
  /**
   * `ROUTER_DENIED_DOMAINS`: hosts in these domains are rejected (wins over the allow list).
   * @default []
   */
  readonly deniedDomains?: readonly string[];
  /**
   * Keep loopback endpoint addresses, which OpenShift drops (for local demos on 127.0.0.1).
   * @default false
   */
  readonly allowLoopbackEndpoints?: boolean;
  /**
   * Keep UDP endpoint ports (`--include-udp-endpoints`).
   * @default false
   */
  readonly includeUdpEndpoints?: boolean;
  /**
   * `EXTENDED_VALIDATION`: validate certificate contents.
   * @default true
   */
  readonly extendedValidation?: boolean;
  /**
   * `ROUTE_LABELS`: only routes whose labels match this selector (`shard=a,env!=test`) are
   * handled; others are ignored, not rejected (sharding).
   * @default undefined (all routes)
   */
  readonly routeSelector?: string;
  /**
   * `NAMESPACE_LABELS`: only routes in namespaces whose labels match are handled; the store must
   * then be given the Namespace objects.
   * @default undefined (all namespaces)
   */
  readonly namespaceSelector?: string;
  /**
   * `--namespace`: only routes in these namespaces are handled.
   * @default undefined (all namespaces)
   */
  readonly namespaces?: readonly string[];
  /**
   * `DEFAULT_DESTINATION_CA_PATH`: when set, reencrypt routes without a destination CA verify the
   * service host name against it (`verifyServiceHostname`). Only its presence matters here.
   * @default undefined
   */
  readonly defaultDestinationCAPath?: string;
}

/**
 * An object `apply` could not use (a Service or EndpointSlice of the wrong shape, an object
 * without a name): it is left out (a previous version is removed) and reported here. A Route is
 * only ignored this way when it has no name; any other malformed Route gets a rejected status.
 */
export interface IgnoredObject {
  /** `kind` of the object as given (or as recognised by shape), `object` when unknown. */
  readonly kind: string;
  /** `ns/name`, or "" when the object has no usable name. */
  readonly key: string;
  /** Why it was ignored, naming the field when known. */
  readonly message: string;
}

/** What one `apply` call changed. */
export interface RouteStoreChange {
  /** The table before the call. */
  readonly previous: RoutingTable;
  /** The table after the call (same object if nothing changed). */
  readonly table: RoutingTable;
  /** Routes added, removed, changed, or changed only in servers. */
  readonly diff: RoutingTableDiff;
  /** Keys (`ns:name`) whose status was added, changed or removed, sorted. */
  readonly statusesChanged: readonly string[];
  /** Objects of this call that were left out because they could not be processed. */
  readonly ignored: readonly IgnoredObject[];
  /** How much work the call did: what a change touched, for tests and metrics. */
  readonly recomputed: {
    /** Route objects validated and prepared again. */
    readonly routes: number;
    /** Routes whose admission was judged again (the routes sharing a host or domain with a change). */
    readonly admissions: number;
    /** Services whose servers were resolved again. */
    readonly services: number;
    /** Route entries rebuilt. */
    readonly entries: number;
  };
}

/** The store returned by {@link createRouteStore}. */
export interface RouteStore {
  /** Folds events into the state and recomputes what they touch. */
  apply(events: Iterable<RouterEvent>): RouteStoreChange;
  /** The current table: admitted routes only, keys ascending. */
  readonly table: RoutingTable;
  /** Admission status of every known route, keyed `ns:name`. */
  readonly statuses: ReadonlyMap<string, RouteAdmissionStatus>;
  /** True once a `synced` event was applied: before that, statuses may be incomplete. */
  readonly synced: boolean;
  /** The stored Route object for a key, as last upserted. */
  getRoute(key: string): Route | undefined;
  /** Number of stored objects by kind. */
  readonly counts: { readonly routes: number; readonly services: number; readonly endpointSlices: number };
}

/** Per-route facts that do not depend on other objects. */
interface Prepared {
  readonly route: Route;
  readonly candidate: AdmissionCandidate;
  readonly groupKey: string;
  readonly termination: RouteTermination;
  readonly insecurePolicy: InsecurePolicy;
  readonly tls: RouteTls | undefined;
  readonly policies: RoutePolicies;
  readonly diagnostics: readonly RouteDiagnostic[];
  readonly units: readonly { key: string; namespace: string; name: string; weight: number }[];
  readonly preferPort: string;
  readonly wildcardPolicy: string;
  /** `ns/name` of the external certificate secret the route reads, if any. */
  readonly secretKey: string | undefined;
}

/** `spec.tls.termination` → RouteTermination; anything else is plain HTTP (`none`). */
const TERMINATION_OF: ReadonlyMap<string, RouteTermination> = new Map([
  ['edge', 'edge'],
  ['reencrypt', 'reencrypt'],
  ['passthrough', 'passthrough'],
]);

/**
 * Insecure policy per termination, built once with ts-pattern's exhaustive match so a new
 * termination cannot be forgotten; per route it is a table lookup.
 */
const INSECURE_POLICY_OF: Readonly<Record<RouteTermination, (policy: string | undefined) => InsecurePolicy>> =
  Object.fromEntries(
    (['none', 'edge', 'reencrypt', 'passthrough'] as const).map((t) => [
      t,
      match(t)
        .with('none', () => (): InsecurePolicy => 'None')
        .with(
          'edge',
          'reencrypt',
          'passthrough',
          () =>
            (policy: string | undefined): InsecurePolicy =>
              policy === 'Allow' ? 'Allow' : policy === 'Redirect' ? 'Redirect' : 'None',
        )
        .exhaustive(),
    ]),
  ) as Record<RouteTermination, (policy: string | undefined) => InsecurePolicy>;

const EMPTY_TABLE: RoutingTable = Object.freeze({ routes: PersistentMap.empty<RouteEntry>() });

/** Policies of a route rejected as malformed (never rendered: rejected routes have no entry). */
const REJECTED_POLICIES: RoutePolicies = freeze(parseRoutePolicies(undefined, 'none', {}).policies, true);

function kindOf(o: RouterObject): 'Route' | 'Service' | 'EndpointSlice' | 'Namespace' | 'Secret' | undefined {
  const k = (o as { kind?: string }).kind;
  if (k === 'Route' || k === 'Service' || k === 'EndpointSlice' || k === 'Namespace' || k === 'Secret')
    return k;
  if (k !== undefined) return undefined;
  // Objects from list calls come without kind: recognise them by shape.
  const any = o as unknown as Record<string, unknown>;
  if (any.addressType !== undefined) return 'EndpointSlice';
  const spec = any.spec as Record<string, unknown> | undefined;
  if (spec && spec.to !== undefined) return 'Route';
  if (any.data !== undefined || any.stringData !== undefined || any.type !== undefined) return 'Secret';
  if (spec && (spec.ports !== undefined || spec.clusterIP !== undefined || spec.selector !== undefined))
    return 'Service';
  return undefined;
}

/** `ns/name` of an object, or undefined when it has no usable name. */
function objKey(o: RouterObject): string | undefined {
  const m = o.metadata;
  if (!m || typeof m.name !== 'string' || m.name === '') return undefined;
  return `${typeof m.namespace === 'string' ? m.namespace : ''}/${m.name}`;
}

function kindName(o: RouterObject, kind: string | undefined): string {
  if (kind !== undefined) return kind;
  const k = (o as { kind?: unknown }).kind;
  return typeof k === 'string' && k !== '' ? k : 'object';
}

function validateOptions(o: RouteStoreOptions): void {
  if (
    o.namespaceOwnership !== undefined &&
    o.namespaceOwnership !== 'Strict' &&
    o.namespaceOwnership !== 'InterNamespaceAllowed'
  ) {
    throw new RouteModelError(
      'ERR_ROUTE_MODEL_INVALID_OPTIONS',
      `options.namespaceOwnership: expected 'Strict' or 'InterNamespaceAllowed', got ${JSON.stringify(o.namespaceOwnership)}`,
    );
  }
  for (const f of ['allowedDomains', 'deniedDomains', 'overrideDomains', 'namespaces'] as const) {
    const v = o[f];
    if (v !== undefined && (!Array.isArray(v) || v.some((d) => typeof d !== 'string'))) {
      throw new RouteModelError(
        'ERR_ROUTE_MODEL_INVALID_OPTIONS',
        `options.${f}: expected an array of domain names`,
      );
    }
  }
  if (o.overrideHostname === true && !o.hostnameTemplate) {
    throw new RouteModelError(
      'ERR_ROUTE_MODEL_INVALID_OPTIONS',
      'options.overrideHostname requires options.hostnameTemplate (OpenShift: --override-hostname without a template is an error)',
    );
  }
}

function compileSelector(text: string, option: string): LabelSelector {
  const parsed = parseLabelSelector(text);
  if (!parsed.ok)
    throw new RouteModelError('ERR_ROUTE_MODEL_INVALID_OPTIONS', `options.${option}: ${parsed.error}`);
  return parsed.selector;
}

function cleanList(v: readonly string[] | undefined): Set<string> {
  return new Set((v ?? []).map((d) => d.trim()).filter((d) => d !== ''));
}

/**
 * Creates a route store. Feed it `RouterEvent`s with `apply`; read `table` and `statuses`.
 *
 * A change to one route recomputes that route and the routes sharing its host (with wildcard
 * routes allowed, also the wildcard routes of its domain, and the whole domain when a wildcard
 * route changes or gains or loses its claim); a change to one EndpointSlice or Service recomputes
 * the servers of that service and the entries of routes that use it. Unchanged entries keep
 * object identity.
 *
 * @param options - OpenShift admission settings under readable names
 * @returns the store
 * @throws RouteModelError `ERR_ROUTE_MODEL_INVALID_OPTIONS` for invalid options
 * @example
 * const store = createRouteStore({ allowLoopbackEndpoints: true });
 * store.apply(parseManifests(yamlText).objects.map((object) => ({ type: 'upsert', object })));
 * store.apply([{ type: 'synced' }]);
 * for (const [key, entry] of store.table.routes) console.log(key, entry.host, entry.backendName);
 */
export function createRouteStore(options: RouteStoreOptions = {}): RouteStore {
  validateOptions(options);
  const namespaceOwnership = options.namespaceOwnership ?? 'Strict';
  const allowWildcardRoutes = options.allowWildcardRoutes === true;
  const extendedValidation = options.extendedValidation !== false;
  const allowedDomains = cleanList(options.allowedDomains);
  const deniedDomains = cleanList(options.deniedDomains);
  const endpointOptions = {
    allowLoopbackEndpoints: options.allowLoopbackEndpoints === true,
    includeUdpEndpoints: options.includeUdpEndpoints === true,
  };

  // Raw objects.
  const routes = new Map<string, Route>(); // ns:name
  const services = new Map<string, Service>(); // ns/name
  const slices = new Map<string, EndpointSlice>(); // ns/name of the slice
  const sliceService = new Map<string, string>(); // slice key -> ns/svc
  const slicesByService = new Map<string, Set<string>>();
  const namespaces = new Map<string, Namespace>();
  const secrets = new Map<string, Secret>();

  // Derived state.
  const prepared = new Map<string, Prepared>();
  const groups = new Map<string, Set<string>>();
  // Inside a group, routes by host, and its wildcard routes: without a wildcard route, hosts of
  // one domain cannot affect each other, so only changed hosts are re-judged. With one, see
  // judgeAround in apply.
  const groupHosts = new Map<string, Map<string, Set<string>>>();
  const groupWildcards = new Map<string, Set<string>>();
  const decisions = new Map<string, AdmissionDecision>();
  // Routes that passed HostAdmitter and hold claims in its ownership maps (wildcard routes
  // allowed only), as of their group's last judgement.
  const claimants = new Set<string>();
  const serverCache = new Map<string, readonly ServerEntry[]>(); // ns/svc -> all servers
  const routesByService = new Map<string, Set<string>>();
  const routesBySecret = new Map<string, Set<string>>();
  const routesByNamespace = new Map<string, Set<string>>();

  const routeSelector = options.routeSelector
    ? compileSelector(options.routeSelector, 'routeSelector')
    : undefined;
  const namespaceSelector = options.namespaceSelector
    ? compileSelector(options.namespaceSelector, 'namespaceSelector')
    : undefined;
  const namespaceList =
    options.namespaces && options.namespaces.length > 0 ? new Set(options.namespaces) : undefined;
  function inScope(route: Route): boolean {
    const ns = typeof route.metadata.namespace === 'string' ? route.metadata.namespace : '';
    if (namespaceList && !namespaceList.has(ns)) return false;
    if (routeSelector && !routeSelector.matches(route.metadata.labels)) return false;
    if (namespaceSelector) {
      const nsObject = namespaces.get(ns);
      if (!nsObject || !namespaceSelector.matches(nsObject.metadata.labels)) return false;
    }
    return true;
  }

  let table: RoutingTable = EMPTY_TABLE;
  let statuses: PersistentMap<RouteAdmissionStatus> = PersistentMap.empty<RouteAdmissionStatus>();
  let synced = false;

  /**
   * Per-route facts, never throwing: a route whose fields have the wrong JSON types, or whose
   * processing fails for any other reason, is prepared as rejected (`InvalidRoute`) with the
   * problem as message, so one bad object cannot stop a batch.
   */
  function prepare(key: string, route: Route): Prepared {
    try {
      if (routeShapeErrors(route).length > 0) {
        const v = validateRoute(route, { extendedValidation: false });
        return rejectedPrepared(key, route, aggregate(v.issues));
      }
      return prepareValid(key, route);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return rejectedPrepared(key, route, `route could not be processed: ${detail}`);
    }
  }

  /** A route rejected before anything else read it: no backends, no TLS, its host kept if a string. */
  function rejectedPrepared(key: string, route: Route, message: string): Prepared {
    const meta: Record<string, unknown> =
      route && typeof route.metadata === 'object' && route.metadata !== null ? route.metadata : {};
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    const spec: Record<string, unknown> =
      route && typeof route.spec === 'object' && route.spec !== null
        ? (route.spec as unknown as Record<string, unknown>)
        : {};
    const host = str(spec.host);
    const wildcardPolicy = str(spec.wildcardPolicy) || 'None';
    const wildcard = allowWildcardRoutes && wildcardPolicy === 'Subdomain';
    return {
      route,
      candidate: {
        key,
        namespace: str(meta.namespace),
        name: str(meta.name),
        uid: str(meta.uid),
        created: Number.NEGATIVE_INFINITY,
        host,
        path: '',
        wildcard,
        hasTls: false,
        passthrough: false,
        apiError: message,
      },
      groupKey:
        host === '' ? `route:${key}` : allowWildcardRoutes ? `domain:${domainForHost(host)}` : `host:${host}`,
      termination: 'none',
      insecurePolicy: 'None',
      tls: undefined,
      policies: REJECTED_POLICIES,
      diagnostics: [],
      units: [],
      preferPort: '',
      wildcardPolicy,
      secretKey: undefined,
    };
  }

  function prepareValid(key: string, route: Route): Prepared {
    const namespace = route.metadata.namespace ?? '';
    const name = route.metadata.name ?? '';
    const host = rewriteRouteHost(route, options);
    const wildcardPolicy = route.spec?.wildcardPolicy || 'None';
    // RouteSecretManager: an external certificate's secret is copied into the route in memory.
    const external = resolveExternalCertificate(route, namespace);
    const validation = validateRoute(external.route, { extendedValidation, host });
    const api = validation.issues.filter((i) => i.stage === 'api');
    const hostIssues = validation.issues.filter((i) => i.stage === 'host');
    const tlsIssues = validation.issues.filter((i) => i.stage === 'tls');
    const tlsSpec = route.spec?.tls ?? undefined;
    const termination: RouteTermination = TERMINATION_OF.get(tlsSpec?.termination ?? '') ?? 'none';
    const insecurePolicy: InsecurePolicy = INSECURE_POLICY_OF[termination](
      tlsSpec?.insecureEdgeTerminationPolicy,
    );
    const wildcard = allowWildcardRoutes && wildcardPolicy === 'Subdomain';
    const candidate: { -readonly [K in keyof AdmissionCandidate]: AdmissionCandidate[K] } = {
      key,
      namespace,
      name,
      uid: route.metadata.uid ?? '',
      created: timestampMillis(route.metadata.creationTimestamp),
      host,
      path: typeof route.spec?.path === 'string' ? route.spec.path : '',
      wildcard,
      hasTls: tlsSpec !== undefined && tlsSpec !== null,
      passthrough: termination === 'passthrough',
    };
    if (api.length > 0) candidate.apiError = aggregate(api);
    const admissionError = checkAdmissionFunction(host, wildcardPolicy, {
      allowedDomains,
      deniedDomains,
      allowWildcardRoutes,
    });
    if (admissionError !== undefined) candidate.admissionError = admissionError;
    if (hostIssues.length > 0)
      candidate.hostError = `host name validation errors: ${hostIssues.map((i) => i.message).join(', ')}`;
    if (tlsIssues.length > 0) candidate.tlsError = aggregate(tlsIssues);
    if (external.error !== undefined) candidate.externalCertificateError = external.error;
    const { policies, diagnostics } = parseRoutePolicies(
      route.metadata.annotations,
      termination,
      route.spec ?? {},
    );
    const unitMap = new Map<string, { key: string; namespace: string; name: string; weight: number }>();
    const targets = [
      route.spec?.to,
      ...(Array.isArray(route.spec?.alternateBackends) ? route.spec.alternateBackends : []),
    ];
    for (const t of targets) {
      if (!t || typeof t.name !== 'string' || t.name === '') continue;
      const k = `${namespace}/${t.name}`;
      unitMap.set(k, { key: k, namespace, name: t.name, weight: serviceUnitWeight(t.weight) });
    }
    const units = [...unitMap.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const tp = route.spec?.port?.targetPort;
    const groupKey =
      host === '' ? `route:${key}` : allowWildcardRoutes ? `domain:${domainForHost(host)}` : `host:${host}`;
    return {
      route,
      candidate,
      groupKey,
      termination,
      insecurePolicy,
      tls: termination === 'edge' || termination === 'reencrypt' ? (validation.tls ?? {}) : undefined,
      policies,
      diagnostics,
      units,
      preferPort: tp === undefined || tp === null ? '' : String(tp),
      wildcardPolicy,
      secretKey: external.secretKey,
    };
  }

  function resolveExternalCertificate(
    route: Route,
    namespace: string,
  ): { route: Route; secretKey: string | undefined; error?: string } {
    const tls = route.spec?.tls;
    const name = tls?.externalCertificate?.name;
    if (!tls || typeof name !== 'string' || name === '' || tls.certificate) {
      return { route, secretKey: undefined };
    }
    const secretKey = `${namespace}/${name}`;
    const field = 'spec.tls.externalCertificate';
    const secret = secrets.get(secretKey);
    if (!secret) return { route, secretKey, error: `${field}: Not found: "${name}"` };
    if (secret.type !== 'kubernetes.io/tls') {
      return {
        route,
        secretKey,
        error: `${field}: Invalid value: "${name}": secret of type "kubernetes.io/tls" required, found "${secret.type ?? ''}"`,
      };
    }
    const read = (k: string): string | undefined => {
      const plain = secret.stringData?.[k];
      if (typeof plain === 'string') return plain;
      const b64 = secret.data?.[k];
      return typeof b64 === 'string' ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
    };
    const certificate = read('tls.crt');
    const key = read('tls.key');
    if (!certificate || !key) {
      return {
        route,
        secretKey,
        error: `${field}: Invalid value: "${name}": the secret must hold tls.crt and tls.key`,
      };
    }
    const { externalCertificate: _ext, ...rest } = tls;
    return { route: { ...route, spec: { ...route.spec, tls: { ...rest, certificate, key } } }, secretKey };
  }

  function buildServiceUnits(p: Prepared, previous: RouteEntry | undefined): readonly ServiceUnitEntry[] {
    const filtered = p.units.map((u) => filterServersByPort(serverCache.get(u.key) ?? [], p.preferPort));
    const weights = calculateServiceWeights(
      p.units.map((u, i) => ({ key: u.key, weight: u.weight, endpoints: filtered[i]!.length })),
    );
    const units = p.units.map((u, i): ServiceUnitEntry => {
      const servers = filtered[i]!;
      const entry: { -readonly [K in keyof ServiceUnitEntry]: ServiceUnitEntry[K] } = {
        key: u.key,
        namespace: u.namespace,
        name: u.name,
        weight: u.weight,
        servers,
      };
      const w = weights.get(u.key);
      if (w !== undefined) entry.serverWeight = w;
      const old = previous?.serviceUnits[i];
      return old && deepEqual(old, entry) ? old : entry;
    });
    const old = previous?.serviceUnits;
    if (old && old.length === units.length && units.every((u, i) => u === old[i])) return old;
    return units;
  }

  function buildEntry(key: string, p: Prepared, previous: RouteEntry | undefined): RouteEntry {
    const c = p.candidate;
    const serviceUnits = buildServiceUnits(p, previous);
    let activeServiceUnits = 0;
    let activeEndpoints = 0;
    for (const u of serviceUnits) {
      if (u.weight > 0) {
        activeServiceUnits += 1;
        activeEndpoints += u.servers.length;
      }
    }
    const entry: { -readonly [K in keyof RouteEntry]: RouteEntry[K] } = {
      key,
      namespace: c.namespace,
      name: c.name,
      uid: c.uid,
      creationTimestamp: timestampText(p.route.metadata.creationTimestamp),
      host: c.host,
      path: c.path,
      wildcard: c.wildcard,
      termination: p.termination,
      insecurePolicy: p.insecurePolicy,
      backendName: backendName(p.termination, c.namespace, c.name),
      routingKeyName: routingKeyName(c.namespace, c.name),
      preferPort: p.preferPort,
      serviceUnits,
      activeServiceUnits,
      activeEndpoints,
      verifyServiceHostname:
        p.termination === 'reencrypt' &&
        !p.tls?.destinationCACertificate &&
        options.defaultDestinationCAPath !== undefined,
      policies: p.policies,
      annotations: { ...(p.route.metadata.annotations ?? {}) },
    };
    if (p.tls !== undefined) entry.tls = p.tls;
    if (!previous) return freeze(entry, true);
    // immer copies on write: fields that did not change keep their identity, and an entry
    // without any change is returned as is.
    return produce(previous, (draft) => {
      const d = draft as Record<string, unknown>;
      const next = entry as unknown as Record<string, unknown>;
      const prev = previous as unknown as Record<string, unknown>;
      for (const k of Object.keys(next)) if (!deepEqual(prev[k], next[k])) d[k] = next[k];
      for (const k of Object.keys(prev)) if (!(k in next)) delete d[k];
    });
  }

  function buildStatus(key: string, p: Prepared, d: AdmissionDecision): RouteAdmissionStatus {
    return {
      key,
      admitted: d.admitted,
      host: p.candidate.host,
      wildcardPolicy: p.wildcardPolicy,
      condition: d.admitted
        ? { type: 'Admitted', status: 'True' }
        : { type: 'Admitted', status: 'False', reason: d.reason, message: d.message },
      diagnostics: p.diagnostics,
    };
  }

  function addToIndex(index: Map<string, Set<string>>, k: string, v: string): void {
    let s = index.get(k);
    if (!s) index.set(k, (s = new Set()));
    s.add(v);
  }
  function removeFromIndex(index: Map<string, Set<string>>, k: string, v: string): void {
    const s = index.get(k);
    if (!s) return;
    s.delete(v);
    if (s.size === 0) index.delete(k);
  }

  function apply(events: Iterable<RouterEvent>): RouteStoreChange {
    const dirtyGroups = new Map<string, Set<string> | 'all'>();
    const markGroup = (p: Prepared): void => {
      const cur = dirtyGroups.get(p.groupKey);
      if (p.candidate.wildcard) dirtyGroups.set(p.groupKey, 'all');
      else if (cur === undefined) dirtyGroups.set(p.groupKey, new Set([p.candidate.host]));
      else if (cur !== 'all') cur.add(p.candidate.host);
    };
    const joinGroup = (key: string, p: Prepared): void => {
      addToIndex(groups, p.groupKey, key);
      let hosts = groupHosts.get(p.groupKey);
      if (!hosts) groupHosts.set(p.groupKey, (hosts = new Map()));
      addToIndex(hosts, p.candidate.host, key);
      if (p.candidate.wildcard) addToIndex(groupWildcards, p.groupKey, key);
    };
    const leaveGroup = (key: string, p: Prepared): void => {
      removeFromIndex(groups, p.groupKey, key);
      const hosts = groupHosts.get(p.groupKey);
      if (hosts) {
        removeFromIndex(hosts, p.candidate.host, key);
        if (hosts.size === 0) groupHosts.delete(p.groupKey);
      }
      if (p.candidate.wildcard) removeFromIndex(groupWildcards, p.groupKey, key);
      claimants.delete(key);
    };
    const dirtyRoutes = new Set<string>(); // entry must be rebuilt
    const dirtyServices = new Set<string>();
    const work = { routes: 0, admissions: 0, services: 0, entries: 0 };

    const unprepare = (key: string): void => {
      const old = prepared.get(key);
      if (!old) return;
      prepared.delete(key);
      markGroup(old);
      leaveGroup(key, old);
      for (const u of old.units) removeFromIndex(routesByService, u.key, key);
      if (old.secretKey !== undefined) removeFromIndex(routesBySecret, old.secretKey, key);
      dirtyRoutes.add(key);
    };
    const upsertRoute = (route: Route): void => {
      const ns = typeof route.metadata.namespace === 'string' ? route.metadata.namespace : '';
      const key = routeKey(ns, route.metadata.name ?? '');
      unprepare(key);
      routes.set(key, route);
      addToIndex(routesByNamespace, ns, key);
      // Out of this router's scope (shard): ignored, not rejected, as upstream. Labels of the
      // wrong type make the selector throw: keep such a route in scope so it is rejected by name.
      let scoped = true;
      try {
        scoped = inScope(route);
      } catch {
        scoped = true;
      }
      if (!scoped) return;
      const p = prepare(key, route);
      work.routes += 1;
      prepared.set(key, p);
      joinGroup(key, p);
      for (const u of p.units) addToIndex(routesByService, u.key, key);
      if (p.secretKey !== undefined) addToIndex(routesBySecret, p.secretKey, key);
      markGroup(p);
      dirtyRoutes.add(key);
    };
    const deleteRoute = (route: Route): void => {
      const ns = typeof route.metadata.namespace === 'string' ? route.metadata.namespace : '';
      const key = routeKey(ns, route.metadata.name ?? '');
      routes.delete(key);
      removeFromIndex(routesByNamespace, ns, key);
      unprepare(key);
    };
    const ignored: IgnoredObject[] = [];
    /**
     * A Service or EndpointSlice that endpoint resolution cannot read on its own is left out
     * (as if deleted) and reported, rather than failing the whole batch later.
     */
    const unusable = (
      kind: 'Service' | 'EndpointSlice',
      key: string,
      o: RouterObject,
    ): string | undefined => {
      const shape = kind === 'Service' ? serviceShapeProblem(o) : endpointSliceShapeProblem(o);
      if (shape !== undefined) return shape;
      try {
        const name = key.slice(key.indexOf('/') + 1);
        if (kind === 'Service') resolveServiceEndpoints(name, [], o as Service, endpointOptions);
        else resolveServiceEndpoints(name, [o as EndpointSlice], undefined, endpointOptions);
        return undefined;
      } catch (error) {
        return `could not be read: ${error instanceof Error ? error.message : String(error)}`;
      }
    };
    const upsertSlice = (slice: EndpointSlice, deleted: boolean, key: string): void => {
      const oldSvc = sliceService.get(key);
      if (oldSvc !== undefined) {
        removeFromIndex(slicesByService, oldSvc, key);
        sliceService.delete(key);
        dirtyServices.add(oldSvc);
      }
      if (deleted) {
        slices.delete(key);
        return;
      }
      slices.set(key, slice);
      const svcName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
      // Slices without the service-name label are ignored, as upstream.
      if (typeof svcName !== 'string' || svcName === '') return;
      const svcKey = `${slice.metadata.namespace ?? ''}/${svcName}`;
      sliceService.set(key, svcKey);
      addToIndex(slicesByService, svcKey, key);
      dirtyServices.add(svcKey);
    };

    // Malformed events are a caller's bug: they are refused before anything changes, so a
    // failed call leaves the store as it was.
    const list = [...events];
    for (const ev of list) {
      if (!ev || typeof ev !== 'object' || typeof ev.type !== 'string') {
        throw new RouteModelError(
          'ERR_ROUTE_MODEL_INVALID_EVENT',
          `expected a RouterEvent, got ${JSON.stringify(ev)}`,
        );
      }
      if (ev.type === 'synced') continue;
      if (ev.type !== 'upsert' && ev.type !== 'delete') {
        throw new RouteModelError(
          'ERR_ROUTE_MODEL_INVALID_EVENT',
          `unknown event type ${JSON.stringify((ev as { type: string }).type)}`,
        );
      }
      const o = ev.object;
      if (!o || typeof o !== 'object') {
        throw new RouteModelError('ERR_ROUTE_MODEL_INVALID_EVENT', `${ev.type} event without an object`);
      }
    }
    for (const ev of list) {
      if (ev.type === 'synced') {
        synced = true;
        continue;
      }
      const o = (ev as { object: RouterObject }).object;
      const deleted = ev.type === 'delete';
      const key = objKey(o);
      const kind = kindOf(o);
      if (key === undefined) {
        // Without a name there is nothing to key it by: reported, not stored.
        ignored.push({
          kind: kindName(o, kind),
          key: '',
          message:
            typeof o.metadata === 'object' && o.metadata !== null
              ? `${kindName(o, kind)} without metadata.name: Required value`
              : `${kindName(o, kind)} without metadata: Required value`,
        });
        continue;
      }
      // A switch rather than ts-pattern here: this runs once per event (30 000 times in a full
      // build) and a match chain costs microseconds each; `never` keeps it exhaustive.
      if (!deleted && (kind === 'Service' || kind === 'EndpointSlice')) {
        const problem = unusable(kind, key, o);
        if (problem !== undefined) {
          ignored.push({ kind, key, message: `${kind} ${key}: ${problem}` });
          if (kind === 'EndpointSlice') upsertSlice(o as EndpointSlice, true, key);
          else {
            services.delete(key);
            dirtyServices.add(key);
          }
          continue;
        }
      }
      switch (kind) {
        case 'Route':
          if (deleted) deleteRoute(o as Route);
          else upsertRoute(o as Route);
          break;
        case 'EndpointSlice':
          upsertSlice(o as EndpointSlice, deleted, key);
          break;
        case 'Service':
          if (deleted) services.delete(key);
          else services.set(key, o as Service);
          dirtyServices.add(key);
          break;
        case 'Namespace': {
          const k = String(o.metadata.name);
          if (deleted) namespaces.delete(k);
          else namespaces.set(k, o as Namespace);
          // A namespace entering or leaving the selector brings its routes in or out of scope.
          if (namespaceSelector)
            for (const r of [...(routesByNamespace.get(k) ?? [])]) upsertRoute(routes.get(r)!);
          break;
        }
        case 'Secret':
          if (deleted) secrets.delete(key);
          else secrets.set(key, o as Secret);
          // Routes reading this secret as their external certificate are prepared again.
          for (const r of [...(routesBySecret.get(key) ?? [])]) upsertRoute(routes.get(r)!);
          break;
        case undefined:
          // Unknown kinds are not ours to judge: sources report them; the store ignores them.
          break;
        default: {
          const never: never = kind;
          throw new RouteModelError('ERR_ROUTE_MODEL_INVALID_EVENT', `unhandled kind ${String(never)}`);
        }
      }
    }

    // Servers of changed services.
    for (const svcKey of dirtyServices) {
      const sliceKeys = slicesByService.get(svcKey);
      const list = sliceKeys ? [...sliceKeys].map((k) => slices.get(k)!) : [];
      const svcName = svcKey.slice(svcKey.indexOf('/') + 1);
      let servers: ServerEntry[];
      try {
        servers = resolveServiceEndpoints(svcName, list, services.get(svcKey), endpointOptions);
      } catch (error) {
        // Each object was readable alone (checked on upsert) but not together: no servers for
        // this service until a later change, reported rather than failing the batch.
        servers = [];
        ignored.push({
          kind: 'Service',
          key: svcKey,
          message: `endpoints of ${svcKey} could not be resolved: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
      work.services += 1;
      const old = serverCache.get(svcKey);
      if (old && deepEqual(old, servers)) continue;
      if (servers.length === 0) serverCache.delete(svcKey);
      else serverCache.set(svcKey, servers);
      for (const r of routesByService.get(svcKey) ?? []) dirtyRoutes.add(r);
    }

    // Admission of changed groups.
    const statusUpdates = new Map<string, RouteAdmissionStatus | undefined>();
    const ownership = { namespaceOwnership, allowWildcardRoutes };
    const record = (
      members: Iterable<string>,
      result: Map<string, AdmissionDecision>,
      claimed: Set<string>,
    ) => {
      for (const k of members) {
        if (claimed.has(k)) claimants.add(k);
        else claimants.delete(k);
      }
      for (const [k, d] of result) {
        const old = decisions.get(k);
        if (!old || old.admitted !== d.admitted || !deepEqual(old, d)) {
          decisions.set(k, d);
          dirtyRoutes.add(k);
        }
      }
    };
    const judge = (members: Iterable<string>): void => {
      const keys = [...members];
      work.admissions += keys.length;
      const claimed = new Set<string>();
      const result = admitGroupWithClaims(
        keys.map((k) => prepared.get(k)!.candidate),
        ownership,
        [],
        claimed,
      );
      record(keys, result, claimed);
    };
    /**
     * A change to non-wildcard routes of `hosts` in a domain that holds wildcard routes. In
     * HostAdmitter a non-wildcard route is judged against older routes of its own host and the
     * domain's wildcard routes; a wildcard route also against every older claimant of the
     * domain. So the routes of the changed hosts and of the wildcard routes' hosts are judged
     * again, with the claimants outside them that can block a wildcard route (per wildcard
     * route, the oldest from another namespace) holding their claims. Outside those hosts,
     * a route's decision could only change through a wildcard route's claim; if a wildcard
     * route gains or loses its claim, the whole domain is judged.
     */
    const judgeAround = (
      group: string,
      members: Set<string>,
      wildcards: Set<string>,
      hosts: Set<string>,
    ): void => {
      const byHost = groupHosts.get(group)!;
      const judgedHosts = new Set(hosts);
      for (const w of wildcards) judgedHosts.add(prepared.get(w)!.candidate.host);
      const keys: string[] = [];
      for (const h of judgedHosts) for (const k of byHost.get(h) ?? []) keys.push(k);
      if (keys.length * 2 > members.size) {
        judge(members);
        return;
      }
      const inside = new Set(keys);
      const wild = [...wildcards].map((k) => prepared.get(k)!.candidate);
      const held: (AdmissionCandidate | undefined)[] = wild.map(() => undefined);
      if (namespaceOwnership === 'Strict') {
        for (const k of members) {
          if (inside.has(k) || !claimants.has(k)) continue;
          const c = prepared.get(k)!.candidate;
          for (let i = 0; i < wild.length; i++) {
            const best = held[i];
            if (c.namespace !== wild[i]!.namespace && (best === undefined || compareRouteAge(c, best) < 0)) {
              held[i] = c;
            }
          }
        }
      }
      work.admissions += keys.length;
      const claimed = new Set<string>();
      const result = admitGroupWithClaims(
        keys.map((k) => prepared.get(k)!.candidate),
        ownership,
        [...new Set(held.filter((c) => c !== undefined))],
        claimed,
      );
      for (const w of wildcards) {
        if (claimed.has(w) !== claimants.has(w)) {
          judge(members);
          return;
        }
      }
      record(keys, result, claimed);
    };
    for (const [g, hosts] of dirtyGroups) {
      const members = groups.get(g);
      if (!members) continue;
      const wildcards = groupWildcards.get(g);
      if (hosts === 'all') judge(members);
      else if (wildcards !== undefined) judgeAround(g, members, wildcards, hosts);
      else for (const h of hosts) judge(groupHosts.get(g)?.get(h) ?? []);
    }

    // Entries and statuses of changed routes.
    const entryUpdates = new Map<string, RouteEntry | undefined>();
    for (const k of dirtyRoutes) {
      const p = prepared.get(k);
      if (!p) {
        decisions.delete(k);
        if (statuses.has(k)) statusUpdates.set(k, undefined);
        if (table.routes.has(k)) entryUpdates.set(k, undefined);
        continue;
      }
      const d = decisions.get(k)!;
      const oldStatus = statuses.get(k);
      const status = buildStatus(k, p, d);
      if (!oldStatus || !deepEqual(oldStatus, status)) statusUpdates.set(k, status);
      const oldEntry = table.routes.get(k);
      if (d.admitted) {
        const entry = buildEntry(k, p, oldEntry);
        work.entries += 1;
        if (entry !== oldEntry) entryUpdates.set(k, entry);
      } else if (oldEntry) {
        entryUpdates.set(k, undefined);
      }
    }

    const previous = table;
    const diff = {
      added: [] as string[],
      removed: [] as string[],
      changed: [] as string[],
      serversOnly: [] as string[],
    };
    if (entryUpdates.size > 0) {
      const routesMap = (table.routes as PersistentMap<RouteEntry>).withChanges(entryUpdates);
      if (routesMap !== table.routes) table = Object.freeze({ routes: routesMap });
      for (const [k, next] of entryUpdates) {
        const kind = classifyEntryChange(previous.routes.get(k), next);
        if (kind !== undefined) diff[kind].push(k);
      }
      for (const list of Object.values(diff)) list.sort();
    }
    if (statusUpdates.size > 0) {
      for (const v of statusUpdates.values()) if (v !== undefined) freeze(v, true);
      statuses = statuses.withChanges(statusUpdates);
    }
    return {
      previous,
      table,
      diff,
      statusesChanged: [...statusUpdates.keys()].sort(),
      ignored,
      recomputed: work,
    };
  }

  return {
    apply,
    get table() {
      return table;
    },
    get statuses() {
      return statuses;
    },
    get synced() {
      return synced;
    },
    getRoute(key: string): Route | undefined {
      return routes.get(key);
    },
    get counts() {
      return { routes: routes.size, services: services.size, endpointSlices: slices.size };
    },
  };
}

/**
 * Builds a table and statuses from a set of objects in one go (a store fed every object, then
 * `synced`).
 *
 * @param objects - Routes, Services, EndpointSlices, ... in any order
 * @param options - store options
 * @returns the routing table and the statuses
 * @throws RouteModelError `ERR_ROUTE_MODEL_INVALID_OPTIONS` for invalid options
 * @example
 * const { table, statuses } = buildRoutingTable(parseManifests(text).objects, { allowLoopbackEndpoints: true });
 */
export function buildRoutingTable(
  objects: Iterable<RouterObject>,
  options: RouteStoreOptions = {},
): { table: RoutingTable; statuses: ReadonlyMap<string, RouteAdmissionStatus> } {
  const store = createRouteStore(options);
  const events: RouterEvent[] = [];
  for (const object of objects) events.push({ type: 'upsert', object });
  events.push({ type: 'synced' });
  store.apply(events);
  return { table: store.table, statuses: store.statuses };
}
