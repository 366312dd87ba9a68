/**
 * The HAProxy engine: haproxy-renderer writes `haproxy.config`, the maps and the certificates
 * into a working directory, and runs HAProxy in master-worker mode, reloading through its
 * master CLI. Changes go through OpenShift's coalescing limiter (`RELOAD_INTERVAL`): the first
 * change after an idle period reloads at once, later ones within the interval merge into one
 * reload, and reloads never overlap. A configuration HAProxy refuses leaves the running one in
 * place (and is reported); the next change retries.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  HaproxyProcess,
  isHaproxyRendererError,
  type RenderOptions,
  type RenderResult,
  planUpdate,
  RuntimeApi,
  renderHaproxyConfig,
} from '@switchyard/haproxy-renderer';
import type { RouteIngressCondition, RoutingTable } from '@switchyard/route-model';
import type { Logger } from 'pino';
import { type Coalescer, createCoalescer } from '../coalescer.ts';
import { RouterError } from '../errors.ts';
import { formatHaproxyStats } from '../internal/haproxy-stats.ts';
import type { RouterMetrics } from '../metrics.ts';
import type { ErrorFile } from '../internal/error-file.ts';
import type { MutualTlsMaterial } from '../internal/pem-file.ts';
import {
  compressionMimeTypes,
  h1CaseNames,
  parseGlobalHeaderActions,
  type RouterSettings,
  tlsListenerSettings,
} from '../settings.ts';
import type { Engine, EngineListeners } from './engine.ts';

/** Inputs of {@link createHaproxyEngine}. */
export interface HaproxyEngineOptions {
  readonly settings: RouterSettings;
  readonly logger: Logger;
  readonly metrics: RouterMetrics;
  /** `--default-certificate` contents; generated with openssl when absent. */
  readonly defaultCertificate: { cert: string; key: string } | undefined;
  readonly defaultDestinationCaPath: string | undefined;
  /** `--error-file-503` and `--error-file-404`, read and checked at start. */
  /** `--mutual-tls*`, read at start. */
  readonly mutualTls: MutualTlsMaterial | undefined;
  readonly errorFiles: { readonly e503: ErrorFile | undefined; readonly e404: ErrorFile | undefined };
  /** Called when the set of routes left out of the configuration changes. */
  readonly onRejectedChange?: () => void;
}

function generateDefaultCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const keyPath = join(dir, 'default-generated.key');
  const certPath = join(dir, 'default-generated.crt');
  return new Promise((resolvePromise, reject) => {
    execFile(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=switchyard-default-certificate',
        '-days',
        '3650',
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { timeout: 20_000 },
      async (error) => {
        if (error !== null) {
          reject(
            new RouterError(
              'ERR_ROUTER_INVALID_SETTING',
              `--engine haproxy needs a default certificate: pass --default-certificate <pem> (DEFAULT_CERTIFICATE_PATH), or install openssl so that one can be generated (${error.message})`,
              { cause: error },
            ),
          );
          return;
        }
        const { readFile } = await import('node:fs/promises');
        resolvePromise({ cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') });
      },
    );
  });
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/**
 * Creates the HAProxy engine (the binary was checked by the caller).
 * @param options - settings, logger, metrics and TLS material
 * @returns the engine (not started)
 */
export function createHaproxyEngine(options: HaproxyEngineOptions): Engine {
  const { settings, logger, metrics } = options;
  let workDir: string | undefined;
  let ownsWorkDir = false;
  let process_: HaproxyProcess | undefined;
  let coalescer: Coalescer | undefined;
  let latest: RoutingTable | undefined;
  let renderOptions: RenderOptions | undefined;
  let rejected: ReadonlyMap<string, RouteIngressCondition & { type: 'Admitted' }> = new Map();

  const render = (table: RoutingTable): RenderResult => {
    const started = performance.now();
    const result = renderHaproxyConfig(table, renderOptions as RenderOptions);
    metrics.writeConfigSeconds.observe((performance.now() - started) / 1000);
    const now = new Map(result.rejected.map((r) => [r.key, r.condition] as const));
    for (const entry of result.rejected) {
      if (rejected.has(entry.key)) continue;
      const route = entry.key.replace(':', '/');
      logger.error(
        { route, field: entry.field, reason: entry.condition.reason },
        `route ${route} cannot be rendered for HAProxy and is left out: ${entry.field}: ${entry.message}`,
      );
    }
    const changed = now.size !== rejected.size || [...now.keys()].some((key) => !rejected.has(key));
    rejected = now;
    if (changed) options.onRejectedChange?.();
    return result;
  };

  let lastApplied: RenderResult | undefined;
  // Every change to the running HAProxy goes through this chain, in order.
  let serial: Promise<void> = Promise.resolve();
  const inSerial = (fn: () => Promise<void>): Promise<void> => {
    const run = serial.then(fn, fn);
    serial = run.catch(() => undefined);
    return run;
  };

  const applyRender = async (
    running: HaproxyProcess,
    table: RoutingTable,
    result: RenderResult,
  ): Promise<void> => {
    const started = performance.now();
    // Server-only changes go through the runtime API (no reload); anything else reloads.
    const outcome = await running.update(result);
    const seconds = (performance.now() - started) / 1000;
    if (outcome.ok) {
      if (outcome.mode === 'runtime') metrics.runtimeUpdates.inc();
      else {
        metrics.reloadSeconds.observe(seconds);
        metrics.reloadFailure.set(0);
        metrics.reloads.inc({ result: 'ok' });
      }
      lastApplied = result;
      metrics.routesServed.set(table.routes.size - result.rejected.length);
      metrics.tableApplies.inc();
      metrics.applyDuration.observe({ engine: 'haproxy' }, seconds);
      logger.debug(
        { seconds, mode: outcome.mode, reasons: outcome.reasons, commands: outcome.commands },
        outcome.mode === 'runtime' ? 'HAProxy updated through the runtime API' : 'HAProxy reloaded',
      );
    } else {
      metrics.reloadSeconds.observe(seconds);
      metrics.reloadFailure.set(1);
      metrics.reloads.inc({ result: 'failed' });
      logger.error(
        { stage: outcome.stage, output: lastLines(outcome.output, 20) },
        `HAProxy ${outcome.stage === 'validate' ? 'refused the new configuration' : 'failed to reload'}; it keeps serving the previous one`,
      );
    }
  };

  /** The coalesced run (OpenShift's limiter): applies the latest table, reloading if needed. */
  const applyLatest = (): Promise<void> =>
    inSerial(async () => {
      const table = latest;
      const running = process_;
      if (table === undefined || running === undefined) return;
      await applyRender(running, table, render(table));
    });

  /**
   * Changes that need no reload (servers added, removed, re-weighted; map contents) are applied
   * at once, as OpenShift's dynamic configuration manager applies endpoint changes; anything
   * that needs a reload is handed to the limiter.
   */
  const applyWithoutReload = (): Promise<void> =>
    inSerial(async () => {
      const table = latest;
      const running = process_;
      if (table === undefined || running === undefined || coalescer === undefined) return;
      if (coalescer.busy || lastApplied === undefined) {
        coalescer.registerChange();
        return;
      }
      const result = render(table);
      if (planUpdate(lastApplied, result).reload) coalescer.registerChange();
      else await applyRender(running, table, result);
    });

  return {
    name: 'haproxy',
    async start(table: RoutingTable): Promise<EngineListeners> {
      if (settings.httpPort === 0 || settings.httpsPort === 0)
        throw new RouterError(
          'ERR_ROUTER_INVALID_SETTING',
          '--engine haproxy needs explicit --http-port and --https-port (0, a port picked by the system, works only with the native engine)',
        );
      if (settings.workDir === undefined) {
        // Short path: HAProxy's unix sockets live under it (107-byte limit).
        workDir = await mkdtemp(join(tmpdir(), 'sy-haproxy-'));
        ownsWorkDir = true;
      } else workDir = resolve(settings.workDir);
      const certificate = options.defaultCertificate ?? (await generateDefaultCertificate(workDir));
      const compressionTypes = compressionMimeTypes(settings);
      renderOptions = {
        workingDir: workDir,
        layout: settings.haproxyLayout,
        bindAddress: settings.listenAddress === '0.0.0.0' ? '' : settings.listenAddress,
        ipMode: settings.ipMode,
        httpPort: settings.httpPort,
        httpsPort: settings.httpsPort,
        maxConnections: settings.maxConnections,
        ...(settings.syslogAddress === undefined
          ? {}
          : {
              syslog: {
                address: settings.syslogAddress,
                facility: settings.syslogFacility,
                level: settings.syslogLevel,
                maxLength: settings.syslogMaxLength,
                ...(settings.syslogFormat === undefined ? {} : { format: settings.syslogFormat }),
              },
            }),
        requestHeaders: parseGlobalHeaderActions(settings.httpRequestHeaders).actions,
        responseHeaders: parseGlobalHeaderActions(settings.httpResponseHeaders).actions,
        dontLogNull: settings.dontLogNull,
        h1CaseAdjust: h1CaseNames(settings),
        httpIgnoreProbes: settings.httpIgnoreProbes,
        ...(compressionTypes === undefined ? {} : { compressionMimeTypes: compressionTypes }),
        ...(options.errorFiles.e503 === undefined ? {} : { errorFile503: options.errorFiles.e503.path }),
        ...(options.errorFiles.e404 === undefined ? {} : { errorFile404: options.errorFiles.e404.path }),
        bufSize: settings.bufSize,
        maxRewriteSize: settings.maxRewriteSize,
        ...(settings.threads > 1 ? { threads: settings.threads } : {}),
        ...(settings.hardStopAfter === undefined ? {} : { hardStopAfter: `${settings.hardStopAfter}ms` }),
        timeouts: {
          connect: `${settings.connectTimeout}ms`,
          client: `${settings.clientTimeout}ms`,
          clientFin: `${settings.clientFinTimeout}ms`,
          server: `${settings.serverTimeout}ms`,
          serverFin: `${settings.serverFinTimeout}ms`,
          httpRequest: `${settings.httpRequestTimeout}ms`,
          httpKeepAlive: `${settings.httpKeepaliveTimeout}ms`,
          tunnel: `${settings.tunnelTimeout}ms`,
          inspectDelay: `${settings.inspectDelay}ms`,
        },
        disableHttp2: settings.disableHttp2,
        ciphers: settings.ciphers,
        ...tlsListenerSettings(settings),
        ...(options.mutualTls === undefined
          ? {}
          : {
              mutualTls: {
                verify: options.mutualTls.verify,
                caFile: options.mutualTls.caPath,
                ...(options.mutualTls.crlPath === undefined ? {} : { crlFile: options.mutualTls.crlPath }),
                ...(options.mutualTls.subjectFilter === undefined
                  ? {}
                  : { subjectFilter: options.mutualTls.subjectFilter }),
              },
            }),
        useProxyProtocol: settings.proxyProtocol,
        loadBalanceAlgorithm: settings.loadBalanceAlgorithm,
        tcpBalanceScheme: settings.tcpBalanceScheme,
        ...(settings.cookieName === undefined ? {} : { cookieName: settings.cookieName }),
        setForwardedHeaders: settings.setForwardedHeaders,
        defaultCertificate: `${certificate.key.trim()}\n${certificate.cert.trim()}\n`,
        ...(options.defaultDestinationCaPath === undefined
          ? {}
          : { defaultDestinationCAPath: resolve(options.defaultDestinationCaPath) }),
        allowWildcardRoutes: settings.allowWildcardRoutes,
        dynamicServers: settings.haproxyConfigManager,
        idleCloseOnResponse: settings.idleCloseOnResponse,
      };
      const started = performance.now();
      let first: RenderResult;
      try {
        first = render(table);
      } catch (cause) {
        throw new RouterError(
          'ERR_ROUTER_ENGINE',
          `Cannot render the HAProxy configuration: ${(cause as Error).message}`,
          {
            cause,
          },
        );
      }
      process_ = new HaproxyProcess({
        workingDir: workDir,
        binary: settings.haproxyBinary,
        stopTimeoutMs: settings.drainTimeout,
        onLog: (line) => logger.debug({ haproxy: line }, 'haproxy output'),
      });
      try {
        await process_.start(first);
      } catch (cause) {
        const output = isHaproxyRendererError(cause)
          ? String((cause as { output?: unknown }).output ?? process_.output)
          : process_.output;
        const inUse = /cannot bind socket|Address already in use/i.test(output);
        throw new RouterError(
          inUse ? 'ERR_ROUTER_LISTEN' : 'ERR_ROUTER_ENGINE',
          inUse
            ? `HAProxy cannot listen on ports ${settings.httpPort} (--http-port) and ${settings.httpsPort} (--https-port): ${lastLines(output, 5)}`
            : `HAProxy failed to start: ${(cause as Error).message}\n${lastLines(output, 20)}`,
          { cause },
        );
      }
      const seconds = (performance.now() - started) / 1000;
      metrics.applyDuration.observe({ engine: 'haproxy' }, seconds);
      metrics.routesServed.set(table.routes.size - first.rejected.length);
      metrics.tableApplies.inc();
      logger.info({ workDir, pid: process_.pid, layout: settings.haproxyLayout }, 'HAProxy started');
      coalescer = createCoalescer({
        intervalMs: settings.reloadInterval,
        run: applyLatest,
        onError: (error) => {
          metrics.reloadFailure.set(1);
          metrics.reloads.inc({ result: 'failed' });
          logger.error(
            { err: error },
            'applying the routing table to HAProxy failed; the next change retries',
          );
        },
      });
      latest = table;
      lastApplied = first;
      return { httpPort: settings.httpPort, httpsPort: settings.httpsPort };
    },
    async update(table: RoutingTable): Promise<void> {
      latest = table;
      if (coalescer === undefined) return;
      if (coalescer.busy) coalescer.registerChange();
      else void applyWithoutReload();
    },
    async settled(): Promise<void> {
      await serial;
      await coalescer?.idle();
      await serial;
    },
    rejected(): ReadonlyMap<string, RouteIngressCondition & { type: 'Admitted' }> {
      return rejected;
    },
    async metrics(): Promise<string> {
      const running = process_;
      if (running === undefined || !running.running) return '';
      try {
        const info = await running.showProc();
        const stats = await new RuntimeApi({ socketPath: running.statsSocket })
          .command('show stat')
          .then(formatHaproxyStats, () => '');
        return [
          '# HELP haproxy_workers Current HAProxy worker processes',
          '# TYPE haproxy_workers gauge',
          `haproxy_workers ${info.workers.length}`,
          '# HELP haproxy_old_workers HAProxy workers still draining connections of earlier configurations',
          '# TYPE haproxy_old_workers gauge',
          `haproxy_old_workers ${info.oldWorkers.length}`,
          '# HELP haproxy_master_reloads HAProxy reloads since the master started',
          '# TYPE haproxy_master_reloads gauge',
          `haproxy_master_reloads ${info.reloads}`,
          stats,
        ].join('\n');
      } catch {
        return '';
      }
    },
    alive(): true | string {
      if (process_ === undefined) return true;
      return process_.running ? true : 'the HAProxy process is not running';
    },
    async close(drainMs: number): Promise<void> {
      const stopping = coalescer?.stop();
      // SIGUSR1 right away: the workers stop accepting in this tick and drain what is in flight.
      const stopped = process_?.stop({ timeoutMs: drainMs });
      await stopping;
      await stopped;
      if (ownsWorkDir && workDir !== undefined) await rm(workDir, { recursive: true, force: true });
    },
  };
}
