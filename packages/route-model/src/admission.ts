/**
 * Admission and host ownership (reference §2): host rewriting, domain allow and deny lists,
 * HostAdmitter's wildcard ownership, UniqueHost's host and path ownership.
 *
 * Upstream is a chain of stateful plugins whose result can depend on event order. Switchyard
 * computes the same decisions as a pure function of the current set of routes: the result is
 * what OpenShift reaches when it (re)starts and lists every route oldest first. That makes the
 * admission result independent of event order, and lets the store recompute only the routes
 * that share a host (or, with wildcards, a domain) with a changed route.
 */
import type { Route } from './types.ts';
import { compareBytes, domainForHost, timestampMillis } from './internal/util.ts';

/** `namespaceOwnership` of the IngressController: OpenShift's SameNamespace and OldestFirst. */
export type NamespaceOwnership = 'Strict' | 'InterNamespaceAllowed';

/** Condition reasons the store emits for a route that is not admitted. */
export type RouteRejectionReason =
  | 'InvalidRoute'
  | 'RouteNotAdmitted'
  | 'HostAlreadyClaimed'
  | 'NoHostValue'
  | 'InvalidHost'
  | 'ExtendedValidationFailed'
  | 'ExternalCertificateValidationFailed';

/** Host rewriting settings (OpenShift `ROUTER_DOMAIN`, `ROUTER_SUBDOMAIN`, ...). */
export interface HostRewriteOptions {
  /** `ROUTER_DOMAIN`: a route with no host and a `spec.subdomain` gets `<subdomain>.<routerDomain>`. */
  readonly routerDomain?: string;
  /** `ROUTER_SUBDOMAIN`: hostname template such as `${name}-${namespace}.apps.example.com`. */
  readonly hostnameTemplate?: string;
  /** `ROUTER_OVERRIDE_HOSTNAME`: apply the template to every route, not only those without a host. */
  readonly overrideHostname?: boolean;
  /** `ROUTER_OVERRIDE_DOMAINS`: apply the template to hosts in these domains. */
  readonly overrideDomains?: readonly string[];
}

/**
 * `hostInDomainList`: the host or any suffix obtained by dropping leading labels is in the list.
 *
 * @param host - a host name
 * @param domains - domain names
 * @returns true if the host is in one of the domains
 */
export function hostInDomainList(host: string, domains: ReadonlySet<string> | readonly string[]): boolean {
  const set = domains instanceof Set ? domains : new Set(domains as readonly string[]);
  if (set.size === 0) return false;
  let h = host;
  for (;;) {
    if (set.has(h)) return true;
    const i = h.indexOf('.');
    if (i < 0) return false;
    h = h.slice(i + 1);
  }
}

/**
 * Expands a hostname template with `${name}` and `${namespace}` (OpenShift `expandStrict`).
 * Surrounding quotes are trimmed.
 *
 * @param template - e.g. `${name}-${namespace}.apps.example.com`
 * @param name - route name
 * @param namespace - route namespace
 * @returns the host, or undefined when the template uses another key (the rewrite is skipped)
 */
export function expandHostnameTemplate(
  template: string,
  name: string,
  namespace: string,
): string | undefined {
  const t = template.replace(/^["']+|["']+$/g, '');
  let failed = false;
  const out = t.replace(
    /\$\{([^}]*)\}|\$\(([^)]*)\)|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, a?: string, b?: string, c?: string) => {
      const key = a ?? b ?? c ?? '';
      if (key === 'name') return name;
      if (key === 'namespace') return namespace;
      failed = true;
      return '';
    },
  );
  return failed ? undefined : out;
}

/**
 * The host OpenShift judges a route with (`RouteUpdate`, reference §2.1).
 *
 * @param route - the route
 * @param options - rewriting settings
 * @returns the rewritten host ("" when there is none)
 */
export function rewriteRouteHost(route: Route, options: HostRewriteOptions): string {
  let host = typeof route.spec?.host === 'string' ? route.spec.host : '';
  const sub = route.spec?.subdomain;
  if (host === '' && typeof sub === 'string' && sub !== '' && options.routerDomain) {
    host = `${sub}.${options.routerDomain}`;
  }
  if (
    options.hostnameTemplate &&
    (options.overrideHostname === true ||
      host === '' ||
      hostInDomainList(host, options.overrideDomains ?? []))
  ) {
    const expanded = expandHostnameTemplate(
      options.hostnameTemplate,
      route.metadata?.name ?? '',
      route.metadata?.namespace ?? '',
    );
    if (expanded !== undefined) host = expanded;
  }
  return host;
}

/** The facts about one route that admission needs. */
export interface AdmissionCandidate {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** creationTimestamp in ms at 1 s resolution (-Infinity when absent). */
  readonly created: number;
  readonly host: string;
  readonly path: string;
  /** `wildcardPolicy: Subdomain` and wildcard routes allowed. */
  readonly wildcard: boolean;
  /** `spec.tls` is set. */
  readonly hasTls: boolean;
  readonly passthrough: boolean;
  /** First failing stage before ownership, if any. */
  readonly apiError?: string;
  /** RouteNotAdmitted message from the admission function. */
  readonly admissionError?: string;
  /** InvalidHost message. */
  readonly hostError?: string;
  /** ExtendedValidationFailed message. */
  readonly tlsError?: string;
  /** ExternalCertificateValidationFailed message (missing or wrong secret). */
  readonly externalCertificateError?: string;
}

