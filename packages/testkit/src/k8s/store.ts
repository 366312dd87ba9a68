import { randomUUID } from 'node:crypto';
import { type K8sLabelSelector, matchesLabelSelector } from './label-selector.ts';
import { apiVersionOf, findResourceTypeByKind, type K8sResourceType } from './resources.ts';

/** A Kubernetes object as JSON. */
export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A watch event type as the API sends it. */
export type K8sWatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change recorded in the history (what watches replay from a resourceVersion). */
export interface K8sHistoryEntry {
  readonly resourceVersion: number;
  readonly type: K8sWatchEventType;
  readonly resource: K8sResourceType;
  /** The object after the change (for DELETED: the last state, with the deletion's resourceVersion). */
  readonly object: K8sObject;
  /** The object before the change (undefined for ADDED); lets selector watches turn a label change into ADDED/DELETED. */
  readonly previous: K8sObject | undefined;
}

/** A failure the API server answers with a `Status` object. */
export class K8sStatusError extends Error {
  override readonly name = 'K8sStatusError';
  readonly code: number;
  readonly reason: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: number, reason: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
  /** The `Status` body the API server sends. */
  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** A `fieldSelector` this server supports: equality on `metadata.name` / `metadata.namespace`. */
export type K8sFieldSelector = readonly {
  readonly field: string;
  readonly value: string;
  readonly negate: boolean;
}[];

/** Parses the supported subset of field selectors. */
export function parseFieldSelector(text: string | undefined | null): K8sFieldSelector {
  if (!text) return [];
  return text.split(',').map((term) => {
    const m = /^\s*([a-zA-Z.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!m || (m[1] !== 'metadata.name' && m[1] !== 'metadata.namespace')) {
      throw new K8sStatusError(400, 'BadRequest', `field label not supported: ${term}`);
    }
    return { field: m[1], value: m[3] as string, negate: m[2] === '!=' };
  });
}

function matchesFields(selector: K8sFieldSelector, obj: K8sObject): boolean {
  for (const f of selector) {
    const v = f.field === 'metadata.name' ? obj.metadata.name : obj.metadata.namespace;
    if ((v === f.value) === f.negate) return false;
  }
  return true;
}

/** Filter for lists and watches. */
export interface K8sObjectFilter {
  readonly namespace?: string | undefined;
  readonly labelSelector?: K8sLabelSelector | undefined;
  readonly fieldSelector?: K8sFieldSelector | undefined;
}

/** Whether an object passes a list/watch filter. */
export function matchesFilter(filter: K8sObjectFilter, obj: K8sObject): boolean {
  if (filter.namespace !== undefined && obj.metadata.namespace !== filter.namespace) return false;
  if (filter.labelSelector && !matchesLabelSelector(filter.labelSelector, obj.metadata.labels)) return false;
  if (filter.fieldSelector && !matchesFields(filter.fieldSelector, obj)) return false;
  return true;
}

function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Comparable JSON of an object without its resourceVersion (to make no-op writes no-ops). */
function contentOf(obj: K8sObject): string {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  return JSON.stringify({ ...obj, metadata: meta });
}

/** Options of {@link K8sObjectStore}. */
export interface K8sObjectStoreOptions {
  /**
   * How many changes the history keeps before the oldest are compacted away (like etcd
   * compaction): a watch from an older resourceVersion gets 410 Gone.
   * @default 100000
   */
  readonly historyLimit?: number;
}

/**
 * The object store behind the test API server: objects by resource type, a global
 * resourceVersion counter, a change history for watches, and compaction.
 */
export class K8sObjectStore {
  #rv = 1000;
  #compactedRv = 1000;
  readonly #objects = new Map<string, Map<string, K8sObject>>();
  #history: K8sHistoryEntry[] = [];
  readonly #listeners = new Set<(e: K8sHistoryEntry) => void>();
  readonly #historyLimit: number;

  constructor(options: K8sObjectStoreOptions = {}) {
    this.#historyLimit = options.historyLimit ?? 100_000;
  }

  /** The current (latest) resourceVersion. */
  get resourceVersion(): number {
    return this.#rv;
  }

  /** Watches from a resourceVersion below this one get 410 Gone. */
  get compactedResourceVersion(): number {
    return this.#compactedRv;
  }

  /** Subscribes to every change; returns the unsubscribe function. */
  subscribe(listener: (e: K8sHistoryEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #bucket(t: K8sResourceType): Map<string, K8sObject> {
    let b = this.#objects.get(t.plural);
    if (!b) {
      b = new Map();
      this.#objects.set(t.plural, b);
    }
    return b;
  }

  #record(type: K8sWatchEventType, resource: K8sResourceType, object: K8sObject, previous?: K8sObject): void {
    const entry: K8sHistoryEntry = {
      resourceVersion: this.#rv,
      type,
      resource,
      object: clone(object),
      previous: previous ? clone(previous) : undefined,
    };
    this.#history.push(entry);
    if (this.#history.length > this.#historyLimit) {
      const drop = this.#history.length - this.#historyLimit;
      this.#compactedRv = (this.#history[drop - 1] as K8sHistoryEntry).resourceVersion;
      this.#history = this.#history.slice(drop);
    }
    for (const l of this.#listeners) l(entry);
  }

  /** Resolves the resource type of an object from its apiVersion and kind. */
  typeOf(obj: K8sObject): K8sResourceType {
    const t = findResourceTypeByKind(obj.apiVersion ?? '', obj.kind ?? '');
    if (!t) {
      throw new K8sStatusError(
        400,
        'BadRequest',
        `object ${obj.metadata?.name ?? '(unnamed)'}: unknown apiVersion/kind "${obj.apiVersion}" "${obj.kind}"`,
      );
    }
    return t;
  }

  #checkTarget(
    t: K8sResourceType,
    obj: K8sObject,
    namespace: string | undefined,
  ): { ns: string | undefined; name: string } {
    if (!obj || typeof obj !== 'object' || !obj.metadata || typeof obj.metadata !== 'object') {
      throw new K8sStatusError(400, 'BadRequest', `${t.kind}: metadata is required`);
    }
    const ns = t.namespaced ? (namespace ?? obj.metadata.namespace ?? 'default') : undefined;
    if (t.namespaced && obj.metadata.namespace !== undefined && obj.metadata.namespace !== ns) {
      throw new K8sStatusError(
        400,
        'BadRequest',
        `the namespace of the provided object (${obj.metadata.namespace}) does not match the namespace sent on the request (${ns})`,
      );
    }
    let name = obj.metadata.name;
    if (!name && obj.metadata.generateName) name = `${obj.metadata.generateName}${randomUUID().slice(0, 5)}`;
    if (!name)
      throw new K8sStatusError(
        422,
        'Invalid',
        `${t.kind} "": metadata.name: Required value: name or generateName is required`,
      );
    return { ns, name };
  }

  /** Creates an object (POST). 409 AlreadyExists when present. */
  create(t: K8sResourceType, input: K8sObject, namespace?: string): K8sObject {
    const { ns, name } = this.#checkTarget(t, input, namespace);
    const bucket = this.#bucket(t);
    const key = keyOf(ns, name);
    if (bucket.has(key)) {
      throw new K8sStatusError(
        409,
        'AlreadyExists',
        `${t.plural}${t.group ? `.${t.group}` : ''} "${name}" already exists`,
        {
          name,
          group: t.group,
          kind: t.plural,
        },
      );
    }
    this.#rv++;
    const obj = clone(input);
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    const { generateName: _g, ...meta } = obj.metadata;
    obj.metadata = {
      ...meta,
      name,
      ...(ns !== undefined ? { namespace: ns } : {}),
      uid: randomUUID(),
      resourceVersion: String(this.#rv),
      generation: 1,
      creationTimestamp: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    };
    bucket.set(key, obj);
    this.#record('ADDED', t, obj);
    return clone(obj);
  }

  #existing(t: K8sResourceType, ns: string | undefined, name: string): K8sObject {
    const cur = this.#bucket(t).get(keyOf(ns, name));
    if (!cur) {
      throw new K8sStatusError(
        404,
        'NotFound',
        `${t.plural}${t.group ? `.${t.group}` : ''} "${name}" not found`,
        {
          name,
          group: t.group,
          kind: t.plural,
        },
      );
    }
    return cur;
  }

  #checkVersion(t: K8sResourceType, input: K8sObject, cur: K8sObject, name: string): void {
    const want = input.metadata.resourceVersion;
    if (want !== undefined && want !== '' && want !== cur.metadata.resourceVersion) {
      throw new K8sStatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${t.plural}${t.group ? `.${t.group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, group: t.group, kind: t.plural },
      );
    }
  }

  #commit(
    t: K8sResourceType,
    cur: K8sObject,
    next: K8sObject,
    ns: string | undefined,
    name: string,
  ): K8sObject {
    next.apiVersion = apiVersionOf(t);
    next.kind = t.kind;
    next.metadata.resourceVersion = cur.metadata.resourceVersion as string;
    if (contentOf(next) === contentOf(cur)) return clone(cur);
    this.#rv++;
    next.metadata.resourceVersion = String(this.#rv);
    this.#bucket(t).set(keyOf(ns, name), next);
    this.#record('MODIFIED', t, next, cur);
    return clone(next);
  }

  /**
   * Replaces an object (PUT). 409 Conflict on a stale `metadata.resourceVersion`; with a status
   * subresource the stored status is kept. A write that changes nothing is a no-op (no new
   * resourceVersion, no watch event), as in Kubernetes.
   */
  update(t: K8sResourceType, input: K8sObject, namespace?: string): K8sObject {
    const { ns, name } = this.#checkTarget(t, input, namespace);
    const cur = this.#existing(t, ns, name);
    this.#checkVersion(t, input, cur, name);
    const next = clone(input);
    next.metadata = {
      ...next.metadata,
      name,
      ...(ns !== undefined ? { namespace: ns } : {}),
      uid: cur.metadata.uid as string,
      creationTimestamp: cur.metadata.creationTimestamp as string,
      generation: cur.metadata.generation ?? 1,
    };
    if (t.hasStatus) {
      if (cur.status === undefined) delete next.status;
      else next.status = clone(cur.status);
    }
    const { metadata: _a, status: _b, ...bodyNext } = next;
    const { metadata: _c, status: _d, ...bodyCur } = cur;
    if (JSON.stringify(bodyNext) !== JSON.stringify(bodyCur))
      next.metadata.generation = (cur.metadata.generation ?? 1) + 1;
    return this.#commit(t, cur, next, ns, name);
  }

  /** Replaces the status of an object (PUT `.../status`). 409 Conflict on a stale resourceVersion. */
  updateStatus(t: K8sResourceType, input: K8sObject, namespace?: string): K8sObject {
    if (!t.hasStatus) throw new K8sStatusError(404, 'NotFound', `${t.plural} has no status subresource`);
    const { ns, name } = this.#checkTarget(t, input, namespace);
    const cur = this.#existing(t, ns, name);
    this.#checkVersion(t, input, cur, name);
    const next = clone(cur);
    if (input.status === undefined) delete next.status;
    else next.status = clone(input.status);
    return this.#commit(t, cur, next, ns, name);
  }

  /** Deletes an object; 404 when missing, 409 when `resourceVersion` (a precondition) is stale. */
  delete(
    t: K8sResourceType,
    namespace: string | undefined,
    name: string,
    resourceVersion?: string,
  ): K8sObject {
    const ns = t.namespaced ? (namespace ?? 'default') : undefined;
    const cur = this.#existing(t, ns, name);
    if (resourceVersion !== undefined) this.#checkVersion(t, { metadata: { resourceVersion } }, cur, name);
    this.#rv++;
    this.#bucket(t).delete(keyOf(ns, name));
    const gone = clone(cur);
    gone.metadata.resourceVersion = String(this.#rv);
    this.#record('DELETED', t, gone, cur);
    return clone(gone);
  }

  /** Reads one object (404 when missing). */
  get(t: K8sResourceType, namespace: string | undefined, name: string): K8sObject {
    return clone(this.#existing(t, t.namespaced ? (namespace ?? 'default') : undefined, name));
  }

  /** Reads one object, or undefined. */
  find(t: K8sResourceType, namespace: string | undefined, name: string): K8sObject | undefined {
    const o = this.#bucket(t).get(keyOf(t.namespaced ? (namespace ?? 'default') : undefined, name));
    return o ? clone(o) : undefined;
  }

  /** Current objects passing the filter, sorted by namespace/name, and the resourceVersion they are at. */
  list(t: K8sResourceType, filter: K8sObjectFilter = {}): { items: K8sObject[]; resourceVersion: number } {
    const items: K8sObject[] = [];
    const keys = [...this.#bucket(t).keys()].sort();
    for (const k of keys) {
      const o = this.#bucket(t).get(k) as K8sObject;
      if (matchesFilter(filter, o)) items.push(clone(o));
    }
    return { items, resourceVersion: this.#rv };
  }

  /**
   * The changes to one resource type after `resourceVersion`, or `'expired'` when some of them
   * have been compacted away (the API's 410 Gone).
   */
  changesSince(t: K8sResourceType, resourceVersion: number): K8sHistoryEntry[] | 'expired' {
    if (resourceVersion < this.#compactedRv) return 'expired';
    const out: K8sHistoryEntry[] = [];
    // History is sorted by resourceVersion; a binary search would help at larger sizes.
    for (const e of this.#history) {
      if (e.resourceVersion > resourceVersion && e.resource === t) out.push(e);
    }
    return out;
  }

  /** Forgets the history up to `resourceVersion` (default: all of it). */
  compact(resourceVersion: number = this.#rv): void {
    const upTo = Math.min(resourceVersion, this.#rv);
    if (upTo <= this.#compactedRv) return;
    this.#compactedRv = upTo;
    this.#history = this.#history.filter((e) => e.resourceVersion > upTo);
  }
}
