/**
 * The file source: a manifest file or a directory of manifests (`.yaml`, `.yml`, `.json`,
 * searched recursively), watched for changes. Every change re-reads the files that changed,
 * re-parses them, and turns the difference between the old and the new set of objects into
 * `upsert`/`delete` RouterEvents. A file that no longer parses keeps its previous objects (an
 * editor half-way through a save must not take routes down) and the error is reported.
 */
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve } from 'node:path';
import type { RouterEvent, RouterObject } from '@switchyard/route-model';
import { RouterError } from './errors.ts';

/** One problem in one manifest file. */
export interface ManifestProblem {
  /** Path relative to the watched root (the file name for a single file). */
  readonly file: string;
  /** 1-based document index in the file, when the problem is in one document. */
  readonly document?: number;
  readonly message: string;
}

/** What a parser returns for one file's text (route-model's `parseManifests`, adapted). */
export interface ParsedManifests {
  readonly objects: readonly unknown[];
  readonly problems: readonly { readonly document?: number; readonly message: string }[];
  /** True when the text could not be read as YAML/JSON at all: the file keeps its old objects. */
  readonly fatal: boolean;
}

/** Options of {@link createManifestSource}. */
export interface ManifestSourceOptions {
  /** A file or a directory. */
  readonly path: string;
  /** Parses one file's text. */
  readonly parse: (text: string) => ParsedManifests;
  /** Receives each batch of events (the first batch ends with `synced`). */
  readonly onEvents: (events: readonly RouterEvent[]) => void;
  /** Receives the problems of each scan (empty when every file is fine). */
  readonly onProblems?: (problems: readonly ManifestProblem[]) => void;
  /** Quiet time after a file-system event before re-reading, in ms. @default 15 */
  readonly debounceMs?: number;
  /**
   * Interval of a safety re-scan (file signatures only; unchanged files are not re-read), for
   * file systems whose change events get lost. 0 disables it. @default 1000
   */
  readonly pollIntervalMs?: number;
  /** Namespace of objects without `metadata.namespace`. @default 'default' */
  readonly defaultNamespace?: string;
}

/** A started file source. */
export interface ManifestSource {
  /** Re-reads now (what a watch event triggers); resolves when the events were delivered. */
  rescan(): Promise<void>;
  /** Objects currently served, keyed `kind/namespace/name`. */
  readonly objects: ReadonlyMap<string, RouterObject>;
  /** Stops watching. */
  close(): Promise<void>;
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const KINDS = new Set(['Route', 'Service', 'EndpointSlice', 'Namespace', 'Secret']);

interface FileState {
  readonly signature: string;
  readonly objects: ReadonlyMap<string, RouterObject>;
  readonly problems: readonly ManifestProblem[];
}

async function listTree(root: string, isDirectory: boolean): Promise<{ files: string[]; dirs: string[] }> {
  if (!isDirectory) return { files: [root], dirs: [dirname(root)] };
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && EXTENSIONS.has(extname(e.name).toLowerCase()) && !e.name.startsWith('.'))
    .map((e) => join(e.parentPath ?? root, e.name))
    .sort();
  const dirs = [
    root,
    ...entries.filter((e) => e.isDirectory()).map((e) => join(e.parentPath ?? root, e.name)),
  ];
  return { files, dirs };
}

/**
 * Starts watching manifests. The first scan completes before this resolves and delivers every
 * object followed by `synced`.
 * @param options - path, parser and event sink
 * @returns the source
 * @throws RouterError `ERR_ROUTER_ROUTES_PATH` when the path does not exist or cannot be read
 */
