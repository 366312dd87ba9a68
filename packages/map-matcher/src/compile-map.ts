import { MapMatcherError } from './errors.ts';
import { type InputEncoding, inputBytes, toByteString } from './internal/bytes.ts';
import { type Rec, RegIndex } from './internal/reg-index.ts';
import { assertValidEntry, type MapEntry, type MapFileProblem } from './map-file.ts';
import { compareMapLines } from './sort.ts';

/** HAProxy map match types supported: `map_reg`, `map_str` (`map`), `map_beg`. */
export type MatchType = 'reg' | 'str' | 'beg';

/** Options of {@link compileMap}. */
export interface CompileMapOptions {
  /** The HAProxy converter whose semantics to reproduce. */
  match: MatchType;
  /**
   * What to do with an entry that cannot be used (a regex PCRE2 rejects, a PCRE2 feature with no
   * exact JavaScript equivalent, an empty key...). `'throw'` mirrors HAProxy, which refuses the
   * whole map; `'skip'` leaves the entry out and reports it in `problems`, keeping the others.
   * @default 'throw'
   */
  onInvalid?: 'throw' | 'skip';
  /**
   * Which entry ranks first when several match (`reg`) or share a key (`str`, `beg`).
   * `'file'`: position in `entries`, then `add` order (what HAProxy does with the file as given).
   * `'openshift'`: the position the entry would have after {@link sortMapLines} over
   * `key + " " + value`, so `add` puts a route where OpenShift's sorted rewrite would.
   * @default 'file'
   */
  order?: 'file' | 'openshift';
  /**
   * How `lookup` inputs become the bytes HAProxy matches. Keys are always text (UTF-8 bytes,
   * as in a map file). `'utf8'`: inputs are text too. `'latin1'`: each char of an input is one
   * byte, which is how Node.js decodes header values such as Host; use it to feed raw header
   * strings and get HAProxy's answer for non-ASCII bytes.
   * @default 'utf8'
   */
  inputEncoding?: InputEncoding;
}

/** Counts describing a compiled map. */
export interface CompiledMapStats {
  /** Entries in the map. */
  entries: number;
  /** `reg` entries answered from the host/path index (OpenShift route and SNI keys). */
  indexed: number;
  /** `reg` entries evaluated as regexes, in rank order. */
  regex: number;
}

/** A compiled HAProxy map: lookups with HAProxy's answers, and incremental updates. */
export interface CompiledMap {
  /** The match type it was compiled for. */
  readonly match: MatchType;
  /** The rank order it was compiled with. */
  readonly order: 'file' | 'openshift';
  /** Entries skipped with `onInvalid: 'skip'` (empty otherwise). */
  readonly problems: readonly MapFileProblem[];
  /**
   * The value HAProxy's converter returns for `input`, or `undefined` when nothing matches.
   * For `reg` the input is usually {@link requestKey}'s output or a lower-cased SNI. Bound to
   * the map, so it can be passed around as a function.
   */
  readonly lookup: (input: string) => string | undefined;
  /** Like {@link CompiledMap.lookup} but returns the winning entry (key, value, line). */
  lookupEntry(input: string): MapEntry | undefined;
  /**
   * Adds one entry without recompiling: at the end of the file in `'file'` order (like the
   * runtime API's `add map`), at its sorted position in `'openshift'` order.
   * @throws MapMatcherError for an invalid entry or pattern, whatever `onInvalid` says.
   */
  add(entry: MapEntry): void;
  /**
   * Removes every entry with this key (like the runtime API's `del map`), or only those that
   * also have `value` when it is given.
   * @returns how many entries were removed.
   */
  remove(key: string, value?: string): number;
  /**
   * The entries in rank order (what a map file for HAProxy must list, in that order). `line` is
   * the entry's own `line` or, for an entry compiled without one, its 1-based position in the
   * array given to {@link compileMap}.
   */
  entries(): MapEntry[];
  /** Counts: entries, indexed, regex. */
  stats(): CompiledMapStats;
}

function toEntry<T>(r: Rec<T>): MapEntry {
  return r.line === undefined ? { key: r.key, value: r.value } : { key: r.key, value: r.value, line: r.line };
}

class RegMap implements CompiledMap {
  readonly match: MatchType = 'reg';
  readonly order: 'file' | 'openshift';
  readonly problems: MapFileProblem[] = [];
  readonly #index: RegIndex<undefined>;

  constructor(order: 'file' | 'openshift', encoding: InputEncoding) {
    this.order = order;
    this.#index = new RegIndex(order, encoding);
  }

  addChecked(entry: MapEntry, where: string, line: number): void {
    assertValidEntry(entry, where);
    this.#index.insert(this.#index.prepare(entry.key, entry.value, line, undefined, entry.value));
  }

