// A hash table from byte-string keys (hosts, one char 0..255 per byte) to values, probed with a
// range of a larger string so a lookup never allocates the host substring.
//
// Why not a `Map`: at 100 000 hosts a `Map.get` of a random host misses the CPU caches several
// times (its bucket array, its entry, the key string, then the value object), and the fresh
// substring's hash must be computed anyway. Here the slots are one `Int32Array` of
// [hash, record offset] pairs and every key's bytes sit in one packed `Int32Array` arena next to
// the key's id, so a probe touches one slot line and one arena line before it reaches the value.
// Measured in bench/index.ts: this is what keeps 100 000 routes close to 100 routes.

const EMPTY = 0;
/** Header words of an arena record: byte length, id. The key bytes follow, 4 per word. */
const HEAD = 2;

/** FNV-1a over `s[start..end)`, never 0 (0 marks an empty slot). */
function hashRange(s: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 1;
}

/** Open addressing with linear probing and backward-shift deletion (no tombstones). */
export class HostTable<V, H = never> {
  #mask: number;
  /** Pairs: [hash, arena offset]; hash 0 is an empty slot. */
  #slots: Int32Array;
  #arena: Int32Array;
  #top = 0;
  /** Arena words held by deleted records, reclaimed by the next rebuild. */
  #garbage = 0;
  #size = 0;
  /** Values by id; ids of deleted keys are reused. */
  readonly #vals: (V | undefined)[] = [];
  readonly #keys: (string | undefined)[] = [];
  /**
   * A per-key shortcut the owner may set (the route index keeps a host's only answer here when
   * it has no paths), so the common lookup skips one object.
   */
  readonly #hot: (H | undefined)[] = [];
  readonly #freeIds: number[] = [];

  constructor() {
    this.#mask = 15;
    this.#slots = new Int32Array(32);
    this.#arena = new Int32Array(256);
  }

  get size(): number {
    return this.#size;
  }

  /** The id of `s[start..end)`, or -1. */
  find(s: string, start: number, end: number): number {
    const h = hashRange(s, start, end);
    const slots = this.#slots;
    const a = this.#arena;
    const len = end - start;
    const mask = this.#mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const sh = slots[2 * i] as number;
      if (sh === EMPTY) return -1;
      if (sh !== h) continue;
      const off = slots[2 * i + 1] as number;
      if (a[off] !== len) continue;
      let j = 0;
      for (; j < len; j++) {
        const b = ((a[off + HEAD + (j >> 2)] as number) >>> ((j & 3) << 3)) & 0xff;
        if (b !== s.charCodeAt(start + j)) break;
      }
      if (j === len) return a[off + 1] as number;
    }
  }

  /** The value with id `id` (from {@link find}). */
  at(id: number): V {
    return this.#vals[id] as V;
  }

  /** The shortcut stored for id `id`, if any. */
  hot(id: number): H | undefined {
    return this.#hot[id];
  }

  /** Sets (or clears, with `undefined`) the shortcut for `key`, which must be present. */
  setHot(key: string, h: H | undefined): void {
    const id = this.find(key, 0, key.length);
    if (id !== -1) this.#hot[id] = h;
  }

  get(key: string): V | undefined {
    const id = this.find(key, 0, key.length);
    return id === -1 ? undefined : this.#vals[id];
  }

  set(key: string, value: V): void {
    const id = this.find(key, 0, key.length);
    if (id !== -1) {
      this.#vals[id] = value;
      return;
    }
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#rebuild((this.#mask + 1) * 2);
    const nid = this.#freeIds.pop() ?? this.#vals.length;
    this.#vals[nid] = value;
    this.#keys[nid] = key;
    this.#hot[nid] = undefined;
    this.#place(key, nid);
    this.#size++;
  }

  delete(key: string): boolean {
    const i = this.#slotOf(key);
    if (i === -1) return false;
    const slots = this.#slots;
    const mask = this.#mask;
    const id = this.#arena[(slots[2 * i + 1] as number) + 1] as number;
    this.#garbage += HEAD + ((key.length + 3) >> 2);
    // Backward-shift deletion: move later entries of the run into the hole when their home slot
    // allows it, so probes can keep stopping at the first empty slot.
    let hole = i;
    for (let j = (hole + 1) & mask; slots[2 * j] !== EMPTY; j = (j + 1) & mask) {
      const home = (slots[2 * j] as number) & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      slots[2 * hole] = slots[2 * j] as number;
      slots[2 * hole + 1] = slots[2 * j + 1] as number;
      hole = j;
    }
    slots[2 * hole] = EMPTY;
    slots[2 * hole + 1] = 0;
    this.#vals[id] = undefined;
    this.#keys[id] = undefined;
    this.#hot[id] = undefined;
    this.#freeIds.push(id);
    this.#size--;
    if (this.#garbage > 1024 && this.#garbage > this.#top / 2) this.#rebuild(this.#mask + 1);
    return true;
  }

  /** The slot index holding `key`, or -1. */
  #slotOf(key: string): number {
    const h = hashRange(key, 0, key.length);
    const slots = this.#slots;
    const mask = this.#mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const sh = slots[2 * i] as number;
      if (sh === EMPTY) return -1;
      if (sh === h && this.#keys[this.#arena[(slots[2 * i + 1] as number) + 1] as number] === key) return i;
    }
  }

  *entries(): IterableIterator<[string, V]> {
    for (let id = 0; id < this.#keys.length; id++) {
      const k = this.#keys[id];
      if (k !== undefined) yield [k, this.#vals[id] as V];
    }
  }

  #place(key: string, id: number): void {
    const words = HEAD + ((key.length + 3) >> 2);
    if (this.#top + words > this.#arena.length) {
      const bigger = new Int32Array(Math.max(this.#arena.length * 2, this.#top + words));
      bigger.set(this.#arena.subarray(0, this.#top));
      this.#arena = bigger;
    }
    const a = this.#arena;
    const off = this.#top;
    this.#top += words;
    a[off] = key.length;
    a[off + 1] = id;
    for (let w = 0; w < words - HEAD; w++) {
      let word = 0;
      for (let b = 0; b < 4; b++) {
        const j = w * 4 + b;
        if (j < key.length) word |= (key.charCodeAt(j) & 0xff) << (b * 8);
      }
      a[off + HEAD + w] = word;
    }
    const h = hashRange(key, 0, key.length);
    const slots = this.#slots;
    let i = h & this.#mask;
    while (slots[2 * i] !== EMPTY) i = (i + 1) & this.#mask;
    slots[2 * i] = h;
    slots[2 * i + 1] = off;
  }

  /** Re-packs the arena (dropping deleted records) into `capacity` slots. */
  #rebuild(capacity: number): void {
    this.#mask = capacity - 1;
    this.#slots = new Int32Array(capacity * 2);
    let words = 256;
    for (const k of this.#keys) if (k !== undefined) words += HEAD + ((k.length + 3) >> 2);
    this.#arena = new Int32Array(words);
    this.#top = 0;
    this.#garbage = 0;
    for (let id = 0; id < this.#keys.length; id++) {
      const k = this.#keys[id];
      if (k !== undefined) this.#place(k, id);
    }
  }
}
