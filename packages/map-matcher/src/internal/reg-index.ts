import { MapMatcherError } from '../errors.ts';
import { compareMapLines } from '../sort.ts';
import { toByteString } from './bytes.ts';
import { translatePcre } from './pcre.ts';
import { type ParsedKey, parseOpenShiftKey } from './route-key.ts';

/** How entries rank against each other: file position, or OpenShift's sorted-file position. */
export type RankOrder = 'file' | 'openshift';

/** One entry in the index. */
export interface Rec<T> {
  readonly key: string;
  readonly value: string;
  readonly line: number | undefined;
  readonly payload: T;
  /** Insertion sequence: file position in `file` order, tie-break in `openshift` order. */
  readonly seq: number;
  /** `key value`, what OpenShift's sort compares. */
  readonly sortLine: string;
  /** The key as a byte string (what the regex and the index see). */
  readonly bytes: string;
  readonly parsed: ParsedKey | undefined;
  re: RegExp | undefined;
  removed: boolean;
}

type Bucket<T> = Rec<T>[];

interface HostPaths<T> {
  root: Bucket<T> | undefined;
  /** Paths not ending in `/`: match the path itself or the path followed by `/...`. */
  seg: Map<string, Bucket<T>>;
  /** Paths ending in `/`: match any input path they are a prefix of. */
  pre: Map<string, Bucket<T>>;
  count: number;
  maxLen: number;
}

const PORT = /^[0-9]+$/;

/**
 * Indexed `map_reg` matcher: OpenShift route and SNI keys in hashes, anything else in an
 * ordered regex list; the answer is the matching entry that ranks first, indexed or not.
 */
export class RegIndex<T> {
  readonly order: RankOrder;
  #seq = 0;
  #size = 0;
  readonly #routeExact = new Map<string, HostPaths<T>>();
  readonly #routeWild = new Map<string, HostPaths<T>>();
  readonly #sniExact = new Map<string, Bucket<T>>();
  readonly #sniWild = new Map<string, Bucket<T>>();
  /** Non-indexed entries, in rank order. */
  readonly #regexList: Rec<T>[] = [];
  readonly #byKey = new Map<string, Rec<T>[]>();
  #all: Rec<T>[] | undefined;

  constructor(order: RankOrder) {
    this.order = order;
  }

  get size(): number {
    return this.#size;
  }

  get indexedCount(): number {
    return this.#size - this.#regexList.length;
  }

  get regexCount(): number {
    return this.#regexList.length;
  }

  /** True when `a` ranks before `b`. */
  before(a: Rec<T>, b: Rec<T>): boolean {
    if (this.order === 'openshift') {
      const c = compareMapLines(a.sortLine, b.sortLine);
      if (c !== 0) return c < 0;
    }
    return a.seq < b.seq;
  }

  /**
   * Prepares a record (validating its regex) without inserting it.
   * @throws MapMatcherError for a pattern that is invalid or cannot be evaluated exactly.
   */
  prepare(key: string, value: string, line: number | undefined, payload: T, sortValue: string): Rec<T> {
    const bytes = toByteString(key);
    const parsed = parseOpenShiftKey(bytes);
    let re: RegExp | undefined;
    if (parsed === undefined) {
      try {
        re = new RegExp(translatePcre(bytes));
      } catch (e) {
        if (e instanceof MapMatcherError) {
          throw new MapMatcherError(
            e.code,
            e.message,
            line === undefined ? { cause: e } : { cause: e, line },
          );
        }
        throw new MapMatcherError(
          'ERR_MAP_MATCHER_INVALID_PATTERN',
          `invalid regex: ${(e as Error).message}`,
          {
            cause: e,
            ...(line === undefined ? {} : { line }),
          },
        );
      }
    }
    return {
      key,
      value,
      line,
      payload,
      seq: this.#seq++,
      sortLine: `${key} ${sortValue}`,
      bytes,
      parsed,
      re,
      removed: false,
    };
  }

  insert(rec: Rec<T>): void {
    this.#size++;
    this.#all = undefined;
    const same = this.#byKey.get(rec.key);
    if (same === undefined) this.#byKey.set(rec.key, [rec]);
    else same.push(rec);
    const p = rec.parsed;
    if (p === undefined) {
      this.#insertSorted(this.#regexList, rec);
      return;
    }
    if (p.kind === 'sni') {
      const m = p.wildcard ? this.#sniWild : this.#sniExact;
      const b = m.get(p.host);
      if (b === undefined) m.set(p.host, [rec]);
      else this.#insertSorted(b, rec);
      return;
    }
    const m = p.wildcard ? this.#routeWild : this.#routeExact;
    let hp = m.get(p.host);
    if (hp === undefined) {
      hp = { root: undefined, seg: new Map(), pre: new Map(), count: 0, maxLen: 0 };
      m.set(p.host, hp);
    }
    hp.count++;
    if (p.path === '') {
      if (hp.root === undefined) hp.root = [rec];
      else this.#insertSorted(hp.root, rec);
      return;
    }
    const pm = p.path.endsWith('/') ? hp.pre : hp.seg;
    if (p.path.length > hp.maxLen) hp.maxLen = p.path.length;
    const b = pm.get(p.path);
    if (b === undefined) pm.set(p.path, [rec]);
    else this.#insertSorted(b, rec);
  }

