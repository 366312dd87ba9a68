/**
 * The router's single error class. Expected outcomes (a rejected route, a manifest that does not
 * parse) are values reported in logs and metrics; this error is thrown for settings that cannot
 * work and for I/O that fails at start.
 */

/** Codes carried by {@link RouterError}. */
export type RouterErrorCode =
  /** A setting (flag, environment variable or config-file key) has an invalid value. Exit code 2. */
  | 'ERR_ROUTER_INVALID_SETTING'
  /** The config file cannot be read or parsed. Exit code 2. */
  | 'ERR_ROUTER_CONFIG_FILE'
  /** `--engine haproxy` but no `haproxy` binary can be run. Exit code 3. */
  | 'ERR_ROUTER_HAPROXY_NOT_FOUND'
  /** The `haproxy` binary is older than the oldest supported version. Exit code 3. */
  | 'ERR_ROUTER_HAPROXY_TOO_OLD'
  /** The routes path (`--routes`) does not exist or cannot be read. Exit code 2. */
  | 'ERR_ROUTER_ROUTES_PATH'
  /** A listener (data plane or health/metrics) could not bind its port. Exit code 4. */
  | 'ERR_ROUTER_LISTEN'
  /** The engine failed to start or to apply the first routing table. Exit code 4. */
  | 'ERR_ROUTER_ENGINE';

/** Process exit code for each error code, as documented in `switchyard --help`. */
export const EXIT_CODES: Readonly<Record<RouterErrorCode, number>> = Object.freeze({
  ERR_ROUTER_INVALID_SETTING: 2,
  ERR_ROUTER_CONFIG_FILE: 2,
  ERR_ROUTER_ROUTES_PATH: 2,
  ERR_ROUTER_HAPROXY_NOT_FOUND: 3,
  ERR_ROUTER_HAPROXY_TOO_OLD: 3,
  ERR_ROUTER_LISTEN: 4,
  ERR_ROUTER_ENGINE: 4,
});

/**
 * Error thrown by `@switchyard/router` when it cannot start.
 *
 * @example
 * ```ts
 * try { loadSettings({ argv: ['--http-port', 'x'], env: {} }) }
 * catch (e) { if (isRouterError(e)) console.error(e.code, e.message) }
 * ```
 */
export class RouterError extends Error {
  /** A stable, documented code. */
  readonly code: RouterErrorCode;

  /**
   * @param code - one of {@link RouterErrorCode}
   * @param message - what was wrong, naming the setting or file
   * @param options - `cause` is passed through
   */
  constructor(code: RouterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RouterError';
    this.code = code;
  }
}

/**
 * Type guard for {@link RouterError}.
 * @param u - anything caught
 * @returns true if `u` is a RouterError
 */
export function isRouterError(u: unknown): u is RouterError {
  return u instanceof RouterError;
}
