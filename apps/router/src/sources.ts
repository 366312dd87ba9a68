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
import { parseManifests, type RouteStore, type RouterEvent } from '@switchyard/route-model';
import type { Logger } from 'pino';
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
  /** Called after each batch was applied to the store (the cluster source writes status). */
  afterApply(store: RouteStore): void;
  /** Stops the source. */
  close(): Promise<void>;
  /** Re-reads files now (files only; tests and benchmarks). */
  rescan(): Promise<void>;
}

/** Adapts route-model's `parseManifests` to the file source. */
export function parseManifestText(text: string): ParsedManifests {
  const parsed = parseManifests(text);
  const problems = [
    ...parsed.errors.map((e) => ({
      document: e.index + 1,
      message: `line ${e.line}: ${e.name === undefined ? '' : `${e.kind ?? 'object'} ${e.name}: `}${e.message}`,
    })),
    ...parsed.skipped.map((e) => ({
      document: e.index + 1,
      message: `line ${e.line}: ${e.kind ?? 'object'} ${e.name ?? ''} skipped: ${e.message}`,
    })),
  ];
  // A YAML syntax error usually means a file caught half-way through a save: keep serving what
  // the file held before rather than deleting its objects.
  const fatal = parsed.errors.some((e) => e.message.startsWith('YAML syntax error'));
  return { objects: parsed.objects, problems, fatal };
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
  const watcher: RouteWatcher = createRouteWatcher({
    ...(settings.kubeconfig === undefined ? { inCluster: true } : { kubeconfigPath: settings.kubeconfig }),
    ...(settings.namespace === undefined ? {} : { namespace: settings.namespace }),
    ...(settings.routeSelector === undefined ? {} : { routeLabelSelector: settings.routeSelector }),
    ...(settings.namespaceSelector === undefined
      ? {}
      : { namespaceLabelSelector: settings.namespaceSelector }),
    logger: klog,
    onEvents,
  });
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
    afterApply: (store) => {
      if (store.synced) writer?.update(store.statuses);
    },
    async close() {
      await watcher.stop();
      await writer?.close();
    },
    rescan: async () => undefined,
  };
}
