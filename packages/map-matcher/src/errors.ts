/**
 * Every error code `@switchyard/map-matcher` throws or reports.
 *
 * - `ERR_MAP_MATCHER_INVALID_ARGUMENT`: an argument has the wrong type or shape.
 * - `ERR_MAP_MATCHER_INVALID_ENTRY`: a map entry cannot be written to or read from a map file
 *   (empty key, whitespace or NUL in the key, line break in the value).
 * - `ERR_MAP_MATCHER_INVALID_LINE`: a map file line HAProxy would misread (it contains a NUL byte).
 * - `ERR_MAP_MATCHER_LINE_TOO_LONG`: a map file line longer than HAProxy's line buffer.
 * - `ERR_MAP_MATCHER_INVALID_PATTERN`: a `reg` pattern PCRE2 rejects (unbalanced group, bad range...).
 * - `ERR_MAP_MATCHER_UNSUPPORTED_PATTERN`: a valid PCRE2 pattern that JavaScript cannot evaluate
 *   with the same meaning (backreferences, atomic groups, inline flags, `\K`, POSIX classes...).
 */
export type MapMatcherErrorCode =
  | 'ERR_MAP_MATCHER_INVALID_ARGUMENT'
  | 'ERR_MAP_MATCHER_INVALID_ENTRY'
  | 'ERR_MAP_MATCHER_INVALID_LINE'
  | 'ERR_MAP_MATCHER_LINE_TOO_LONG'
  | 'ERR_MAP_MATCHER_INVALID_PATTERN'
  | 'ERR_MAP_MATCHER_UNSUPPORTED_PATTERN';

/** Options of {@link MapMatcherError}. */
export interface MapMatcherErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** 1-based line of the offending entry in its map file, when known. */
  line?: number;
}

/**
 * The one error class of `@switchyard/map-matcher`. `code` tells what went wrong; `line` points
 * at the map file line when there is one.
 *
 * @example
 * ```ts
 * try { compileMap(entries, { match: 'reg' }); }
 * catch (e) { if (isMapMatcherError(e)) console.error(e.code, e.line); }
 * ```
 */
export class MapMatcherError extends Error {
  /** What went wrong, from {@link MapMatcherErrorCode}. */
  readonly code: MapMatcherErrorCode;
  /** 1-based map file line of the offending entry, when known. */
  readonly line: number | undefined;

  /**
   * @param code - the error code.
   * @param message - a message that names the object, the field and what was expected.
   * @param options - `cause` and `line`.
   */
  constructor(code: MapMatcherErrorCode, message: string, options: MapMatcherErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MapMatcherError';
    this.code = code;
    this.line = options.line;
  }
}

/**
 * Tells whether `u` is a {@link MapMatcherError} (also across package copies, by shape).
 *
 * @param u - any value.
 * @returns true when `u` is a map-matcher error.
 */
export function isMapMatcherError(u: unknown): u is MapMatcherError {
  return (
    u instanceof MapMatcherError ||
    (u instanceof Error &&
      u.name === 'MapMatcherError' &&
      String((u as { code?: unknown }).code).startsWith('ERR_MAP_MATCHER_'))
  );
}
