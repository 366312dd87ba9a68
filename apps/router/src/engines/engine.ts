/**
 * What the controller needs from a data plane. Two implementations: the native engine
 * (proxy-runtime, in this process) and the HAProxy engine (haproxy-renderer, a child process).
 */
import type { RouteIngressCondition, RoutingTable } from '@switchyard/route-model';
import type { EngineName } from '../settings.ts';

/** Ports the engine listens on once started. */
export interface EngineListeners {
  readonly httpPort: number;
  readonly httpsPort: number;
}

/** A data plane driven by the controller. */
export interface Engine {
  readonly name: EngineName;
  /** Binds the listeners and serves the first table. */
  start(table: RoutingTable): Promise<EngineListeners>;
  /**
   * Serves a new table. The native engine applies it at once and resolves when it is live; the
   * HAProxy engine hands it to its coalescing limiter (OpenShift's reload schedule) and resolves
   * at once, reporting the outcome in logs and metrics.
   */
  update(table: RoutingTable): Promise<void>;
  /** Resolves when every update handed over so far is live (tests and benchmarks). */
  settled(): Promise<void>;
  /**
   * Routes route-model admitted but this engine cannot serve (the HAProxy engine leaves out
   * routes whose values cannot be written into a configuration safely), keyed `namespace:name`,
   * with the `Admitted=False` condition to report.
   */
  rejected(): ReadonlyMap<string, RouteIngressCondition & { type: 'Admitted' }>;
  /** Prometheus text of the data plane's own metrics. */
  metrics(): Promise<string>;
  /** Liveness of the data plane itself (the HAProxy process is running). */
  alive(): true | string;
  /** Stops accepting connections, lets in-flight requests finish for up to `drainMs`, then stops. */
  close(drainMs: number): Promise<void>;
}
