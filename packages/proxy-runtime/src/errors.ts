/**
 * The one error class of `@switchyard/proxy-runtime`. Expected outcomes (no route, a refused
 * backend, a rejected request) are answered on the wire, not thrown; this class is for broken
 * contracts (bad options, a bad table) and I/O failures of the runtime itself (listen).
 */

/** Every code a {@link ProxyRuntimeError} can carry. */
export type ProxyRuntimeErrorCode =
  /** An option is missing or has the wrong type or range; the message names the field. */
  | 'ERR_PROXY_RUNTIME_INVALID_OPTION'
  /** The routing table passed to `update` is not a RoutingTable; the message names the field. */
  | 'ERR_PROXY_RUNTIME_INVALID_TABLE'
  /** A listener could not bind (address in use, permission). `cause` holds the system error. */
  | 'ERR_PROXY_RUNTIME_LISTEN'
  /** `listen()` called twice, or `update`/`listen` after `close()`. */
  | 'ERR_PROXY_RUNTIME_STATE'
  /** The default certificate or its key could not be loaded. (A bad route certificate is not thrown: that route gets the default certificate.) */
  | 'ERR_PROXY_RUNTIME_TLS'
  /** A worker process failed to start or exited unexpectedly. */
  | 'ERR_PROXY_RUNTIME_WORKER';

/**
 * Error thrown by the proxy runtime for broken contracts and I/O failures.
 *
 * @example
 * ```ts
 * try { await runtime.listen(); } catch (e) { if (isProxyRuntimeError(e) && e.code === 'ERR_PROXY_RUNTIME_LISTEN') ... }
 * ```
 */
export class ProxyRuntimeError extends Error {
  /** A stable code from {@link ProxyRuntimeErrorCode}. */
  readonly code: ProxyRuntimeErrorCode;

  /**
   * @param code - the error code
   * @param message - what went wrong, naming the object and the field
   * @param options - `cause`: the underlying error, passed through
   */
  constructor(code: ProxyRuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProxyRuntimeError';
    this.code = code;
  }
}

/**
 * Tells whether a value is a {@link ProxyRuntimeError} (also across module copies).
 * @param u - any value
 * @returns true when `u` is a ProxyRuntimeError
 */
export function isProxyRuntimeError(u: unknown): u is ProxyRuntimeError {
  return (
    u instanceof ProxyRuntimeError ||
    (u instanceof Error &&
      u.name === 'ProxyRuntimeError' &&
      typeof (u as { code?: unknown }).code === 'string' &&
      String((u as unknown as { code: string }).code).startsWith('ERR_PROXY_RUNTIME_'))
  );
}
