import { MapMatcherError } from '../errors.ts';
import { compareMapLines } from '../sort.ts';
import { type InputEncoding, inputBytes, toByteString } from './bytes.ts';
import { HostTable } from './host-table.ts';
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
  /** The best entry without a path, read by every lookup of this host. */
  root: Rec<T> | undefined;
  /** Every entry without a path, in rank order, only while there are several. */
  rootAll: Bucket<T> | undefined;
  /** Paths not ending in `/`: match the path itself or the path followed by `/...`. */
  seg: Map<string, Bucket<T>> | undefined;
  /** Paths ending in `/`: match any input path they are a prefix of. */
  pre: Map<string, Bucket<T>> | undefined;
  count: number;
  maxLen: number;
}

/** Hosts with more paths than this answer through their path maps, not the arena scan. */
const FAST_PATHS = 16;

/**
 * Indexed `map_reg` matcher: OpenShift route and SNI keys in hashes, anything else in an
 * ordered regex list; the answer is the matching entry that ranks first, indexed or not.
 */
export class RegIndex<T> {
  readonly order: RankOrder;
  #seq = 0;
  #size = 0;
  readonly #routeExact = new HostTable<HostPaths<T>, Rec<T>>();
  readonly #routeWild = new HostTable<HostPaths<T>, Rec<T>>();
  readonly #sniExact = new Map<string, Bucket<T>>();
  readonly #sniWild = new Map<string, Bucket<T>>();
  /** Non-indexed entries, in rank order. */
  readonly #regexList: Rec<T>[] = [];
  /** Entries by key: the entry itself, or an array when the key is repeated (rare). */
  readonly #byKey = new Map<string, Rec<T> | Rec<T>[]>();
  #all: Rec<T>[] | undefined;
  /**
   * Lower bounds on the rank of any entry in the wildcard and SNI tables: when the best match
   * found so far ranks before the bound, that table cannot change the answer and is not probed
   * (OpenShift sorts wildcard lines last, so an exact host match skips the wildcard probe). A
   * bound may be stale (its entry removed); it then only probes more than needed.
   */
  #wildBound: Rec<T> | undefined;
  #sniBound: Rec<T> | undefined;

  readonly encoding: InputEncoding;

