/**
 * Sources of Kubernetes objects: manifest files (`--routes`) or a cluster (`--kubeconfig`,
 * `--in-cluster`, through k8s-watcher, which also writes route status).
 */
import {
  createRouteStatusWriter,
  createRouteWatcher,
  type RouteStatusWriter,
  type RouteWatcher,
  type WatcherLogger,
} from '@switchyard/k8s-watcher';
import {
  parseManifests,
  type RouteAdmissionStatus,
  type RouterEvent,
  type RouterObject,
} from '@switchyard/route-model';
import type { Logger } from 'pino';
import { RouterError } from './errors.ts';
import {
  createManifestSource,
  type ManifestProblem,
  type ManifestSource,
  type ParsedManifests,
} from './manifest-source.ts';
import type { RouterSettings } from './settings.ts';

/** A started source. */
export interface Source {
  readonly kind: 'files' | 'cluster';
  /** Called with the statuses to report after each change (the cluster source writes them). */
  afterApply(statuses: ReadonlyMap<string, RouteAdmissionStatus>): void;
  /** Stops the source. */
  close(): Promise<void>;
  /** Re-reads files now (files only; tests and benchmarks). */
  rescan(): Promise<void>;
}

const DOCUMENT_SEPARATOR = /^---[ \t]*(?:#.*)?$/;

/** Parsed documents by their text: a save re-parses only the documents that changed. */
const documentCache = new Map<string, ReturnType<typeof parseManifests>>();
const DOCUMENT_CACHE_LIMIT = 20_000;

function parseDocument(text: string): ReturnType<typeof parseManifests> {
  let parsed = documentCache.get(text);
  if (parsed === undefined) {
    parsed = parseManifests(text);
    if (documentCache.size >= DOCUMENT_CACHE_LIMIT) documentCache.clear();
    documentCache.set(text, parsed);
  }
  return parsed;
}

/**
 * Adapts route-model's `parseManifests` to the file source. Multi-document YAML is split at
 * `---` lines and each document is parsed (and cached) on its own, so saving a file with
 * hundreds of routes costs one document's parse, not the whole file's. Line numbers in
 * problems are those of the whole file.
 * @param text - the file's text
 * @returns objects and problems
 */
export function parseManifestText(text: string): ParsedManifests {
  const lines = text.split('\n');
  const chunks: { text: string; firstLine: number }[] = [];
  let start = 0;
  for (let i = 0; i <= lines.length; i += 1) {
    if (i === lines.length || DOCUMENT_SEPARATOR.test(lines[i] ?? '')) {
      const chunk = lines.slice(start, i).join('\n');
      if (chunk.trim() !== '') chunks.push({ text: chunk, firstLine: start });
      start = i + 1;
    }
  }
  const objects: RouterObject[] = [];
  const problems: { document: number; message: string }[] = [];
  let fatal = false;
  chunks.forEach((chunk, index) => {
    const parsed = parseDocument(chunk.text);
    objects.push(...parsed.objects);
    for (const e of parsed.errors) {
      // A YAML syntax error usually means a file caught half-way through a save: the file
      // keeps serving what it held before rather than losing its objects.
      if (e.message.startsWith('YAML syntax error')) fatal = true;
      const message = e.message.replace(
        /at line (\d+)/,
        (_m, n: string) => `at line ${Number(n) + chunk.firstLine}`,
      );
      problems.push({
        document: index + 1,
        message: `line ${e.line + chunk.firstLine}: ${e.name === undefined ? '' : `${e.kind ?? 'object'} ${e.name}: `}${message}`,
      });
    }
    for (const e of parsed.skipped) {
      problems.push({
        document: index + 1,
        message: `line ${e.line + chunk.firstLine}: ${e.kind ?? 'object'} ${e.name ?? ''} skipped: ${e.message}`,
      });
    }
  });
  return { objects, problems, fatal };
}

function watcherLogger(logger: Logger): WatcherLogger {
  const child = logger.child({ component: 'k8s' });
  return {
    debug: (message, fields) => child.debug(fields ?? {}, message),
    info: (message, fields) => child.info(fields ?? {}, message),
    warn: (message, fields) => child.warn(fields ?? {}, message),
    error: (message, fields) => child.error(fields ?? {}, message),
  };
}

function problemKey(p: ManifestProblem): string {
  return `${p.file}#${p.document ?? ''}: ${p.message}`;
}

/**
 * Starts the source named by the settings. Resolves once the initial objects (and `synced`)
 * were delivered to `onEvents`.
 * @param settings - router settings
 * @param logger - the router logger
 * @param onEvents - receives each batch
 * @param onProblems - receives the count of manifest problems after each scan (files only)
 * @returns the source
 */
export async function startSource(
  settings: RouterSettings,
  logger: Logger,
  onEvents: (events: readonly RouterEvent[]) => void,
  onProblems: (count: number) => void,
): Promise<Source> {
  if (settings.routes !== undefined) {
    const log = logger.child({ component: 'manifests' });
    let reported = new Set<string>();
    const files: ManifestSource = await createManifestSource({
      path: settings.routes,
      parse: parseManifestText,
      onEvents,
      onProblems: (problems) => {
        const now = new Set(problems.map(problemKey));
        for (const problem of problems) {
          if (!reported.has(problemKey(problem)))
            log.error(
              {
                file: problem.file,
                ...(problem.document === undefined ? {} : { document: problem.document }),
              },
              `${problem.file}${problem.document === undefined ? '' : ` (document ${problem.document})`}: ${problem.message}`,
            );
        }
        if (reported.size > 0 && now.size === 0) log.info('every manifest file parses again');
        reported = now;
        onProblems(problems.length);
      },
    });
    return {
      kind: 'files',
      afterApply: () => undefined,
      close: () => files.close(),
      rescan: () => files.rescan(),
    };
  }

  const klog = watcherLogger(logger);
  let watcher: RouteWatcher;
  try {
    watcher = createRouteWatcher({
      ...(settings.kubeconfig === undefined ? { inCluster: true } : { kubeconfigPath: settings.kubeconfig }),
      ...(settings.namespace === undefined ? {} : { namespace: settings.namespace }),
      ...(settings.routeSelector === undefined ? {} : { routeLabelSelector: settings.routeSelector }),
      ...(settings.namespaceSelector === undefined
        ? {}
        : { namespaceLabelSelector: settings.namespaceSelector }),
      logger: klog,
      onEvents,
    });
  } catch (cause) {
    // Unusable credentials or options: a setting problem, reported as one.
    const setting =
      settings.kubeconfig === undefined ? '--in-cluster' : `--kubeconfig ${settings.kubeconfig}`;
    throw new RouterError('ERR_ROUTER_INVALID_SETTING', `${setting}: ${(cause as Error).message}`, { cause });
  }
  const writer: RouteStatusWriter | undefined = settings.updateStatus
    ? createRouteStatusWriter({
        watcher,
        routerName: settings.routerName,
        ...(settings.canonicalHostname === undefined
          ? {}
          : { canonicalHostname: settings.canonicalHostname }),
        logger: klog,
      })
    : undefined;
  await watcher.start();
  return {
    kind: 'cluster',
    afterApply: (statuses) => writer?.update(statuses),
    async close() {
      await watcher.stop();
      await writer?.close();
    },
    rescan: async () => undefined,
  };
}
