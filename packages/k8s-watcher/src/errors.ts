/**
 * Error codes of `@switchyard/k8s-watcher`:
 * - `ERR_K8S_WATCHER_OPTIONS`: an option is invalid (the message names it).
 * - `ERR_K8S_WATCHER_AUTH`: no usable kubeconfig or service account.
 * - `ERR_K8S_WATCHER_HTTP`: the API answered a request with an unexpected status.
 * - `ERR_K8S_WATCHER_STOPPED`: the watcher was stopped before it synced.
 */
export type K8sWatcherErrorCode =
  | 'ERR_K8S_WATCHER_OPTIONS'
  | 'ERR_K8S_WATCHER_AUTH'
  | 'ERR_K8S_WATCHER_HTTP'
  | 'ERR_K8S_WATCHER_STOPPED';

/** The one error class of this package; `code` tells what failed. */
export class K8sWatcherError extends Error {
  override readonly name = 'K8sWatcherError';
  readonly code: K8sWatcherErrorCode;
  /** HTTP status, for `ERR_K8S_WATCHER_HTTP`. */
  readonly statusCode: number | undefined;
  constructor(
    code: K8sWatcherErrorCode,
    message: string,
    options?: { cause?: unknown; statusCode?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.statusCode = options?.statusCode;
  }
}

/**
 * Whether a value is a {@link K8sWatcherError}.
 *
 * @param u - any value
 * @returns true for errors thrown by this package
 */
export function isK8sWatcherError(u: unknown): u is K8sWatcherError {
  return u instanceof K8sWatcherError;
}