/** Admission decision for one route. */
export type AdmissionDecision =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly reason: RouteRejectionReason; readonly message: string };

/**
 * OpenShift's `RouteLessThan`: older creationTimestamp first, ties broken by UID (not name).
 *
 * @returns negative if `a` is older
 */
export function compareRouteAge(
  a: { created: number; uid: string; key?: string },
  b: { created: number; uid: string; key?: string },
): number {
  if (a.created !== b.created) return a.created < b.created ? -1 : 1;
  const byUid = compareBytes(a.uid, b.uid);
  if (byUid !== 0) return byUid;
  // Not upstream: a stable last resort so the result never depends on input order.
  return compareBytes(a.key ?? '', b.key ?? '');
}

/**
 * `RouteLessThan` on Route objects.
 *
 * @param a - a route
 * @param b - another route
 * @returns true if `a` is older (creationTimestamp, then UID)
 */
export function routeLessThan(a: Route, b: Route): boolean {
  return (
    compareRouteAge(
      { created: timestampMillis(a.metadata?.creationTimestamp), uid: a.metadata?.uid ?? '' },
      { created: timestampMillis(b.metadata?.creationTimestamp), uid: b.metadata?.uid ?? '' },
    ) < 0
  );
}

/** Settings that decide ownership. */
export interface OwnershipOptions {
  readonly namespaceOwnership: NamespaceOwnership;
  readonly allowWildcardRoutes: boolean;
}

const reject = (reason: RouteRejectionReason, message: string): AdmissionDecision => ({
  admitted: false,
  reason,
  message,
});

/** HostAdmitter's check of `r` against an already accepted (older) route `a`; a message on conflict. */
/** Same namespace, or namespace ownership not enforced: HostAdmitter's "same scope". */
function sameScope(a: AdmissionCandidate, r: AdmissionCandidate, strict: boolean): boolean {
  return a.namespace === r.namespace || !strict;
}

/** HostAdmitter's three ownership maps, filled with accepted routes in age order. */
class HostClaims {
  readonly claimedHosts = new Map<string, AdmissionCandidate[]>();
  readonly claimedWildcards = new Map<string, AdmissionCandidate[]>();
  readonly blockedWildcards = new Map<string, AdmissionCandidate[]>();

  /**
   * `displacedRoutes` for a route younger than every accepted one: the first conflict, checked
   * map by map in upstream's order, as the detailed message and the owner.
   */
  conflict(
    r: AdmissionCandidate,
    strict: boolean,
  ): { owner: AdmissionCandidate; detail: string } | undefined {
    const domain = domainForHost(r.host);
    for (const a of this.claimedHosts.get(r.host) ?? []) {
      if (sameScope(a, r, strict) ? !r.wildcard && a.path === r.path : true) {
        return { owner: a, detail: `route ${a.namespace}/${a.name} has host ${a.host}` };
      }
    }
    for (const a of this.claimedWildcards.get(domain) ?? []) {
      if (sameScope(a, r, strict) ? r.wildcard && a.path === r.path : true) {
        return {
          owner: a,
          detail: `wildcard route ${a.namespace}/${a.name} has host *.${domain}, blocking ${r.host}`,
        };
      }
    }
    if (r.wildcard) {
      for (const a of this.blockedWildcards.get(domain) ?? []) {
        if (!sameScope(a, r, strict))
          return {
            owner: a,
            detail: `route ${a.namespace}/${a.name} has host ${a.host}, blocking *.${domain}`,
          };
      }
    }
    return undefined;
  }

  add(r: AdmissionCandidate): void {
    const push = (m: Map<string, AdmissionCandidate[]>, k: string): void => {
      const list = m.get(k);
      if (list) list.push(r);
      else m.set(k, [r]);
    };
    const domain = domainForHost(r.host);
    if (r.wildcard) push(this.claimedWildcards, domain);
    else {
      push(this.claimedHosts, r.host);
      push(this.blockedWildcards, domain);
    }
  }
}

function uniqueHostConflict(existing: AdmissionCandidate, r: AdmissionCandidate): boolean {
  if (existing.path === r.path) return true;
  return existing.hasTls && r.hasTls && (existing.passthrough || r.passthrough);
}

/**
 * Decides admission for a group of routes that can only affect each other: all routes with the
 * same host, or, with wildcard routes allowed, the same domain. Stages, in OpenShift's plugin
 * order: API validation (`InvalidRoute`), the admission function (`RouteNotAdmitted`),
 * HostAdmitter ownership (wildcards allowed only), `NoHostValue`/`InvalidHost`, UniqueHost
 * ownership (`HostAlreadyClaimed`), extended validation (`ExtendedValidationFailed`). As upstream,
 * a route rejected by extended validation still holds its host.
 *
 * @param group - the candidates (any order)
 * @param options - ownership settings
 * @returns one decision per candidate key
 */
