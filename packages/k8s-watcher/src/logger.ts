/** Where the watcher and the status writer log. Fields are structured context. */
export interface WatcherLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Logs warnings and errors to the console; drops debug and info. */
export const consoleWarningLogger: WatcherLogger = {
  debug() {},
  info() {},
  warn(message, fields) {
    console.warn(`[k8s-watcher] ${message}`, fields ?? '');
  },
  error(message, fields) {
    console.error(`[k8s-watcher] ${message}`, fields ?? '');
  },
};
