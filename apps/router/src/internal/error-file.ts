/**
 * Reads the HAProxy error files named by settings (`--error-file-503`, `--error-file-404`),
 * failing at start with the setting's name when a file is missing or malformed.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseErrorFile } from '@switchyard/proxy-runtime';
import { RouterError } from '../errors.ts';
/** An error page read at start: its absolute path (HAProxy reads it) and its text (native). */
export interface ErrorFile {
  readonly path: string;
  /** One char per byte. */
  readonly text: string;
}

/**
 * Reads and checks a HAProxy `errorfile` (`--error-file-503`, `--error-file-404`), so a missing
 * or malformed one stops the router at start naming the setting, whichever engine runs.
 */
export async function readErrorFile(path: string, setting: string): Promise<ErrorFile> {
  let text: string;
  try {
    text = await readFile(path, 'latin1');
  } catch (cause) {
    throw new RouterError(
      'ERR_ROUTER_INVALID_SETTING',
      `Invalid setting ${setting}: cannot read ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
  try {
    parseErrorFile(text, `Invalid setting ${setting}: ${path}`);
  } catch (cause) {
    throw new RouterError('ERR_ROUTER_INVALID_SETTING', (cause as Error).message, { cause });
  }
  return { path: resolve(path), text };
}
