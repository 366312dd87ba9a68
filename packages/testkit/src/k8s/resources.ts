/** What the test API server knows about one resource type. */
export interface K8sResourceType {
  /** Plural path segment, e.g. `routes`. */
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  /** API group; `''` is the core group (`/api/v1`). */
  readonly group: string;
  readonly version: string;
  readonly namespaced: boolean;
  /** Whether `status` is a subresource (PUT on the object ignores status, PUT on /status ignores the rest). */
  readonly hasStatus: boolean;
  readonly shortNames: readonly string[];
}

/** The resource types the test API server serves. */
export const K8S_RESOURCE_TYPES: readonly K8sResourceType[] = [
  {
    plural: 'routes',
    singular: 'route',
    kind: 'Route',
    group: 'route.openshift.io',
    version: 'v1',
    namespaced: true,
    hasStatus: true,
    shortNames: [],
  },
  {
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    group: '',
    version: 'v1',
    namespaced: true,
    hasStatus: true,
    shortNames: ['svc'],
  },
  {
    plural: 'endpointslices',
    singular: 'endpointslice',
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    version: 'v1',
    namespaced: true,
    hasStatus: false,
    shortNames: [],
  },
  {
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    group: '',
    version: 'v1',
    namespaced: false,
    hasStatus: true,
    shortNames: ['ns'],
  },
  {
    plural: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    group: '',
    version: 'v1',
    namespaced: true,
    hasStatus: false,
    shortNames: [],
  },
];

/** `apiVersion` string of a resource type (`v1`, `route.openshift.io/v1`). */
export function apiVersionOf(t: K8sResourceType): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

/** Finds a resource type by group, version and plural. */
export function findResourceType(
  group: string,
  version: string,
  plural: string,
): K8sResourceType | undefined {
  return K8S_RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/** Finds a resource type by `apiVersion` and `kind` (as on an object). */
export function findResourceTypeByKind(apiVersion: string, kind: string): K8sResourceType | undefined {
  return K8S_RESOURCE_TYPES.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
}

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** `/api` (APIVersions). */
export function coreVersionsDocument(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** `/apis` (APIGroupList). */
export function groupListDocument(): unknown {
  const groups = new Map<string, string[]>();
  for (const t of K8S_RESOURCE_TYPES) {
    if (t.group === '') continue;
    const versions = groups.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    groups.set(t.group, versions);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => groupDocumentBody(name, versions)),
  };
}

function groupDocumentBody(name: string, versions: readonly string[]): Record<string, unknown> {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

/** `/apis/<group>` (APIGroup), or undefined for an unknown group. */
export function groupDocument(group: string): unknown {
  const versions = [...new Set(K8S_RESOURCE_TYPES.filter((t) => t.group === group).map((t) => t.version))];
  if (versions.length === 0) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDocumentBody(group, versions) };
}

/** `/api/v1` or `/apis/<group>/<version>` (APIResourceList), or undefined when unknown. */
export function resourceListDocument(group: string, version: string): unknown {
  const types = K8S_RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources: unknown[] = [];
  for (const t of types) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      shortNames: t.shortNames.length > 0 ? t.shortNames : undefined,
    });
    if (t.hasStatus) {
      resources.push({
        name: `${t.plural}/status`,
        singularName: '',
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources,
  };
}
