/** Shared helpers for the tests that run a real HAProxy against map files. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkHaproxyConfig, type RunningHaproxy, startHaproxy } from '@switchyard/testkit';
import { expect } from 'vitest';

/** What differs between the HAProxy configurations of the map tests. */
export interface MapHaproxyOptions {
  /** `timeout client` and `timeout server`, e.g. `'30s'` (`timeout connect` is always 5s). */
  timeout: string;
  /** Adds `option accept-invalid-http-request` to the defaults (paths Node sends but HAProxy would refuse). */
  acceptInvalid?: boolean;
  /** Lines of a `global` section written before the defaults (none when absent). */
  global?: readonly string[];
  /** Runs `haproxy -c` on the file and expects it to pass before starting. */
  check?: boolean;
}

/**
 * Writes `<dir>/haproxy.cfg`: HTTP defaults and one frontend `fe` bound to 127.0.0.1:`port`
 * followed by `frontendLines`.
 *
 * @returns the path of the file written
 */
export async function writeMapHaproxyConfig(
  dir: string,
  port: number,
  frontendLines: readonly string[],
  options: MapHaproxyOptions,
): Promise<string> {
  const cfg = join(dir, 'haproxy.cfg');
  await writeFile(
    cfg,
    [
      ...(options.global ? ['global', ...options.global] : []),
      'defaults',
      '  mode http',
      '  timeout connect 5s',
      `  timeout client ${options.timeout}`,
      `  timeout server ${options.timeout}`,
      ...(options.acceptInvalid ? ['  option accept-invalid-http-request'] : []),
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      ...frontendLines,
      '',
    ].join('\n'),
  );
  return cfg;
}

/**
 * Writes the configuration of {@link writeMapHaproxyConfig} and starts HAProxy on it, waiting
 * until `port` accepts connections.
 *
 * @returns the running HAProxy (the caller stops it)
 */
export async function startMapHaproxy(
  dir: string,
  port: number,
  frontendLines: readonly string[],
  options: MapHaproxyOptions,
): Promise<RunningHaproxy> {
  const cfg = await writeMapHaproxyConfig(dir, port, frontendLines, options);
  if (options.check) {
    const check = await checkHaproxyConfig(cfg);
    expect(check.ok, check.output).toBe(true);
  }
  return startHaproxy({ configPath: cfg, waitForPort: port });
}