export function admitGroup(
  group: readonly AdmissionCandidate[],
  options: OwnershipOptions,
): Map<string, AdmissionDecision> {
  return admitGroupWithClaims(group, options, [], undefined);
}

/**
 * {@link admitGroup} over part of a group. `held` are routes outside `group` known to hold their
 * claims in HostAdmitter's ownership maps (they passed it when the whole group was last judged):
 * they take their place in the age order and claim, and get no decision. `claimed`, when given,
 * receives the keys of the routes of `group` that passed HostAdmitter and claimed (wildcard
 * routes allowed only). The store uses both to judge a change in a domain that holds a wildcard
 * route without judging every route of the domain.
 * @internal
 */
export function admitGroupWithClaims(
  group: readonly AdmissionCandidate[],
  options: OwnershipOptions,
  held: readonly AdmissionCandidate[],
  claimed: Set<string> | undefined,
): Map<string, AdmissionDecision> {
  const out = new Map<string, AdmissionDecision>();
  const strict = options.namespaceOwnership === 'Strict';
  const heldSet = held.length > 0 ? new Set(held) : undefined;
  const sorted = (heldSet === undefined ? [...group] : [...group, ...held]).sort(compareRouteAge);

  // HostAdmitter (ownership maps only with wildcard routes allowed).
  const passedHostAdmitter: AdmissionCandidate[] = [];
  const claims = new HostClaims();
  for (const r of sorted) {
    if (heldSet?.has(r)) {
      claims.add(r);
      continue;
    }
    if (r.apiError !== undefined) {
      out.set(r.key, reject('InvalidRoute', r.apiError));
      continue;
    }
    if (r.admissionError !== undefined) {
      out.set(r.key, reject('RouteNotAdmitted', r.admissionError));
      continue;
    }
    if (options.allowWildcardRoutes && r.host !== '') {
      const c = claims.conflict(r, strict);
      if (c !== undefined) {
        const message =
          c.owner.namespace === r.namespace ? c.detail : `a route in another namespace holds host ${r.host}`;
        out.set(r.key, reject('HostAlreadyClaimed', message));
        continue;
      }
      claims.add(r);
      claimed?.add(r.key);
    }
    passedHostAdmitter.push(r);
  }

  // UniqueHost: NoHostValue, InvalidHost, then ownership per host.
  const byHost = new Map<string, AdmissionCandidate[]>();
  for (const r of passedHostAdmitter) {
    if (r.host === '') {
      out.set(r.key, reject('NoHostValue', 'no host value was defined for the route'));
      continue;
    }
    if (r.hostError !== undefined) {
      out.set(r.key, reject('InvalidHost', r.hostError));
      continue;
    }
    let list = byHost.get(r.host);
    if (!list) byHost.set(r.host, (list = []));
    list.push(r);
  }
  for (const [host, list] of byHost) {
    const active: AdmissionCandidate[] = [];
    const ownerNs = list[0]!.namespace;
    for (const r of list) {
      const inScope = !strict || r.namespace === ownerNs;
      if (inScope && !active.some((a) => uniqueHostConflict(a, r))) {
        active.push(r);
        out.set(
          r.key,
          // RouteSecretManager and ExtendedValidator come after UniqueHost: the route keeps the host.
          r.externalCertificateError !== undefined
            ? reject('ExternalCertificateValidationFailed', r.externalCertificateError)
            : r.tlsError !== undefined
              ? reject('ExtendedValidationFailed', r.tlsError)
              : { admitted: true },
        );
        continue;
      }
      const owner = active[0]!;
      const message =
        owner.namespace === r.namespace
          ? `route ${owner.name} already exposes ${host} and is older`
          : `a route in another namespace holds ${host} and is older than ${r.name}`;
      out.set(r.key, reject('HostAlreadyClaimed', message));
    }
  }
  return out;
}

/**
 * The admission function (`RouteAdmissionFunc`, reference §2.2): deny list, allow list, wildcard
 * policy.
 *
 * @param host - the host after rewriting
 * @param wildcardPolicy - `spec.wildcardPolicy`
 * @param options - lists (as sets) and the wildcard switch
 * @returns the RouteNotAdmitted message, or undefined if admitted
 */
export function checkAdmissionFunction(
  host: string,
  wildcardPolicy: string,
  options: {
    allowedDomains: ReadonlySet<string>;
    deniedDomains: ReadonlySet<string>;
    allowWildcardRoutes: boolean;
  },
): string | undefined {
  if (hostInDomainList(host, options.deniedDomains)) return 'host in list of denied domains';
  if (options.allowedDomains.size > 0 && !hostInDomainList(host, options.allowedDomains)) {
    return 'host not in the allowed list of domains';
  }
  if (wildcardPolicy === '' || wildcardPolicy === 'None') return undefined;
  if (wildcardPolicy === 'Subdomain')
    return options.allowWildcardRoutes ? undefined : 'wildcard routes are not allowed';
  return `unknown wildcard policy ${wildcardPolicy}`;
}