  /** Removes one record; true if it was present. */
  delete(rec: Rec<T>): boolean {
    if (rec.removed) return false;
    const same = this.#byKey.get(rec.key);
    const at = same === undefined ? -1 : same.indexOf(rec);
    if (same === undefined || at === -1) return false;
    same.splice(at, 1);
    if (same.length === 0) this.#byKey.delete(rec.key);
    rec.removed = true;
    this.#size--;
    this.#all = undefined;
    const p = rec.parsed;
    if (p === undefined) {
      removeFrom(this.#regexList, rec);
      return true;
    }
    if (p.kind === 'sni') {
      const m = p.wildcard ? this.#sniWild : this.#sniExact;
      const b = m.get(p.host);
      if (b !== undefined && removeFrom(b, rec) === 0) m.delete(p.host);
      return true;
    }
    const m = p.wildcard ? this.#routeWild : this.#routeExact;
    const hp = m.get(p.host);
    if (hp === undefined) return true;
    hp.count--;
    if (p.path === '') {
      if (hp.root !== undefined && removeFrom(hp.root, rec) === 0) hp.root = undefined;
    } else {
      const pm = p.path.endsWith('/') ? hp.pre : hp.seg;
      const b = pm.get(p.path);
      if (b !== undefined && removeFrom(b, rec) === 0) pm.delete(p.path);
    }
    if (hp.count === 0) m.delete(p.host);
    return true;
  }

  byKey(key: string): readonly Rec<T>[] {
    return this.#byKey.get(key) ?? [];
  }

  /** Every record in rank order. */
  records(): Rec<T>[] {
    if (this.#all === undefined) {
      const all: Rec<T>[] = [];
      for (const list of this.#byKey.values()) for (const r of list) all.push(r);
      all.sort((a, b) => (this.before(a, b) ? -1 : this.before(b, a) ? 1 : 0));
      this.#all = all;
    }
    return this.#all;
  }

  #insertSorted(list: Rec<T>[], rec: Rec<T>): void {
    // Appends are the common case (file order, or sorted input).
    const n = list.length;
    if (n === 0 || this.before(list[n - 1] as Rec<T>, rec)) {
      list.push(rec);
      return;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(list[mid] as Rec<T>, rec)) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, rec);
  }

  lookup(input: string): Rec<T> | undefined {
    const s = toByteString(input);
    // A LF changes what `.` and `$` mean; HAProxy never sees one in `base`, so the exact but
    // slow path is fine.
    if (s.includes('\n')) return this.#slowLookup(s);
    let best: Rec<T> | undefined;
    if (this.#routeExact.size > 0) best = this.#routeHost(this.#routeExact, s, best);
    const dot = s.indexOf('.');
    if (dot !== -1 && this.#routeWild.size > 0)
      best = this.#routeHost(this.#routeWild, s.slice(dot + 1), best);
    if (this.#sniExact.size > 0) best = this.#pick(this.#sniExact.get(s), best);
    if (dot !== -1 && this.#sniWild.size > 0) best = this.#pick(this.#sniWild.get(s.slice(dot + 1)), best);
    const list = this.#regexList;
    for (let i = 0; i < list.length; i++) {
      const rec = list[i] as Rec<T>;
      if (best !== undefined && !this.before(rec, best)) break;
      if ((rec.re as RegExp).test(s)) return rec;
    }
    return best;
  }

  #pick(bucket: Bucket<T> | undefined, best: Rec<T> | undefined): Rec<T> | undefined {
    if (bucket === undefined) return best;
    const r = bucket[0] as Rec<T>;
    return best === undefined || this.before(r, best) ? r : best;
  }

  /**
   * Route keys: `s` = host + optional "." + optional ":digits" + path + tail. The host holds no
   * `/` or `:`, so everything before the first `/` is host, dot and port; the rest is the path.
   */
  #routeHost(m: Map<string, HostPaths<T>>, s: string, best: Rec<T> | undefined): Rec<T> | undefined {
    const slash = s.indexOf('/');
    let hostPart = slash === -1 ? s : s.slice(0, slash);
    const colon = hostPart.indexOf(':');
    if (colon !== -1) {
      if (!PORT.test(hostPart.slice(colon + 1))) return best;
      hostPart = hostPart.slice(0, colon);
    }
    const rest = slash === -1 ? '' : s.slice(slash);
    const hp = m.get(hostPart);
    if (hp !== undefined) best = this.#paths(hp, rest, best);
    if (hostPart.charCodeAt(hostPart.length - 1) === 0x2e) {
      const hp2 = m.get(hostPart.slice(0, -1));
      if (hp2 !== undefined) best = this.#paths(hp2, rest, best);
    }
    return best;
  }

  /** Every path key that can match `rest` is a prefix of it ending at or just before a `/`. */
  #paths(hp: HostPaths<T>, rest: string, best: Rec<T> | undefined): Rec<T> | undefined {
    best = this.#pick(hp.root, best);
    if (hp.seg.size === 0 && hp.pre.size === 0) return best;
    const seg = hp.seg;
    const pre = hp.pre;
    const n = Math.min(rest.length, hp.maxLen);
    for (let i = 1; i <= n; i++) {
      if (rest.charCodeAt(i) !== 0x2f) continue;
      if (seg.size > 0) best = this.#pick(seg.get(rest.slice(0, i)), best);
      if (pre.size > 0 && i + 1 <= hp.maxLen) best = this.#pick(pre.get(rest.slice(0, i + 1)), best);
    }
    if (seg.size > 0 && rest.length <= hp.maxLen) best = this.#pick(seg.get(rest), best);
    return best;
  }

  #slowLookup(s: string): Rec<T> | undefined {
    for (const rec of this.records()) {
      rec.re ??= new RegExp(translatePcre(rec.bytes));
      if (rec.re.test(s)) return rec;
    }
    return undefined;
  }
}

function removeFrom<T>(list: Rec<T>[], rec: Rec<T>): number {
  const i = list.indexOf(rec);
  if (i !== -1) list.splice(i, 1);
  return list.length;
}
