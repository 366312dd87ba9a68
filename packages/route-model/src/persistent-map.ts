/**
 * An immutable map with structural sharing, used for `RoutingTable.routes` and the store's
 * statuses. A plain `Map` must be copied whole on every change (about 1 ms at 10 000 routes on a
 * slow core, twice per change); this one copies one small bucket and an array of bucket
 * pointers, so a single change costs microseconds. Iteration is in ascending key order (byte
 * order for ASCII keys), which is the order OpenShift's templates range over routes.
 */

const BUCKETS = 1024;

function bucketOf(key: string): number {
  // FNV-1a over UTF-16 code units: cheap and well spread for `ns:name` keys.
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & (BUCKETS - 1);
}

function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The base Map's own methods, for the entries kept in it (this class overrides set to throw).
const mapGet = Map.prototype.get;
const mapHas = Map.prototype.has;
const mapSet = Map.prototype.set;
const mapForEach = Map.prototype.forEach;

const EMPTY_BUCKETS: readonly (ReadonlyMap<string, unknown> | undefined)[] = Object.freeze(
  new Array(BUCKETS).fill(undefined),
);

/**
 * An immutable map iterated in ascending key order. Create new versions with
 * {@link PersistentMap.withChanges}; unchanged parts are shared between versions.
 *
 * It is a real `Map`: the base Map holds every entry in ascending key order, so `instanceof Map`,
 * `new Map(x)`, `Map.prototype.get.call(x, k)`, and `structuredClone`/`postMessage`/`child.send`
 * (which copy a Map's internal entries, giving a plain Map) all see the data. The bucket
 * structure beside it only makes `withChanges` and `changedKeys` cheap. `set`, `delete` and
 * `clear` throw.
 *
 * @example
 * const a = PersistentMap.empty<number>().withChanges(new Map([['b', 2], ['a', 1]]));
 * [...a.keys()] // ['a', 'b']
 */
export class PersistentMap<V> extends Map<string, V> {
  readonly #buckets: readonly (ReadonlyMap<string, V> | undefined)[];
  readonly #keys: readonly string[];

  private constructor(
    buckets: readonly (ReadonlyMap<string, V> | undefined)[],
    keys: readonly string[],
    /** The version this one derives from and its changes, when no key was added. */
    previous?: PersistentMap<V>,
    changes?: ReadonlyMap<string, V | undefined>,
  ) {
    super();
    this.#buckets = buckets;
    this.#keys = keys;
    // Fill the base Map (what structured clone copies) in key order; measured in bench/index.ts.
    if (previous !== undefined && changes !== undefined) {
      // No key added: the previous order with removed keys skipped is still ascending, and
      // setting an existing key keeps its position, so copy natively and then patch.
      mapForEach.call(previous, (v: V, k: string) => {
        if (changes.get(k) !== undefined || !changes.has(k)) mapSet.call(this, k, v);
      });
      for (const [k, v] of changes) if (v !== undefined && mapHas.call(this, k)) mapSet.call(this, k, v);
    } else {
      for (const k of keys) mapSet.call(this, k, buckets[bucketOf(k)]!.get(k) as V);
    }
    Object.freeze(this);
  }

  /**
   * The empty map.
   *
   * @returns an empty PersistentMap
   */
  static empty<V>(): PersistentMap<V> {
    return new PersistentMap<V>(
      EMPTY_BUCKETS as readonly (ReadonlyMap<string, V> | undefined)[],
      Object.freeze([]),
    );
  }

