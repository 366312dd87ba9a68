/**
 * Codes carried by {@link SniParserError}. Parse outcomes are never errors (see
 * `ClientHelloResult`); these cover broken contracts and socket failures only.
 *
 * - `ERR_SNI_INVALID_OPTION`: an option has the wrong type or range (the message names it).
 * - `ERR_SNI_INVALID_ARGUMENT`: an argument is not what the function needs (for example
 *   `peekClientHello` given something that is not a readable stream).
 * - `ERR_SNI_SOCKET`: the socket failed (reset, destroyed with an error) while the hello was
 *   being read; `cause` holds the socket's error and `bytes` everything read before it.
 */
export type SniParserErrorCode = 'ERR_SNI_INVALID_OPTION' | 'ERR_SNI_INVALID_ARGUMENT' | 'ERR_SNI_SOCKET';

/** Options for {@link SniParserError}. */
export interface SniParserErrorOptions {
  /** The underlying error, if any. @default undefined */
  cause?: unknown;
  /** Bytes read from the socket before the failure. @default an empty buffer */
  bytes?: Uint8Array;
}

/**
 * The one error class of `@switchyard/sni-parser`.
 *
 * @example
 * ```ts
 * try { await peekClientHello(socket); } catch (e) { if (isSniParserError(e)) log(e.code); }
 * ```
 */
export class SniParserError extends Error {
  /** Machine-readable code, see {@link SniParserErrorCode}. */
  readonly code: SniParserErrorCode;
  /** Bytes read before the failure (`ERR_SNI_SOCKET`), empty otherwise. */
  readonly bytes: Uint8Array;

  /**
   * @param code - one of {@link SniParserErrorCode}
   * @param message - human-readable text naming the object and field at fault
   * @param options - `cause` and the bytes read so far
   */
  constructor(code: SniParserErrorCode, message: string, options: SniParserErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SniParserError';
    this.code = code;
    this.bytes = options.bytes ?? new Uint8Array(0);
  }
}

/**
 * Whether `u` is a {@link SniParserError} (also across duplicated copies of the package, by
 * name and code shape).
 *
 * @param u - any value
 * @returns true for errors thrown by this package
 */
export function isSniParserError(u: unknown): u is SniParserError {
  if (u instanceof SniParserError) return true;
  if (!(u instanceof Error) || u.name !== 'SniParserError') return false;
  const code: unknown = (u as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_SNI_');
}
