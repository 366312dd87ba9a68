/**
 * The native engine: proxy-runtime in this process. Each table is applied as it arrives (the
 * swap is atomic and drops no connection, so there is nothing to coalesce).
 */
import {
  type AccessLogEntry,
  createProxyRuntime,
  isProxyRuntimeError,
  type ProxyRuntime,
} from '@switchyard/proxy-runtime';
import type { RouteIngressCondition, RoutingTable } from '@switchyard/route-model';
import type { Logger } from 'pino';
import { RouterError } from '../errors.ts';
import type { ErrorFile } from '../internal/error-file.ts';
import type { MutualTlsMaterial } from '../internal/pem-file.ts';
import type { RouterMetrics } from '../metrics.ts';
import {
  compressionMimeTypes,
  h1CaseNames,
  listenTarget,
  maxRequestHeadSize,
  parseGlobalHeaderActions,
  type RouterSettings,
  resolveCipherList,
  tlsListenerSettings,
} from '../settings.ts';
import { createSyslogSender, formatTrafficLine, type SyslogSender } from '../syslog.ts';
import type { Engine, EngineListeners } from './engine.ts';

const NONE: ReadonlyMap<string, RouteIngressCondition & { type: 'Admitted' }> = new Map();

/** Inputs of {@link createNativeEngine}. */
export interface NativeEngineOptions {
  readonly settings: RouterSettings;
  readonly logger: Logger;
  readonly metrics: RouterMetrics;
  readonly defaultCertificate: { cert: string; key: string } | undefined;
  readonly defaultDestinationCa: string | undefined;
  /** `--error-file-503` and `--error-file-404`, read and checked at start. */
  /** `--mutual-tls*`, read at start. */
  readonly mutualTls: MutualTlsMaterial | undefined;
  readonly errorFiles: { readonly e503: ErrorFile | undefined; readonly e404: ErrorFile | undefined };
}

/**
 * Creates the native engine.
 * @param options - settings, logger, metrics and the default TLS material
 * @returns the engine (not listening yet)
 */
