/**
 * The controller: wires a source of objects, the route store, an engine, the stats listener and
 * the logs together, in OpenShift's order (nothing is served before the first full sync), and
 * shuts down gracefully.
 */
import { resolve } from 'node:path';
import {
  createRouteStore,
  type RouteAdmissionStatus,
  type RouteEntry,
  type RouterEvent,
  type RouteStore,
  type RoutingTable,
} from '@switchyard/route-model';
import type { Logger } from 'pino';
import { applyEvents } from './apply-events.ts';
import { type DemoBackends, startDemoBackends } from './demo-backends.ts';
import type { Engine, EngineListeners } from './engines/engine.ts';
import { createHaproxyEngine } from './engines/haproxy.ts';
import { createNativeEngine } from './engines/native.ts';
import { RouterError } from './errors.ts';
import { checkHaproxyBinary } from './haproxy-binary.ts';
import {
  type MutualTlsMaterial,
  readCaFile,
  readCertificateKeyFile,
  readCrlFile,
} from './internal/pem-file.ts';
import { readErrorFile } from './internal/error-file.ts';
import { probeHttp, reachableAddress } from './internal/probe.ts';
import { createRouterMetrics, type RouterMetrics } from './metrics.ts';
import { type OpsServer, startOpsServer } from './ops-server.ts';
import { listenTarget, type RouterSettings } from './settings.ts';
import { type Source, startSource } from './sources.ts';
import { formatSummary, type RouterSummary, summarize } from './summary.ts';

/** Inputs of {@link startRouter}. */
export interface StartRouterOptions {
  readonly settings: RouterSettings;
  readonly logger: Logger;
  /** The version shown in logs. */
  readonly version: string;
  /** Writes human-readable text (the startup summary, demo curl commands). @default none */
  readonly print?: (text: string) => void;
}

/** A running router. */
export interface RunningRouter {
  /** Bound ports (useful with port 0). */
  readonly listeners: EngineListeners & { readonly statsPort: number };
  readonly store: RouteStore;
  readonly engine: Engine;
  readonly metrics: RouterMetrics;
  /** The startup summary. */
  readonly summary: RouterSummary;
  /** Resolves once every event received so far is served by the engine. */
  settled(): Promise<void>;
  /** Graceful shutdown: readiness false, optional delay, stop accepting, drain, close. Idempotent. */
  shutdown(): Promise<void>;
}

function displayKey(key: string): string {
  const colon = key.indexOf(':');
  return colon === -1 ? key : `${key.slice(0, colon)}/${key.slice(colon + 1)}`;
}

