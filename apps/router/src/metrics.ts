/**
 * The router's own Prometheus metrics (prom-client), named after OpenShift's where one exists
 * (`template_router_reload_seconds`, `template_router_reload_failure`,
 * `template_router_write_config_seconds`) plus Switchyard's admission and sync metrics.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry, Summary } from 'prom-client';

/** The metric objects the controller updates. */
export interface RouterMetrics {
  readonly registry: Registry;
  /** `switchyard_routes{state="admitted"|"rejected"}`. */
  readonly routes: Gauge<'state'>;
  /** `switchyard_route_rejections{reason}`: current rejected routes by reason. */
  readonly rejections: Gauge<'reason'>;
  /** `switchyard_sync_duration_seconds`: source events to a new routing table. */
  readonly syncDuration: Histogram<string>;
  /** `switchyard_apply_duration_seconds{engine}`: a table handed to the engine until it serves it. */
  readonly applyDuration: Histogram<'engine'>;
  /** `switchyard_events_total{source,type}`: events received from the source. */
  readonly events: Counter<'type'>;
  /** `switchyard_manifest_problems`: problems found in manifest files by the last scan. */
  readonly manifestProblems: Gauge<string>;
  /** `template_router_reload_seconds`: HAProxy reloads (OpenShift's name). */
  readonly reloadSeconds: Summary<string>;
  /** `template_router_reload_failure`: 1 when the last reload failed (OpenShift's name). */
  readonly reloadFailure: Gauge<string>;
  /** `template_router_write_config_seconds`: rendering and writing HAProxy files (OpenShift's name). */
  readonly writeConfigSeconds: Summary<string>;
  /** `switchyard_reloads_total{result}`. */
  readonly reloads: Counter<'result'>;
  /** `switchyard_runtime_updates_total`: HAProxy changes applied without a reload. */
  readonly runtimeUpdates: Counter<string>;
  /** `switchyard_routes_served`: routes in the table the data plane currently serves. */
  readonly routesServed: Gauge<string>;
  /** `switchyard_table_applies_total`: routing tables the data plane has started serving. */
  readonly tableApplies: Counter<string>;
  /** `switchyard_ready`: 1 when /healthz/ready answers 200. */
  readonly ready: Gauge<string>;
}

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Creates the router's registry with Node's default process metrics and the router metrics.
 * @param registry - an existing registry to add to. @default a new Registry
 * @returns the metrics
 */
export function createRouterMetrics(registry: Registry = new Registry()): RouterMetrics {
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    routes: new Gauge({
      name: 'switchyard_routes',
      help: 'Routes by admission state',
      labelNames: ['state'],
      registers,
    }),
    rejections: new Gauge({
      name: 'switchyard_route_rejections',
      help: 'Rejected routes by reason',
      labelNames: ['reason'],
      registers,
    }),
    syncDuration: new Histogram({
      name: 'switchyard_sync_duration_seconds',
      help: 'Time from a batch of source events to a new routing table',
      buckets: DURATION_BUCKETS,
      registers,
    }),
    applyDuration: new Histogram({
      name: 'switchyard_apply_duration_seconds',
      help: 'Time for the engine to serve a new routing table',
      labelNames: ['engine'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    events: new Counter({
      name: 'switchyard_events_total',
      help: 'Events received from the source of objects',
      labelNames: ['type'],
      registers,
    }),
    manifestProblems: new Gauge({
      name: 'switchyard_manifest_problems',
      help: 'Problems found in manifest files by the last scan (--routes)',
      registers,
    }),
    reloadSeconds: new Summary({
      name: 'template_router_reload_seconds',
      help: 'Time to reload HAProxy (HAProxy engine)',
      registers,
    }),
    reloadFailure: new Gauge({
      name: 'template_router_reload_failure',
      help: '1 when the last HAProxy reload failed',
      registers,
    }),
    writeConfigSeconds: new Summary({
      name: 'template_router_write_config_seconds',
      help: 'Time to render and write the HAProxy configuration',
      registers,
    }),
    reloads: new Counter({
      name: 'switchyard_reloads_total',
      help: 'HAProxy reloads by result',
      labelNames: ['result'],
      registers,
    }),
    runtimeUpdates: new Counter({
      name: 'switchyard_runtime_updates_total',
      help: 'HAProxy changes applied through the runtime API without a reload',
      registers,
    }),
    routesServed: new Gauge({
      name: 'switchyard_routes_served',
      help: 'Routes in the routing table the data plane currently serves',
      registers,
    }),
    tableApplies: new Counter({
      name: 'switchyard_table_applies_total',
      help: 'Routing tables the data plane has started serving',
      registers,
    }),
    ready: new Gauge({ name: 'switchyard_ready', help: '1 when the router is ready', registers }),
  };
}
