/** OpenShift's map order (`SortMapPaths`, `pkg/router/template/util/map_paths.go`). */

/** The literal prefix `SortMapPaths` groups last: `^[^\.]*\.`. */
export const WILDCARD_LINE_PREFIX = '^[^\\.]*\\.';

/**
 * Compares two strings in UTF-8 byte order (Go's string order), which is code point order,
 * not JavaScript's UTF-16 code unit order.
 *
 * @param a - first string.
 * @param b - second string.
 * @returns negative, zero or positive like a comparator.
 */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (U+D800..DFFF) stand for code points above U+FFFF, so they must sort after
      // U+E000..FFFF: shift both ranges to restore code point order.
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/**
 * The `SortMapPaths` comparator as a JavaScript comparator: lines not starting with
 * `^[^\.]*\.` first, each group in descending byte order of the whole line.
 *
 * @param a - a map line (`key value`).
 * @param b - another map line.
 * @returns negative when `a` comes first.
 */
export function compareMapLines(a: string, b: string): number {
  const wa = a.startsWith(WILDCARD_LINE_PREFIX);
  const wb = b.startsWith(WILDCARD_LINE_PREFIX);
  if (wa !== wb) return wa ? 1 : -1;
  return compareBytes(b, a);
}

/**
 * OpenShift's "most specific first" order for map lines (`SortMapPaths(lines, "^[^\\.]*\\.")`):
 * wildcard lines last, each group in descending UTF-8 byte order of the whole line.
 *
 * @param lines - map lines, `key + " " + value`.
 * @returns a new sorted array (the input is not modified).
 * @example
 * ```ts
 * sortMapLines(['^[^\\.]*\\.a\\.com\\.?(:[0-9]+)?(/.*)?$ w', '^1\\.a\\.com\\.?(:[0-9]+)?(/.*)?$ d'])
 * // the digit host first, the wildcard last
 * ```
 */
export function sortMapLines(lines: readonly string[]): string[] {
  return [...lines].sort(compareMapLines);
}
