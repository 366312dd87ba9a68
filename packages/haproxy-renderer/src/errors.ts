/**
 * The one error class of `@switchyard/haproxy-renderer`. Expected outcomes (a route that cannot
 * be rendered safely, a failed reload) are values; this is thrown only for broken contracts
 * (invalid options) and I/O failures.
 */

/** Every code a {@link HaproxyRendererError} can carry. */
export type HaproxyRendererErrorCode =
  /** A render option is missing or has an invalid value; the message names the option. */
  | 'ERR_HAPROXY_RENDERER_INVALID_OPTION'
  /** The routing table passed in is not shaped like a `RoutingTable`. */
  | 'ERR_HAPROXY_RENDERER_INVALID_TABLE'
  /** `haproxy -c` rejected a configuration. */
  | 'ERR_HAPROXY_RENDERER_CONFIG_INVALID'
  /** The HAProxy binary could not be run. */
  | 'ERR_HAPROXY_RENDERER_SPAWN_FAILED'
  /** HAProxy did not start, or exited while starting. */
  | 'ERR_HAPROXY_RENDERER_START_FAILED'
  /** A reload was refused or did not complete. */
  | 'ERR_HAPROXY_RENDERER_RELOAD_FAILED'
  /** The process is not running (never started, or stopped). */
  | 'ERR_HAPROXY_RENDERER_NOT_RUNNING'
  /** A runtime API (stats socket or master CLI) command failed or timed out. */
  | 'ERR_HAPROXY_RENDERER_RUNTIME_API'
  /** Writing the rendered files failed. */
  | 'ERR_HAPROXY_RENDERER_WRITE_FAILED';

/** Options of {@link HaproxyRendererError}. */
export interface HaproxyRendererErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** HAProxy's own output, when there is any (e.g. `haproxy -c` messages). */
  output?: string;
}

/**
 * The error thrown by this package.
 *
 * @example
 * ```ts
 * try { await proc.reload(files) } catch (e) { if (isHaproxyRendererError(e)) log(e.code) }
 * ```
 */
export class HaproxyRendererError extends Error {
  /** What went wrong, from {@link HaproxyRendererErrorCode}. */
  readonly code: HaproxyRendererErrorCode;
  /** HAProxy's output, when the failure came from HAProxy. */
  readonly output: string | undefined;

  /**
   * @param code - the error code
   * @param message - a message naming the object and the field
   * @param options - `cause` and HAProxy's `output`
   */
  constructor(code: HaproxyRendererErrorCode, message: string, options: HaproxyRendererErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HaproxyRendererError';
    this.code = code;
    this.output = options.output;
  }
}

/**
 * Type guard for {@link HaproxyRendererError} (also across package copies: it checks the name
 * and the code prefix, not the prototype).
 * @param u - any value
 * @returns whether `u` is a HaproxyRendererError
 */
export function isHaproxyRendererError(u: unknown): u is HaproxyRendererError {
  return (
    u instanceof HaproxyRendererError ||
    (u instanceof Error &&
      u.name === 'HaproxyRendererError' &&
      typeof (u as unknown as { code?: unknown }).code === 'string' &&
      (u as unknown as { code: string }).code.startsWith('ERR_HAPROXY_RENDERER_'))
  );
}