  // An arrow property, so `const { lookup } = map` works as a callback.
  readonly lookup = (input: string): string | undefined => this.#index.lookupValue(input);

  /** Packs the index after the initial load. */
  compact(): void {
    this.#index.compact();
  }

  lookupEntry(input: string): MapEntry | undefined {
    const r = this.#index.lookup(input);
    return r === undefined ? undefined : toEntry(r);
  }

  add(entry: MapEntry): void {
    assertValidEntry(entry, 'entry');
    this.#index.insert(this.#index.prepare(entry.key, entry.value, entry.line, undefined, entry.value));
  }

  remove(key: string, value?: string): number {
    let n = 0;
    for (const r of [...this.#index.byKey(key)]) {
      if (value === undefined || r.value === value) n += this.#index.delete(r) ? 1 : 0;
    }
    return n;
  }

  entries(): MapEntry[] {
    return this.#index.records().map(toEntry);
  }

  stats(): CompiledMapStats {
    return { entries: this.#index.size, indexed: this.#index.indexedCount, regex: this.#index.regexCount };
  }
}

interface StrRec {
  key: string;
  bytes: string;
  value: string;
  line: number | undefined;
  seq: number;
  sortLine: string;
}

/** `str` (exact, a hash) and `beg` (longest prefix, a hash per key length). */
class TreeMap implements CompiledMap {
  readonly match: MatchType;
  readonly order: 'file' | 'openshift';
  readonly problems: MapFileProblem[] = [];
  readonly #byBytes = new Map<string, StrRec[]>();
  readonly #byKey = new Map<string, StrRec[]>();
  /** beg: how many keys of each byte length, and those lengths in descending order. */
  readonly #lengths = new Map<number, number>();
  #lengthList: number[] = [];
  #seq = 0;
  #size = 0;

  readonly #encoding: InputEncoding;

  constructor(match: 'str' | 'beg', order: 'file' | 'openshift', encoding: InputEncoding) {
    this.match = match;
    this.order = order;
    this.#encoding = encoding;
  }

  #before(a: StrRec, b: StrRec): boolean {
    if (this.order === 'openshift') {
      const c = compareMapLines(a.sortLine, b.sortLine);
      if (c !== 0) return c < 0;
    }
    return a.seq < b.seq;
  }

  addChecked(entry: MapEntry, where: string, line: number | undefined): void {
    assertValidEntry(entry, where);
    const bytes = toByteString(entry.key);
    const rec: StrRec = {
      key: entry.key,
      bytes,
      value: entry.value,
      line,
      seq: this.#seq++,
      sortLine: `${entry.key} ${entry.value}`,
    };
    const list = this.#byBytes.get(bytes);
    if (list === undefined) {
      this.#byBytes.set(bytes, [rec]);
      const c = this.#lengths.get(bytes.length) ?? 0;
      this.#lengths.set(bytes.length, c + 1);
      if (c === 0) this.#lengthList = [...this.#lengths.keys()].sort((a, b) => b - a);
    } else {
      let i = list.length;
      while (i > 0 && this.#before(rec, list[i - 1] as StrRec)) i--;
      list.splice(i, 0, rec);
    }
    const same = this.#byKey.get(entry.key);
    if (same === undefined) this.#byKey.set(entry.key, [rec]);
    else same.push(rec);
    this.#size++;
  }

  #find(input: string): StrRec | undefined {
    const s = inputBytes(input, this.#encoding);
    if (this.match === 'str') return this.#byBytes.get(s)?.[0];
    for (const len of this.#lengthList) {
      if (len > s.length) continue;
      const list = this.#byBytes.get(len === s.length ? s : s.slice(0, len));
      if (list !== undefined) return list[0];
    }
    return undefined;
  }

  readonly lookup = (input: string): string | undefined => this.#find(input)?.value;

  lookupEntry(input: string): MapEntry | undefined {
    const r = this.#find(input);
    if (r === undefined) return undefined;
    return r.line === undefined
      ? { key: r.key, value: r.value }
      : { key: r.key, value: r.value, line: r.line };
  }

  add(entry: MapEntry): void {
    this.addChecked(entry, 'entry', entry?.line);
  }

  remove(key: string, value?: string): number {
    const same = this.#byKey.get(key);
    if (same === undefined) return 0;
    let n = 0;
    for (const rec of [...same]) {
      if (value !== undefined && rec.value !== value) continue;
      same.splice(same.indexOf(rec), 1);
      const list = this.#byBytes.get(rec.bytes) as StrRec[];
      list.splice(list.indexOf(rec), 1);
      if (list.length === 0) {
        this.#byBytes.delete(rec.bytes);
        const c = (this.#lengths.get(rec.bytes.length) ?? 1) - 1;
        if (c === 0) {
          this.#lengths.delete(rec.bytes.length);
          this.#lengthList = this.#lengthList.filter((l) => l !== rec.bytes.length);
        } else this.#lengths.set(rec.bytes.length, c);
      }
      this.#size--;
      n++;
    }
    if (same.length === 0) this.#byKey.delete(key);
    return n;
  }

  entries(): MapEntry[] {
    const all: StrRec[] = [];
    for (const list of this.#byKey.values()) all.push(...list);
    all.sort((a, b) => (this.#before(a, b) ? -1 : this.#before(b, a) ? 1 : 0));
    return all.map((r) =>
      r.line === undefined ? { key: r.key, value: r.value } : { key: r.key, value: r.value, line: r.line },
    );
  }

  stats(): CompiledMapStats {
    return { entries: this.#size, indexed: this.#size, regex: 0 };
  }
}

/**
 * Compiles map entries for lookups with HAProxy 2.6's semantics:
 * - `reg` (`map_reg`): the first entry in rank order whose PCRE2 regex matches (case-sensitive,
 *   byte-wise, unanchored unless the pattern anchors). OpenShift route keys (`routeRegexp`) and
 *   SNI keys (`sniRegexp`) are answered from an index (exact hosts in a hash, one-label wildcard
 *   domains in a hash, per host a segment-aware path table) and every other pattern from an
 *   ordered regex list; the entry ranking first among all that match wins, so indexing never
 *   changes the answer.
 * - `str` (`map`, `map_str`): exact byte equality; the first of duplicate keys wins.
 * - `beg` (`map_beg`): the longest key that is a prefix of the input; among equal keys the first.
 *
 * @param entries - entries in file order (e.g. `parseMapFile(text).entries`).
 * @param options - see {@link CompileMapOptions}.
 * @returns the compiled map.
 * @throws MapMatcherError `ERR_MAP_MATCHER_INVALID_PATTERN` or
 *   `ERR_MAP_MATCHER_UNSUPPORTED_PATTERN` (with `line`) for a bad regex, and
 *   `ERR_MAP_MATCHER_INVALID_ENTRY` for a malformed entry, unless `onInvalid: 'skip'`;
 *   `ERR_MAP_MATCHER_INVALID_ARGUMENT` for bad options.
 * @example
 * ```ts
 * const map = compileMap(parseMapFile(text).entries, { match: 'reg' });
 * map.lookup(requestKey(req.headers.host ?? '', req.url ?? '/')); // 'be_http:ns:name' or undefined
 * ```
 */
export function compileMap(entries: readonly MapEntry[], options: CompileMapOptions): CompiledMap {
  if (!Array.isArray(entries)) {
    throw new MapMatcherError('ERR_MAP_MATCHER_INVALID_ARGUMENT', 'compileMap: entries must be an array');
  }
  const match = options?.match;
  if (match !== 'reg' && match !== 'str' && match !== 'beg') {
    throw new MapMatcherError(
      'ERR_MAP_MATCHER_INVALID_ARGUMENT',
      `compileMap: options.match must be 'reg', 'str' or 'beg', got ${JSON.stringify(match)}`,
    );
  }
  const order = options.order ?? 'file';
  if (order !== 'file' && order !== 'openshift') {
    throw new MapMatcherError(
      'ERR_MAP_MATCHER_INVALID_ARGUMENT',
      `compileMap: options.order must be 'file' or 'openshift', got ${JSON.stringify(order)}`,
    );
  }
  const encoding = options.inputEncoding ?? 'utf8';
  if (encoding !== 'utf8' && encoding !== 'latin1') {
    throw new MapMatcherError(
      'ERR_MAP_MATCHER_INVALID_ARGUMENT',
      `compileMap: options.inputEncoding must be 'utf8' or 'latin1', got ${JSON.stringify(encoding)}`,
    );
  }
  const skip = options.onInvalid === 'skip';
  const map = match === 'reg' ? new RegMap(order, encoding) : new TreeMap(match, order, encoding);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as MapEntry;
    const line = typeof e?.line === 'number' ? e.line : i + 1;
    try {
      map.addChecked(e, `entries[${i}]`, line);
    } catch (err) {
      if (!(err instanceof MapMatcherError)) throw err;
      const withLine =
        err.line === undefined
          ? new MapMatcherError(err.code, `line ${line}: ${err.message}`, { cause: err.cause ?? err, line })
          : new MapMatcherError(err.code, `line ${line}: ${err.message}`, { cause: err, line });
      if (!skip) throw withLine;
      map.problems.push({ line, code: err.code, message: withLine.message });
    }
  }
  if (map instanceof RegMap) map.compact();
  return map;
}