  /**
   * Builds a map from entries.
   *
   * @param entries - key/value pairs (later ones win)
   * @returns a new PersistentMap
   */
  static from<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    const changes = new Map<string, V | undefined>();
    for (const [k, v] of entries) changes.set(k, v);
    return PersistentMap.empty<V>().withChanges(changes);
  }

  /**
   * A new version with some keys set (a value) or removed (`undefined`). Returns `this` when
   * nothing changes.
   *
   * @param changes - key → new value, or undefined to delete
   * @returns the new version
   */
  withChanges(changes: ReadonlyMap<string, V | undefined>): PersistentMap<V> {
    if (changes.size === 0) return this;
    const buckets = [...this.#buckets];
    const copied = new Set<number>();
    const added: string[] = [];
    const removed = new Set<string>();
    let touched = false;
    for (const [k, v] of changes) {
      const b = bucketOf(k);
      const old = buckets[b];
      const had = old?.has(k) ?? false;
      if (v === undefined && !had) continue;
      if (v !== undefined && had && old!.get(k) === v) continue;
      let m: Map<string, V>;
      if (copied.has(b)) m = buckets[b] as Map<string, V>;
      else {
        m = new Map(old);
        buckets[b] = m;
        copied.add(b);
      }
      touched = true;
      if (v === undefined) {
        m.delete(k);
        removed.add(k);
      } else {
        if (!had) added.push(k);
        m.set(k, v);
      }
    }
    if (!touched) return this;
    for (const b of copied) if ((buckets[b] as Map<string, V>).size === 0) buckets[b] = undefined;
    let keys = this.#keys;
    if (added.length > 0 || removed.size > 0) {
      const next = removed.size > 0 ? keys.filter((k) => !removed.has(k)) : [...keys];
      if (added.length > 0 && added.length * 16 < next.length) {
        for (const k of added) next.splice(lowerBound(next, k), 0, k);
      } else if (added.length > 0) {
        next.push(...added);
        next.sort();
      }
      keys = Object.freeze(next);
    }
    return added.length === 0
      ? new PersistentMap<V>(Object.freeze(buckets), keys, this, changes)
      : new PersistentMap<V>(Object.freeze(buckets), keys);
  }

  /**
   * Keys whose values differ (by identity) between this map and another version, using shared
   * buckets to skip unchanged parts.
   *
   * @param other - another version
   * @returns keys present in only one of them or with different values, in no particular order
   */
  changedKeys(other: PersistentMap<V>): string[] {
    const out: string[] = [];
    const a = this.#buckets;
    const b = other.#buckets;
    for (let i = 0; i < BUCKETS; i++) {
      const x = a[i];
      const y = b[i];
      if (x === y) continue;
      if (x) for (const [k, v] of x) if (y?.get(k) !== v || !y.has(k)) out.push(k);
      if (y) for (const k of y.keys()) if (!x?.has(k)) out.push(k);
    }
    return out;
  }

  override get size(): number {
    return this.#keys.length;
  }

  override get(key: string): V | undefined {
    return mapGet.call(this, key) as V | undefined;
  }

  override has(key: string): boolean {
    return mapHas.call(this, key);
  }

  override *keys(): MapIterator<string> {
    yield* this.#keys;
  }

  override *values(): MapIterator<V> {
    for (const k of this.#keys) yield this.get(k)!;
  }

  override *entries(): MapIterator<[string, V]> {
    for (const k of this.#keys) yield [k, this.get(k)!];
  }

  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  override forEach(callback: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    for (const k of this.#keys) callback.call(thisArg, this.get(k)!, k, this);
  }

  /** Always throws: the map is immutable (use {@link PersistentMap.withChanges}). */
  override set(_key: string, _value: V): this {
    throw new TypeError('PersistentMap is immutable: use withChanges()');
  }

  /** Always throws: the map is immutable (use {@link PersistentMap.withChanges}). */
  override delete(_key: string): boolean {
    throw new TypeError('PersistentMap is immutable: use withChanges()');
  }

  /** Always throws: the map is immutable. */
  override clear(): void {
    throw new TypeError('PersistentMap is immutable: use withChanges()');
  }

  /** Plain object form, for logs and JSON. */
  toJSON(): Record<string, V> {
    return Object.fromEntries(this.entries());
  }
}
