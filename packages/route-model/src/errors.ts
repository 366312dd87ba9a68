/**
 * The package's single error class. Expected outcomes (a rejected route, a bad annotation, a
 * manifest that fails to parse) are values, not exceptions; this error is thrown only for broken
 * contracts, such as invalid store options.
 */

/** Codes carried by {@link RouteModelError}. */
export type RouteModelErrorCode =
  /** A store or validation option has a value outside its documented range. */
  | 'ERR_ROUTE_MODEL_INVALID_OPTIONS'
  /** An event passed to `apply` is not a `RouterEvent` (missing type or object). */
  | 'ERR_ROUTE_MODEL_INVALID_EVENT'
  /** An object passed in lacks the fields every API object has (`metadata.name`, ...). */
  | 'ERR_ROUTE_MODEL_INVALID_OBJECT';

/**
 * Error thrown by `@switchyard/route-model` for broken contracts.
 *
 * @example
 * ```ts
 * try { createRouteStore({ namespaceOwnership: 'Bogus' as never }) }
 * catch (e) { if (isRouteModelError(e)) console.log(e.code) }
 * ```
 */
export class RouteModelError extends Error {
  /** A stable, documented code. */
  readonly code: RouteModelErrorCode;

  /**
   * @param code - one of {@link RouteModelErrorCode}
   * @param message - what was wrong, naming the object and field
   * @param options - `cause` is passed through
   */
  constructor(code: RouteModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RouteModelError';
    this.code = code;
  }
}

/**
 * Type guard for {@link RouteModelError}.
 *
 * @param u - anything caught
 * @returns true if `u` is a RouteModelError
 */
export function isRouteModelError(u: unknown): u is RouteModelError {
  return u instanceof RouteModelError;
}
