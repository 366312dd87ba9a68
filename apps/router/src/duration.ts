/**
 * Duration text as OpenShift's settings take it: HAProxy time specs (`5s`, `300ms`, a bare
 * number is milliseconds) and Go durations (`1m30s`, `1h`, `2.5s`).
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  us: 0.001,
  µs: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses a duration into milliseconds.
 * @param text - `250ms`, `5s`, `1m30s`, `1.5h`, or a bare number of milliseconds (`5000`)
 * @returns milliseconds, or `undefined` when the text is not a duration
 * @example
 * ```ts
 * parseDuration('1m30s') // 90000
 * parseDuration('5000')  // 5000
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (trimmed === '' || !/^(\d+(\.\d+)?(us|µs|ms|s|m|h|d))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(us|µs|ms|s|m|h|d)/g)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1);
  }
  return total;
}

/**
 * Formats milliseconds as the shortest exact duration text (`90s`, `5m`, `250ms`), for help
 * and summaries.
 * @param ms - milliseconds
 * @returns duration text
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
