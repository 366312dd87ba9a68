import { MapMatcherError, type MapMatcherErrorCode } from './errors.ts';

/** One map entry: a key (pattern) and its value, with its 1-based line when read from a file. */
export interface MapEntry {
  /** The pattern: a regex for `map_reg`, a string for `map_str`, a prefix for `map_beg`. */
  key: string;
  /** The value HAProxy returns for that key (may contain spaces, never a line break). */
  value: string;
  /** 1-based line in the map file this entry came from, when it came from one. */
  line?: number;
}

/** A problem with one map file line, reported as a value so the other lines stay usable. */
export interface MapFileProblem {
  /** 1-based line number. */
  line: number;
  /** What is wrong. */
  code: MapMatcherErrorCode;
  /** Human-readable explanation naming the line. */
  message: string;
}

/** The result of {@link parseMapFile}. */
export interface ParsedMapFile {
  /** The entries HAProxy would load, in file order. */
  entries: MapEntry[];
  /** Lines rejected, in file order (empty when the file is clean). */
  problems: MapFileProblem[];
}

/** Options of {@link parseMapFile}. */
export interface ParseMapFileOptions {
  /**
   * Longest line content, in UTF-8 bytes, read as one line. HAProxy reads map files with
   * `fgets` into a `tune.bufsize` buffer (16 384 bytes), so a longer line is cut into pieces
   * that become separate, meaningless entries; such lines are reported instead.
   * @default 16382
   */
  maxLineBytes?: number;
}

/** Longest line (content bytes) HAProxy 2.6 reads whole with the default `tune.bufsize`. */
export const DEFAULT_MAX_LINE_BYTES = 16382;

/**
 * Parses a HAProxy map file the way HAProxy 2.6 loads it (`pat_ref_read_from_file_smp`):
 * a line starting with `#` is a comment; leading spaces and tabs are skipped; blank lines are
 * ignored; the key runs to the first space, tab or CR; the value is the rest of the line up to a
 * CR, without surrounding spaces and tabs (it may be empty and may contain inner spaces).
 *
 * Lines HAProxy would misread are not returned as entries but as `problems`, with their line
 * number: a NUL byte (HAProxy silently truncates the line there) and a line longer than
 * `maxLineBytes` (HAProxy splits it into several bogus entries). The other lines are kept.
 *
 * @param text - the file contents.
 * @param options - see {@link ParseMapFileOptions}.
 * @returns the entries (with `line`) and the problems.
 * @throws MapMatcherError `ERR_MAP_MATCHER_INVALID_ARGUMENT` when `text` is not a string.
 * @example
 * ```ts
 * const { entries, problems } = parseMapFile('# routes\n^a\\.com$ be_a\n');
 * // entries: [{ key: '^a\\.com$', value: 'be_a', line: 2 }], problems: []
 * ```
 */
export function parseMapFile(text: string, options: ParseMapFileOptions = {}): ParsedMapFile {
  if (typeof text !== 'string') {
    throw new MapMatcherError('ERR_MAP_MATCHER_INVALID_ARGUMENT', 'parseMapFile: text must be a string');
  }
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const entries: MapEntry[] = [];
  const problems: MapFileProblem[] = [];
  const lines = text.split('\n');
  // A final newline does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const line = i + 1;
    // Cheap check first: UTF-8 never takes more than 3 bytes per UTF-16 code unit.
    if (raw.length * 3 > maxLineBytes && Buffer.byteLength(raw, 'utf8') > maxLineBytes) {
      problems.push({
        line,
        code: 'ERR_MAP_MATCHER_LINE_TOO_LONG',
        message: `map file line ${line}: ${Buffer.byteLength(raw, 'utf8')} bytes, longer than the ${maxLineBytes} bytes HAProxy reads as one line`,
      });
      continue;
    }
    if (raw.charCodeAt(0) === 0x23 /* # */) continue;
    if (raw.includes('\0')) {
      problems.push({
        line,
        code: 'ERR_MAP_MATCHER_INVALID_LINE',
        message: `map file line ${line}: contains a NUL byte (HAProxy would silently cut the line there)`,
      });
      continue;
    }
    const entry = parseLine(raw, line);
    if (entry !== undefined) entries.push(entry);
  }
  return { entries, problems };
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function parseLine(raw: string, line: number): MapEntry | undefined {
  let i = 0;
  const n = raw.length;
  while (i < n && isBlank(raw.charCodeAt(i))) i++;
  if (i === n || raw.charCodeAt(i) === 0x0d) return undefined;
  const keyStart = i;
  while (i < n) {
    const c = raw.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d) break;
    i++;
  }
  const key = raw.slice(keyStart, i);
  while (i < n && isBlank(raw.charCodeAt(i))) i++;
  const valueStart = i;
  while (i < n && raw.charCodeAt(i) !== 0x0d) i++;
  let valueEnd = i;
  while (valueEnd > valueStart && isBlank(raw.charCodeAt(valueEnd - 1))) valueEnd--;
  return { key, value: raw.slice(valueStart, valueEnd), line };
}

