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
/**
 * Header words of an arena record: byte length, id, number of "fast" words. The key bytes
 * follow, 4 per word, then the fast words (see {@link FastAnswers}).
 */
const HEAD = 3;
/** Fast block header: root rank (-1: none), root answer id, path count. */
const FAST_HEAD = 3;
/** Per path: byte length, 1 if it ends with `/` (prefix) else 0 (segment), rank, answer id. */
const PATH_HEAD = 4;

/**
 * What a host answers, stored in its arena record so that a lookup reads it with the key:
 * the root entry and the paths, each with an integer rank (smaller wins) and a string answer.
 */
export interface FastAnswers {
  root: { rank: number; value: string } | undefined;
  paths: readonly { path: string; rank: number; value: string }[];
}

function keyWords(len: number): number {
  return (len + 3) >> 2;
}

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
  /**
   * The root answer of each slot's record, by slot index: its address depends only on the slot,
   * so a lookup loads it while the record itself is still being fetched from memory.
   */
  #slotRoot: (string | undefined)[] = new Array(16).fill(undefined);
  /** The answer found by the last {@link findAnswer}. */
  answer: string | undefined = undefined;
  /** The record position found by the last {@link findAnswer}, or -1. */
  foundAt = -1;
  /** The answers referenced from fast blocks, by answer id; freed ids are reused. */
  readonly #answers: (string | undefined)[] = [];
  readonly #freeAnswers: number[] = [];
  /** Arena offset of each id's record. */
  readonly #offsets: number[] = [];
  readonly #freeIds: number[] = [];

  constructor() {
    this.#mask = 15;
    this.#slots = new Int32Array(32);
    this.#arena = new Int32Array(256);
  }

  get size(): number {
    return this.#size;
  }

  /**
   * The record position of key `s[start..end)`, or -1. A position is valid until the table
   * changes; read with {@link at}, {@link hot} and {@link fastMatch}.
   */
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
      if (j === len) return off;
    }
  }

  /**
   * {@link find} then {@link fastMatch} in one probe: sets {@link foundAt} to the record position
   * (or -1) and returns what `fastMatch` returns (-3 when the key is absent); when that is a
   * match, {@link answer} holds its answer.
   */
  findAnswer(s: string, start: number, end: number, slash: number): number {
    const h = hashRange(s, start, end);
    const slots = this.#slots;
    const a = this.#arena;
    const len = end - start;
    const mask = this.#mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const sh = slots[2 * i] as number;
      if (sh === EMPTY) break;
      if (sh !== h) continue;
      // Loaded before the record is compared, so both memory reads are under way together.
      const root = this.#slotRoot[i];
      const off = slots[2 * i + 1] as number;
      if (a[off] !== len) continue;
      let j = 0;
      for (; j < len; j++) {
        const b = ((a[off + HEAD + (j >> 2)] as number) >>> ((j & 3) << 3)) & 0xff;
        if (b !== s.charCodeAt(start + j)) break;
      }
      if (j !== len) continue;
      this.foundAt = off;
      const pos = this.fastMatch(off, s, slash);
      if (pos >= 0)
        this.answer = pos === off + HEAD + keyWords(len) ? root : this.#answers[a[pos + 1] as number];
      return pos;
    }
    this.foundAt = -1;
    return -3;
  }

  /** The value of the record at `pos` (from {@link find}). */
  at(pos: number): V {
    return this.#vals[this.#arena[pos + 1] as number] as V;
  }

  /** The shortcut stored for id `id`, if any. */
  hot(pos: number): H | undefined {
    return this.#hot[this.#arena[pos + 1] as number];
  }

  /**
   * Sets (or clears, with `undefined`) the shortcut object for `key`, which must be present.
   */
  setHot(key: string, h: H | undefined): void {
    const pos = this.find(key, 0, key.length);
    if (pos !== -1) this.#hot[this.#arena[pos + 1] as number] = h;
  }

  /**
   * Stores (or clears, with `undefined`) the fast answers of `key`, which must be present. The
   * record moves to the end of the arena with them, so key and answers stay on adjacent lines.
   */
  setFast(key: string, fast: FastAnswers | undefined): void {
    const slot = this.#slotOf(key);
    if (slot === -1) return;
    const a = this.#arena;
    const off = this.#slots[2 * slot + 1] as number;
    const id = a[off + 1] as number;
    this.#freeFast(off);
    let words: number[] = [];
    if (fast !== undefined) {
      words = [-1, 0, fast.paths.length];
      if (fast.root !== undefined) {
        words[0] = fast.root.rank;
        words[1] = this.#newAnswer(fast.root.value);
      }
      for (const p of fast.paths) {
        words.push(p.path.length, p.path.endsWith('/') ? 1 : 0, p.rank, this.#newAnswer(p.value));
        pack(p.path, words);
      }
    }
    this.#garbage += this.#recordWords(off);
    const at = this.#append(key, id, words);
    this.#slots[2 * slot + 1] = at;
    this.#slotRoot[slot] = this.#rootAnswer(at);
    if (this.#garbage > 1024 && this.#garbage > this.#top / 2) this.#rebuild(this.#mask + 1);
  }

  /**
   * Matches the input path `s[slash..]` (`slash` -1: no path) against the fast answers of the
   * record at `off` (from {@link find}). Returns the arena position of the winning rank (read it with {@link rankAt}, its
   * answer with {@link answerAt}), -1 when nothing matches, -2 when the key has no fast answers.
   */
  fastMatch(off: number, s: string, slash: number): number {
    const a = this.#arena;
    if (a[off + 2] === 0) return -2;
    const f = off + HEAD + keyWords(a[off] as number);
    let best = (a[f] as number) === -1 ? -1 : f;
    const n = a[f + 2] as number;
    if (n === 0 || slash === -1) return best;
    const inputLen = s.length - slash;
    let p = f + FAST_HEAD;
    for (let k = 0; k < n; k++) {
      const len = a[p] as number;
      if (len <= inputLen && (best === -1 || (a[p + 2] as number) < (a[best] as number))) {
        let j = 0;
        const w = p + PATH_HEAD;
        for (; j < len; j++) {
          if ((((a[w + (j >> 2)] as number) >>> ((j & 3) << 3)) & 0xff) !== s.charCodeAt(slash + j)) break;
        }
        // A prefix path (ending in `/`) matches any path it starts; a segment path matches
        // itself or itself followed by `/`.
        if (j === len && (a[p + 1] === 1 || len === inputLen || s.charCodeAt(slash + len) === 0x2f))
          best = p + 2;
      }
      p += PATH_HEAD + keyWords(len);
    }
    return best;
  }

  /** The rank at a position returned by {@link fastMatch}. */
  rankAt(pos: number): number {
    return this.#arena[pos] as number;
  }

  /** The answer at a position returned by {@link fastMatch}. */
  answerAt(pos: number): string | undefined {
    return this.#answers[this.#arena[pos + 1] as number];
  }

  #newAnswer(value: string): number {
    const i = this.#freeAnswers.pop() ?? this.#answers.length;
    this.#answers[i] = value;
    return i;
  }

  #freeAnswer(i: number): void {
    this.#answers[i] = undefined;
    this.#freeAnswers.push(i);
  }

  get(key: string): V | undefined {
    const pos = this.find(key, 0, key.length);
    return pos === -1 ? undefined : this.at(pos);
  }

  set(key: string, value: V): void {
    const pos = this.find(key, 0, key.length);
    if (pos !== -1) {
      this.#vals[this.#arena[pos + 1] as number] = value;
      return;
    }
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#rebuild((this.#mask + 1) * 2);
    const nid = this.#freeIds.pop() ?? this.#vals.length;
    this.#vals[nid] = value;
    this.#keys[nid] = key;
    this.#hot[nid] = undefined;
    this.#insertSlot(hashRange(key, 0, key.length), this.#append(key, nid, []));
    this.#size++;
  }

  delete(key: string): boolean {
    const i = this.#slotOf(key);
    if (i === -1) return false;
    const slots = this.#slots;
    const mask = this.#mask;
    const off = slots[2 * i + 1] as number;
    const id = this.#arena[off + 1] as number;
    this.#freeFast(off);
    this.#garbage += this.#recordWords(off);
    // Backward-shift deletion: move later entries of the run into the hole when their home slot
    // allows it, so probes can keep stopping at the first empty slot.
    let hole = i;
    for (let j = (hole + 1) & mask; slots[2 * j] !== EMPTY; j = (j + 1) & mask) {
      const home = (slots[2 * j] as number) & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      slots[2 * hole] = slots[2 * j] as number;
      slots[2 * hole + 1] = slots[2 * j + 1] as number;
      this.#slotRoot[hole] = this.#slotRoot[j];
      hole = j;
    }
    slots[2 * hole] = EMPTY;
    slots[2 * hole + 1] = 0;
    this.#slotRoot[hole] = undefined;
    this.#vals[id] = undefined;
    this.#keys[id] = undefined;
    this.#hot[id] = undefined;
    this.#freeIds.push(id);
    this.#size--;
    if (this.#garbage > 1024 && this.#garbage > this.#top / 2) this.#rebuild(this.#mask + 1);
    return true;
  }

  #recordWords(off: number): number {
    const a = this.#arena;
    return HEAD + keyWords(a[off] as number) + (a[off + 2] as number);
  }

  /** Releases the answer ids held by the fast block of the record at `off`. */
  #freeFast(off: number): void {
    const a = this.#arena;
    if ((a[off + 2] as number) === 0) return;
    const f = off + HEAD + keyWords(a[off] as number);
    if ((a[f] as number) !== -1) this.#freeAnswer(a[f + 1] as number);
    let p = f + FAST_HEAD;
    for (let k = 0; k < (a[f + 2] as number); k++) {
      this.#freeAnswer(a[p + 3] as number);
      p += PATH_HEAD + keyWords(a[p] as number);
    }
  }

  /**
   * Re-packs the arena when it holds deleted or moved records, so that the live records (the
   * ones lookups read) take as few cache lines and pages as possible.
   */
  compact(): void {
    if (this.#garbage > 0) this.#rebuild(this.#mask + 1);
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

  /** Writes a record (key bytes, then `fast`) at the end of the arena; returns its offset. */
  #append(key: string, id: number, fast: ArrayLike<number>): number {
    const words = HEAD + keyWords(key.length) + fast.length;
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
    a[off + 2] = fast.length;
    const kw: number[] = [];
    pack(key, kw);
    a.set(kw, off + HEAD);
    for (let i = 0; i < fast.length; i++) a[off + HEAD + kw.length + i] = fast[i] as number;
    this.#offsets[id] = off;
    return off;
  }

  #insertSlot(h: number, off: number): void {
    const slots = this.#slots;
    let i = h & this.#mask;
    while (slots[2 * i] !== EMPTY) i = (i + 1) & this.#mask;
    slots[2 * i] = h;
    slots[2 * i + 1] = off;
    this.#slotRoot[i] = this.#rootAnswer(off);
  }

  /** The root answer in the fast block of the record at `off`, if any. */
  #rootAnswer(off: number): string | undefined {
    const a = this.#arena;
    if ((a[off + 2] as number) === 0) return undefined;
    const f = off + HEAD + keyWords(a[off] as number);
    return (a[f] as number) === -1 ? undefined : this.#answers[a[f + 1] as number];
  }

  /** Re-packs the arena (dropping deleted records) into `capacity` slots. */
  #rebuild(capacity: number): void {
    const old = this.#arena;
    this.#mask = capacity - 1;
    this.#slots = new Int32Array(capacity * 2);
    this.#slotRoot = new Array(capacity).fill(undefined);
    let words = 256;
    for (let id = 0; id < this.#keys.length; id++)
      if (this.#keys[id] !== undefined) words += this.#recordWords(this.#offsets[id] as number);
    this.#arena = new Int32Array(words);
    this.#top = 0;
    this.#garbage = 0;
    for (let id = 0; id < this.#keys.length; id++) {
      const k = this.#keys[id];
      if (k === undefined) continue;
      const off = this.#offsets[id] as number;
      const f = off + HEAD + keyWords(old[off] as number);
      const fast = old.subarray(f, f + (old[off + 2] as number));
      this.#insertSlot(hashRange(k, 0, k.length), this.#append(k, id, fast));
    }
  }
}

/** Appends the bytes of `s` (chars 0..255), 4 per word, little end first. */
function pack(s: string, out: number[]): void {
  for (let w = 0; w < s.length; w += 4) {
    let word = 0;
    for (let b = 0; b < 4 && w + b < s.length; b++) word |= (s.charCodeAt(w + b) & 0xff) << (b * 8);
    out.push(word);
  }
}
