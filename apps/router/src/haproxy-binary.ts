/**
 * Finds the `haproxy` binary for `--engine haproxy` and checks its version, so that a missing or
 * old HAProxy is reported at start with a clear message and exit code 3, not as a failed reload.
 */
import { execFile } from 'node:child_process';
import { RouterError } from './errors.ts';

/**
 * Oldest supported HAProxy: 2.5 brought `add server`/`del server` on the runtime API, which
 * endpoint changes without reloads rely on. Tested with 2.6 (Debian 12).
 */
export const MIN_HAPROXY_VERSION: readonly [number, number] = [2, 5];

/** What {@link checkHaproxyBinary} found. */
export interface HaproxyBinaryInfo {
  /** The binary as given (name or path). */
  readonly binary: string;
  /** Full version text, e.g. `2.6.12-1+deb12u1`. */
  readonly version: string;
  readonly major: number;
  readonly minor: number;
}

/**
 * Runs `<binary> -v` and checks the version.
 * @param binary - a name looked up in PATH, or a path
 * @returns the version found
 * @throws RouterError `ERR_ROUTER_HAPROXY_NOT_FOUND` when the binary cannot be run or does not
 *   print an HAProxy version; `ERR_ROUTER_HAPROXY_TOO_OLD` below {@link MIN_HAPROXY_VERSION}
 */
export async function checkHaproxyBinary(binary: string): Promise<HaproxyBinaryInfo> {
  const min = `${MIN_HAPROXY_VERSION[0]}.${MIN_HAPROXY_VERSION[1]}`;
  const output = await new Promise<string>((resolve, reject) => {
    execFile(binary, ['-v'], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error !== null && stdout === '') reject(error);
      else resolve(`${stdout}${stderr}`);
    });
  }).catch((cause: NodeJS.ErrnoException) => {
    const why = cause.code === 'ENOENT' ? 'not found' : cause.message;
    throw new RouterError(
      'ERR_ROUTER_HAPROXY_NOT_FOUND',
      `--engine haproxy needs HAProxy ${min} or newer, but "${binary}" cannot be run (${why}). Install it (Debian/Ubuntu: apt-get install haproxy), point --haproxy-binary at it, or use --engine native.`,
      { cause },
    );
  });
  const match = /HA-?Proxy version (\d+)\.(\d+)(\S*)/i.exec(output);
  if (match === null) {
    throw new RouterError(
      'ERR_ROUTER_HAPROXY_NOT_FOUND',
      `--engine haproxy: "${binary} -v" did not print an HAProxy version (got ${JSON.stringify(output.slice(0, 200))}). Point --haproxy-binary at HAProxy ${min} or newer, or use --engine native.`,
    );
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const version = `${major}.${minor}${match[3] ?? ''}`;
  if (
    major < MIN_HAPROXY_VERSION[0] ||
    (major === MIN_HAPROXY_VERSION[0] && minor < MIN_HAPROXY_VERSION[1])
  ) {
    throw new RouterError(
      'ERR_ROUTER_HAPROXY_TOO_OLD',
      `--engine haproxy: "${binary}" is HAProxy ${version}, older than the oldest supported version ${min}. Install a newer HAProxy, point --haproxy-binary at one, or use --engine native.`,
    );
  }
  return { binary, version, major, minor };
}