/**
 * Checks that an entry can be written to a map file and read back unchanged.
 *
 * @param entry - the entry.
 * @param where - how to name the entry in messages (e.g. `entries[3]`).
 * @throws MapMatcherError `ERR_MAP_MATCHER_INVALID_ENTRY` naming the field at fault.
 */
export function assertValidEntry(entry: MapEntry, where: string): void {
  const at = entry?.line === undefined ? {} : { line: entry.line };
  if (entry === null || typeof entry !== 'object') {
    throw new MapMatcherError('ERR_MAP_MATCHER_INVALID_ENTRY', `${where}: expected an object { key, value }`);
  }
  if (typeof entry.key !== 'string' || entry.key === '') {
    throw new MapMatcherError(
      'ERR_MAP_MATCHER_INVALID_ENTRY',
      `${where}.key: expected a non-empty string`,
      at,
    );
  }
  if (/[ \t\r\n\0]/.test(entry.key)) {
    throw new MapMatcherError(
      'ERR_MAP_MATCHER_INVALID_ENTRY',
      `${where}.key: must not contain a space, tab, CR, LF or NUL (write \\x20 in a regex)`,
      at,
    );
  }
  if (typeof entry.value !== 'string') {
    throw new MapMatcherError('ERR_MAP_MATCHER_INVALID_ENTRY', `${where}.value: expected a string`, at);
  }
  if (/[\r\n\0]/.test(entry.value) || /^[ \t]|[ \t]$/.test(entry.value)) {
    throw new MapMatcherError(
      'ERR_MAP_MATCHER_INVALID_ENTRY',
      `${where}.value: must not contain CR, LF or NUL nor start or end with a space or tab`,
      at,
    );
  }
}

/**
 * Writes entries as a HAProxy map file: one `key + " " + value + "\n"` line per entry (just
 * `key` when the value is empty; a key starting with `#` is indented by one space so it is not
 * read as a comment), in the given order. `parseMapFile(formatMapFile(e)).entries`
 * gives back the same keys and values.
 *
 * @param entries - the entries, in file order.
 * @returns the file text.
 * @throws MapMatcherError `ERR_MAP_MATCHER_INVALID_ENTRY` for an entry that cannot round-trip.
 * @example formatMapFile([{ key: '^a\\.com$', value: '1' }]) // '^a\\.com$ 1\n'
 */
export function formatMapFile(entries: readonly MapEntry[]): string {
  let out = '';
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as MapEntry;
    assertValidEntry(e, `entries[${i}]`);
    // A key starting with "#" is written indented: HAProxy only treats "#" in column 1 as a
    // comment and skips leading blanks before the key.
    const key = e.key.charCodeAt(0) === 0x23 ? ` ${e.key}` : e.key;
    out += e.value === '' ? `${key}\n` : `${key} ${e.value}\n`;
  }
  return out;
}