  constructor(order: RankOrder, encoding: InputEncoding = 'utf8') {
    this.order = order;
    this.encoding = encoding;
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
      // Only the 'openshift' order compares lines; 'file' order saves the string.
      sortLine: this.order === 'openshift' ? `${key} ${sortValue}` : '',
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
    if (same === undefined) this.#byKey.set(rec.key, rec);
    else if (Array.isArray(same)) same.push(rec);
    else this.#byKey.set(rec.key, [same, rec]);
    const p = rec.parsed;
    if (p === undefined) {
      this.#insertSorted(this.#regexList, rec);
      return;
    }
    if (p.kind === 'sni') {
      if (this.#sniBound === undefined || this.before(rec, this.#sniBound)) this.#sniBound = rec;
      const m = p.wildcard ? this.#sniWild : this.#sniExact;
      const b = m.get(p.host);
      if (b === undefined) m.set(p.host, [rec]);
      else this.#insertSorted(b, rec);
      return;
    }
    if (p.wildcard && (this.#wildBound === undefined || this.before(rec, this.#wildBound)))
      this.#wildBound = rec;
    const m = p.wildcard ? this.#routeWild : this.#routeExact;
    let hp = m.get(p.host);
    if (hp === undefined) {
      // Most hosts have only a root entry: the path tables are created on first use.
      hp = { root: undefined, rootAll: undefined, seg: undefined, pre: undefined, count: 0, maxLen: 0 };
      m.set(p.host, hp);
    }
    hp.count++;
    if (p.path === '') {
      if (hp.root === undefined) hp.root = rec;
      else {
        // A repeated root key: keep them all, in rank order.
        hp.rootAll ??= [hp.root];
        this.#insertSorted(hp.rootAll, rec);
        hp.root = hp.rootAll[0];
      }
      this.#syncHot(m, p.host, hp);
      return;
    }
    let pm: Map<string, Bucket<T>>;
    if (p.path.endsWith('/')) pm = hp.pre ??= new Map();
    else pm = hp.seg ??= new Map();
    if (p.path.length > hp.maxLen) hp.maxLen = p.path.length;
    const b = pm.get(p.path);
    if (b === undefined) pm.set(p.path, [rec]);
    else this.#insertSorted(b, rec);
    this.#syncHot(m, p.host, hp);
  }

  /** Removes one record; true if it was present. */
  delete(rec: Rec<T>): boolean {
    if (rec.removed) return false;
    const same = this.#byKey.get(rec.key);
    if (same === undefined) return false;
    if (Array.isArray(same)) {
      const at = same.indexOf(rec);
      if (at === -1) return false;
      same.splice(at, 1);
      if (same.length === 1) this.#byKey.set(rec.key, same[0] as Rec<T>);
    } else if (same === rec) {
      this.#byKey.delete(rec.key);
    } else {
      return false;
    }
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
      if (this.#sniExact.size === 0 && this.#sniWild.size === 0) this.#sniBound = undefined;
      return true;
    }
    const m = p.wildcard ? this.#routeWild : this.#routeExact;
    const hp = m.get(p.host);
    if (hp === undefined) return true;
    hp.count--;
    if (p.path === '') {
      if (hp.rootAll !== undefined) {
        removeFrom(hp.rootAll, rec);
        hp.root = hp.rootAll[0];
        if (hp.rootAll.length <= 1) hp.rootAll = undefined;
      } else if (hp.root === rec) {
        hp.root = undefined;
      }
    } else {
      const slash = p.path.endsWith('/');
      const pm = slash ? hp.pre : hp.seg;
      const b = pm?.get(p.path);
      if (pm !== undefined && b !== undefined && removeFrom(b, rec) === 0) {
        pm.delete(p.path);
        if (pm.size === 0) {
          if (slash) hp.pre = undefined;
          else hp.seg = undefined;
        }
      }
    }
    if (hp.count === 0) m.delete(p.host);
    else this.#syncHot(m, p.host, hp);
    if (this.#routeWild.size === 0) this.#wildBound = undefined;
    return true;
  }

  /** Re-packs the host tables after a bulk load (updates leave moved records behind). */
  compact(): void {
    this.#routeExact.compact();
    this.#routeWild.compact();
  }

  byKey(key: string): readonly Rec<T>[] {
    const same = this.#byKey.get(key);
    return same === undefined ? [] : Array.isArray(same) ? same : [same];
  }

  /** Every record in rank order. */
  records(): Rec<T>[] {
    if (this.#all === undefined) {
      const all: Rec<T>[] = [];
      for (const same of this.#byKey.values()) {
        if (Array.isArray(same)) all.push(...same);
        else all.push(same);
      }
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

  /**
   * `lookup(input)?.value`, with a shortcut for the common answer: an exact host (with a root
   * entry and at most {@link FAST_PATHS} paths) whose best match ranks before every wildcard,
   * SNI and regex entry. Ranks, paths and values are read from the host table's arena record
   * and an answer array, without touching entry objects or per-host maps, which at 100 000
   * routes saves several cache misses. Only in `file` order, where a rank is the integer `seq`.
   */
  lookupValue(input: string): string | undefined {
    const s = inputBytes(input, this.encoding);
    if (this.order !== 'file' || this.#routeExact.size === 0 || s.includes('\n'))
      return this.#lookupBytes(s)?.value;
    const slash = s.indexOf('/');
    let end = slash === -1 ? s.length : slash;
    const colon = s.indexOf(':');
    if (colon !== -1 && colon < end) {
      if (!isPort(s, colon + 1, end)) return this.#lookupBytes(s)?.value;
      end = colon;
    }
    if (end === 0 || s.charCodeAt(end - 1) === 0x2e) return this.#lookupBytes(s)?.value;
    const m = this.#routeExact;
    const pos = m.findAnswer(s, 0, end, slash);
    if (pos >= 0) {
      const rank = m.rankAt(pos);
      const wb = this.#wildBound;
      const sb = this.#sniBound;
      const first = this.#regexList[0];
      if (
        (wb === undefined || wb.seq > rank) &&
        (sb === undefined || sb.seq > rank) &&
        (first === undefined || first.seq > rank)
      )
        return m.answer;
    }
    return this.#lookupBytes(s, m.foundAt)?.value;
  }

  lookup(input: string): Rec<T> | undefined {
    return this.#lookupBytes(inputBytes(input, this.encoding));
  }

  /**
   * The lookup on the input's byte string. `exactPos` is the exact-host table's `find` for the
   * host range when the caller already probed it (a host with a valid or no port and no
   * trailing dot), or -2.
   */
  #lookupBytes(s: string, exactPos = -2): Rec<T> | undefined {
    // A LF changes what `.` and `$` mean; HAProxy never sees one in `base`, so the exact but
    // slow path is fine.
    if (s.includes('\n')) return this.#slowLookup(s);
    let best: Rec<T> | undefined;
    if (this.#routeExact.size > 0) best = this.#routeHost(this.#routeExact, s, 0, best, exactPos);
    const dot = s.indexOf('.');
    const wb = this.#wildBound;
    if (dot !== -1 && wb !== undefined && (best === undefined || this.before(wb, best))) {
      best = this.#routeHost(this.#routeWild, s, dot + 1, best);
    }
    const sb = this.#sniBound;
    if (sb !== undefined && (best === undefined || this.before(sb, best))) {
      if (this.#sniExact.size > 0) best = this.#pick(this.#sniExact.get(s), best);
      if (dot !== -1 && this.#sniWild.size > 0) best = this.#pick(this.#sniWild.get(s.slice(dot + 1)), best);
    }
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
   * Route keys: `s` from `start` = host + optional "." + optional ":digits" + path + tail. The
   * host holds no `/` or `:`, so everything before the first `/` is host, dot and port; the rest
   * is the path. The host is probed as a range of `s`, without building the substring.
   */
  #routeHost(
    m: HostTable<HostPaths<T>, Rec<T>>,
    s: string,
    start: number,
    best: Rec<T> | undefined,
    knownId = -2,
  ): Rec<T> | undefined {
    const slash = s.indexOf('/', start);
    let end = slash === -1 ? s.length : slash;
    const colon = s.indexOf(':', start);
    if (colon !== -1 && colon < end) {
      if (!isPort(s, colon + 1, end)) return best;
      end = colon;
    }
    const id = knownId === -2 ? m.find(s, start, end) : knownId;
    if (id !== -1) best = this.#host(m, id, s, slash, best);
    if (end > start && s.charCodeAt(end - 1) === 0x2e) {
      const id2 = m.find(s, start, end - 1);
      if (id2 !== -1) best = this.#host(m, id2, s, slash, best);
    }
    return best;
  }

  #host(
    m: HostTable<HostPaths<T>, Rec<T>>,
    id: number,
    s: string,
    slash: number,
    best: Rec<T> | undefined,
  ): Rec<T> | undefined {
    // A host without paths: its root entry is the only candidate.
    const root = m.hot(id);
    if (root !== undefined) return best === undefined || this.before(root, best) ? root : best;
    return this.#paths(m.at(id), s, slash, best);
  }

  /**
   * Keeps the host's shortcuts in step with its entries: the root entry when it has no paths
   * (for `lookup`), and in `file` order the ranks and values of its root and paths (for
   * `lookupValue`), unless it has more paths than a short scan should cover.
   */
  #syncHot(m: HostTable<HostPaths<T>, Rec<T>>, host: string, hp: HostPaths<T>): void {
    m.setHot(host, hp.seg === undefined && hp.pre === undefined ? hp.root : undefined);
    if (this.order !== 'file') return;
    const paths: { path: string; rank: number; value: string }[] = [];
    for (const pm of [hp.seg, hp.pre]) {
      if (pm === undefined) continue;
      if (pm.size + paths.length > FAST_PATHS) {
        m.setFast(host, undefined);
        return;
      }
      for (const [path, bucket] of pm) {
        const best = bucket[0] as Rec<T>;
        paths.push({ path, rank: best.seq, value: best.value });
      }
    }
    const root = hp.root === undefined ? undefined : { rank: hp.root.seq, value: hp.root.value };
    m.setFast(host, { root, paths });
  }

  /**
   * The input path is `s` from `slash` on. Every path key that can match it is a prefix of it
   * ending at or just before a `/`, so only those prefixes are probed.
   */
  #paths(hp: HostPaths<T>, s: string, slash: number, best: Rec<T> | undefined): Rec<T> | undefined {
    const root = hp.root;
    if (root !== undefined && (best === undefined || this.before(root, best))) best = root;
    const seg = hp.seg;
    const pre = hp.pre;
    if ((seg === undefined && pre === undefined) || slash === -1) return best;
    const max = slash + hp.maxLen;
    const n = Math.min(s.length, max);
    for (let i = slash + 1; i <= n; i++) {
      if (s.charCodeAt(i) !== 0x2f) continue;
      if (seg !== undefined) best = this.#pick(seg.get(s.slice(slash, i)), best);
      if (pre !== undefined && i < max) best = this.#pick(pre.get(s.slice(slash, i + 1)), best);
    }
    if (seg !== undefined && s.length <= max)
      best = this.#pick(seg.get(slash === 0 ? s : s.slice(slash)), best);
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

/** True when `s[start..end)` is one or more ASCII digits. */
function isPort(s: string, start: number, end: number): boolean {
  if (start === end) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function removeFrom<T>(list: Rec<T>[], rec: Rec<T>): number {
  const i = list.indexOf(rec);
  if (i !== -1) list.splice(i, 1);
  return list.length;
}
