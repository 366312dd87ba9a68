/**
 * Structured logs with pino: JSON lines by default, human-readable (pino-pretty) on a terminal
 * or with `--log-format pretty`. pino-pretty is loaded only when asked for, so a JSON-only
 * installation does not need it.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogFormat, LogLevel } from './settings.ts';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Whether stdout is a terminal (decides `auto`). @default process.stdout.isTTY */
  readonly isTty?: boolean;
}

/**
 * Creates the router's logger. Writes synchronously to stdout so that nothing is lost when the
 * process exits right after a fatal error.
 * @param options - level and format
 * @returns the logger and the format actually used
 */
export async function createLogger(
  options: LoggerOptions,
): Promise<{ logger: Logger; format: 'json' | 'pretty' }> {
  const tty = options.isTty ?? process.stdout.isTTY === true;
  const wantPretty = options.format === 'pretty' || (options.format === 'auto' && tty);
  const base = { level: options.level, base: { name: 'switchyard' } };
  if (wantPretty) {
    try {
      const { default: pretty } = (await import('pino-pretty')) as {
        default: (o: Record<string, unknown>) => DestinationStream;
      };
      const stream = pretty({
        sync: true,
        colorize: tty,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,name',
      });
      return { logger: pino(base, stream), format: 'pretty' };
    } catch {
      // pino-pretty is not installed (production install without dev dependencies): JSON it is.
    }
  }
  return { logger: pino(base, pino.destination({ dest: 1, sync: true })), format: 'json' };
}
