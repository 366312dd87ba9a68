/**
 * Writing rendered files: each through a temporary file and a rename, so HAProxy (or a reader)
 * never sees half a file; private keys with mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { HaproxyRendererError } from './errors.ts';

/** What {@link writeRenderedFiles} needs from a render. */
export interface WritableRender {
  readonly files: Readonly<Record<string, string>>;
  readonly privateFiles: readonly string[];
}

/** Options of {@link writeRenderedFiles}. */
export interface WriteFilesOptions {
  /**
   * Remove files under `certs/`, `cacerts/` and `allowlists/` that the render no longer has
   * (routes that went away). @default true
   */
  prune?: boolean;
}

/** Result of {@link writeRenderedFiles}. */
export interface WriteFilesResult {
  /** Relative paths whose content changed (or that are new). */
  readonly changed: readonly string[];
  /** Relative paths removed. */
  readonly removed: readonly string[];
}

const PRUNED_DIRS = ['certs', 'cacerts', 'allowlists'];

/**
 * Atomically writes one file (temporary file in the same directory, then rename).
 * @param path - absolute path
 * @param content - file content
 * @param mode - file mode, e.g. `0o600` for private keys
 */
export async function writeFileAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { mode });
    // writeFile's mode is filtered by the umask; set it exactly.
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

async function readOr(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Writes every rendered file under `dir` (only those whose content changed), atomically, with
 * private keys at mode 0600, and prunes certificate files of routes that are gone.
 * @param dir - the working directory the render was made for
 * @param render - the render result (or any `{ files, privateFiles }`)
 * @param options - pruning
 * @returns the changed and removed paths
 * @throws HaproxyRendererError `ERR_HAPROXY_RENDERER_WRITE_FAILED`
 */
export async function writeRenderedFiles(
  dir: string,
  render: WritableRender,
  options: WriteFilesOptions = {},
): Promise<WriteFilesResult> {
  const changed: string[] = [];
  const removed: string[] = [];
  const priv = new Set(render.privateFiles);
  try {
    await mkdir(join(dir, 'run'), { recursive: true, mode: 0o700 });
    for (const [rel, content] of Object.entries(render.files)) {
      const abs = join(dir, rel);
      if ((await readOr(abs)) === content) continue;
      await writeFileAtomic(abs, content, priv.has(rel) ? 0o600 : 0o644);
      changed.push(rel);
    }
    if (options.prune ?? true) {
      for (const sub of PRUNED_DIRS) {
        let names: string[];
        try {
          names = await readdir(join(dir, sub));
        } catch {
          continue;
        }
        for (const n of names) {
          const rel = relative(dir, join(dir, sub, n));
          if (!(rel in render.files)) {
            await rm(join(dir, rel), { force: true });
            removed.push(rel);
          }
        }
      }
    }
  } catch (e) {
    throw new HaproxyRendererError(
      'ERR_HAPROXY_RENDERER_WRITE_FAILED',
      `writeRenderedFiles ${dir}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  return { changed: changed.sort(), removed: removed.sort() };
}