function describeRoute(entry: RouteEntry | undefined, status: RouteAdmissionStatus): string {
  return `${status.host}${entry?.path ?? ''}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts the router described by the settings and resolves once it serves the first full sync.
 * @param options - settings, logger, version
 * @returns the running router
 * @throws RouterError with the codes listed in {@link RouterErrorCode} (each maps to an exit code)
 */
export async function startRouter(options: StartRouterOptions): Promise<RunningRouter> {
  const { settings, logger } = options;
  const metrics = createRouterMetrics();
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };

  try {
    const haproxy =
      settings.engine === 'haproxy' ? await checkHaproxyBinary(settings.haproxyBinary) : undefined;
    if (haproxy !== undefined)
      logger.info({ version: haproxy.version, binary: haproxy.binary }, 'found HAProxy');

    const defaultCertificate =
      settings.defaultCertificate === undefined
        ? undefined
        : await readCertificateKeyFile(
            settings.defaultCertificate,
            '--default-certificate (DEFAULT_CERTIFICATE_PATH)',
          );
    const defaultDestinationCaPath = settings.defaultDestinationCa;
    const defaultDestinationCa =
      defaultDestinationCaPath === undefined
        ? undefined
        : await readCaFile(
            defaultDestinationCaPath,
            '--default-destination-ca (DEFAULT_DESTINATION_CA_PATH)',
          );

    const mutualTls: MutualTlsMaterial | undefined =
      settings.mutualTls === 'none' || settings.mutualTlsCa === undefined
        ? undefined
        : {
            verify: settings.mutualTls,
            caPath: resolve(settings.mutualTlsCa),
            ca: await readCaFile(settings.mutualTlsCa, '--mutual-tls-ca (ROUTER_MUTUAL_TLS_AUTH_CA)'),
            ...(settings.mutualTlsCrl === undefined
              ? {}
              : {
                  crlPath: resolve(settings.mutualTlsCrl),
                  crl: await readCrlFile(
                    settings.mutualTlsCrl,
                    '--mutual-tls-crl (ROUTER_MUTUAL_TLS_AUTH_CRL)',
                  ),
                }),
            ...(settings.mutualTlsFilter === undefined ? {} : { subjectFilter: settings.mutualTlsFilter }),
          };
    const errorFiles = {
      e503:
        settings.errorFile503 === undefined
          ? undefined
          : await readErrorFile(settings.errorFile503, '--error-file-503 (ROUTER_ERRORFILE_503)'),
      e404:
        settings.errorFile404 === undefined
          ? undefined
          : await readErrorFile(settings.errorFile404, '--error-file-404 (ROUTER_ERRORFILE_404)'),
    };

    const store = createRouteStore({
      namespaceOwnership: settings.disableNamespaceOwnershipCheck ? 'InterNamespaceAllowed' : 'Strict',
      allowWildcardRoutes: settings.allowWildcardRoutes,
      ...(settings.routerDomain === undefined ? {} : { routerDomain: settings.routerDomain }),
      ...(settings.hostnameTemplate === undefined ? {} : { hostnameTemplate: settings.hostnameTemplate }),
      overrideHostname: settings.overrideHostname,
      overrideDomains: settings.overrideDomains,
      allowedDomains: settings.allowedDomains,
      deniedDomains: settings.deniedDomains,
      allowLoopbackEndpoints: settings.allowLoopbackEndpoints ?? settings.routes !== undefined,
      ...(defaultDestinationCaPath === undefined
        ? {}
        : { defaultDestinationCAPath: defaultDestinationCaPath }),
    });

    const engine: Engine =
      settings.engine === 'haproxy'
        ? createHaproxyEngine({
            settings,
            logger: logger.child({ component: 'haproxy' }),
            metrics,
            defaultCertificate,
            defaultDestinationCaPath,
            errorFiles,
            mutualTls,
            onRejectedChange: () => reportStatuses(),
          })
        : createNativeEngine({
            settings,
            logger,
            metrics,
            defaultCertificate,
            defaultDestinationCa,
            errorFiles,
            mutualTls,
          });

    let engineListeners: EngineListeners | undefined;
    let shuttingDown = false;
    const listen = listenTarget(settings);
    const probeAddress = reachableAddress(listen.host);

    const ops: OpsServer = await startOpsServer({
      host: listen.host,
      port: settings.statsPort,
      registry: metrics.registry,
      extraMetrics: () => engine.metrics(),
      ...(settings.statsUsername === undefined || settings.statsPassword === undefined
        ? {}
        : { metricsAuth: { username: settings.statsUsername, password: settings.statsPassword } }),
      liveness: { controller: () => true, 'data-plane': () => engine.alive() },
      readiness: {
        'has-synced': () => (engineListeners !== undefined ? true : 'the first sync is not served yet'),
        'process-running': () => (shuttingDown ? 'shutting down' : true),
        'backend-http': async () => {
          if (engineListeners === undefined) return 'not listening yet';
          const result = await probeHttp(probeAddress, engineListeners.httpPort, settings.proxyProtocol);
          metrics.ready.set(result === true && !shuttingDown ? 1 : 0);
          return result;
        },
      },
    });
    cleanups.push(() => ops.close());

    // Events are folded in order, one batch at a time; a batch that arrives while the engine
    // applies the previous one is merged with anything else that arrived meanwhile.
    let pending: RouterEvent[] = [];
    let processing: Promise<void> = Promise.resolve();
    let source: Source | undefined;
    let manifestProblems = 0;

    /** The store's statuses with the engine's own rejections applied (what is reported). */
    const effectiveStatuses = (): ReadonlyMap<string, RouteAdmissionStatus> => {
      const engineRejected = engine.rejected();
      if (engineRejected.size === 0) return store.statuses;
      const merged = new Map(store.statuses);
      for (const [key, condition] of engineRejected) {
        const status = merged.get(key);
        if (status !== undefined) merged.set(key, { ...status, admitted: false, condition });
      }
      return merged;
    };

    function reportStatuses(): void {
      const statuses = effectiveStatuses();
      updateRouteMetrics(statuses);
      if (store.synced) source?.afterApply(statuses);
    }

    const updateRouteMetrics = (statuses: ReadonlyMap<string, RouteAdmissionStatus>): void => {
      let admitted = 0;
      let rejected = 0;
      const reasons = new Map<string, number>();
      for (const status of statuses.values()) {
        if (status.admitted) admitted += 1;
        else {
          rejected += 1;
          const reason = status.condition.reason ?? 'Unknown';
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
      }
      metrics.routes.set({ state: 'admitted' }, admitted);
      metrics.routes.set({ state: 'rejected' }, rejected);
      metrics.rejections.reset();
      for (const [reason, count] of reasons) metrics.rejections.set({ reason }, count);
    };

    const logStatusChanges = (keys: readonly string[], table: RoutingTable): void => {
      for (const key of keys) {
        const status = store.statuses.get(key);
        const route = displayKey(key);
        if (status === undefined) {
          logger.info({ route }, `route ${route} removed`);
        } else if (status.admitted) {
          logger.info(
            { route, host: status.host },
            `route ${route} admitted: ${describeRoute(table.routes.get(key), status)}`,
          );
        } else {
          const { reason, message } = status.condition;
          logger.error(
            { route, host: status.host, reason, message },
            `route ${route} rejected: ${reason ?? 'Rejected'}: ${message ?? ''}`.trimEnd(),
          );
        }
        for (const diagnostic of status?.diagnostics ?? []) {
          logger.warn(
            { route, field: diagnostic.field },
            `route ${route}: ${diagnostic.field}: ${diagnostic.message}`,
          );
        }
      }
    };

    const processBatch = async (): Promise<void> => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      for (const event of batch) metrics.events.inc({ type: event.type });
      const started = performance.now();
      // A bad object costs only itself: see applyEvents.
      const change = applyEvents(store, batch, logger);
      metrics.syncDuration.observe((performance.now() - started) / 1000);
      reportStatuses();
      if (engineListeners === undefined) return; // the first table is served by engine.start
      logStatusChanges(change.statusesChanged, change.table);
      if (change.table !== change.previous) await engine.update(change.table);
    };

    const onEvents = (events: readonly RouterEvent[]): void => {
      pending.push(...events);
      processing = processing.then(processBatch).catch((error: unknown) => {
        logger.error({ err: error }, 'failed to apply a batch of events');
      });
    };

    source = await startSource(settings, logger, onEvents, (count) => {
      manifestProblems = count;
      metrics.manifestProblems.set(count);
    });
    cleanups.push(() => (source as Source).close());
    await processing;
    reportStatuses();
    if (!store.synced)
      throw new RouterError(
        'ERR_ROUTER_ENGINE',
        'The source finished its initial sync without a synced event',
      );

    let demo: DemoBackends | undefined;
    if (settings.demoBackends && settings.routes !== undefined) {
      demo = await startDemoBackends({ table: store.table, routesPath: settings.routes, logger });
      cleanups.push(() => (demo as DemoBackends).close());
    }

    const firstTable = store.table;
    engineListeners = await engine.start(firstTable);
    cleanups.push(() => engine.close(0));
    if (store.table !== firstTable) {
      // Events that arrived while the engine started.
      await engine.update(store.table);
    }
    await engine.settled();

    const listeners = { ...engineListeners, statsPort: ops.port };
    const summary = summarize({
      settings,
      listeners,
      store,
      statuses: effectiveStatuses(),
      engine: engine.name,
      manifestProblems,
      ...(demo === undefined ? {} : { demo }),
    });
    logger.info(
      options.print !== undefined
        ? { engine: engine.name, listeners: summary.listeners }
        : {
            engine: engine.name,
            listeners: summary.listeners,
            admitted: summary.admitted,
            rejected: summary.rejected,
            ...(summary.curl.length === 0 ? {} : { curl: summary.curl }),
          },
      `switchyard ${options.version} serving ${summary.admitted.length} admitted route(s), ${summary.rejected.length} rejected, with the ${engine.name} engine`,
    );
    for (const rejected of summary.rejected) {
      logger.error(
        { route: rejected.route, host: rejected.host, reason: rejected.reason, message: rejected.message },
        `route ${rejected.route} rejected: ${rejected.reason}: ${rejected.message}`,
      );
    }
    options.print?.(formatSummary(summary, options.version));

    let closing: Promise<void> | undefined;
    return {
      listeners,
      store,
      engine,
      metrics,
      summary,
      async settled(): Promise<void> {
        await processing;
        await engine.settled();
      },
      shutdown(): Promise<void> {
        closing ??= (async () => {
          shuttingDown = true;
          metrics.ready.set(0);
          logger.info(
            { delayMs: settings.gracefulShutdownDelay, drainMs: settings.drainTimeout },
            'shutting down: readiness is now false',
          );
          if (settings.gracefulShutdownDelay > 0) await sleep(settings.gracefulShutdownDelay);
          // The engine stops accepting in this same tick (no new connection after readiness
          // drops when there is no delay); in-flight requests drain meanwhile.
          const engineClosed = engine.close(settings.drainTimeout);
          logger.info('stopped accepting connections; draining in-flight requests');
          await (source as Source).close();
          await processing;
          await engineClosed;
          await demo?.close();
          await ops.close();
          logger.info('shutdown complete');
        })();
        return closing;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