export function createNativeEngine(options: NativeEngineOptions): Engine {
  const { settings, logger, metrics } = options;
  let runtime: ProxyRuntime | undefined;
  let queue: Promise<void> = Promise.resolve();
  const accessLogger = logger.child({ component: 'access' });
  let syslog: SyslogSender | undefined;

  return {
    name: 'native',
    async start(table: RoutingTable): Promise<EngineListeners> {
      const started = performance.now();
      // Before the runtime: an address the native engine cannot use is a settings error.
      syslog =
        settings.syslogAddress === undefined
          ? undefined
          : createSyslogSender({
              address: settings.syslogAddress,
              facility: settings.syslogFacility,
              level: settings.syslogLevel,
              maxLength: settings.syslogMaxLength,
            });
      const toSyslog = syslog;
      const onAccessLog =
        settings.accessLog || toSyslog !== undefined
          ? (entry: AccessLogEntry): void => {
              if (settings.accessLog) accessLogger.info(entry, 'request');
              // `option dontlognull`: a session that carried nothing is not logged.
              if (settings.dontLogNull && entry.kind === 'tcp' && entry.bytesIn === 0 && entry.bytesOut === 0)
                return;
              toSyslog?.send('info', formatTrafficLine(entry));
            }
          : undefined;
      const compressionTypes = compressionMimeTypes(settings);
      const requestHeaders = parseGlobalHeaderActions(settings.httpRequestHeaders).actions;
      const responseHeaders = parseGlobalHeaderActions(settings.httpResponseHeaders).actions;
      try {
        runtime = createProxyRuntime({
          ...listenTarget(settings),
          httpPort: settings.httpPort,
          httpsPort: settings.httpsPort,
          table,
          ...(options.defaultCertificate === undefined
            ? {}
            : { defaultCertificate: options.defaultCertificate }),
          ...(options.defaultDestinationCa === undefined
            ? {}
            : { defaultDestinationCA: options.defaultDestinationCa }),
          disableHttp2: settings.disableHttp2,
          ciphers: resolveCipherList(settings.ciphers),
          ...tlsListenerSettings(settings),
          ...(options.mutualTls === undefined
            ? {}
            : {
                mutualTls: {
                  verify: options.mutualTls.verify,
                  ca: options.mutualTls.ca,
                  ...(options.mutualTls.crl === undefined ? {} : { crl: options.mutualTls.crl }),
                  ...(options.mutualTls.subjectFilter === undefined
                    ? {}
                    : { subjectFilter: options.mutualTls.subjectFilter }),
                },
              }),
          proxyProtocol: settings.proxyProtocol,
          loadBalanceAlgorithm: settings.loadBalanceAlgorithm,
          tcpBalanceScheme: settings.tcpBalanceScheme,
          forwardedHeaders: settings.setForwardedHeaders,
          ...(settings.cookieName === undefined ? {} : { cookieName: settings.cookieName }),
          maxConnections: settings.maxConnections,
          ...(options.errorFiles.e503 === undefined ? {} : { errorFile503: options.errorFiles.e503.text }),
          ...(options.errorFiles.e404 === undefined ? {} : { errorFile404: options.errorFiles.e404.text }),
          maxHeaderSize: maxRequestHeadSize(settings),
          workers: settings.threads,
          timeouts: {
            connect: settings.connectTimeout,
            client: settings.clientTimeout,
            server: settings.serverTimeout,
            tunnel: settings.tunnelTimeout,
            httpRequest: settings.httpRequestTimeout,
            httpKeepAlive: settings.httpKeepaliveTimeout,
            inspectDelay: settings.inspectDelay,
          },
          ...(onAccessLog === undefined ? {} : { onAccessLog }),
          ...(compressionTypes === undefined ? {} : { compressionMimeTypes: compressionTypes }),
          requestHeaders,
          responseHeaders,
          h1CaseAdjust: h1CaseNames(settings),
        });
        const addresses = await runtime.listen();
        metrics.routesServed.set(table.routes.size);
        metrics.tableApplies.inc();
        metrics.applyDuration.observe({ engine: 'native' }, (performance.now() - started) / 1000);
        return {
          httpPort: addresses.httpPort ?? settings.httpPort,
          httpsPort: addresses.httpsPort ?? settings.httpsPort,
        };
      } catch (cause) {
        const listen = isProxyRuntimeError(cause) && cause.code === 'ERR_PROXY_RUNTIME_LISTEN';
        const detail = (cause as Error & { cause?: Error }).cause?.message ?? (cause as Error).message;
        throw new RouterError(
          listen ? 'ERR_ROUTER_LISTEN' : 'ERR_ROUTER_ENGINE',
          listen
            ? `Cannot listen on ${settings.listenAddress} ports ${settings.httpPort} (--http-port) and ${settings.httpsPort} (--https-port): ${detail}`
            : `The native engine failed to start: ${(cause as Error).message}`,
          { cause },
        );
      }
    },
    update(table: RoutingTable): Promise<void> {
      // Serialised so that tables are applied in order even if one update is slow.
      queue = queue.then(async () => {
        if (runtime === undefined) return;
        const started = performance.now();
        try {
          await runtime.update(table);
          metrics.routesServed.set(table.routes.size);
          metrics.tableApplies.inc();
          metrics.applyDuration.observe({ engine: 'native' }, (performance.now() - started) / 1000);
        } catch (error) {
          logger.error(
            { err: error },
            'the native engine could not apply the routing table; it keeps the previous one',
          );
        }
      });
      return queue;
    },
    settled(): Promise<void> {
      return queue;
    },
    rejected(): ReadonlyMap<string, RouteIngressCondition & { type: 'Admitted' }> {
      return NONE;
    },
    async metrics(): Promise<string> {
      return runtime === undefined ? '' : runtime.metrics();
    },
    alive(): true | string {
      return true;
    },
    async close(drainMs: number): Promise<void> {
      // Called synchronously first: the listeners stop accepting in this tick, before anything
      // else can run (readiness has just turned false).
      const closing = runtime?.close({ graceMs: drainMs });
      await queue;
      await closing;
      syslog?.close();
    },
  };
}