export async function createManifestSource(options: ManifestSourceOptions): Promise<ManifestSource> {
  const root = resolve(options.path);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(root)).isDirectory();
  } catch (cause) {
    throw new RouterError('ERR_ROUTER_ROUTES_PATH', `--routes ${options.path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const debounceMs = options.debounceMs ?? 15;
  const files = new Map<string, FileState>();
  let current = new Map<string, RouterObject>();
  // First-seen order gives stable, oldest-first identities to objects that carry none.
  const identities = new Map<string, { uid: string; creationTimestamp: string }>();
  let sequence = 0;
  const startedAt = new Date();
  startedAt.setMilliseconds(0);

  const identify = (raw: unknown, file: string, document: number, problems: ManifestProblem[]) => {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const object = raw as { kind?: unknown; metadata?: Record<string, unknown> };
    if (typeof object.kind !== 'string' || !KINDS.has(object.kind)) {
      problems.push({
        file,
        document,
        message: `kind ${JSON.stringify(object.kind)} is not served (expected one of ${[...KINDS].join(', ')}); ignored`,
      });
      return undefined;
    }
    const name = object.metadata?.name;
    if (typeof name !== 'string' || name === '') {
      problems.push({ file, document, message: `${object.kind} without metadata.name; ignored` });
      return undefined;
    }
    const namespace =
      object.kind === 'Namespace'
        ? ''
        : typeof object.metadata?.namespace === 'string' && object.metadata.namespace !== ''
          ? object.metadata.namespace
          : defaultNamespace;
    const key = `${object.kind}/${namespace}/${name}`;
    let identity = identities.get(key);
    if (identity === undefined) {
      sequence += 1;
      identity = {
        uid: `manifest-${String(sequence).padStart(8, '0')}`,
        creationTimestamp: new Date(startedAt.getTime() + sequence * 1000)
          .toISOString()
          .replace('.000Z', 'Z'),
      };
      identities.set(key, identity);
    }
    const metadata = {
      ...object.metadata,
      ...(object.kind === 'Namespace' ? {} : { namespace }),
      uid: typeof object.metadata?.uid === 'string' ? object.metadata.uid : identity.uid,
      creationTimestamp: object.metadata?.creationTimestamp ?? identity.creationTimestamp,
    };
    return { key, object: { ...object, metadata } as unknown as RouterObject };
  };

  const readOne = async (path: string, signature: string): Promise<FileState> => {
    const name = isDirectory ? relative(root, path) : path;
    const previous = files.get(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      return {
        signature,
        objects: previous?.objects ?? new Map(),
        problems: [{ file: name, message: `cannot read: ${(cause as Error).message}` }],
      };
    }
    const parsed = options.parse(text);
    const problems: ManifestProblem[] = parsed.problems.map((p) => ({
      file: name,
      ...(p.document === undefined ? {} : { document: p.document }),
      message: p.message,
    }));
    if (parsed.fatal) {
      problems.push({
        file: name,
        message: 'the file keeps serving its previous objects until it parses again',
      });
      return { signature, objects: previous?.objects ?? new Map(), problems };
    }
    const objects = new Map<string, RouterObject>();
    parsed.objects.forEach((raw, index) => {
      const found = identify(raw, name, index + 1, problems);
      if (found === undefined) return;
      if (objects.has(found.key))
        problems.push({
          file: name,
          document: index + 1,
          message: `${found.key} is defined twice; the last one wins`,
        });
      objects.set(found.key, found.object);
    });
    return { signature, objects, problems };
  };

  let scanning: Promise<void> = Promise.resolve();
  let first = true;
  let closed = false;

  const scanOnce = async (): Promise<void> => {
    let paths: string[];
    try {
      const tree = await listTree(root, isDirectory);
      paths = tree.files;
      watchDirectories(tree.dirs);
    } catch (cause) {
      options.onProblems?.([{ file: options.path, message: `cannot list: ${(cause as Error).message}` }]);
      return;
    }
    const seen = new Set<string>();
    for (const path of paths) {
      seen.add(path);
      let signature: string;
      try {
        const s = await stat(path);
        signature = `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        continue; // removed between listing and stat: the next event rescans
      }
      const previous = files.get(path);
      if (previous?.signature === signature) continue;
      files.set(path, await readOne(path, signature));
    }
    for (const path of [...files.keys()]) if (!seen.has(path)) files.delete(path);

    const next = new Map<string, RouterObject>();
    const problems: ManifestProblem[] = [];
    for (const path of [...files.keys()].sort()) {
      const state = files.get(path) as FileState;
      problems.push(...state.problems);
      for (const [key, object] of state.objects) {
        if (next.has(key)) {
          problems.push({
            file: isDirectory ? relative(root, path) : path,
            message: `${key} is also defined in an earlier file; this definition wins`,
          });
        }
        next.set(key, object);
      }
    }
    const events: RouterEvent[] = [];
    for (const [key, object] of current) if (!next.has(key)) events.push({ type: 'delete', object });
    for (const [key, object] of next) {
      const before = current.get(key);
      if (before === undefined || JSON.stringify(before) !== JSON.stringify(object))
        events.push({ type: 'upsert', object });
    }
    current = next;
    if (first) {
      events.push({ type: 'synced' });
      first = false;
    }
    options.onProblems?.(problems);
    if (events.length > 0 && !closed) options.onEvents(events);
  };

  const rescan = (): Promise<void> => {
    scanning = scanning.then(scanOnce, scanOnce);
    return scanning;
  };

  let timer: NodeJS.Timeout | undefined;
  const onChange = (): void => {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void rescan();
    }, debounceMs);
  };
  // One non-recursive watch per directory (Node 20's recursive watch on Linux loses events
  // when files are replaced by rename, which is how editors save). A single file is watched
  // through its directory for the same reason.
  const watchers = new Map<string, FSWatcher>();
  function watchDirectories(dirs: readonly string[]): void {
    if (closed) return;
    const wanted = new Set(dirs);
    for (const [dir, watcher] of watchers) {
      if (!wanted.has(dir)) {
        watcher.close();
        watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, (_event, name) => {
          if (!isDirectory && name !== null && resolve(dir, name) !== root) return;
          onChange();
        });
        watcher.on('error', () => {
          watcher.close();
          watchers.delete(dir);
          onChange();
        });
        watchers.set(dir, watcher);
      } catch (cause) {
        if (dir === root || !isDirectory)
          throw new RouterError(
            'ERR_ROUTER_ROUTES_PATH',
            `--routes ${options.path}: cannot watch: ${(cause as Error).message}`,
            {
              cause,
            },
          );
      }
    }
  }

  await rescan();
  const pollMs = options.pollIntervalMs ?? 1000;
  const poll = pollMs > 0 ? setInterval(() => void rescan(), pollMs) : undefined;
  poll?.unref();

  return {
    rescan,
    get objects(): ReadonlyMap<string, RouterObject> {
      return current;
    },
    async close(): Promise<void> {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      if (poll !== undefined) clearInterval(poll);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
      await scanning.catch(() => undefined);
    },
  };
}
